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
                  seed: int) -> dict[str, np.ndarray]:
    """Stratified row indices for train/val/test (sorted, so outputs keep corpus order)."""
    from sklearn.model_selection import train_test_split  # only the split stage needs sklearn

    index = np.arange(len(labels))
    rest, test = train_test_split(index, test_size=test_size, stratify=labels, random_state=seed)
    val_share = val_size / (1.0 - test_size)
    train, val = train_test_split(rest, test_size=val_share, stratify=labels[rest], random_state=seed)
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
    counts = tokens.explode().dropna().value_counts()
    counts = counts[counts >= min_count]
    ordered = counts.rename_axis("word").reset_index(name="n").sort_values(
        ["n", "word"], ascending=[False, True], kind="stable")
    return ordered["word"].head(vocab_size - 2).tolist()


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
    lengths = tokens.str.len().fillna(0).to_numpy(dtype=np.int64)
    flat = tokens.explode().dropna()
    ids = pd.Index(vocab).get_indexer(flat.astype(object).to_numpy())
    ids = np.where(ids < 0, OOV, ids + 2).astype(np.int32)
    out = np.zeros((len(lengths), max_len), dtype=np.int32)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    keep = np.minimum(lengths, max_len)
    first = starts + (lengths - keep if truncating == "pre" else 0)
    rows = np.repeat(np.arange(len(lengths)), keep)
    cols = np.arange(int(keep.sum())) - np.repeat(np.cumsum(keep) - keep, keep)
    out[rows, cols] = ids[np.repeat(first, keep) + cols]
    return out


def split(tokens_path: str | Path, params: SplitParams, seed: int, out_dir: str | Path) -> SplitSummary:
    """Stage: tokens.parquet -> data/processed/{train,val,test}.npz + vocab.json."""
    out_dir = Path(out_dir)
    frame = pd.read_parquet(tokens_path)
    labels = frame["label"].to_numpy(dtype=np.int8)
    _check_enough_rows(labels, params)
    if params.strategy == "given":
        parts = given_split_indices(frame, labels, params.val_size, seed)
    else:
        parts = split_indices(labels, params.test_size, params.val_size, seed)
    train_tokens = frame["tokens"].iloc[parts["train"]]
    vocab = build_vocab(train_tokens, params.vocab_size, params.min_count)
    max_len = choose_max_len(train_tokens.str.len(), params)
    for name, rows in parts.items():
        x = encode(frame["tokens"].iloc[rows], vocab, max_len, params.truncating)
        with atomic_path(out_dir / f"{name}.npz") as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, x=x, y=labels[rows], row=rows.astype(np.int64))
    write_json(out_dir / VOCAB_FILE, {"words": vocab, "max_len": max_len,
                                      "truncating": params.truncating, "pad": PAD, "oov": OOV})
    test_tokens = frame["tokens"].iloc[parts["test"]].explode().dropna()
    lengths = frame["tokens"].str.len()
    return SplitSummary(
        train=len(parts["train"]), val=len(parts["val"]), test=len(parts["test"]),
        vocab_size=len(vocab) + 2, max_len=max_len,
        oov_rate_test=float((~test_tokens.isin(vocab)).mean()) if len(test_tokens) else 0.0,
        truncated_share=float((lengths > max_len).mean()),
    )


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
