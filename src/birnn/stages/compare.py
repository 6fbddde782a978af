"""compare: rank the variants on validation, test the differences on test."""

from __future__ import annotations

from birnn.config import Params
from birnn.layout import Layout
from birnn.reporting import compare
from birnn.stages import compared_names, done
from birnn.tasks import task_of


def run(params: Params, layout: Layout) -> dict:
    summary = compare.compare(
        layout.metrics_dir,
        compared_names(params),
        layout.reports_dir,
        predictions_dir=layout.predictions_dir,
        y_test_path=layout.test_split_path,
        curves_dir=layout.curves_dir,
        unit=task_of(layout.processed_dir).unit,
        metric=params.compare.metric,
        clean_report_path=layout.clean_report_path,
    )
    return done("compare", summary)
