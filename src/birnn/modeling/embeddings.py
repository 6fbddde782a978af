"""Pretrained word vectors in GloVe's text format (``word v1 v2 ... vd`` per line), aligned
to the training vocabulary. Words the file lacks get small random vectors (seeded); the
padding row stays zero. The file is parsed as text only: nothing is unpickled."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class EmbeddingsError(ValueError):
    """The vectors file is missing or malformed."""


def load_glove(path: str | Path, vocab: list[str], dim: int, seed: int) -> tuple[np.ndarray, float]:
    """Return (matrix of shape (len(vocab) + 2, dim), share of vocabulary words found).

    Row 0 is padding (zeros), row 1 out-of-vocabulary, row i + 2 is ``vocab[i]``.
    """
    path = Path(path)
    if not path.is_file():
        raise EmbeddingsError(f"model.embeddings_path={str(path)!r}: file not found")
    index = {word: i + 2 for i, word in enumerate(vocab)}
    rng = np.random.default_rng(seed)
    matrix = rng.normal(0.0, 0.05, size=(len(vocab) + 2, dim)).astype(np.float32)
    matrix[0] = 0.0
    found = 0
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line_no, line in enumerate(fh, 1):
            word, _, rest = line.rstrip("\n").partition(" ")
            row = index.get(word)
            if row is None:
                continue
            values = (
                np.array(rest.split(" "), dtype=np.float32) if rest else np.zeros(0, np.float32)
            )
            if values.shape != (dim,):
                raise EmbeddingsError(
                    f"{path}:{line_no}: {values.size} numbers for {word!r}, expected {dim}; "
                    "set model.embedding_dim to the file's vector size"
                )
            matrix[row] = values
            found += 1
    return matrix, found / max(len(vocab), 1)
