"""A tiny real project logged to MLflow by the project's own stages: one variant trained,
evaluated, compared and tracked into a sqlite store of its own (no mocks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from birnn.layout import Layout
from conftest import fit_gru_concat_and_baselines, tiny_params
from projects import ONE_VARIANT


def log_tiny_project(root: Path):
    """(params, layout, track result) of one gru-concat variant (two seeds) and the baselines,
    logged to ``root``/mlflow.db with its artifacts under ``root``/artifacts."""
    from birnn import stages

    params = tiny_params(
        variants={**ONE_VARIANT, "seeds": [7, 8]},
        train={"epochs": 1},
        tracking={"uri": f"sqlite:///{root}/mlflow.db", "artifact_root": str(root / "artifacts")},
    )
    layout = Layout(root)
    fit_gru_concat_and_baselines(params, layout)
    stages.run_evaluate(params, layout, "gru-concat")
    stages.run_compare(params, layout)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        result = stages.run_track(params, layout)
    return params, layout, result
