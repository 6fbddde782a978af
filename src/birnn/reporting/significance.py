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
) -> str:
    """Fill ``ci95``, ``p_vs_best``, ``p_holm`` and ``vs_best``; return the name of the test.

    One seed per variant and one label per text: Wilson interval and exact McNemar test.
    Several seeds (or per-timestep labels): hierarchical paired bootstrap over seeds and test
    units.
    """
    table["ci95"] = wilson_intervals(table)
    table["p_vs_best"] = table["p_holm"] = table["vs_best"] = None
    scores = scores_per_unit(table, predictions_dir, y_test_path)
    if best is None or best not in scores:
        return "none"
    if all(s.shape[0] == 1 for s in scores.values()) and unit == "texts":
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
    table["vs_best"] = [against_best(name, best, adjusted) for name in table["variant"]]
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


def against_best(name: str, best: str, adjusted: dict[str, float]) -> str | None:
    if name == best:
        return "best"
    if name not in adjusted:
        return None
    return "tie" if adjusted[name] >= ALPHA else "worse"
