"""The ranking metrics (accuracy, balanced accuracy, macro-F1) for any number of classes, as
functions of a confusion matrix: a bootstrap draw reweights the test rows, so its metric is the
same function of a reweighted confusion matrix, computed for thousands of draws at once."""

from __future__ import annotations

import numpy as np

METRICS = ("accuracy", "balanced_accuracy", "macro_f1")


def n_classes(y_true: np.ndarray, *y_preds: np.ndarray) -> int:
    """How many classes the labels and predictions span (at least two)."""
    return int(max([2, *(int(np.max(a)) + 1 for a in (y_true, *y_preds) if np.size(a))]))


def pair_codes(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """One integer per row for its (true, predicted) cell of a k x k confusion matrix."""
    return np.asarray(y_true, dtype=np.int64) * k + np.asarray(y_pred, dtype=np.int64)


def metric_from_confusion(confusion: np.ndarray, metric: str) -> np.ndarray:
    """``metric`` of confusion matrices (..., k, k), rows true and columns predicted; weights
    may be fractional. Classes absent from the rows are left out of the per-class means."""
    if metric not in METRICS:
        raise ValueError(f"metric {metric!r}: use one of {METRICS}")
    confusion = np.asarray(confusion, dtype=np.float64)
    right = np.diagonal(confusion, axis1=-2, axis2=-1)
    actual, predicted = confusion.sum(axis=-1), confusion.sum(axis=-2)
    if metric == "accuracy":
        return right.sum(axis=-1) / np.maximum(actual.sum(axis=-1), 1e-12)
    if metric == "balanced_accuracy":  # recall per class of the truth, as scikit-learn
        present = actual > 0
        per_class = np.where(present, right / np.where(present, actual, 1), 0.0)
    else:  # F1 per class seen in the truth or the predictions, as scikit-learn
        denominator = actual + predicted
        present = denominator > 0
        per_class = np.where(present, 2 * right / np.where(present, denominator, 1), 0.0)
    return per_class.sum(axis=-1) / np.maximum(present.sum(axis=-1), 1)


def metric_value(y_true: np.ndarray, y_pred: np.ndarray, metric: str, k: int | None = None):
    """``metric`` of class-index predictions against the true classes, as one float."""
    k = k or n_classes(y_true, y_pred)
    counts = np.bincount(pair_codes(y_true, y_pred, k).reshape(-1), minlength=k * k)
    return float(metric_from_confusion(counts.reshape(k, k), metric))


def predicted_classes(prob: np.ndarray, y_true: np.ndarray) -> np.ndarray:
    """Class indices from saved predictions: a probability of the positive class per label
    (binary, with or without a leading seed axis), or one probability per class on a last axis
    (argmax)."""
    prob = np.asarray(prob)
    if prob.shape[-y_true.ndim :] == y_true.shape:
        return (prob >= 0.5).astype(np.int64)
    return prob.argmax(axis=-1).astype(np.int64)
