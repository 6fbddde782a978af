"""From the ranked table and the saved test predictions to the factorial answer
(:mod:`~birnn.reporting.effects`) as comparison.json records it, and one plain sentence per
factor, for the interaction and for reading backwards too. Each sentence quotes numbers that
sit beside it in the record."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from birnn.config import CELLS, MERGE_MODES
from birnn.reporting.class_metrics import predicted_classes
from birnn.reporting.effects import (
    ALPHA,
    DRAWS,
    FACTORS,
    complete_grid,
    direction_effect,
    grid_effects,
    resample_classes,
    resample_unit_scores,
)
from birnn.reporting.ranking import METRIC_NAMES, recurrent
from birnn.reporting.stats import unit_scores


def load_predictions(
    names: list[str], predictions_dir: str | Path | None, y_test_path: str | Path | None, unit: str
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """Per variant with saved predictions: class indices (seeds, rows), or for per-timestep
    tasks each unit's share right (seeds, units); and the test labels."""
    if predictions_dir is None or y_test_path is None or not Path(y_test_path).is_file():
        return {}, None
    with np.load(y_test_path, allow_pickle=False) as data:
        y_test = data["y"].astype(np.int64)
    out = {}
    for name in names:
        path = Path(predictions_dir) / f"{name}.npy"
        prob = np.load(path, allow_pickle=False) if path.is_file() else np.empty(0)
        if prob.size == 0:
            continue
        if unit == "texts":
            classes = predicted_classes(prob, y_test)
            out[name] = classes[None] if classes.ndim == y_test.ndim else classes
        else:
            out[name] = unit_scores(prob, y_test)
    return out, y_test


def factorial_answer(
    table: pd.DataFrame,
    predictions_dir: str | Path | None,
    y_test_path: str | Path | None,
    unit: str,
    metric: str,
    draws: int = DRAWS,
) -> dict:
    """The effects record of comparison.json ({} without predictions or a grid to answer)."""
    rnn = recurrent(table)
    loaded, y_test = load_predictions(list(rnn["variant"]), predictions_dir, y_test_path, unit)
    if not loaded:
        return {}
    if unit != "texts":
        metric = "accuracy"  # a sequence's share right: accuracy is what the units carry
        point, boot = resample_unit_scores(loaded, draws)
    else:
        point, boot = resample_classes(loaded, y_test, metric, draws)
    several = any(v.shape[0] > 1 for v in loaded.values())
    record: dict = {
        "metric": metric,
        "test": f"paired bootstrap over {'seeds and ' if several else ''}test "
        f"{'rows' if unit == 'texts' else unit} ({draws} draws)",
        "confidence": 1 - ALPHA,
        "draws": draws,
        "scores": {name: float(v) for name, v in point.items()},
        "seeds": int(max(v.shape[0] for v in loaded.values())),
    }
    bi = rnn[rnn["merge_mode"].notna() & rnn["variant"].isin(list(point))]
    if len(bi):
        record.update(grid_answer(bi, point, boot))
    uni = rnn[rnn["merge_mode"].isna() & rnn["variant"].isin(list(point))]
    if len(bi) and len(uni):
        record["direction"] = direction_effect(
            bi.iloc[0]["variant"], uni.iloc[0]["variant"], point, boot
        )
    record["sentences"] = sentences(record)
    return record


def grid_answer(bi: pd.DataFrame, point: dict, boot: dict) -> dict:
    """:func:`~birnn.reporting.effects.grid_effects` on the complete part of the grid of the
    bidirectional variants ``bi`` ({} when no part of it is complete)."""
    grid = complete_grid(
        bi.pivot(index="cell", columns="merge_mode", values="variant").reindex(
            index=[c for c in CELLS if c in set(bi["cell"])],
            columns=[m for m in MERGE_MODES if m in set(bi["merge_mode"])],
        )
    )
    if not grid.size:
        return {}
    names = grid.to_numpy().reshape(-1)
    values = np.array([point[n] for n in names]).reshape(grid.shape)
    stacked = np.stack([boot[n] for n in names], axis=1).reshape(-1, *grid.shape)
    return grid_effects(list(grid.index), list(grid.columns), values, stacked)


def interval(values: list[float]) -> str:
    return f"[{values[0]:+.4f}, {values[1]:+.4f}]"


def factor_sentence(record: dict, key: str, label: str, over: str) -> str | None:
    factor = record.get("factors", {}).get(key)
    if factor is None:
        return None
    metric = METRIC_NAMES.get(record["metric"], record["metric"])
    n_over = len(record["cells"] if key == "merge_mode" else record["merge_modes"])
    where = f"test {metric}, mean over {n_over} {over if n_over > 1 else over.rstrip('s')}"
    bound = f"no {label} differs from another by more than {factor['max_difference']:.4f} " + (
        f"(95% simultaneous intervals over the {len(factor['pairs'])} pairs)"
        if len(factor["pairs"]) > 1
        else "(95% interval)"
    )
    found = [p for p in factor["pairs"] if p["p_adjusted"] < ALPHA]
    if not found:
        largest = max(factor["pairs"], key=lambda p: abs(p["estimate"]))
        return (
            f"{label.capitalize()} ({where}): no difference found; {bound}; the largest gap, "
            f"{largest['contrast']}, is {largest['estimate']:+.4f} {interval(largest['ci95'])}."
        )
    shown = []
    for pair in sorted(found, key=lambda p: -abs(p["estimate"]))[:3]:
        high, low = (
            (pair["level"], pair["other"])
            if pair["estimate"] > 0
            else (pair["other"], pair["level"])
        )
        sign = 1 if pair["estimate"] > 0 else -1
        shown.append(
            f"{high} beats {low} by {sign * pair['estimate']:+.4f} "
            f"{interval(sorted(sign * v for v in pair['simultaneous95']))} "
            f"(adjusted p = {pair['p_adjusted']:.3g})"
        )
    return f"{label.capitalize()} matters ({where}): " + "; ".join(shown) + f"; {bound}."


def interaction_sentence(record: dict) -> str | None:
    test = record.get("interaction")
    if test is None:
        return None
    largest = test["largest"]
    if not test["found"]:
        return (
            f"Cell x merge mode: no interaction found ({test['test']}, p = {test['p']:.3g}): "
            "within noise, the merge modes rank the same way for every cell."
        )
    return (
        f"Cell x merge mode: the effect of the merge mode depends on the cell ({test['test']}, "
        f"p = {test['p']:.3g}; largest departure {largest['contrast']} "
        f"{largest['estimate']:+.4f} {interval(largest['ci95'])}): read the grid, not the means."
    )


def direction_sentence(record: dict) -> str | None:
    gap = record.get("direction")
    if gap is None:
        return None
    metric = METRIC_NAMES.get(record["metric"], record["metric"])
    verdict = (
        "no difference found"
        if gap["p"] >= ALPHA
        else (
            "reading backwards too helps" if gap["estimate"] > 0 else "reading backwards too hurts"
        )
    )
    return (
        f"Bidirectional vs one-way (the best of each on validation, {gap['contrast']}): "
        f"{verdict}, test {metric} {gap['estimate']:+.4f} {interval(gap['ci95'])} "
        f"(p = {gap['p']:.3g})."
    )


def one_seed_sentence(record: dict) -> str | None:
    """With one seed the intervals are about these trained models, not the architectures."""
    if record["seeds"] > 1 or not record.get("factors"):
        return None
    return (
        "One seed per variant: these intervals cover the luck of the test rows, not of the "
        "initialisation, so they compare these trained models rather than the architectures "
        "(variants.seeds adds the seeds' spread)."
    )


def sentences(record: dict) -> list[str]:
    found = [factor_sentence(record, key, label, over) for key, label, over in FACTORS]
    found += [interaction_sentence(record), direction_sentence(record), one_seed_sentence(record)]
    return [s for s in found if s]
