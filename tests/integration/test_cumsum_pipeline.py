"""The DAG on data.source: cumsum with tiny params: the `birnn <stage>` commands of dvc.yaml,
in its order, in one process (13 stage processes of `dvc repro` take ~3 min here, mostly
TensorFlow start-up; test_pipeline.py covers DVC itself). Every stage recognises the
sequence task and compare ranks the variants. MLflow is off here (its start-up costs ~10 s):
tests/unit/tracking/ covers what it records for this task."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from birnn.cli import main
from birnn.config import load_params
from conftest import REPO

pytestmark = pytest.mark.integration

CUMSUM = {
    "seed": 5,
    "data": {"source": "cumsum", "cumsum_rows": 300, "cumsum_length": 8},
    "variants": {
        "cells": ["gru"],
        "merge_modes": ["concat", "sum"],
        "unidirectional": ["lstm"],
        "baselines": ["position-logreg"],
    },
    "train": {"epochs": 2, "plateau_margin": None},
    "tracking": {"enabled": False},
}
VARIANTS = ["gru-concat", "gru-sum", "lstm-uni"]


@pytest.fixture(scope="module")
def cumsum_project(tmp_path_factory):
    root = tmp_path_factory.mktemp("cumsum")
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    for section, values in CUMSUM.items():
        params[section] = {**params[section], **values} if isinstance(values, dict) else values
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    assert load_params(root / "params.yaml").variant_names() == VARIANTS
    cli = ["--params", str(root / "params.yaml"), "--root", str(root)]
    for command in (
        ["download"],
        ["clean"],
        ["tokenize"],
        ["split"],
        *[["train", v] for v in VARIANTS],  # fits, then scores
        ["baseline", "position-logreg"],
        ["compare"],
        ["track"],
    ):
        assert main([*cli, *command]) == 0, command
    return root


def test_the_cumsum_dag_ranks_the_variants(cumsum_project):
    root = cumsum_project
    comparison = json.loads((root / "reports" / "comparison.json").read_text())
    ranked = comparison["variants"]
    assert {v["variant"] for v in ranked} == {*VARIANTS, "position-logreg"} and not comparison[
        "failed"
    ]
    assert [v["rank"] for v in ranked] == [1, 2, 3, 4]
    accuracies = [v["accuracy"] for v in ranked]
    assert accuracies == sorted(accuracies, reverse=True)
    assert comparison["best_variant"] in VARIANTS
    assert set(comparison["accuracy_grid"]["gru"]) == {"concat", "sum"}
    y_test = np.load(root / "data" / "processed" / "test.npz")["y"]
    for name in VARIANTS:
        metrics = json.loads((root / "reports" / "metrics" / f"{name}.json").read_text())
        assert (
            metrics["n_timesteps"] == 8 and 0 <= metrics["sequence_accuracy"] <= metrics["accuracy"]
        )
        assert np.load(root / "reports" / "predictions" / f"{name}.npy").shape == y_test.shape
    baseline = json.loads((root / "reports" / "metrics" / "position-logreg.json").read_text())
    assert baseline["kind"] == "baseline" and baseline["cell"] == "position-logreg"
    assert json.loads((root / "reports" / "clean_report.json").read_text())["timesteps"] == 8
