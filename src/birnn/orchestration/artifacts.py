"""What a flow run shows on its Artifacts tab in the Prefect UI: the comparison (markdown), the
ranked variants (a table, *better* / *tie* / *worse* against the variant chosen on validation),
the factorial answer's effects (a table) and how many variants have finished (a progress bar).

Artifacts are a view of files the stages already wrote; failing to publish one is logged and
never fails the run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

from birnn.files import read_json
from birnn.layout import Layout

log = logging.getLogger(__name__)

# keys name an artifact across runs (the UI's Artifacts page keeps each key's history);
# Prefect allows lowercase letters, digits and dashes only
COMPARISON_KEY = "birnn-comparison"
RANKING_KEY = "birnn-ranking"
EFFECTS_KEY = "birnn-effects"
PROGRESS_KEY = "birnn-variants-progress"
RANKING_COLUMNS = (
    "rank",
    "variant",
    "val_accuracy",
    "accuracy",
    "ci95",
    "p_holm",
    "vs_best",
    "f1",
    "roc_auc",
    "epochs_run",
    "seconds_per_epoch",
)


def _published(what: str, create: Callable[[], Any]) -> Any:
    try:
        return create()
    except Exception as err:  # noqa: BLE001 - a view of saved files must not fail the pipeline
        log.warning(
            "could not publish the %s artifact to Prefect: %s: %s", what, type(err).__name__, err
        )
        return None


def ranking_rows(comparison: dict) -> list[dict[str, Any]]:
    """The ranked variants of comparison.json as table rows: the columns people sort by, rounded."""
    rows = []
    for record in comparison.get("variants", []):
        row = {}
        for column in RANKING_COLUMNS:
            value = record.get(column)
            if isinstance(value, float):
                value = round(value, 4)
            elif isinstance(value, list):  # the interval
                value = "-".join(f"{v:.4f}" for v in value)
            row[column] = value
        rows.append(row)
    return rows


def effects_rows(comparison: dict) -> list[dict[str, Any]]:
    """Every contrast of the factorial answer (each level against the others, every pair, the
    bidirectional-vs-one-way gap) as table rows, rounded."""
    effects = comparison.get("effects") or {}
    records = [
        (factor, record)
        for factor, found in (effects.get("factors") or {}).items()
        for record in found["vs_rest"] + found["pairs"]
    ]
    if effects.get("direction"):
        records.append(("direction", effects["direction"]))
    return [
        {
            "factor": factor,
            "contrast": record["contrast"],
            "estimate": round(record["estimate"], 4),
            "ci95": "{:+.4f} to {:+.4f}".format(*record["ci95"]),
            "simultaneous95": "{:+.4f} to {:+.4f}".format(*record["simultaneous95"]),
            "p_adjusted": round(record["p_adjusted"], 4),
            "mde80": round(record["mde80"], 4),
        }
        for factor, record in records
    ]


def publish_comparison(layout: Layout) -> None:
    """reports/comparison.md as a markdown artifact, its ranking as a table artifact."""
    markdown, summary = layout.reports_dir / "comparison.md", layout.comparison_path
    if markdown.is_file():
        _published(
            "comparison",
            lambda: create_markdown_artifact(
                markdown=markdown.read_text(encoding="utf-8"),
                key=COMPARISON_KEY,
                description="reports/comparison.md: the verdict, the ranked variants, the grid",
            ),
        )
    if summary.is_file():
        comparison = read_json(summary)
        _published(
            "ranking",
            lambda: create_table_artifact(
                table=ranking_rows(comparison),
                key=RANKING_KEY,
                description=(
                    f"variants ranked by {comparison.get('selected_by', 'validation accuracy')}; "
                    f"chosen: {comparison.get('best_variant')}; vs_best: better / tie / worse "
                    "on test against it"
                ),
            ),
        )
        if effects_rows(comparison):
            effects = comparison["effects"]
            _published(
                "effects",
                lambda: create_table_artifact(
                    table=effects_rows(comparison),
                    key=EFFECTS_KEY,
                    description=(
                        f"which cell, which merge mode: test {effects['metric']}, "
                        f"{effects['test']}; " + " ".join(effects.get("sentences", []))
                    )[:5000],
                ),
            )


class VariantProgress:
    """A progress artifact: the share of variants whose train and evaluate have finished."""

    def __init__(self, names: list[str]):
        self.total, self.done = len(names), 0
        self.artifact_id: UUID | None = _published(
            "progress",
            lambda: create_progress_artifact(
                progress=0.0, key=PROGRESS_KEY, description=self._describe()
            ),
        )

    def _describe(self, last: str | None = None) -> str:
        ended = f"; last: {last}" if last else ""
        return f"{self.done} of {self.total} variants trained and evaluated{ended}"

    def finished(self, variant: str, outcome: str) -> None:
        self.done += 1
        if self.artifact_id is None:
            return
        artifact_id = self.artifact_id
        _published(
            "progress",
            lambda: update_progress_artifact(
                artifact_id,
                progress=100.0 * self.done / max(self.total, 1),
                description=self._describe(f"{variant} ({outcome})"),
            ),
        )
