"""The initial plateau: the validation loss of a model that learned nothing, and whether a
model has left it. Patience counts only after it, and a variant that never leaves it is
reported as not learned. Leaving it upwards counts too: a validation loss clearly above the
loss of knowing nothing is a model getting worse, not one still looking for the signal."""

from __future__ import annotations

import math

import numpy as np


def trivial_loss(labels: np.ndarray, weighted: bool = False, n_classes: int = 2) -> float:
    """The validation loss of a model that learned nothing: it predicts the class prior, so its
    loss is the entropy of the prior (or, trained with balanced class weights, 1/K for every
    class: log K)."""
    if weighted:
        return math.log(n_classes)
    if n_classes == 2:  # also per-timestep 0/1 labels (cumsum), whatever their shape
        p = float(np.clip(np.mean(labels), 1e-7, 1 - 1e-7))
        return -(p * math.log(p) + (1 - p) * math.log(1 - p))
    prior = np.bincount(np.asarray(labels, dtype=int).reshape(-1), minlength=n_classes)
    prior = np.clip(prior / max(prior.sum(), 1), 1e-7, 1)
    return float(-(prior * np.log(prior)).sum())


def left_plateau(best_val_loss: float, trivial: float, margin: float | None) -> bool:
    return margin is None or best_val_loss < trivial * (1 - margin)


def above_plateau(val_loss: float, trivial: float, margin: float | None) -> bool:
    return margin is not None and val_loss > trivial * (1 + margin)


def patience_counts(
    val_loss: float, best_val_loss: float, trivial: float, margin: float | None
) -> bool:
    """Whether an epoch without a new best counts against patience: once the model found the
    signal, or while it does clearly worse than predicting the class prior."""
    return left_plateau(best_val_loss, trivial, margin) or above_plateau(val_loss, trivial, margin)
