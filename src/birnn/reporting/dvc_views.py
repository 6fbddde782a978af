"""What `dvc exp show` and `dvc plots` read: numbers only, and data series that overlay the
variants (the figures are images for people; these are for DVC's tables and charts).

* reports/scores.json: one number per variant and metric (no text), DVC's only metrics file,
  so `dvc exp show` has a column per variant and metric and nothing else;
* reports/plots/validation_curves.csv: every variant's validation curve in one long table
  (epoch, variant, val_accuracy, val_loss), drawn as one chart by the `variants` template;
* reports/plots/confusion.csv: the chosen variant's test predictions (actual, predicted), for
  DVC's confusion template: classes 0/1, or a multiclass split's class names.
* reports/plots/effects.csv: each cell and merge mode against the mean of the others (the
  factorial answer's estimates; its intervals are in reports/figures/effects.png), for DVC's
  bar_horizontal template, so `dvc plots diff` shows how an experiment moved them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from birnn.files import atomic_path, write_json
from birnn.tasks.classes import predicted_labels, split_classes

SCORE_FIELDS = ("accuracy", "val_accuracy", "f1")


def write_scores(records: list[dict], path: Path) -> dict:
    """{variant: {metric: number}} for the finished variants (and the baseline)."""
    scores = {
        r["variant"]: {k: round(float(r[k]), 4) for k in SCORE_FIELDS if _number(r.get(k))}
        for r in records
    }
    write_json(path, scores)
    return scores


def write_validation_curves(curves_dir: Path, variants: list[str], path: Path) -> int:
    """The variants' per-epoch curves stacked in one table; the number of rows written."""
    frames = []
    for variant in variants:
        curve = Path(curves_dir) / f"{variant}.csv"
        if curve.is_file():
            frame = pd.read_csv(curve)
            keep = [c for c in ("epoch", "val_accuracy", "val_loss") if c in frame]
            frames.append(frame[keep].assign(variant=variant))
    table = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["epoch", "val_accuracy", "val_loss", "variant"])
    )
    _write_csv(table[["epoch", "variant", *[c for c in table if c.startswith("val_")]]], path)
    return len(table)


def write_confusion(
    prob: np.ndarray | None,
    y_test: np.ndarray | None,
    path: Path,
    classes: list[str] | None = None,
) -> int:
    """One row per test label of the chosen variant: actual and predicted class (by name when
    ``classes`` names a multiclass split's). Several seeds: their mean probability;
    per-timestep labels: every step."""
    if prob is None or y_test is None or prob.size == 0:
        table = pd.DataFrame(columns=["actual", "predicted"])
    else:
        multiclass = classes is not None
        mean = prob.mean(axis=0) if prob.ndim > y_test.ndim + multiclass else prob
        table = pd.DataFrame(
            {
                "actual": y_test.reshape(-1).astype(int),
                "predicted": predicted_labels(mean, multiclass).reshape(-1),
            }
        ).astype(int)
        if multiclass:
            table = table.apply(lambda column: column.map(dict(enumerate(classes))))
    _write_csv(table, path)
    return len(table)


def write_effects(effects: dict, path: Path) -> int:
    """One row per factor level: ``level`` ("merge mode concat"), ``estimate`` and its 95%
    interval; only the header when there is no factorial answer."""
    rows = [
        {
            "level": f"{factor.replace('_', ' ')} {record['level']}",
            "estimate": round(record["estimate"], 4),
            "low": round(record["ci95"][0], 4),
            "high": round(record["ci95"][1], 4),
        }
        for factor, found in (effects.get("factors") or {}).items()
        for record in found["vs_rest"]
    ]
    _write_csv(pd.DataFrame(rows, columns=["level", "estimate", "low", "high"]), path)
    return len(rows)


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def write_views(
    out_dir: Path,
    summary: dict,
    curves_dir: str | Path | None,
    predictions_dir: str | Path | None,
    y_test_path: str | Path | None,
) -> None:
    """scores.json and the plot tables of one comparison."""
    write_scores(summary["variants"], out_dir / "scores.json")
    ranked = [r["variant"] for r in summary["variants"] if r.get("kind") == "rnn"]
    curves = out_dir / "plots" / "validation_curves.csv"
    write_validation_curves(Path(curves_dir or out_dir / "curves"), ranked, curves)
    prob, y_test = best_predictions(summary["best_variant"], predictions_dir, y_test_path)
    classes = split_classes(Path(y_test_path).parent) if y_test_path else None
    write_confusion(prob, y_test, out_dir / "plots" / "confusion.csv", classes)
    write_effects(summary.get("effects") or {}, out_dir / "plots" / "effects.csv")


def best_predictions(
    best: str | None, predictions_dir: str | Path | None, y_test_path: str | Path | None
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The chosen variant's test probabilities and the test labels (None, None: not saved)."""
    if not (best and predictions_dir and y_test_path and Path(y_test_path).is_file()):
        return None, None
    prediction = Path(predictions_dir) / f"{best}.npy"
    if not prediction.is_file():
        return None, None
    with np.load(y_test_path, allow_pickle=False) as data:
        return np.load(prediction, allow_pickle=False), data["y"]
