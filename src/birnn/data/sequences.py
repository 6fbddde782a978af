"""Number sequences with a label per timestep, generated offline (``data.source: cumsum``).

From the merge-mode tutorial: each row is a sequence of ``length`` random floats in [0, 1);
the label at step t is 1 once the running sum x[0] + ... + x[t] has passed ``length / 4``
(the tutorial's threshold, fixed here: at a quarter of the length the crossing lands near
the middle of the sequence, where both directions have something to read). Labels are
monotone (0...0 1...1) because the values are non-negative.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from birnn.files import atomic_path

THRESHOLD_SHARE = 0.25  # label turns 1 once the running sum passes length * this (tutorial: n/4)
VALUES, LABELS = "values", "labels"


def generate_sequences(n_rows: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_rows`` sequences: x float32 (n_rows, length) uniform in [0, 1), y int8 (n_rows, length).

    Same (n_rows, length, seed) -> same arrays. Labels are computed from the float32 values
    the file stores, so :func:`labels_for` on the stored values reproduces them exactly.
    """
    if n_rows <= 0 or length <= 0:
        raise ValueError(f"n_rows and length must be positive, got {n_rows} and {length}")
    x = np.random.default_rng(seed).random((n_rows, length), dtype=np.float32)
    return x, labels_for(x)


def labels_for(x: np.ndarray) -> np.ndarray:
    """The task's rule: 1 where the running sum (float64) exceeds length * THRESHOLD_SHARE."""
    return (np.cumsum(x, axis=1, dtype=np.float64) > x.shape[1] * THRESHOLD_SHARE).astype(np.int8)


def write_raw(path: str | Path, n_rows: int, length: int, seed: int) -> None:
    """The download stage's raw file: one row per sequence, list columns values + labels."""
    import pyarrow.parquet as pq

    x, y = generate_sequences(n_rows, length, seed)
    with atomic_path(path) as tmp:
        pq.write_table(sequence_table(x, y), tmp)


def raw_url(n_rows: int, length: int, seed: int) -> str:
    return f"builtin://cumsum?rows={n_rows}&length={length}&seed={seed}&threshold_share={THRESHOLD_SHARE}"


def sequence_table(x: np.ndarray, y: np.ndarray):
    import pyarrow as pa

    length = x.shape[1]
    return pa.table(
        {
            VALUES: pa.FixedSizeListArray.from_arrays(
                pa.array(x.reshape(-1), pa.float32()), length
            ),
            LABELS: pa.FixedSizeListArray.from_arrays(pa.array(y.reshape(-1), pa.int8()), length),
        }
    )
