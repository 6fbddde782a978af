import pandas as pd

from birnn.tokenize import tokenize, tokenize_texts


def test_words_apostrophes_and_punctuation():
    tokens = tokenize_texts(pd.Series(["it wasn't great!", "", "naïve café, 東京"]))
    assert tokens.tolist() == [["it", "wasn't", "great", "!"], [], ["naïve", "café", ",", "東京"]]


def test_stage_round_trips_through_parquet(tmp_path):
    pd.DataFrame({"text": ["a b", "c"], "label": [0, 1]}).to_parquet(tmp_path / "clean.parquet")
    summary = tokenize(tmp_path / "clean.parquet", tmp_path / "tokens.parquet")
    out = pd.read_parquet(tmp_path / "tokens.parquet")
    assert summary.rows == 2 and summary.tokens == 3
    assert [list(t) for t in out["tokens"]] == [["a", "b"], ["c"]]
