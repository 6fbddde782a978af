"""The statistics of a comparison: intervals, paired tests and a multiple-testing correction."""

from __future__ import annotations

import numpy as np

from birnn.tasks.classes import correct

BOOTSTRAP_DRAWS = 2000


def mcnemar_p(correct_a: np.ndarray, correct_b: np.ndarray) -> float:
    """Exact (binomial) McNemar test on paired right/wrong outcomes of two classifiers."""
    from scipy.stats import binomtest

    only_a = int(np.sum(correct_a & ~correct_b))
    only_b = int(np.sum(~correct_a & correct_b))
    if only_a + only_b == 0:
        return 1.0
    return float(binomtest(min(only_a, only_b), only_a + only_b, 0.5).pvalue)


def wilson_interval(correct: int, total: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson 95% confidence interval of an accuracy measured on ``total`` test rows."""
    from scipy.stats import binomtest

    if total == 0:
        return (0.0, 1.0)
    ci = binomtest(correct, total).proportion_ci(confidence_level=confidence, method="wilson")
    return (float(ci.low), float(ci.high))


def unit_scores(prob: np.ndarray, y_test: np.ndarray, multiclass: bool = False) -> np.ndarray:
    """Share right per test unit, one row per seed: (seeds, units). A unit is a text (0 or 1)
    or, for per-timestep tasks, a sequence (the share of its timesteps right). ``multiclass``:
    ``prob`` holds a row of class probabilities per label (birnn.tasks.classes)."""
    prob = np.asarray(prob)
    if prob.ndim == y_test.ndim + multiclass:  # one seed, saved without the seed axis
        prob = prob[None]
    right = correct(prob, y_test[None], multiclass)
    return right.reshape(right.shape[0], right.shape[1], -1).mean(axis=2)


def bootstrap_accuracies(
    scores: dict[str, np.ndarray], draws: int = BOOTSTRAP_DRAWS, seed: int = 0
) -> dict[str, np.ndarray]:
    """Hierarchical paired bootstrap of each variant's mean accuracy.

    Every draw resamples the test units once for all variants (so differences stay paired on
    the same rows) and, per variant, its seeds: the spread covers both the luck of the test
    sample and the luck of initialisation. Returns ``draws`` accuracies per variant.
    """
    rng = np.random.default_rng(seed)
    n_units = next(iter(scores.values())).shape[1]
    out = {name: np.empty(draws) for name in scores}
    chunk = max(1, min(200, 20_000_000 // n_units))  # bounds the weight matrix to ~80 MB
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        weights = rng.multinomial(n_units, np.full(n_units, 1 / n_units), size=size).astype(
            np.float32
        )
        for name, per_unit in scores.items():
            per_seed = per_unit.astype(np.float32) @ weights.T / n_units  # (seeds, size)
            picks = rng.integers(per_seed.shape[0], size=(size, per_seed.shape[0]))
            out[name][start : start + size] = per_seed[picks, np.arange(size)[:, None]].mean(axis=1)
    return out


def bootstrap_p(best: np.ndarray, other: np.ndarray) -> float:
    """Two-sided p of 'no difference' from paired bootstrap draws of two accuracies."""
    diff = best - other
    tail = min(np.sum(diff <= 0), np.sum(diff >= 0)) + 1
    return float(min(1.0, 2 * tail / (len(diff) + 1)))


def holm(p_values: dict[str, float]) -> dict[str, float]:
    """Holm-Bonferroni adjusted p-values: testing every variant against the best is many tests
    at once, and the chance that one of them looks significant by luck grows with their number."""
    ordered = sorted(p_values, key=p_values.get)
    adjusted, running = {}, 0.0
    for i, name in enumerate(ordered):
        running = max(running, min(1.0, (len(ordered) - i) * p_values[name]))
        adjusted[name] = running
    return adjusted
