"""Stratified train/val/test split, a vocabulary fitted on the training split only, and
integer encoding with padding to a fixed length.

Ids: 0 = padding, 1 = out-of-vocabulary, 2.. = words by descending training frequency
(ties broken alphabetically, so the vocabulary is deterministic).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .config import SplitParams
from .files import atomic_path, read_json, write_json

PAD, OOV = 0, 1
SPLITS = ("train", "val", "test")
VOCAB_FILE = "vocab.json"


@dataclass(frozen=True)
class SplitSummary:
    train: int
    val: int
    test: int
    vocab_size: int
    max_len: int
    oov_rate_test: float
    truncated_share: float


def split_indices(labels: np.ndarray, test_size: float, val_size: float,
                  seed: int, stratify: bool = True) -> dict[str, np.ndarray]:
    """Stratified row indices for train/val/test (sorted, so outputs keep corpus order).

    ``stratify=False``: a plain seeded random split; ``labels`` then only give the row count.
    """
    from sklearn.model_selection import train_test_split  # only the split stage needs sklearn

    index = np.arange(len(labels))
    strata = labels if stratify else None
    rest, test = train_test_split(index, test_size=test_size, stratify=strata, random_state=seed)
    val_share = val_size / (1.0 - test_size)
    train, val = train_test_split(rest, test_size=val_share, stratify=None if strata is None else strata[rest],
                                  random_state=seed)
    return {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}


def given_split_indices(frame: pd.DataFrame, labels: np.ndarray, val_size: float,
                        seed: int) -> dict[str, np.ndarray]:
    """split.strategy: given -- the source's own test rows stay the test split; ``val_size``
    of the source's training rows (stratified) become the validation split."""
    from sklearn.model_selection import train_test_split

    if "split" not in frame.columns:
        raise ValueError("split.strategy is 'given' but this source has no train/test split of its "
                         "own (only imdb has one); use split.strategy: stratified")
    given = frame["split"].astype(str).to_numpy()
    test, rest = np.flatnonzero(given == "test"), np.flatnonzero(given == "train")
    if len(test) == 0 or len(rest) == 0:
        raise ValueError(f"split.strategy is 'given' but the data has {len(rest)} train and "
                         f"{len(test)} test rows; both are needed")
    train, val = train_test_split(rest, test_size=val_size, stratify=labels[rest], random_state=seed)
    return {"train": np.sort(train), "val": np.sort(val), "test": test}


def build_vocab(tokens: pd.Series, vocab_size: int, min_count: int) -> list[str]:
    """Words of ``tokens`` (the training split) kept by frequency; index i is id i+2."""
    flat, _ = _flat_tokens(_as_arrow(tokens))
    return _count_vocab(flat, vocab_size, min_count)


def choose_max_len(train_lengths: pd.Series, params: SplitParams) -> int:
    """The fixed sequence length: given, or a quantile of the training lengths (capped).

    Only training rows are looked at, like the vocabulary.
    """
    if params.max_len != "auto":
        return int(params.max_len)
    quantile = float(train_lengths.quantile(params.max_len_quantile)) if len(train_lengths) else 1.0
    return int(min(params.max_len_cap, max(1, np.ceil(quantile))))


def encode(tokens: pd.Series, vocab: list[str], max_len: int, truncating: str = "pre") -> np.ndarray:
    """Token lists -> int32 array (rows, max_len), right-padded with 0.

    Right padding keeps masking compatible with the fused cuDNN RNN kernels.
    ``truncating='pre'`` keeps the last ``max_len`` tokens, ``'post'`` the first.
    """
    flat, lengths = _flat_tokens(_as_arrow(tokens))
    return _pad(_token_ids(flat, vocab), np.cumsum(lengths) - lengths, lengths, max_len, truncating)


def _as_arrow(tokens: pd.Series):
    import pyarrow as pa

    return pa.array([None if t is None or (isinstance(t, float) and np.isnan(t)) else list(t)
                     for t in tokens], type=pa.list_(pa.string()))


def split(tokens_path: str | Path, params: SplitParams, seed: int, out_dir: str | Path) -> SplitSummary:
    """Stage: tokens.parquet -> data/processed/{train,val,test}.npz + vocab.json.

    The token lists stay Arrow arrays throughout (one flat array of tokens + row lengths):
    counting, vocabulary lookup and padding are column operations, no Python object per
    token or per row, so 1.6M tweets take seconds.
    """
    import pyarrow.parquet as pq

    out_dir = Path(out_dir)
    table = pq.read_table(tokens_path)
    labels = table.column("label").to_numpy().astype(np.int8)
    _check_enough_rows(labels, params)
    if params.strategy == "given":
        given = table.select(["split"]).to_pandas() if "split" in table.column_names else pd.DataFrame()
        parts = given_split_indices(given, labels, params.val_size, seed)
    else:
        parts = split_indices(labels, params.test_size, params.val_size, seed)
    flat, lengths = _flat_tokens(table.column("tokens"))
    starts = np.cumsum(lengths) - lengths
    in_train = np.zeros(len(labels), dtype=bool)
    in_train[parts["train"]] = True
    vocab = _count_vocab(flat.filter(np.repeat(in_train, lengths)), params.vocab_size, params.min_count)
    max_len = choose_max_len(pd.Series(lengths[parts["train"]]), params)
    ids = _token_ids(flat, vocab)
    for name, rows in parts.items():
        x = _pad(ids, starts[rows], lengths[rows], max_len, params.truncating)
        with atomic_path(out_dir / f"{name}.npz") as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, x=x, y=labels[rows], row=rows.astype(np.int64))
    write_json(out_dir / VOCAB_FILE, {"words": vocab, "max_len": max_len,
                                      "truncating": params.truncating, "pad": PAD, "oov": OOV})
    in_test = np.zeros(len(labels), dtype=bool)
    in_test[parts["test"]] = True
    test_ids = ids[np.repeat(in_test, lengths)]
    return SplitSummary(
        train=len(parts["train"]), val=len(parts["val"]), test=len(parts["test"]),
        vocab_size=len(vocab) + 2, max_len=max_len,
        oov_rate_test=float((test_ids == OOV).mean()) if len(test_ids) else 0.0,
        truncated_share=float((lengths > max_len).mean()),
    )


def _flat_tokens(tokens) -> tuple["pa.Array", np.ndarray]:
    """A list<string> column -> (every token in row order, tokens per row)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(tokens, pa.ChunkedArray):
        tokens = tokens.combine_chunks() if tokens.num_chunks else pa.array([], pa.list_(pa.string()))
    lengths = pc.list_value_length(tokens).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    flat = tokens.flatten()
    return flat, lengths


def _count_vocab(flat, vocab_size: int, min_count: int) -> list[str]:
    """Words of the flat token array kept by frequency (ties alphabetically); index i is id i+2."""
    import pyarrow as pa
    import pyarrow.compute as pc

    flat = flat.drop_null()
    if len(flat) == 0:
        return []
    counts = pc.value_counts(flat).flatten()
    table = pa.table({"word": counts[0], "n": counts[1]})
    table = table.filter(pc.greater_equal(table["n"], min_count))
    # Arrow compares strings by UTF-8 bytes, which is code point order, like Python's sort
    order = pc.sort_indices(table, sort_keys=[("n", "descending"), ("word", "ascending")])
    return table["word"].take(order[: max(vocab_size - 2, 0)]).to_pylist()


def _token_ids(flat, vocab: list[str]) -> np.ndarray:
    """Flat tokens -> int32 ids (0 padding, 1 out-of-vocabulary, 2.. vocabulary)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(flat) == 0:
        return np.zeros(0, dtype=np.int32)
    found = pc.index_in(flat, value_set=pa.array(vocab, type=flat.type))
    ids = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(ids < 0, OOV, ids + 2).astype(np.int32)


def _pad(ids: np.ndarray, starts: np.ndarray, lengths: np.ndarray, max_len: int,
         truncating: str = "pre") -> np.ndarray:
    """Rows of a flat id array (start, length) -> (rows, max_len) int32, right-padded with 0."""
    out = np.zeros((len(lengths), max_len), dtype=np.int32)
    keep = np.minimum(lengths, max_len)
    first = starts + (lengths - keep if truncating == "pre" else 0)
    rows = np.repeat(np.arange(len(lengths)), keep)
    cols = np.arange(int(keep.sum())) - np.repeat(np.cumsum(keep) - keep, keep)
    out[rows, cols] = ids[np.repeat(first, keep) + cols]
    return out


def load_split(processed_dir: str | Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    with np.load(Path(processed_dir) / f"{name}.npz", allow_pickle=False) as data:
        return data["x"], data["y"]


def load_vocab(path: str | Path) -> dict:
    return read_json(path)


def _check_enough_rows(labels: np.ndarray, params: SplitParams) -> None:
    counts = np.bincount(labels, minlength=2)
    smallest_share = min(params.test_size, params.val_size)
    needed = int(np.ceil(2 / smallest_share))  # two rows of each class in the smallest split
    if counts.min() < needed:
        raise ValueError(
            f"too few rows to split: class counts {counts.tolist()}, need at least {needed} of each "
            f"class for test_size={params.test_size}, val_size={params.val_size}; add data or "
            "raise the ratios"
        )
