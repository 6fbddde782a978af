"""Real MLflow (embedded sqlite store in a temp folder), no mocks."""

import json
import socket

import pytest

from birnn.config import parse_params
from birnn.files import read_json, write_json
from birnn.tracking import experiment_name, log_pipeline, track

mlflow = pytest.importorskip("mlflow")

NAMES = ["lstm-concat", "gru-ave", "tfidf-logreg"]


@pytest.fixture
def outputs(tmp_path):
    layout = {k: tmp_path / k for k in ("metrics", "models", "curves", "reports", "processed")}
    for path in layout.values():
        path.mkdir()
    (layout["processed"] / "test.npz").write_bytes(b"x")
    for i, name in enumerate(NAMES):
        write_json(layout["metrics"] / f"{name}.json", {"variant": name, "kind": "rnn", "cell": name.split("-")[0],
                                                        "merge_mode": name.split("-")[1], "accuracy": 0.5 + i / 10})
        if name != "tfidf-logreg":
            (layout["models"] / name).mkdir()
            (layout["models"] / name / "model.keras").write_bytes(b"weights")
            write_json(layout["models"] / name / "history.json",
                       {"loss": [0.7, 0.5, 0.4], "val_loss": [0.7, 0.6, 0.65], "accuracy": [0.5, 0.7, 0.8]})
    write_json(layout["reports"] / "comparison.json", {"best_variant": "gru-ave", "best_accuracy": 0.6})
    params = parse_params({"tracking": {"uri": f"sqlite:///{tmp_path}/mlflow.db",
                                        "artifact_root": str(tmp_path / "artifacts")}})
    paths = dict(metrics_dir=layout["metrics"], models_dir=layout["models"], curves_dir=layout["curves"],
                 reports_dir=layout["reports"], processed_dir=layout["processed"])
    return params, paths


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
    assert parent.data.params["train.epochs"] == "8" and parent.data.tags["best_variant"] == "gru-ave"
    child = next(r for r in children if r.data.tags["variant"] == "lstm-concat")
    assert child.data.tags["cell"] == "lstm" and child.data.tags["merge_mode"] == "concat"
    assert child.data.metrics["test_accuracy"] == pytest.approx(0.5)
    steps = client.get_metric_history(child.info.run_id, "val_loss")
    assert [(m.step, m.value) for m in steps] == [(1, 0.7), (2, 0.6), (3, 0.65)]
    artifacts = {a.path for a in client.list_artifacts(child.info.run_id, "model")}
    assert "model/model.keras" in artifacts


def test_replaying_unchanged_outputs_creates_no_duplicate(outputs, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    params, paths = outputs
    first = log_pipeline(params, NAMES, **paths)
    second = log_pipeline(params, NAMES, **paths)
    assert second["created"] is False and second["parent_run_id"] == first["parent_run_id"]
    write_json(paths["metrics_dir"] / "gru-ave.json", {"variant": "gru-ave", "accuracy": 0.99})
    assert log_pipeline(params, NAMES, **paths)["created"] is True


def test_unreachable_server_is_reported_and_outputs_stay(outputs, tmp_path, monkeypatch):
    params, paths = outputs
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://user:secret@127.0.0.1:{port}")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "3")
    result = track(params, NAMES, tmp_path / "tracking.json", **paths)
    assert result["status"] == "failed" and "birnn log-runs" in result["fix"]
    saved = read_json(tmp_path / "tracking.json")
    assert saved["status"] == "failed" and "secret" not in json.dumps(saved)
    assert (paths["metrics_dir"] / "gru-ave.json").is_file()
