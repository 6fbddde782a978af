"""track: record every variant, its curves, metrics and model in MLflow."""

from __future__ import annotations

from pathlib import Path

from birnn.config import Params
from birnn.layout import Layout
from birnn.stages import compared_names, done
from birnn.tracking.stage import track


def run(params: Params, layout: Layout, params_file: Path | None = None) -> dict:
    result = track(
        params,
        compared_names(params),
        layout.tracking_path,
        metrics_dir=layout.metrics_dir,
        models_dir=layout.models_dir,
        curves_dir=layout.curves_dir,
        reports_dir=layout.reports_dir,
        processed_dir=layout.processed_dir,
        params_file=params_file,
    )
    return done("track", {k: v for k, v in result.items() if k != "children"})
