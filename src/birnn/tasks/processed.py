"""The processed-split contract every task writes and every model reads:
data/processed/{train,val,test}.npz (x, y, row: the row ids in the tokens table) + vocab.json.

How rows are assigned to splits lives here too, so every task splits the same way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from birnn.files import atomic_path, read_json

SPLITS = ("train", "val", "test")
VOCAB_FILE = "vocab.json"


def save_split(
    out_dir: str | Path, name: str, x: np.ndarray, y: np.ndarray, rows: np.ndarray
) -> Path:
    path = Path(out_dir) / f"{name}.npz"
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, x=x, y=y, row=rows.astype(np.int64))
    return path


def load_split(processed_dir: str | Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    with np.load(Path(processed_dir) / f"{name}.npz", allow_pickle=False) as data:
        return data["x"], data["y"]


def load_rows(processed_dir: str | Path, name: str) -> np.ndarray:
    """The tokens-table row ids of one split (how a baseline finds the same rows)."""
    with np.load(Path(processed_dir) / f"{name}.npz", allow_pickle=False) as data:
        return data["row"]


def load_vocab(path: str | Path) -> dict:
    return read_json(path)


def split_indices(
    labels: np.ndarray, test_size: float, val_size: float, seed: int, stratify: bool = True
) -> dict[str, np.ndarray]:
    """Stratified row indices for train/val/test (sorted, so outputs keep corpus order).

    ``stratify=False``: a plain seeded random split; ``labels`` then only give the row count.
    """
    from sklearn.model_selection import train_test_split  # only the split stage needs sklearn

    index = np.arange(len(labels))
    strata = labels if stratify else None
    rest, test = train_test_split(index, test_size=test_size, stratify=strata, random_state=seed)
    val_share = val_size / (1.0 - test_size)
    train, val = train_test_split(
        rest,
        test_size=val_share,
        stratify=None if strata is None else strata[rest],
        random_state=seed,
    )
    return {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}


def given_split_indices(
    frame: pd.DataFrame, labels: np.ndarray, val_size: float, seed: int
) -> dict[str, np.ndarray]:
    """split.strategy: given -- the data's own split (a ``split`` column of train / val / test):
    its test rows stay the test split, its val rows the validation split; without val rows,
    ``val_size`` of its training rows (stratified) become the validation split."""
    from sklearn.model_selection import train_test_split

    if "split" not in frame.columns:
        raise ValueError(
            "split.strategy is 'given' but the data has no split of its own: name its column "
            "with data.split_column (csv; values train / test, optionally val), use a source "
            "that has one (imdb), or use split.strategy: stratified"
        )
    given = frame["split"].astype(str).to_numpy()
    test, rest = np.flatnonzero(given == "test"), np.flatnonzero(given == "train")
    val = np.flatnonzero(given == "val")
    if len(test) == 0 or len(rest) == 0:
        raise ValueError(
            f"split.strategy is 'given' but the data has {len(rest)} train and "
            f"{len(test)} test rows; both are needed"
        )
    if len(val):
        return {"train": rest, "val": val, "test": test}
    train, val = train_test_split(
        rest, test_size=val_size, stratify=labels[rest], random_state=seed
    )
    return {"train": np.sort(train), "val": np.sort(val), "test": test}
