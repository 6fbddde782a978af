"""Real MLflow (embedded sqlite store in a temp folder), no mocks."""

import json
import os
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from birnn.config import parse_params
from birnn.files import read_json, write_json
from birnn.layout import Layout
from birnn.tracking import FINGERPRINT_TAG, experiment_name, log_pipeline, track

mlflow = pytest.importorskip("mlflow")

NAMES = ["lstm-concat", "gru-ave", "tfidf-logreg"]


@pytest.fixture
def outputs(tmp_path):
    layout = {k: tmp_path / k for k in ("metrics", "models", "curves", "reports", "processed")}
    for path in layout.values():
        path.mkdir()
    (layout["processed"] / "test.npz").write_bytes(b"x")
    for i, name in enumerate(NAMES):
        write_json(
            layout["metrics"] / f"{name}.json",
            {
                "variant": name,
                "kind": "rnn",
                "cell": name.split("-")[0],
                "merge_mode": name.split("-")[1],
                "accuracy": 0.5 + i / 10,
            },
        )
        if name != "tfidf-logreg":
            (layout["models"] / name).mkdir()
            (layout["models"] / name / "model.keras").write_bytes(b"weights")
            write_json(
                layout["models"] / name / "history.json",
                {
                    "loss": [0.7, 0.5, 0.4],
                    "val_loss": [0.7, 0.6, 0.65],
                    "accuracy": [0.5, 0.7, 0.8],
                },
            )
    write_json(
        layout["reports"] / "comparison.json", {"best_variant": "gru-ave", "best_accuracy": 0.6}
    )
    params = parse_params(
        {
            "tracking": {
                "uri": f"sqlite:///{tmp_path}/mlflow.db",
                "artifact_root": str(tmp_path / "artifacts"),
            }
        }
    )
    paths = dict(
        metrics_dir=layout["metrics"],
        models_dir=layout["models"],
        curves_dir=layout["curves"],
        reports_dir=layout["reports"],
        processed_dir=layout["processed"],
    )
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


# --- a real trained variant: the pyfunc model, the registry's champion, `birnn predict` ---


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    """One tiny real variant (+ baseline), compared and logged to a temp sqlite store."""
    from birnn import stages
    from conftest import tiny_params

    root = tmp_path_factory.mktemp("tracked")
    params = tiny_params(
        variants={
            "cells": ["gru"],
            "merge_modes": ["concat"],
            "unidirectional": [],
            "seeds": [7, 8],
        },
        train={"epochs": 1},
        tracking={"uri": f"sqlite:///{root}/mlflow.db", "artifact_root": str(root / "artifacts")},
    )
    layout = Layout(root)
    for step in (
        stages.run_download,
        stages.run_clean,
        stages.run_tokenize,
        stages.run_split,
        stages.run_baseline,
    ):
        step(params, layout)
    stages.run_train(params, layout, "gru-concat")
    stages.run_evaluate(params, layout, "gru-concat")
    stages.run_compare(params, layout)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        result = stages.run_track(params, layout)
    return params, layout, result


def test_each_variant_is_a_pyfunc_model_reading_raw_text(logged):
    from birnn.serving.predict import Predictor

    params, layout, result = logged
    model = mlflow.pyfunc.load_model(f"models:/{result['models']['gru-concat']}")
    assert [c.name for c in model.metadata.get_output_schema().inputs] == [
        "label",
        "probability",
        "label_name",
    ]
    texts = ["I do not recommend this product", "<b>Great</b> movie!!", ""]
    as_list = model.predict(texts)
    as_frame = model.predict(pd.DataFrame({"text": texts}))
    expected = Predictor.from_dir(layout.model_dir("gru-concat")).probabilities(texts)
    np.testing.assert_allclose(as_list["probability"], expected, rtol=1e-5)
    np.testing.assert_allclose(as_frame["probability"], expected, rtol=1e-5)
    assert list(as_list["label"]) == [int(p >= 0.5) for p in expected]
    assert list(as_list["label_name"]) == [str(y) for y in as_list["label"]]  # builtin: no names
    local = Path(mlflow.artifacts.download_artifacts(f"models:/{result['models']['gru-concat']}"))
    assert (local / "input_example.json").is_file() and (
        local / "code" / "birnn" / "serving" / "predict.py"
    ).is_file()
    assert not list(local.rglob("seeds"))  # only the selected seed's model is shipped


def test_each_seed_is_a_run_nested_under_its_variant(logged):
    params, layout, _ = logged
    client = mlflow.MlflowClient(params.tracking.uri)
    children = json.loads((layout.reports_dir / "tracking.json").read_text())["children"]
    variant_run = client.get_run(children["gru-concat"])
    seeds = mlflow.search_runs(
        [variant_run.info.experiment_id],
        output_format="list",
        filter_string=f"tags.mlflow.parentRunId = '{variant_run.info.run_id}'",
    )
    assert sorted(r.data.tags["seed"] for r in seeds) == ["7", "8"]
    assert all(r.data.tags["kind"] == "seed" and "test_accuracy" in r.data.metrics for r in seeds)
    mean = np.mean([r.data.metrics["test_accuracy"] for r in seeds])
    assert variant_run.data.metrics["test_accuracy"] == pytest.approx(mean)
    assert variant_run.data.metrics["test_n_seeds"] == 2
    assert len(client.get_metric_history(seeds[0].info.run_id, "val_loss")) == 1  # one epoch


def test_best_variant_is_the_champion_and_predict_uses_it(logged, tmp_path, capsys, monkeypatch):
    from birnn.cli import main

    params, layout, result = logged
    client = mlflow.MlflowClient(params.tracking.uri)
    version = client.get_model_version_by_alias("builtin-sentiment", "champion")
    assert (
        version.tags["variant"] == "gru-concat"
        and result["champion"] == "models:/builtin-sentiment@champion"
    )
    monkeypatch.setenv("MLFLOW_TRACKING_URI", params.tracking.uri)
    (tmp_path / "params.yaml").write_text("seed: 7\n")
    cli = [
        "--params",
        str(tmp_path / "params.yaml"),
        "--root",
        str(layout.root),
        "predict",
        "--json",
    ]
    texts = tmp_path / "texts.txt"
    texts.write_text("not bad at all\n\nawful\n")
    assert main([*cli, "--file", str(texts)]) == 0
    from_champion = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main([*cli, "--model", str(layout.model_dir("gru-concat")), "--file", str(texts)]) == 0
    from_folder = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in from_champion] == ["not bad at all", "awful"]
    assert from_champion == from_folder


def test_predict_without_a_registry_falls_back_to_the_best_folder(
    logged, tmp_path, capsys, monkeypatch
):
    from birnn.cli import main

    _, layout, _ = logged
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/none.db")
    (tmp_path / "params.yaml").write_text("seed: 7\n")
    assert (
        main(
            [
                "--params",
                str(tmp_path / "params.yaml"),
                "--root",
                str(layout.root),
                "predict",
                "--json",
                "great acting",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["label"] in (0, 1)
    assert not (tmp_path / "none.db").exists()  # looking for a champion creates no store


def test_redaction_masks_userinfo_and_token_query_values():
    from birnn.tracking import _redact

    text = "failed: https://bob:pw@host:5000/api?token=abc&x=1 and http://plain/ok"
    out = _redact(text)
    assert "pw" not in out and "abc" not in out and "x=1" in out and "http://plain/ok" in out


def test_pyfunc_input_keeps_raw_values_for_the_predictor():
    import pandas as pd

    from birnn.serving.pyfunc import texts_from_input

    raw = texts_from_input(pd.DataFrame({"text": ["ok", None, float("nan"), b"bytes"]}))
    assert raw[0] == "ok" and raw[1] is None and raw[3] == b"bytes"


def test_a_store_that_cannot_be_written_says_so_without_a_traceback(
    outputs, tmp_path, caplog, monkeypatch
):
    params, paths = outputs
    # /proc refuses new files even to root, where a chmod-ed folder would not
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////proc/birnn-store/mlflow.db")
    result = track(params, NAMES, tmp_path / "tracking.json", **paths)
    assert result["status"] == "failed" and result["not_writable"] is True
    assert "not writable" in result["error"] and "/proc/birnn-store" in result["error"]
    assert "Traceback" not in caplog.text and "sqlalchemy" not in caplog.text.lower()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_mlruns_folder_is_not_writable(tmp_path):
    from birnn.tracking import store_problem

    (tmp_path / "mlruns").mkdir()
    (tmp_path / "mlruns").chmod(0o555)
    assert "not writable" in store_problem(f"sqlite:///{tmp_path}/mlruns/mlflow.db")


def test_the_shown_uri_is_a_valid_absolute_sqlite_uri(tmp_path, monkeypatch):
    from birnn.tracking import shown_uri

    monkeypatch.chdir(tmp_path)
    assert shown_uri("sqlite:///mlruns/mlflow.db") == f"sqlite:///{tmp_path}/mlruns/mlflow.db"
    assert _redact_kept("sqlite:///mlruns/mlflow.db") == "sqlite:///mlruns/mlflow.db"


def _redact_kept(uri):
    from birnn.redact import redact

    return redact(uri)


# --- datasets, the source commit and the champion rule ---


def test_parent_and_child_runs_record_the_processed_splits_and_the_commit(logged):
    params, layout, result = logged
    client = mlflow.MlflowClient(params.tracking.uri)
    children = json.loads((layout.reports_dir / "tracking.json").read_text())["children"]
    for run_id in (result["parent_run_id"], children["gru-concat"], children["tfidf-logreg"]):
        run = client.get_run(run_id)
        inputs = {d.dataset.name: d for d in run.inputs.dataset_inputs}
        assert set(inputs) == {"builtin-train", "builtin-val", "builtin-test"}
        train = inputs["builtin-train"]
        assert [t.value for t in train.tags if t.key == "mlflow.data.context"] == ["training"]
        assert train.dataset.digest == _sha256(layout.processed_dir / "train.npz")[:16]
        rows = len(np.load(layout.processed_dir / "train.npz")["y"])
        assert json.loads(train.dataset.profile)["targets_shape"] == [rows]
        assert json.loads(train.dataset.schema)  # the arrays' dtype and shape
    parent = client.get_run(result["parent_run_id"])
    assert "mlflow.source.git.commit" in parent.data.tags and "git_commit" not in parent.data.tags


def _sha256(path: Path) -> str:
    from birnn.files import sha256_file

    return sha256_file(path)


def test_the_champion_is_not_replaced_by_a_worse_model(logged, tmp_path, monkeypatch):
    """A real sqlite store: the same data, a worse validation score -> a new version, the alias
    stays; a better one -> promoted; tracking.promote -> promoted whatever the scores."""
    import shutil

    params, layout, first = logged
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    root = tmp_path / "project"
    shutil.copytree(
        layout.root, root
    )  # a copy of the store too: the module's runs stay as they are
    db = root / "mlflow.db"
    params = params.model_copy(
        update={"tracking": params.tracking.model_copy(update={"uri": f"sqlite:///{db}"})}
    )
    copy = Layout(root)
    names = ["gru-concat", "tfidf-logreg"]
    client = mlflow.MlflowClient(params.tracking.uri)
    champion = client.get_model_version_by_alias("builtin-sentiment", "champion")
    version = str(champion.version)
    metrics_file = copy.metrics_path("gru-concat")
    metrics = read_json(metrics_file)
    val_accuracy = metrics["val_accuracy"]
    assert champion.tags["val_accuracy"] == str(val_accuracy)
    assert (
        champion.tags["data_digest"]
        == client.get_run(first["parent_run_id"]).data.tags["data_sha256"]
    )

    def track_with(accuracy: float, promote: bool = False) -> dict:
        write_json(metrics_file, {**metrics, "val_accuracy": accuracy})
        run_params = params.model_copy(
            update={"tracking": params.tracking.model_copy(update={"promote": promote})}
        )
        return track(
            run_params,
            names,
            copy.tracking_path,
            metrics_dir=copy.metrics_dir,
            models_dir=copy.models_dir,
            curves_dir=copy.curves_dir,
            reports_dir=copy.reports_dir,
            processed_dir=copy.processed_dir,
        )

    worse = track_with(val_accuracy - 0.1)
    alias = client.get_model_version_by_alias("builtin-sentiment", "champion")
    assert str(alias.version) == version and worse["registered_version"] != version
    assert worse["champion_decision"] == (
        f"kept: current champion version {version} (gru-concat) scores "
        f"{val_accuracy:.4f} >= {val_accuracy - 0.1:.4f} (validation accuracy, then loss)"
    )
    assert read_json(copy.tracking_path)["champion_decision"] == worse["champion_decision"]
    assert worse["champion_version"] == version

    better = track_with(val_accuracy + 0.01)
    alias = client.get_model_version_by_alias("builtin-sentiment", "champion")
    assert better["champion_decision"].startswith("promoted: validation accuracy")
    assert str(alias.version) == better["registered_version"] == better["champion_version"]

    forced = track_with(val_accuracy - 0.2, promote=True)
    alias = client.get_model_version_by_alias("builtin-sentiment", "champion")
    assert forced["champion_decision"] == "promoted (tracking.promote)"
    assert str(alias.version) == forced["registered_version"]


def test_champion_decision_compares_validation_scores_on_the_same_data_only():
    from birnn.tracking import champion_decision

    current = {
        "version": "3",
        "variant": "gru-ave",
        "data_digest": "abc",
        "val_accuracy": "0.9",
        "val_loss": "0.3",
    }
    same = {"data_digest": "abc", "val_loss": 0.3}
    assert champion_decision(None, {**same, "val_accuracy": 0.1}).startswith("promoted: no champ")
    assert champion_decision(current, {**same, "val_accuracy": 0.91}).startswith("promoted:")
    assert champion_decision(current, {**same, "val_accuracy": 0.9}).startswith(
        "kept: current champion version 3 (gru-ave) scores 0.9000 >= 0.9000"
    )
    # equal accuracy: the lower validation loss wins
    assert champion_decision(
        {**current, "val_loss": "0.4"}, {**same, "val_accuracy": 0.9}
    ).startswith("promoted: validation accuracy ties with version 3 (gru-ave) at 0.9000")
    legacy = {"version": "1", "variant": "gru-sum"}  # registered before the rule: no tags
    assert champion_decision(legacy, {**same, "val_accuracy": 0.5}).startswith("promoted:")
    other_data = {"data_digest": "def", "val_accuracy": 0.99}
    assert "chosen on other data" in champion_decision(current, other_data)
    assert champion_decision(current, other_data, promote=True).startswith("promoted")
