"""The ranked table: variants ordered by their validation score (test scores never choose),
the best recurrent variant, the cell x merge-mode grid of test accuracy and its factor
means, and what failed or did not learn."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from birnn.config import CELLS, MERGE_MODES
from birnn.files import read_json
from birnn.tasks.classes import imbalanced, split_classes

COLUMNS = [
    "variant",
    "kind",
    "cell",
    "merge_mode",
    "val_accuracy",
    "accuracy",
    "ci95",
    "p_vs_best",
    "p_holm",
    "vs_best",
    "f1",
    "balanced_accuracy",
    "macro_f1",
    "roc_auc",
    "log_loss",
    "probe_accuracy",
    "parameters",
    "epochs_run",
    "seconds_per_epoch",
    "predict_texts_per_second",
]
METRIC_NAMES = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "macro_f1": "macro-F1",
}


def load_metrics(metrics_dir: str | Path, names: list[str]) -> pd.DataFrame:
    """Metrics of the named variants, in that order; a missing file is a clear error."""
    metrics_dir = Path(metrics_dir)
    missing = [n for n in names if not (metrics_dir / f"{n}.json").is_file()]
    if missing:
        raise FileNotFoundError(
            f"{metrics_dir}: no metrics for {missing}; run their evaluate stages first"
        )
    frame = pd.DataFrame([read_json(metrics_dir / f"{n}.json") for n in names])
    if "status" not in frame:
        frame["status"] = "ok"
    frame["status"] = frame["status"].fillna("ok")
    return frame


@dataclass(frozen=True)
class ClassBalance:
    """How the test labels fall into classes; ``names``: a multiclass split's class names."""

    counts: np.ndarray
    names: list[str] | None = None

    @property
    def minority(self) -> float:
        """The share of the smallest class."""
        return float(self.counts.min() / self.counts.sum())

    @property
    def imbalanced(self) -> bool:
        """The largest class holds more than 1.5 times the rows of the smallest (for two
        classes: the minority is under 40%), so accuracy rewards answering the majority."""
        return imbalanced(self.counts)

    @property
    def balanced_score(self) -> str:
        """What compare.metric: auto ranks imbalanced classes by."""
        return "macro_f1" if self.names else "balanced_accuracy"


def class_balance(y_test_path: str | Path | None) -> ClassBalance | None:
    """The test labels' class counts (None: unknown, or a binary split with one class)."""
    if y_test_path is None or not Path(y_test_path).is_file():
        return None
    with np.load(y_test_path, allow_pickle=False) as data:
        y = data["y"].reshape(-1)
    names = split_classes(Path(y_test_path).parent)
    counts = np.bincount(y.astype(int), minlength=len(names) if names else 2)
    if not counts.sum() or (names is None and len(counts) != 2):
        return None
    return ClassBalance(counts, names)


def ranking_metric(metric: str, balance: ClassBalance | None, metrics: pd.DataFrame) -> str:
    """compare.metric, with auto resolved: accuracy on balanced classes; on imbalanced ones
    balanced accuracy (binary) or macro-F1 (multiclass), when the metrics carry it (files from
    before it was scored do not)."""
    if metric != "auto":
        return metric
    if balance is None or not balance.imbalanced:
        return "accuracy"
    column = f"val_{balance.balanced_score}"
    has = column in metrics and metrics[column].notna().any()
    return balance.balanced_score if has else "accuracy"


def rank_on_validation(metrics: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The finished variants, best first by validation ``metric`` then validation loss."""
    table = metrics[metrics["status"] == "ok"].copy()
    for column in (f"val_{metric}", "val_accuracy", "val_loss"):
        if column not in table:
            table[column] = np.nan
    table = table.sort_values(
        [f"val_{metric}", "val_loss"], ascending=[False, True], kind="stable", na_position="last"
    )
    table.insert(0, "rank", range(1, len(table) + 1))
    return table


def recurrent(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["kind"] == "rnn"]


def table_columns(table: pd.DataFrame, unit: str, metric: str = "accuracy") -> list[str]:
    """The table's columns; with several seeds the spread across them follows the mean."""
    columns = [
        f"predict_{unit}_per_second" if c == "predict_texts_per_second" else c for c in COLUMNS
    ]
    if metric != "accuracy":  # the score that ranks sits first
        columns.insert(columns.index("val_accuracy"), f"val_{metric}")
    if unit == "sequences":
        columns = [c for c in columns if c != "probe_accuracy"]
        columns.insert(columns.index("accuracy") + 1, "sequence_accuracy")
    if "classes" in table and table["classes"].notna().any():  # multiclass: f1 is macro_f1
        columns = [c for c in columns if c not in ("probe_accuracy", "f1")]
    if "grade_mae" in table and table["grade_mae"].notna().any():  # classes that are grades
        columns.insert(columns.index("accuracy") + 1, "grade_mae")
    if "n_seeds" in table and table["n_seeds"].fillna(1).gt(1).any():
        at = columns.index("accuracy") + 1
        columns[at:at] = ["accuracy_std", "n_seeds"]
    return columns


def accuracy_grid(rnn: pd.DataFrame) -> pd.DataFrame | None:
    """Test accuracy of the bidirectional variants, cells down and merge modes across."""
    bi = rnn[rnn["merge_mode"].notna()]
    if not len(bi):
        return None
    grid = bi.pivot(index="cell", columns="merge_mode", values="accuracy")
    return grid.reindex(
        index=[c for c in CELLS if c in grid.index],
        columns=[m for m in MERGE_MODES if m in grid.columns],
    )


def factor_means(grid: pd.DataFrame | None) -> dict:
    """The two questions the grid answers, one factor at a time: mean test accuracy of each
    merge mode over the cells, and of each cell over the merge modes, best first (finished
    variants only)."""
    if grid is None:
        return {}
    by = {"merge_mode_means": grid.mean(axis=0), "cell_means": grid.mean(axis=1)}
    return {
        key: {name: rounded(v) for name, v in means.dropna().sort_values(ascending=False).items()}
        for key, means in by.items()
    }


def failures(metrics: pd.DataFrame) -> list[dict]:
    """Failed variants, then single failed seeds of variants that otherwise finished."""
    failed = metrics[~metrics["status"].isin(["ok", "did_not_learn"])]
    out = [{"variant": r["variant"], "error": r.get("error")} for _, r in failed.iterrows()]
    for _, row in metrics[metrics["status"] == "ok"].iterrows():
        for failure in row.get("seed_errors") if isinstance(row.get("seed_errors"), list) else []:
            out.append(
                {"variant": f"{row['variant']} (seed {failure['seed']})", "error": failure["error"]}
            )
    return out


def not_learned(metrics: pd.DataFrame) -> list[dict]:
    return [
        {"variant": r["variant"], "reason": r.get("reason"), "accuracy": rounded(r.get("accuracy"))}
        for _, r in metrics[metrics["status"] == "did_not_learn"].iterrows()
    ]


def rounded(value) -> float | None:
    """A score as JSON shows it: 4 places, None for a missing one."""
    return None if value is None or pd.isna(value) else round(float(value), 4)
