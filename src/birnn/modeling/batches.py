"""Length buckets: batches of texts of similar length, cut to one of a few fixed lengths.

A recurrent layer pays for every step it is fed, padding included, so a batch of tweets
padded to the longest review wastes most of its time. Texts are grouped by the shortest of a
few fixed lengths that holds them (the last one is max_len), and a batch is cut to its
group's length. A few fixed shapes, not one per batch, so JAX compiles a handful of
functions instead of one per batch. Built on ``keras.utils.PyDataset``, which every backend
reads (``tf.data`` bucketing is TensorFlow's only).
"""

from __future__ import annotations

import math

import keras
import numpy as np

Split = tuple[np.ndarray, np.ndarray]
ROUND_TO = 8  # bucket lengths are multiples of this (friendlier to vectorised kernels)


def bucket_lengths(max_len: int, buckets: int) -> list[int]:
    """``buckets`` lengths evenly spaced up to ``max_len`` (rounded up to ROUND_TO, never
    above max_len), distinct and ascending."""
    lengths = {
        min(max_len, math.ceil(max_len * (i + 1) / buckets / ROUND_TO) * ROUND_TO)
        for i in range(buckets)
    }
    return sorted(lengths | {max_len})


def text_lengths(x: np.ndarray) -> np.ndarray:
    """Tokens per row of a right-padded id array: one past the last non-zero id."""
    nonzero = x != 0
    return np.where(nonzero.any(axis=1), x.shape[1] - np.argmax(nonzero[:, ::-1], axis=1), 0)


def bucketable(split: Split) -> bool:
    """Token ids with one label per row; per-timestep data (cumsum) keeps its shape."""
    x, y = split
    return x.ndim == 2 and x.dtype.kind in "iu" and y.ndim == 1


class BucketedBatches(keras.utils.PyDataset):
    """One epoch of (x, y) batches, each cut to its bucket's length.

    ``seed`` fixes the order: rows are shuffled within their bucket, cut into batches, and
    the batches are shuffled across buckets (no shuffling when ``seed`` is None: validation).
    """

    def __init__(self, split: Split, batch_size: int, buckets: int, seed: int | None = None):
        super().__init__()
        x, y = split
        self.x, self.y = x, y
        lengths = text_lengths(x)
        self.lengths = bucket_lengths(x.shape[1], buckets)
        bucket_of = np.searchsorted(self.lengths, lengths)
        rng = np.random.default_rng(seed) if seed is not None else None
        self.batches: list[tuple[np.ndarray, int]] = []
        for b, length in enumerate(self.lengths):
            rows = np.flatnonzero(bucket_of == b)
            if rng is not None:
                rows = rng.permutation(rows)
            for start in range(0, len(rows), batch_size):
                self.batches.append((rows[start : start + batch_size], length))
        if rng is not None:
            order = rng.permutation(len(self.batches))
            self.batches = [self.batches[i] for i in order]
        self._vary_the_first_two()

    def _vary_the_first_two(self) -> None:
        """Keras' TensorFlow adapter fixes every batch's shape from the first two batches:
        when they are of one length, a batch of another would be refused. A later batch of
        another length changes places with the second."""
        first = self.batches[0][1] if self.batches else None
        for i in range(1, len(self.batches)):
            if self.batches[i][1] != first:
                self.batches[1], self.batches[i] = self.batches[i], self.batches[1]
                return

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, index: int):
        rows, length = self.batches[index]
        return self.x[rows, :length], self.y[rows]

    def steps_by_length(self) -> dict[int, int]:
        """Padded steps fed per bucket length: what an epoch costs."""
        out: dict[int, int] = {}
        for rows, length in self.batches:
            out[length] = out.get(length, 0) + len(rows) * length
        return out
