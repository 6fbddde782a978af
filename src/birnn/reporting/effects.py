"""The factorial answer to "which cell, which merge mode": the main effect of each factor of
the bidirectional grid (each level against the mean of the others, and every pair of levels),
their interaction, and the bidirectional-vs-one-way gap, with intervals from one paired
bootstrap over the test rows (and over seeds when there are several).

Every draw resamples the test rows once for all variants, so contrasts between variants stay
paired on the same rows; a draw's metric is recomputed from its reweighted confusion matrix
(:mod:`~birnn.reporting.class_metrics`), so balanced accuracy and macro-F1 get honest
intervals too. "No level differs by more than X" needs intervals that hold for all pairs at
once: they come from the bootstrap distribution of the largest standardised deviation over the
family (max-T), which also gives each contrast a family-wise adjusted p. The grid has one value
per cell and merge mode, so the interaction is tested on the same row-level draws: max-T over
the cell x merge-mode residuals from an additive fit.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import numpy as np
import pandas as pd

from birnn.reporting.class_metrics import metric_from_confusion, n_classes, pair_codes
from birnn.reporting.power import bootstrap_mde

ALPHA = 0.05
DRAWS = 2000
FACTORS = (("merge_mode", "merge mode", "cells"), ("cell", "cell", "merge modes"))


def row_weights(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` bootstrap draws of the n test rows, as how often each row is drawn: (size, n)."""
    picks = rng.integers(n, size=(size, n))
    flat = (np.arange(size)[:, None] * n + picks).ravel()
    return np.bincount(flat, minlength=size * n).reshape(size, n).astype(np.float32)


def resample(
    features: dict[str, np.ndarray],
    reduce: Callable[[np.ndarray], np.ndarray],
    draws: int = DRAWS,
    seed: int = 0,
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """A metric per variant on the test rows and ``draws`` paired bootstrap replicates of it.

    ``features[name]`` is (seeds, rows, f): what one row adds to the metric's sufficient
    statistics (a one-hot confusion cell, or a row's share right); ``reduce`` maps summed
    statistics (..., f) to the metric. A draw reweights the rows (the same for every variant)
    and resamples each variant's seeds; the metric is averaged over the drawn seeds."""
    rng = np.random.default_rng(seed)
    n = next(iter(features.values())).shape[1]
    point = {
        name: float(np.mean(reduce(f.sum(axis=1, dtype=np.float64))))
        for name, f in features.items()
    }
    out = {name: np.empty(draws) for name in features}
    chunk = max(1, min(draws, 4_000_000 // max(n, 1)))
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        weights = row_weights(n, size, rng)
        for name, f in features.items():
            per_seed = reduce(weights[None] @ f)  # (seeds, size)
            picks = rng.integers(per_seed.shape[0], size=(size, per_seed.shape[0]))
            out[name][start : start + size] = per_seed[picks, np.arange(size)[:, None]].mean(axis=1)
    return point, out


def resample_classes(
    classes: dict[str, np.ndarray],
    y_true: np.ndarray,
    metric: str,
    draws: int = DRAWS,
    seed: int = 0,
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """:func:`resample` for class-index predictions (seeds, rows) of K classes."""
    k = n_classes(y_true, *classes.values())
    eye = np.eye(k * k, dtype=np.float32)
    features = {name: eye[pair_codes(y_true[None], c, k)] for name, c in classes.items()}

    def reduce(stats: np.ndarray) -> np.ndarray:
        return metric_from_confusion(stats.reshape(*stats.shape[:-1], k, k), metric)

    return resample(features, reduce, draws, seed)


def resample_unit_scores(
    scores: dict[str, np.ndarray], draws: int = DRAWS, seed: int = 0
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """:func:`resample` of accuracy from each unit's share right (seeds, units), for tasks with
    several labels per unit (a sequence's timesteps)."""
    n = next(iter(scores.values())).shape[1]
    features = {name: s.astype(np.float32)[..., None] for name, s in scores.items()}
    return resample(features, lambda stats: stats[..., 0] / n, draws, seed)


def contrast_family(names: list[str], point: np.ndarray, draws: np.ndarray) -> list[dict]:
    """Each contrast with its 95% percentile interval and unadjusted two-sided bootstrap p, and
    the family's 95% simultaneous (max-T) interval and adjusted p; ``mde80``: the smallest
    difference this family's test finds with 80% power (unadjusted)."""
    se = draws.std(axis=0, ddof=1)
    scale = np.where(se > 0, se, 1.0)
    deviation = np.where(se > 0, np.abs(draws - point) / scale, 0.0).max(axis=1)
    quantile = float(np.quantile(deviation, 1 - ALPHA))
    observed = np.where(se > 0, np.abs(point) / scale, np.where(point == 0, 0.0, np.inf))
    low, high = np.percentile(draws, [2.5, 97.5], axis=0)
    records = []
    for j, name in enumerate(names):
        tail = min(np.sum(draws[:, j] <= 0), np.sum(draws[:, j] >= 0)) + 1
        records.append(
            {
                "contrast": name,
                "estimate": float(point[j]),
                "ci95": [float(low[j]), float(high[j])],
                "simultaneous95": [
                    float(point[j] - quantile * se[j]),
                    float(point[j] + quantile * se[j]),
                ],
                "p": float(min(1.0, 2 * tail / (len(draws) + 1))),
                "p_adjusted": float((np.sum(deviation >= observed[j]) + 1) / (len(draws) + 1)),
                "mde80": float(bootstrap_mde(se[j])),
            }
        )
    return records


def complete_grid(grid: pd.DataFrame) -> pd.DataFrame:
    """The largest part of a cell x merge-mode grid with a value everywhere: merge modes that no
    cell finished are left out, then cells missing any of the remaining modes."""
    grid = grid.dropna(axis=1, how="all")
    return grid.dropna(axis=0, how="any")


def factor_effects(levels: list[str], point: np.ndarray, draws: np.ndarray) -> dict:
    """One factor: ``point`` (levels,) and ``draws`` (draws, levels) of each level's mean over
    the other factor. Each level against the mean of the rest, then every pair."""
    k = len(levels)
    rest = (np.eye(k) - (1 - np.eye(k)) / (k - 1)).T  # column j: level j minus the others' mean
    pairs = list(combinations(range(k), 2))
    pair_matrix = np.zeros((k, len(pairs)))
    for column, (i, j) in enumerate(pairs):
        pair_matrix[i, column], pair_matrix[j, column] = 1, -1
    vs_rest = contrast_family([f"{lv} vs the others" for lv in levels], point @ rest, draws @ rest)
    for record, level in zip(vs_rest, levels):
        record["level"] = level
    pair_records = contrast_family(
        [f"{levels[i]} vs {levels[j]}" for i, j in pairs], point @ pair_matrix, draws @ pair_matrix
    )
    for record, (i, j) in zip(pair_records, pairs):
        record["level"], record["other"] = levels[i], levels[j]
    bound = max(max(abs(v) for v in r["simultaneous95"]) for r in pair_records)
    return {
        "means": {lv: float(v) for lv, v in zip(levels, point)},
        "vs_rest": vs_rest,
        "pairs": pair_records,
        "max_difference": float(bound),
        "differs": any(r["p_adjusted"] < ALPHA for r in pair_records),
    }


def interaction(cells: list[str], modes: list[str], point: np.ndarray, draws: np.ndarray):
    """Departures from an additive cell + merge-mode fit, tested together (max-T)."""

    def residuals(values: np.ndarray) -> np.ndarray:
        return (
            values
            - values.mean(axis=-1, keepdims=True)
            - values.mean(axis=-2, keepdims=True)
            + values.mean(axis=(-2, -1), keepdims=True)
        )

    names = [f"{c}-{m}" for c in cells for m in modes]
    records = contrast_family(
        names, residuals(point).reshape(-1), residuals(draws).reshape(len(draws), -1)
    )
    largest = max(records, key=lambda r: abs(r["estimate"]))
    p = min(r["p_adjusted"] for r in records)
    return {
        "test": "max-T over the cell x merge-mode residuals of an additive fit",
        "p": p,
        "found": p < ALPHA,
        "largest": {k: largest[k] for k in ("contrast", "estimate", "ci95")},
    }


def grid_effects(cells: list[str], modes: list[str], point: np.ndarray, draws: np.ndarray) -> dict:
    """Both factors and their interaction from a complete grid: ``point`` (cells, modes) and
    ``draws`` (draws, cells, modes)."""
    out: dict = {"cells": list(cells), "merge_modes": list(modes), "factors": {}}
    if len(modes) > 1:
        out["factors"]["merge_mode"] = factor_effects(modes, point.mean(0), draws.mean(1))
    if len(cells) > 1:
        out["factors"]["cell"] = factor_effects(cells, point.mean(1), draws.mean(2))
    if len(cells) > 1 and len(modes) > 1:
        out["interaction"] = interaction(cells, modes, point, draws)
    return out


def direction_effect(
    bidirectional: str, one_way: str, point: dict[str, float], draws: dict[str, np.ndarray]
) -> dict:
    """The best bidirectional variant against the best one-way one (both chosen on validation)."""
    [record] = contrast_family(
        [f"{bidirectional} vs {one_way}"],
        np.array([point[bidirectional] - point[one_way]]),
        (draws[bidirectional] - draws[one_way])[:, None],
    )
    return {**record, "bidirectional": bidirectional, "one_way": one_way}
