"""How sure the ranking is: a 95% interval of each accuracy and the p-value of each variant
against the best one on the same test units, Holm-adjusted for testing them all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from birnn.reporting.stats import (
    bootstrap_accuracies,
    bootstrap_p,
    holm,
    mcnemar_p,
    unit_scores,
    wilson_interval,
)
from birnn.tasks.classes import split_classes

ALPHA = 0.05
MCNEMAR = "exact McNemar test"


def add_significance(
    table: pd.DataFrame,
    best: str | None,
    predictions_dir: str | Path | None,
    y_test_path: str | Path | None,
    unit: str,
    metric: str = "accuracy",
) -> str:
    """Fill ``ci95``, ``p_vs_best``, ``p_holm`` and ``vs_best`` (against ``best``, the variant
    chosen on validation); return the name of the test.

    One seed per variant and one label per text: Wilson interval and exact McNemar test.
    Several seeds (or per-timestep labels): hierarchical paired bootstrap over seeds and test
    units. Ranked by another metric than accuracy (texts): the paired bootstrap of that metric,
    so *better* and *worse* are in the score that chose.
    """
    table["ci95"] = wilson_intervals(table)
    table["p_vs_best"] = table["p_holm"] = table["vs_best"] = None
    scores = scores_per_unit(table, predictions_dir, y_test_path)
    if best is None or best not in scores:
        return "none"
    if metric != "accuracy" and unit == "texts":
        test, raw = metric_bootstrap_test(table, predictions_dir, y_test_path, best, metric)
    elif all(s.shape[0] == 1 for s in scores.values()) and unit == "texts":
        test = MCNEMAR
        raw = {
            name: mcnemar_p(scores[best][0] == 1, s[0] == 1)
            for name, s in scores.items()
            if name != best
        }
    else:
        test, raw = bootstrap_test(table, scores, best, unit)
    adjusted = holm(raw)
    table["p_vs_best"] = [raw.get(name) for name in table["variant"]]
    table["p_holm"] = [adjusted.get(name) for name in table["variant"]]
    # the sign in the score the test compared: the ranking metric when it is bootstrapped
    tested = metric if metric != "accuracy" and unit == "texts" and metric in table else "accuracy"
    score = dict(zip(table["variant"], table[tested]))
    table["vs_best"] = [against_chosen(name, best, adjusted, score) for name in table["variant"]]
    return test


def wilson_intervals(table: pd.DataFrame) -> list[str | None]:
    n_test = table.get("n_test", pd.Series([None] * len(table), index=table.index))
    return [
        "[{:.4f}, {:.4f}]".format(*wilson_interval(round(a * n), int(n))) if pd.notna(n) else None
        for a, n in zip(table["accuracy"], n_test)
    ]


def scores_per_unit(
    table: pd.DataFrame, predictions_dir: str | Path | None, y_test_path: str | Path | None
) -> dict[str, np.ndarray]:
    """Per variant with saved predictions: seeds x test units, 1 where a unit is right."""
    if predictions_dir is None or y_test_path is None:
        return {}
    with np.load(y_test_path, allow_pickle=False) as data:
        y_test = data["y"].astype(int)
    multiclass = split_classes(Path(y_test_path).parent) is not None
    return {
        name: unit_scores(np.load(path, allow_pickle=False), y_test, multiclass)
        for name in table["variant"]
        if (path := Path(predictions_dir) / f"{name}.npy").is_file()
    }


def bootstrap_test(
    table: pd.DataFrame, scores: dict[str, np.ndarray], best: str, unit: str
) -> tuple[str, dict[str, float]]:
    """The paired bootstrap's name and p-values; its percentile intervals replace Wilson's."""
    units = "test rows" if unit == "texts" else f"test {unit}"
    several = any(s.shape[0] > 1 for s in scores.values())
    test = f"paired bootstrap over {'seeds and ' if several else ''}{units}"
    boot = bootstrap_accuracies(scores)
    table["ci95"] = [
        "[{:.4f}, {:.4f}]".format(*np.percentile(boot[name], [2.5, 97.5])) if name in boot else None
        for name in table["variant"]
    ]
    return test, {name: bootstrap_p(boot[best], boot[name]) for name in scores if name != best}


def metric_bootstrap_test(
    table: pd.DataFrame,
    predictions_dir: str | Path | None,
    y_test_path: str | Path | None,
    best: str,
    metric: str,
) -> tuple[str, dict[str, float]]:
    """The paired bootstrap of ``metric`` (recomputed from each draw's confusion matrix)."""
    from birnn.reporting.effects import resample_classes
    from birnn.reporting.factorial import load_predictions

    classes, y_test = load_predictions(
        list(table["variant"]), predictions_dir, y_test_path, "texts"
    )
    several = any(c.shape[0] > 1 for c in classes.values())
    test = f"paired bootstrap of {metric.replace('_', ' ')} over {'seeds and ' if several else ''}"
    _, boot = resample_classes(classes, y_test, metric)
    return test + "test rows", {
        name: bootstrap_p(boot[best], boot[name]) for name in classes if name != best
    }


def against_chosen(
    name: str, chosen: str, adjusted: dict[str, float], score: dict[str, float]
) -> str | None:
    """How a variant fares on test against the one chosen on validation: *better* or *worse*
    when the Holm-adjusted p is under ALPHA (by the sign of the test score gap), else *tie*."""
    if name == chosen:
        return "chosen"
    if name not in adjusted:
        return None
    if adjusted[name] >= ALPHA:
        return "tie"
    return "better" if score[name] > score[chosen] else "worse"
