import json

import numpy as np
import pandas as pd
import pytest

from birnn.config import SplitParams
from birnn.tasks.text.split import OOV, build_vocab, choose_max_len, encode, split, split_indices


def _tokens_file(tmp_path, n=200):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(30)]
    tokens = [list(rng.choice(words, size=rng.integers(1, 12))) for _ in range(n)]
    labels = (np.arange(n) % 3 == 0).astype("int8")  # imbalanced on purpose
    path = tmp_path / "tokens.parquet"
    pd.DataFrame({"tokens": tokens, "label": labels}).to_parquet(path)
    return path, labels


def test_split_is_stratified_and_disjoint():
    labels = (np.arange(1000) % 4 == 0).astype(int)
    parts = split_indices(labels, 0.2, 0.1, seed=0)
    assert sum(len(p) for p in parts.values()) == 1000
    assert not set(parts["train"]) & set(parts["test"]) and not set(parts["val"]) & set(
        parts["test"]
    )
    for rows in parts.values():
        assert abs(labels[rows].mean() - 0.25) < 0.02


def test_vocab_is_ordered_by_count_then_word_and_respects_min_count():
    vocab = build_vocab(pd.Series([["b", "a", "c"], ["a", "b"], ["a"]]), vocab_size=10, min_count=2)
    assert vocab == ["a", "b"]
    assert build_vocab(pd.Series([["b", "a", "c"]]), vocab_size=4, min_count=1) == ["a", "b"]


def test_encode_pads_right_and_truncates_either_end():
    tokens = pd.Series([["a", "b"], ["a", "x", "b", "a"], []])
    pre = encode(tokens, ["a", "b"], max_len=3, truncating="pre")
    post = encode(tokens, ["a", "b"], max_len=3, truncating="post")
    assert pre.tolist() == [[2, 3, 0], [OOV, 3, 2], [0, 0, 0]]
    assert post.tolist() == [[2, 3, 0], [2, OOV, 3], [0, 0, 0]]
    assert pre.dtype == np.int32


def test_head_tail_keeps_the_first_head_tokens_and_the_last_of_the_rest():
    words = [f"w{i}" for i in range(10)]
    tokens = pd.Series([words, words[:4]])
    ids = encode(tokens, words, max_len=5, truncating="head_tail", head_tokens=2)
    # ids are word index + 2: the head w0 w1, then the tail w7 w8 w9; a short text is untouched
    assert ids.tolist() == [[2, 3, 9, 10, 11], [2, 3, 4, 5, 0]]
    # a head as long as max_len is the same as keeping the start
    assert (
        encode(tokens, words, 5, "head_tail", head_tokens=9) == encode(tokens, words, 5, "post")
    ).all()
    assert (
        encode(tokens, words, 5, "head_tail", head_tokens=0) == encode(tokens, words, 5, "pre")
    ).all()


def test_split_writes_truncation_and_training_counts_to_the_vocabulary(tmp_path):
    path, _ = _tokens_file(tmp_path)
    params = SplitParams(truncating="head_tail", head_tokens=3, max_len=6)
    split(path, params, seed=0, out_dir=tmp_path / "out")
    vocab = json.loads((tmp_path / "out" / "vocab.json").read_text())
    assert vocab["truncating"] == "head_tail" and vocab["head_tokens"] == 3
    counts = vocab["counts"]
    assert len(counts) == len(vocab["words"]) + 2 and counts[0] == 0
    # words are ordered by training count, so their counts never rise
    assert counts[2:] == sorted(counts[2:], reverse=True) and counts[2] > 0


def test_auto_max_len_follows_training_lengths_and_cap():
    lengths = pd.Series(range(1, 101))
    assert choose_max_len(lengths, SplitParams(max_len="auto", max_len_quantile=0.9)) == 91
    assert choose_max_len(lengths, SplitParams(max_len="auto", max_len_cap=50)) == 50
    assert choose_max_len(lengths, SplitParams(max_len=7)) == 7


def test_vocabulary_never_sees_test_only_words(tmp_path):
    path = tmp_path / "tokens.parquet"
    frame = pd.DataFrame(
        {
            "tokens": [[f"common{i % 5}", f"unique{i}"] for i in range(100)],
            "label": np.arange(100) % 2,
        }
    )
    frame.to_parquet(path)
    split(path, SplitParams(min_count=1), seed=0, out_dir=tmp_path / "p")
    vocab = set(json.loads((tmp_path / "p" / "vocab.json").read_text())["words"])
    test_rows = np.load(tmp_path / "p" / "test.npz")["row"]
    assert not vocab & {f"unique{i}" for i in test_rows}
    assert {f"unique{i}" for i in np.load(tmp_path / "p" / "train.npz")["row"]} <= vocab


def test_same_seed_gives_byte_identical_files(tmp_path):
    path, _ = _tokens_file(tmp_path)
    split(path, SplitParams(), seed=3, out_dir=tmp_path / "a")
    split(path, SplitParams(), seed=3, out_dir=tmp_path / "b")
    for name in ("train.npz", "val.npz", "test.npz", "vocab.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_too_few_rows_is_a_clear_error(tmp_path):
    path = tmp_path / "tokens.parquet"
    pd.DataFrame({"tokens": [["a"]] * 6, "label": [0, 1] * 3}).to_parquet(path)
    with pytest.raises(ValueError, match="too few rows to split"):
        split(path, SplitParams(), seed=0, out_dir=tmp_path / "p")


def test_given_strategy_keeps_the_sources_test_rows(tmp_path):
    path, labels = _tokens_file(tmp_path, n=200)
    frame = pd.read_parquet(path)
    frame["split"] = np.where(np.arange(200) < 120, "train", "test")
    frame.to_parquet(path)
    summary = split(path, SplitParams(strategy="given", val_size=0.25), 5, tmp_path / "out")
    rows = {
        name: np.load(tmp_path / "out" / f"{name}.npz")["row"] for name in ("train", "val", "test")
    }
    assert rows["test"].tolist() == list(range(120, 200))
    assert sorted(np.concatenate([rows["train"], rows["val"]]).tolist()) == list(range(120))
    assert (summary.train, summary.val, summary.test) == (90, 30, 80)
    frame.drop(columns="split").to_parquet(path)
    with pytest.raises(ValueError, match="no split of its own: name its column"):
        split(path, SplitParams(strategy="given"), 5, tmp_path / "out2")


def test_given_strategy_keeps_the_datas_own_validation_rows(tmp_path):
    path, _ = _tokens_file(tmp_path, n=200)
    frame = pd.read_parquet(path)
    frame["split"] = np.select(
        [np.arange(200) < 100, np.arange(200) < 150], ["train", "val"], default="test"
    )
    frame.to_parquet(path)
    summary = split(path, SplitParams(strategy="given"), 5, tmp_path / "out")
    rows = {
        name: np.load(tmp_path / "out" / f"{name}.npz")["row"] for name in ("train", "val", "test")
    }
    assert rows["train"].tolist() == list(range(100)) and rows["val"].tolist() == list(
        range(100, 150)
    )
    assert rows["test"].tolist() == list(range(150, 200)) and summary.val == 50


def test_unstratified_split_is_seeded_disjoint_and_complete():
    parts = split_indices(np.arange(200), 0.15, 0.15, seed=1, stratify=False)
    again = split_indices(np.arange(200), 0.15, 0.15, seed=1, stratify=False)
    assert all(np.array_equal(parts[k], again[k]) for k in parts)
    assert sorted(np.concatenate(list(parts.values())).tolist()) == list(range(200))
    assert len(parts["test"]) == 30 and abs(len(parts["val"]) - 30) <= 1  # rounding of 0.15 / 0.85
