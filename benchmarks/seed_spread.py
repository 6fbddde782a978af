"""What several seeds buy, from a finished run with ``variants.seeds`` (e.g. a `benchmarks real
--workdir` folder): each variant's spread across seeds beside the spread between variants, the
variant validation picks with each seed alone, and the factorial answer of each seed alone
against the answer over all seeds.

    python -m benchmarks seeds --root /tmp/real/airline --metric balanced_accuracy
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from birnn.layout import Layout
from birnn.reporting.class_metrics import metric_value, predicted_classes
from birnn.reporting.effects import complete_grid, grid_effects, resample_classes


def load_grid(root: Path) -> tuple[dict[str, np.ndarray], np.ndarray, dict[str, list[float]]]:
    """Per bidirectional variant: class predictions (seeds, rows) and each seed's validation
    accuracy; and the test labels."""
    layout = Layout(root)
    with np.load(layout.test_split_path, allow_pickle=False) as data:
        y = data["y"].astype(np.int64)
    classes, validation = {}, {}
    for path in sorted(layout.metrics_dir.glob("*.json")):
        metrics = json.loads(path.read_text())
        name = metrics["variant"]
        if (
            metrics.get("kind") != "rnn"
            or not metrics.get("merge_mode")
            or not metrics.get("seed_scores")
        ):
            continue
        prob = np.load(layout.predictions_path(name), allow_pickle=False)
        classes[name] = predicted_classes(prob, y)
        info = json.loads((layout.model_dir(name) / "variant.json").read_text())
        validation[name] = [s["best_val_accuracy"] for s in info["seeds"] if s["status"] == "ok"]
    return classes, y, validation


def spread(classes: dict[str, np.ndarray], y: np.ndarray, metric: str) -> dict:
    per_seed = {
        n: np.array([metric_value(y, row, metric) for row in c]) for n, c in classes.items()
    }
    means = np.array([v.mean() for v in per_seed.values()])
    return {
        "within_variant_sd": float(np.sqrt(np.mean([v.var(ddof=1) for v in per_seed.values()]))),
        "between_variant_sd": float(means.std(ddof=1)),
        "range_of_means": float(means.max() - means.min()),
        "per_seed": {n: [round(float(x), 4) for x in v] for n, v in per_seed.items()},
    }


def factorial_by_seeds(classes: dict[str, np.ndarray], y: np.ndarray, metric: str) -> dict:
    """The merge-mode and cell answer of each seed alone, and of all seeds together."""
    import pandas as pd

    cells = sorted({n.split("-")[0] for n in classes})
    modes = sorted({n.split("-")[1] for n in classes})
    names = pd.DataFrame(
        [[f"{c}-{m}" if f"{c}-{m}" in classes else None for m in modes] for c in cells],
        index=cells,
        columns=modes,
    )
    grid = complete_grid(names)
    seeds = min(c.shape[0] for c in classes.values())
    out = {}
    for label, pick in [
        *((f"seed {i + 1}", [i]) for i in range(seeds)),
        ("all", list(range(seeds))),
    ]:
        point, draws = resample_classes(
            {n: classes[n][pick] for n in grid.to_numpy().ravel()}, y, metric
        )
        flat = grid.to_numpy().ravel()
        values = np.array([point[n] for n in flat]).reshape(grid.shape)
        stacked = np.stack([draws[n] for n in flat], axis=1).reshape(-1, *grid.shape)
        effects = grid_effects(list(grid.index), list(grid.columns), values, stacked)
        out[label] = {
            factor: {
                "max_difference": round(found["max_difference"], 4),
                "found": [
                    f"{p['contrast']} {p['estimate']:+.4f}"
                    for p in found["pairs"]
                    if p["p_adjusted"] < 0.05
                ],
            }
            for factor, found in effects["factors"].items()
        }
        if "interaction" in effects:
            out[label]["interaction_p"] = round(effects["interaction"]["p"], 4)
    return out


def seed_report(root: Path, metric: str = "accuracy") -> dict:
    classes, y, validation = load_grid(root)
    if not classes:
        raise ValueError(
            f"{root}: no bidirectional variant with several seeds; run with variants.seeds"
        )
    seeds = min(len(v) for v in validation.values())
    return {
        "metric": metric,
        "variants": len(classes),
        "seeds": seeds,
        "spread": spread(classes, y, metric),
        "chosen_on_validation": {
            **{
                f"seed {i + 1}": max(validation, key=lambda n: validation[n][i])
                for i in range(seeds)
            },
            "mean": max(validation, key=lambda n: np.mean(validation[n])),
        },
        "factorial": factorial_by_seeds(classes, y, metric),
    }
