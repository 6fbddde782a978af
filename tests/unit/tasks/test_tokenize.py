import pandas as pd

from birnn.tasks.text.tokenize import tokenize, tokenize_texts


def test_words_apostrophes_and_punctuation():
    tokens = tokenize_texts(pd.Series(["it wasn't great!", "", "naïve café, 東京"]))
    assert tokens.tolist() == [["it", "wasn't", "great", "!"], [], ["naïve", "café", ",", "東京"]]


def test_stage_round_trips_through_parquet(tmp_path):
    pd.DataFrame({"text": ["a b", "c"], "label": [0, 1]}).to_parquet(tmp_path / "clean.parquet")
    summary = tokenize(tmp_path / "clean.parquet", tmp_path / "tokens.parquet")
    out = pd.read_parquet(tmp_path / "tokens.parquet")
    assert summary.rows == 2 and summary.tokens == 3
    assert [list(t) for t in out["tokens"]] == [["a", "b"], ["c"]]


def test_emoticons_and_placeholders_are_single_tokens():
    tokens = tokenize_texts(
        pd.Series(
            ["loved it :) :-( ;d :p =) :/ :'( <3 ^_^ xxurl xxuser", "at 10:30 re:do c:\\path"]
        )
    )
    assert tokens[0] == [
        "loved",
        "it",
        ":)",
        ":-(",
        ";d",
        ":p",
        "=)",
        ":/",
        ":'(",
        "<3",
        "^_^",
        "xxurl",
        "xxuser",
    ]
    assert tokens[1] == ["at", "10", ":", "30", "re", ":", "do", "c", ":", "\\", "path"]


def test_a_given_split_column_travels_with_the_tokens(tmp_path):
    pd.DataFrame({"text": ["a b", "c"], "label": [0, 1], "split": ["train", "test"]}).to_parquet(
        tmp_path / "c.parquet"
    )
    tokenize(tmp_path / "c.parquet", tmp_path / "t.parquet")
    assert pd.read_parquet(tmp_path / "t.parquet")["split"].tolist() == ["train", "test"]
