"""The statistics of the comparison against textbook values."""

import numpy as np
import pytest

from birnn.reporting.stats import (
    bootstrap_accuracies,
    bootstrap_p,
    holm,
    mcnemar_p,
    unit_scores,
    wilson_interval,
)


def test_mcnemar_and_wilson_match_textbook_values():
    a = np.array([True] * 10 + [False] * 0)
    assert mcnemar_p(a, a) == 1.0
    # 8 discordant pairs all one way: two-sided exact p = 2 * 0.5**8
    right = np.array([True] * 8 + [True] * 2)
    wrong = np.array([False] * 8 + [True] * 2)
    assert mcnemar_p(right, wrong) == pytest.approx(2 * 0.5**8)
    low, high = wilson_interval(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-3) and high == pytest.approx(0.5962, abs=1e-3)
    # the closed form (z = 1.96) this replaced, on a test set of the builtin size
    p, n, z = 1703 / 1796, 1796, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson_interval(1703, 1796) == pytest.approx((centre - half, centre + half), abs=1e-5)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_holm_adjusts_textbook_example():
    adjusted = holm({"a": 0.01, "b": 0.04, "c": 0.03})
    assert adjusted == pytest.approx({"a": 0.03, "c": 0.06, "b": 0.06})


def test_bootstrap_separates_real_gaps_from_seed_noise():
    rng = np.random.default_rng(0)
    good = (rng.random((3, 400)) < 0.9).astype(float)
    twin = (rng.random((3, 400)) < 0.9).astype(float)
    poor = (rng.random((3, 400)) < 0.6).astype(float)
    draws = bootstrap_accuracies({"good": good, "twin": twin, "poor": poor}, draws=500)
    assert bootstrap_p(draws["good"], draws["poor"]) < 0.01
    assert bootstrap_p(draws["good"], draws["twin"]) > 0.05
    low, high = np.percentile(draws["good"], [2.5, 97.5])
    assert low < good.mean() < high and high - low < 0.08


def test_unit_scores_per_text_and_per_sequence():
    y = np.array([1, 0, 1])
    assert unit_scores(np.array([0.9, 0.2, 0.1]), y).tolist() == [[1, 1, 0]]
    assert unit_scores(np.array([[0.9, 0.2, 0.1], [0.9, 0.9, 0.9]]), y).shape == (2, 3)
    seq = np.array([[0, 1, 1, 1], [0, 0, 0, 1]])
    assert unit_scores(np.array([[0.1, 0.9, 0.9, 0.1], [0.1, 0.1, 0.1, 0.9]]), seq).tolist() == [
        [0.75, 1.0]
    ]
