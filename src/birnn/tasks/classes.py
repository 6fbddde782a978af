"""The classes a text model tells apart, and the one place that knows their two shapes.

* binary (``data.classes: binary``, the default): classes 0 (negative) and 1 (positive); a
  sigmoid head, one probability per text, of class 1. Predictions are (texts,), with a leading
  seed axis when several seeds were trained.
* multiclass: K named classes, indexed in the order ``data.label_map`` names them; a softmax
  head, one probability per class. Predictions are (texts, K), again with an optional leading
  seed axis. The processed split's vocab.json (which every model folder copies) lists the names
  under ``classes``; a binary split has no such key.

The clean stage writes the names into its table's parquet metadata, tokenize carries them on,
and split writes them into vocab.json: they travel with the data, and the data digest a champion
is judged on covers them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CLASSES_KEY = "classes"  # in vocab.json (multiclass only)
PARQUET_KEY = b"birnn.classes"  # in the schema metadata of clean.parquet and tokens.parquet
# the largest class over the smallest above which the classes count as imbalanced: for two
# classes the same rule as "the minority is under 40%" (60 / 40 = 1.5)
IMBALANCE_RATIO = 1.5


def class_names(vocab: dict) -> list[str] | None:
    """The class names of a multiclass split or model (its vocab.json), None for binary."""
    names = vocab.get(CLASSES_KEY)
    return [str(n) for n in names] if isinstance(names, list) else None


def split_classes(processed_dir: str | Path) -> list[str] | None:
    """The class names of a processed split folder (None: binary, or no vocab.json there)."""
    from birnn.tasks.processed import VOCAB_FILE

    vocab = Path(processed_dir) / VOCAB_FILE
    if not vocab.is_file():
        return None
    return class_names(json.loads(vocab.read_text(encoding="utf-8")))


def predicted_labels(prob: np.ndarray, multiclass: bool) -> np.ndarray:
    """The class each saved probability answers: the most probable class (multiclass: the
    last axis holds the classes), else class 1 when its probability is at least 0.5."""
    prob = np.asarray(prob)
    return prob.argmax(axis=-1) if multiclass else (prob >= 0.5).astype(int)


def correct(prob: np.ndarray, labels: np.ndarray, multiclass: bool) -> np.ndarray:
    """Right (True) or wrong per label: the per-row correctness every paired test uses. A
    leading seed axis of ``prob`` is kept."""
    return predicted_labels(prob, multiclass) == np.asarray(labels).astype(int)


def imbalanced(counts) -> bool:
    """Whether the largest class holds more than IMBALANCE_RATIO times the rows of the
    smallest (an empty class counts as imbalanced)."""
    counts = np.asarray(counts, dtype=float)
    return bool(len(counts) > 1 and counts.max() > IMBALANCE_RATIO * counts.min())


def grades(names: list[str] | None) -> np.ndarray | None:
    """The number each class stands for, when the names are numbers in increasing order (star
    ratings "1".."5", a scale -1/0/1): then a wrong answer is some grades away. Else None."""
    if not names:
        return None
    try:
        values = np.array([float(n) for n in names])
    except ValueError:
        return None
    return values if bool(np.all(np.diff(values) > 0)) else None


def names_in(metadata: dict | None) -> list[str] | None:
    """The class names in a parquet schema's metadata (None: binary)."""
    raw = (metadata or {}).get(PARQUET_KEY)
    return json.loads(raw) if raw else None


def with_names(table, names: list[str] | None):
    """An Arrow table with the class names in its schema metadata (unchanged when None)."""
    if not names:
        return table
    metadata = {**(table.schema.metadata or {}), PARQUET_KEY: json.dumps(names).encode()}
    return table.replace_schema_metadata(metadata)
