"""The factorial answer on synthetic predictions whose true effects are known: a built-in
merge-mode effect is found, a null one is not (at the stated error rates over many simulated
test sets), and the intervals cover the truth."""

import numpy as np
import pytest

from birnn.reporting.class_metrics import metric_value
from birnn.reporting.effects import grid_effects, resample_classes, resample_unit_scores

CELLS, MODES = ["lstm", "gru"], ["concat", "sum", "mul"]
SIMULATIONS, DRAWS, ROWS = 120, 300, 1500


def simulate_grid(rng, accuracy, rows=ROWS, shared=0.7):
    """Correctness (variants, rows) with each variant's true accuracy, and rows whose
    difficulty is shared by all variants (so the paired test sees few discordant rows)."""
    difficulty = rng.random(rows)
    own = rng.random((len(accuracy), rows))
    use_shared = rng.random((len(accuracy), rows)) < shared
    return np.where(use_shared, difficulty, own) < np.asarray(accuracy)[:, None]


def effects_of(correct, y):
    """The grid's effects from correctness (cells * modes, rows), via class predictions."""
    names = [f"{c}-{m}" for c in CELLS for m in MODES]
    classes = {n: np.where(c, y, 1 - y)[None] for n, c in zip(names, correct)}
    point, draws = resample_classes(classes, y, "accuracy", draws=DRAWS, seed=1)
    grid = np.array([point[n] for n in names]).reshape(len(CELLS), len(MODES))
    stacked = np.stack([draws[n] for n in names], axis=1).reshape(DRAWS, len(CELLS), len(MODES))
    return grid_effects(CELLS, MODES, grid, stacked)


def run_simulations(accuracy_grid, seed):
    rng = np.random.default_rng(seed)
    y = (np.arange(ROWS) % 2).astype(np.int64)
    return [
        effects_of(simulate_grid(rng, np.asarray(accuracy_grid).reshape(-1)), y)
        for _ in range(SIMULATIONS)
    ]


def test_a_null_merge_mode_effect_is_found_at_most_at_the_stated_rate():
    runs = run_simulations([[0.85] * 3, [0.85] * 3], seed=2)
    false_alarms = np.mean([r["factors"]["merge_mode"]["differs"] for r in runs])
    interactions = np.mean([r["interaction"]["found"] for r in runs])
    # family-wise 5%: allow for the binomial noise of 120 simulations (sd 2%)
    assert false_alarms <= 0.10 and interactions <= 0.10
    # the simultaneous bound holds for the true differences (all zero) in 95% of test sets,
    # and is not uselessly wide
    bounds = [r["factors"]["merge_mode"]["max_difference"] for r in runs]
    assert 0.005 < np.median(bounds) < 0.04


def test_a_built_in_merge_mode_effect_is_found_and_covered():
    # concat is 3 points better than sum and mul in both cells
    truth = [[0.88, 0.85, 0.85], [0.86, 0.83, 0.83]]
    runs = run_simulations(truth, seed=3)
    found = [r["factors"]["merge_mode"] for r in runs]
    concat_vs_sum = [next(p for p in f["pairs"] if p["contrast"] == "concat vs sum") for f in found]
    assert np.mean([f["differs"] for f in found]) >= 0.9
    assert np.mean([p["simultaneous95"][0] > 0 for p in concat_vs_sum]) >= 0.9
    covered = np.mean([p["ci95"][0] <= 0.03 <= p["ci95"][1] for p in concat_vs_sum])
    assert covered >= 0.88  # 95% intervals, 120 simulations
    # sum vs mul has no effect: its simultaneous interval holds 0 nearly always
    sum_vs_mul = [next(p for p in f["pairs"] if p["contrast"] == "sum vs mul") for f in found]
    assert np.mean([lo <= 0 <= hi for lo, hi in (p["simultaneous95"] for p in sum_vs_mul)]) >= 0.9
    # the cell effect (2 points) is found as well; no interaction was built in
    assert np.mean([r["factors"]["cell"]["differs"] for r in runs]) >= 0.8
    assert np.mean([r["interaction"]["found"] for r in runs]) <= 0.10


def test_a_built_in_interaction_is_found():
    # concat helps lstm by 4 points and hurts gru by 4: no main effect of merge mode, an interaction
    truth = [[0.89, 0.85, 0.85], [0.81, 0.85, 0.85]]
    runs = run_simulations(truth, seed=4)
    assert np.mean([r["interaction"]["found"] for r in runs]) >= 0.9


def test_bootstrapped_macro_f1_is_the_metric_of_each_draw_and_handles_three_classes():
    rng = np.random.default_rng(0)
    y = rng.integers(3, size=600)
    pred = np.where(rng.random(600) < 0.7, y, rng.integers(3, size=600))
    point, draws = resample_classes({"a": pred[None]}, y, "macro_f1", draws=400)
    from sklearn.metrics import f1_score

    assert point["a"] == pytest.approx(f1_score(y, pred, average="macro"))
    assert metric_value(y, pred, "balanced_accuracy") == pytest.approx(
        __import__("sklearn.metrics").metrics.balanced_accuracy_score(y, pred)
    )
    low, high = np.percentile(draws["a"], [2.5, 97.5])
    assert low < point["a"] < high and 0.02 < high - low < 0.15


def test_several_seeds_widen_the_interval_by_their_spread():
    rng = np.random.default_rng(5)
    y = (np.arange(2000) % 2).astype(np.int64)
    steady = np.stack([np.where(rng.random(2000) < 0.85, y, 1 - y) for _ in range(3)])
    luck = np.stack([np.where(rng.random(2000) < acc, y, 1 - y) for acc in (0.75, 0.85, 0.95)])
    _, draws = resample_classes({"steady": steady, "luck": luck}, y, "accuracy", draws=500)
    assert np.std(draws["luck"]) > 2 * np.std(draws["steady"])


def test_unit_scores_resample_to_the_mean_share_right():
    scores = {"a": np.array([[1.0, 0.5, 0.0, 0.5]])}
    point, draws = resample_unit_scores(scores, draws=200)
    assert point["a"] == pytest.approx(0.5) and 0 <= draws["a"].min() <= draws["a"].max() <= 1
