"""Digests of the validation and test texts, so that the pretrain stage can drop unlabeled
texts that are copies of them without ever reading them: the split stage writes one 64-bit
digest per held-out text (of its tokens, after cleaning), the pretrain stage compares the
unlabeled texts' digests with that set."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from birnn.files import atomic_path

HELDOUT_FILE = "heldout_digests.npy"


def token_digest(tokens: Sequence[str]) -> int:
    # a separator no token holds (the tokenizer never keeps control characters), so
    # ["a b"] and ["a", "b"] differ
    joined = "\x1f".join(tokens).encode("utf-8", errors="surrogatepass")
    return int.from_bytes(hashlib.blake2b(joined, digest_size=8).digest(), "little")


def digests(token_lists: Iterable[Sequence[str] | None]) -> np.ndarray:
    """Sorted unique uint64 digests of the token lists."""
    values = np.fromiter((token_digest(t or ()) for t in token_lists), dtype=np.uint64)
    return np.unique(values)


def write_heldout(out_dir: str | Path, token_lists: Iterable[Sequence[str] | None]) -> int:
    """data/processed/heldout_digests.npy from the validation and test token lists."""
    values = digests(token_lists)
    with atomic_path(Path(out_dir) / HELDOUT_FILE) as tmp, open(tmp, "wb") as fh:
        np.save(fh, values, allow_pickle=False)
    return len(values)


def load_heldout(processed_dir: str | Path) -> np.ndarray:
    path = Path(processed_dir) / HELDOUT_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: run the split stage again (`birnn split`, or `dvc repro`)"
        )
    return np.load(path, allow_pickle=False)


def heldout_copies(token_lists: Sequence[Sequence[str]], heldout: np.ndarray) -> np.ndarray:
    """A boolean mask: which of ``token_lists`` are copies of a validation or test text."""
    if not len(token_lists) or not len(heldout):
        return np.zeros(len(token_lists), dtype=bool)
    values = np.fromiter((token_digest(t) for t in token_lists), dtype=np.uint64)
    return np.isin(values, heldout)
