"""The parent run, its children and seeds: real MLflow on a temp sqlite store."""

import json

import numpy as np
import pytest

from birnn.files import write_json
from birnn.tracking import FINGERPRINT_TAG, experiment_name, log_pipeline

from .conftest import NAMES

mlflow = pytest.importorskip("mlflow")


def test_parent_and_child_runs_with_curves_metrics_and_model(outputs, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    params, paths = outputs
    result = log_pipeline(params, NAMES, **paths)
    client = mlflow.MlflowClient(params.tracking.uri)
    exp = client.get_experiment_by_name(experiment_name(params))
    runs = client.search_runs([exp.experiment_id])
    parent = client.get_run(result["parent_run_id"])
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(runs) == 4 and len(children) == 3
    assert (
        parent.data.params["train.epochs"] == "6" and parent.data.tags["best_variant"] == "gru-ave"
    )
    child = next(r for r in children if r.data.tags["variant"] == "lstm-concat")
    assert child.data.tags["cell"] == "lstm" and child.data.tags["merge_mode"] == "concat"
    assert child.data.metrics["test_accuracy"] == pytest.approx(0.5)
    steps = client.get_metric_history(child.info.run_id, "val_loss")
    assert [(m.step, m.value) for m in steps] == [(1, 0.7), (2, 0.6), (3, 0.65)]
    assert {a.path for a in client.list_artifacts(child.info.run_id)} >= {
        "lstm-concat.json",
        "plots",
    }
    assert {a.path for a in client.list_artifacts(child.info.run_id, "plots")} == {
        "plots/curves.png"
    }
    # not a complete model folder (no vocab/variant.json): no model logged, nothing registered
    assert "model_uri" not in child.data.tags and result["champion"] is None
    assert exp.tags["mlflow.experimentKind"] == "custom_model_development"
    assert parent.data.tags[FINGERPRINT_TAG] == result["fingerprint"]
    assert result["children"]["gru-ave"] in {r.info.run_id for r in children}


def test_replaying_unchanged_outputs_creates_no_duplicate(outputs, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    params, paths = outputs
    first = log_pipeline(params, NAMES, **paths)
    second = log_pipeline(params, NAMES, **paths)
    assert second["created"] is False and second["parent_run_id"] == first["parent_run_id"]
    write_json(paths["metrics_dir"] / "gru-ave.json", {"variant": "gru-ave", "accuracy": 0.99})
    assert log_pipeline(params, NAMES, **paths)["created"] is True


def test_a_cumsum_model_is_recorded_but_not_logged_as_a_text_model(outputs, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    params, paths = outputs
    for name in ("lstm-concat", "gru-ave"):  # complete model folders of the cumsum task
        write_json(
            paths["models_dir"] / name / "vocab.json",
            {"task": "cumsum", "words": [], "max_len": 10},
        )
        write_json(paths["models_dir"] / name / "variant.json", {"variant": name})
    result = log_pipeline(params, NAMES, **paths)
    client = mlflow.MlflowClient(params.tracking.uri)
    parent = client.get_run(result["parent_run_id"])
    child = next(
        r
        for r in client.search_runs([parent.info.experiment_id])
        if r.data.tags.get("variant") == "gru-ave"
    )
    assert "model_uri" not in child.data.tags and "not text" in child.data.tags["model_not_logged"]
    assert result["champion"] is None and "cumsum" in parent.data.tags["champion_not_registered"]
    assert child.data.metrics["test_accuracy"] == pytest.approx(0.6)
    assert child.data.params["resolved.max_len"] == "10"


def test_each_seed_is_a_run_nested_under_its_variant(logged):
    params, layout, _ = logged
    client = mlflow.MlflowClient(params.tracking.uri)
    children = json.loads((layout.reports_dir / "tracking.json").read_text())["children"]
    variant_run = client.get_run(children["gru-concat"])
    seeds = client.search_runs(
        [variant_run.info.experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{variant_run.info.run_id}'",
    )
    assert sorted(r.data.tags["seed"] for r in seeds) == ["7", "8"]
    assert all(r.data.tags["kind"] == "seed" and "test_accuracy" in r.data.metrics for r in seeds)
    mean = np.mean([r.data.metrics["test_accuracy"] for r in seeds])
    assert variant_run.data.metrics["test_accuracy"] == pytest.approx(mean)
    assert variant_run.data.metrics["test_n_seeds"] == 2
    assert len(client.get_metric_history(seeds[0].info.run_id, "val_loss")) == 1  # one epoch


def test_the_parent_carries_the_answer_and_each_child_its_side(outputs, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    params, paths = outputs
    sentence = "Merge mode (test accuracy, mean over 1 cell): no difference found; ..."
    write_json(
        paths["reports_dir"] / "comparison.json",
        {
            "best_variant": "gru-ave",
            "best_accuracy": 0.6,
            "significance_test": "exact McNemar test",
            "variants": [
                {"variant": "gru-ave", "vs_best": "chosen"},
                {"variant": "lstm-concat", "vs_best": "tie"},
                {"variant": "tfidf-logreg", "vs_best": "better"},
            ],
            "effects": {
                "metric": "accuracy",
                "test": "paired bootstrap over test rows (2000 draws)",
                "factors": {"merge_mode": {"max_difference": 0.021}},
                "sentences": [sentence],
            },
            "power": {"mde": 0.034},
        },
    )
    result = log_pipeline(params, NAMES, **paths)
    client = mlflow.MlflowClient(params.tracking.uri)
    parent = client.get_run(result["parent_run_id"])
    assert parent.data.tags["effects.merge_mode"] == sentence
    assert parent.data.tags["significance_test"] == "exact McNemar test"
    assert parent.data.metrics["effect_merge_mode_max_difference"] == pytest.approx(0.021)
    assert parent.data.metrics["minimum_detectable_difference"] == pytest.approx(0.034)
    sides = {
        name: client.get_run(run_id).data.tags.get("vs_chosen")
        for name, run_id in result["children"].items()
    }
    assert sides == {"gru-ave": "chosen", "lstm-concat": "tie", "tfidf-logreg": "better"}
