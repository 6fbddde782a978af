"""Stratified train/val/test split, a vocabulary fitted on the training split only, and
integer encoding with padding to a fixed length.

Ids: 0 = padding, 1 = out-of-vocabulary, 2.. = words by descending training frequency
(ties broken alphabetically, so the vocabulary is deterministic).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

from birnn.config import SplitParams
from birnn.files import write_json
from birnn.tasks.classes import CLASSES_KEY, names_in
from birnn.tasks.processed import VOCAB_FILE, given_split_indices, save_split, split_indices
from birnn.tasks.text.overlap import write_heldout

PAD, OOV = 0, 1
TRUNCATIONS = ("pre", "post", "head_tail")


@dataclass(frozen=True)
class SplitSummary:
    train: int
    val: int
    test: int
    vocab_size: int
    max_len: int
    oov_rate_test: float
    truncated_share: float


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


def encode(
    tokens: pd.Series,
    vocab: list[str],
    max_len: int,
    truncating: str = "pre",
    head_tokens: int = 0,
) -> np.ndarray:
    """Token lists -> int32 array (rows, max_len), right-padded with 0: the one encoding of
    training, evaluation, prediction and serving.

    Right padding keeps masking compatible with the fused cuDNN RNN kernels.
    ``truncating='pre'`` keeps the last ``max_len`` tokens, ``'post'`` the first,
    ``'head_tail'`` the first ``head_tokens`` and the last ``max_len - head_tokens``.
    """
    flat, lengths = _flat_tokens(_as_arrow(tokens))
    return _pad(
        _token_ids(flat, vocab),
        np.cumsum(lengths) - lengths,
        lengths,
        max_len,
        truncating,
        head_tokens,
    )


def _as_arrow(tokens: pd.Series):
    import pyarrow as pa

    return pa.array(
        [None if t is None or (isinstance(t, float) and np.isnan(t)) else list(t) for t in tokens],
        type=pa.list_(pa.string()),
    )


def split(
    tokens_path: str | Path, params: SplitParams, seed: int, out_dir: str | Path
) -> SplitSummary:
    """Stage: tokens.parquet -> data/processed/{train,val,test}.npz + vocab.json (with the
    class names of a multiclass table).

    The token lists stay Arrow arrays throughout (one flat array of tokens + row lengths):
    counting, vocabulary lookup and padding are column operations, no Python object per
    token or per row, so 1.6M tweets take seconds.
    """
    import pyarrow.parquet as pq

    out_dir = Path(out_dir)
    table = pq.read_table(tokens_path)
    labels = table.column("label").to_numpy().astype(np.int8)
    names = names_in(table.schema.metadata)  # multiclass: the class names, else None
    _check_enough_rows(labels, params, len(names) if names else 2)
    if params.strategy == "given":
        given = (
            table.select(["split"]).to_pandas() if "split" in table.column_names else pd.DataFrame()
        )
        parts = given_split_indices(given, labels, params.val_size, seed)
    else:
        parts = split_indices(labels, params.test_size, params.val_size, seed)
    flat, lengths = _flat_tokens(table.column("tokens"))
    starts = np.cumsum(lengths) - lengths
    in_train = np.zeros(len(labels), dtype=bool)
    in_train[parts["train"]] = True
    vocab = _count_vocab(
        flat.filter(np.repeat(in_train, lengths)), params.vocab_size, params.min_count
    )
    max_len = choose_max_len(pd.Series(lengths[parts["train"]]), params)
    ids = _token_ids(flat, vocab)
    for name, rows in parts.items():
        x = _pad(ids, starts[rows], lengths[rows], max_len, params.truncating, params.head_tokens)
        save_split(out_dir, name, x, labels[rows], rows)
    heldout = np.concatenate([parts["val"], parts["test"]]).astype(np.int64)
    write_heldout(out_dir, table.column("tokens").take(heldout).to_pylist())
    write_json(
        out_dir / VOCAB_FILE,
        {
            "words": vocab,
            "max_len": max_len,
            "truncating": params.truncating,
            "head_tokens": params.head_tokens,
            "pad": PAD,
            "oov": OOV,
            # training occurrences by id (padding, unknown words, words): the weights of the
            # embedding's normalisation
            "counts": _id_counts(ids[np.repeat(in_train, lengths)], len(vocab) + 2),
            **({CLASSES_KEY: names} if names else {}),
        },
    )
    in_test = np.zeros(len(labels), dtype=bool)
    in_test[parts["test"]] = True
    test_ids = ids[np.repeat(in_test, lengths)]
    return SplitSummary(
        train=len(parts["train"]),
        val=len(parts["val"]),
        test=len(parts["test"]),
        vocab_size=len(vocab) + 2,
        max_len=max_len,
        oov_rate_test=float((test_ids == OOV).mean()) if len(test_ids) else 0.0,
        truncated_share=float((lengths > max_len).mean()),
    )


def _flat_tokens(tokens) -> tuple["pa.Array", np.ndarray]:
    """A list<string> column -> (every token in row order, tokens per row)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(tokens, pa.ChunkedArray):
        tokens = (
            tokens.combine_chunks() if tokens.num_chunks else pa.array([], pa.list_(pa.string()))
        )
    lengths = (
        pc.list_value_length(tokens).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    )
    flat = tokens.flatten()
    return flat, lengths


def _id_counts(train_ids: np.ndarray, size: int) -> list[int]:
    counts = np.bincount(train_ids, minlength=size)[:size]
    counts[PAD] = 0
    return counts.astype(int).tolist()


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


def _pad(
    ids: np.ndarray,
    starts: np.ndarray,
    lengths: np.ndarray,
    max_len: int,
    truncating: str = "pre",
    head_tokens: int = 0,
) -> np.ndarray:
    """Rows of a flat id array (start, length) -> (rows, max_len) int32, right-padded with 0."""
    out = np.zeros((len(lengths), max_len), dtype=np.int32)
    keep = np.minimum(lengths, max_len)
    rows = np.repeat(np.arange(len(lengths)), keep)
    cols = np.arange(int(keep.sum())) - np.repeat(np.cumsum(keep) - keep, keep)
    skipped = np.repeat(lengths - keep, keep)  # tokens a truncated row leaves out
    if truncating == "pre":
        source = cols + skipped
    elif truncating == "head_tail":  # the head as it starts, then the tail's last tokens
        source = np.where(cols < min(head_tokens, max_len), cols, cols + skipped)
    else:
        source = cols
    out[rows, cols] = ids[starts[rows] + source]
    return out


def _check_enough_rows(labels: np.ndarray, params: SplitParams, n_classes: int = 2) -> None:
    counts = np.bincount(labels, minlength=n_classes)
    smallest_share = min(params.test_size, params.val_size)
    needed = int(np.ceil(2 / smallest_share))  # two rows of each class in the smallest split
    if counts.min() < needed:
        raise ValueError(
            f"too few rows to split: class counts {counts.tolist()}, need at least {needed} of each "
            f"class for test_size={params.test_size}, val_size={params.val_size}; add data or "
            "raise the ratios"
        )
