"""Three classes end to end, for real: `dvc repro` on a tiny negative / neutral / positive file
(generated here, imbalanced), then the Prefect flow on a copy; the softmax variant and the
multinomial TF-IDF beside it, ranked by macro-F1, the K x K confusion matrix for DVC and
MLflow, and the registry's champion answering class names with every class's probability."""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
import yaml

from conftest import write_three_class_csv
from projects import TINY_PARAMS, changed_stages, copy_project, project_env, run

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
THREE = ["negative", "neutral", "positive"]
NAMES = ["gru-concat", "tfidf-logreg"]


def _project(dest: Path, data_file: Path, tracking: bool) -> Path:
    return copy_project(
        dest,
        {
            **TINY_PARAMS,
            "seed": 5,
            "data": {
                "source": "csv",
                "path": str(data_file),
                "label_column": "sentiment",
                "classes": "multiclass",
            },
            "train": {**TINY_PARAMS["train"], "epochs": 3, "learning_rate": 0.02},
            "variants": {"cells": ["gru"], "merge_modes": ["concat"], "unidirectional": []},
            "tracking": {"enabled": tracking},
        },
    )


@pytest.fixture(scope="module")
def data_file(tmp_path_factory) -> Path:
    return write_three_class_csv(tmp_path_factory.mktemp("three") / "three.csv")


@pytest.fixture(scope="module")
def dvc_project(tmp_path_factory, data_file):
    root = _project(tmp_path_factory.mktemp("dvc") / "project", data_file, tracking=True)
    env = project_env(root)
    run(["dvc", "repro"], root, env)
    return root, env


@pytest.fixture(scope="module")
def flow_project(tmp_path_factory, data_file):
    root = _project(tmp_path_factory.mktemp("flow") / "project", data_file, tracking=False)
    env = project_env(root)
    proc = run([sys.executable, "flows/pipeline.py"], root, env)
    return root, proc.stdout + proc.stderr


def _metrics(root: Path, name: str) -> dict:
    return json.loads((root / "reports" / "metrics" / f"{name}.json").read_text())


def test_dvc_repro_trains_a_softmax_variant_and_a_multinomial_baseline(dvc_project):
    root, env = dvc_project
    assert json.loads((root / "data/processed/vocab.json").read_text())["classes"] == THREE
    for name in NAMES:
        metrics = _metrics(root, name)
        assert metrics["classes"] == THREE and len(metrics["confusion_matrix"]) == 3
        assert set(metrics["per_class"]) == set(THREE) and metrics["log_loss"] > 0
        assert metrics["accuracy"] > 0.6 and metrics["macro_f1"] > 0.5  # it learned
    comparison = json.loads((root / "reports/comparison.json").read_text())
    assert comparison["ranked_by"] == "macro_f1" and comparison["best_variant"] == "gru-concat"
    # ranked by macro-F1, so the test against the chosen variant is on macro-F1 too
    assert comparison["significance_test"] == "paired bootstrap of macro f1 over test rows"
    assert "Skipped: the probes" in (root / "reports/comparison.md").read_text()
    assert changed_stages(root, env) == set()  # dvc.lock records it all


def test_switching_back_to_binary_makes_clean_stale(dvc_project, tmp_path):
    root, env = dvc_project
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, symlinks=True)
    params = yaml.safe_load((copy / "params.yaml").read_text())
    params["data"].update(classes="binary", label_map={"negative": 0, "positive": 1})
    (copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    # data.classes is a param of clean; the stages after it follow through its outputs
    assert "clean" in changed_stages(copy, env)


def test_dvc_plots_show_a_three_by_three_confusion_matrix(dvc_project):
    root, env = dvc_project
    shown = json.loads(run(["dvc", "plots", "show", "--json"], root, env).stdout)
    plots = shown.get("data", shown)
    confusion = json.dumps(plots["confusion matrix of the chosen variant (test split)"])
    assert all(f'"actual": "{name}"' in confusion for name in THREE)


def test_mlflow_keeps_each_variants_confusion_matrix(dvc_project):
    root, _ = dvc_project
    tracking = json.loads((root / "reports/tracking.json").read_text())
    assert tracking["status"] == "logged" and tracking["champion"]
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{root}/mlruns/mlflow.db")
    for name in NAMES:
        plots = client.list_artifacts(tracking["children"][name], "plots")
        assert "plots/confusion_matrix.png" in [p.path for p in plots], name
    with sqlite3.connect(root / "mlruns" / "mlflow.db") as db:
        keys = {k for (k,) in db.execute("select distinct key from metrics")}
    assert {"test_macro_f1", "test_log_loss", "test_roc_auc", "val_loss"} <= keys


def test_the_champion_answers_class_names_with_every_class_probability(dvc_project):
    root, env = dvc_project
    proc = run(
        [str(BIN / "birnn"), "predict", "--json", "awful rude crew", "great friendly crew"],
        root,
        env,
    )
    assert "@champion" in proc.stderr  # the served pyfunc model, not the folder
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["label_name"] for r in rows] == ["negative", "positive"]
    for row in rows:
        assert list(row["probabilities"]) == THREE
        assert row["probability"] == max(row["probabilities"].values())


def test_the_prefect_flow_gives_the_same_three_class_results(dvc_project, flow_project):
    dvc_root, _ = dvc_project
    flow_root, logs = flow_project
    assert "Finished in state Completed" in logs
    assert (flow_root / "data/processed/vocab.json").read_bytes() == (
        dvc_root / "data/processed/vocab.json"
    ).read_bytes()
    for name in NAMES:
        from_flow, from_dvc = _metrics(flow_root, name), _metrics(dvc_root, name)
        for key in ("accuracy", "macro_f1", "confusion_matrix", "classes"):
            assert from_flow[key] == from_dvc[key], (name, key)
    comparison = json.loads((flow_root / "reports/comparison.json").read_text())
    assert comparison["ranked_by"] == "macro_f1" and comparison["classes"] == THREE
