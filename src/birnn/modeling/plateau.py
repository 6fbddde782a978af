"""The initial plateau: the validation loss of a model that learned nothing, and whether a
model has left it. Patience counts only after it, and a variant that never leaves it is
reported as not learned."""

from __future__ import annotations

import math

import numpy as np


def trivial_loss(labels: np.ndarray, weighted: bool = False) -> float:
    """The validation loss of a model that learned nothing: it predicts the class prior (or,
    trained with balanced class weights, 0.5 for every row: log 2)."""
    if weighted:
        return math.log(2)
    p = float(np.clip(np.mean(labels), 1e-7, 1 - 1e-7))
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def left_plateau(best_val_loss: float, trivial: float, margin: float | None) -> bool:
    return margin is None or best_val_loss < trivial * (1 - margin)
