"""The champion rule, on plain dicts and on a real registry."""

import shutil

import numpy as np
import pytest

from birnn.files import read_json, write_json
from birnn.layout import Layout
from birnn.tracking import champion_decision, track

from .conftest import output_paths, project_outputs

mlflow = pytest.importorskip("mlflow")


def test_the_champion_is_not_replaced_by_a_worse_model(logged, tmp_path, monkeypatch):
    """A real sqlite store, the same data: tracking.promote moves the alias whatever the
    predictions; then a candidate significantly better on the validation rows is promoted, a
    worse or an equal one is registered but the alias stays."""
    params, layout, first = logged
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    root = tmp_path / "project"
    # a copy of the store too: the session's runs stay as they are
    shutil.copytree(layout.root, root)
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

    with np.load(copy.processed_dir / "val.npz") as data:
        y_val = data["y"]
    right, wrong = y_val.astype(np.float32), 1 - y_val.astype(np.float32)
    predictions = copy.model_dir("gru-concat") / "val_predictions.npy"
    assert predictions.is_file()  # evaluate keeps the selected seed's validation probabilities

    def track_with(prob, accuracy: float, promote: bool = False) -> dict:
        np.save(predictions, prob)
        # another validation score: other outputs, so a new run (not a replay of a logged one)
        write_json(metrics_file, {**metrics, "val_accuracy": accuracy})
        run_params = params.model_copy(
            update={"tracking": params.tracking.model_copy(update={"promote": promote})}
        )
        return track(run_params, names, copy.tracking_path, **output_paths(project_outputs(root)))

    def alias() -> str:
        return str(client.get_model_version_by_alias("builtin-sentiment", "champion").version)

    forced = track_with(wrong, 0.11, promote=True)
    assert forced["champion_decision"] == "promoted (tracking.promote)"
    assert alias() == forced["registered_version"] != version
    n = len(y_val)
    better = track_with(right, 0.12)
    assert better["champion_decision"].startswith(
        f"promoted: right on {n} validation rows where version {forced['registered_version']} "
        f"(gru-concat) is wrong, against 0 the other way (exact McNemar test on the validation "
        f"rows, n = {n}, p = "
    )
    assert alias() == better["registered_version"] == better["champion_version"]
    recorded = read_json(copy.tracking_path)
    assert recorded["champion_test"] == {
        "test": "exact McNemar test on the validation rows",
        "n": n,
        "candidate_only": n,
        "champion_only": 0,
        "p": pytest.approx(2 * 0.5**n),
    }
    worse = track_with(wrong, 0.13)
    assert worse["champion_decision"].startswith(
        f"kept: not significantly better than version {better['registered_version']} "
        f"(gru-concat): right on 0 validation rows where version {better['registered_version']} "
        f"(gru-concat) is wrong, against {n} the other way"
    )
    assert alias() == better["registered_version"] != worse["registered_version"]
    # a higher validation accuracy on the same rows is no reason: only the paired test moves it
    same = track_with(right, 0.99)
    assert same["champion_decision"].startswith("kept: not significantly better")
    assert same["champion_test"]["p"] == 1.0 and alias() == better["registered_version"]


def test_champion_decision_moves_only_on_a_significant_paired_test_on_the_same_data():
    current = {"version": "3", "variant": "gru-ave", "data_digest": "abc"}
    same = {"data_digest": "abc"}

    def test(candidate_only, champion_only, p):
        return {
            "test": "exact McNemar test on the validation rows",
            "n": 1000,
            "candidate_only": candidate_only,
            "champion_only": champion_only,
            "p": p,
        }

    assert champion_decision(None, same).startswith("promoted: no champion yet")
    assert champion_decision(current, same, test=test(30, 10, 0.002)).startswith(
        "promoted: right on 30 validation rows where version 3 (gru-ave) is wrong, against 10"
    )
    assert champion_decision(current, same, test=test(22, 18, 0.64)).startswith(
        "kept: not significantly better than version 3 (gru-ave)"
    )
    # significantly different the wrong way: kept
    assert champion_decision(current, same, test=test(10, 30, 0.002)).startswith("kept:")
    assert "no validation predictions to test against" in champion_decision(current, same)
    legacy = {"version": "1", "variant": "gru-sum"}  # registered before the rule: no tags
    assert champion_decision(legacy, same).startswith("promoted:")
    other_data = {"data_digest": "def"}
    assert "chosen on other data" in champion_decision(current, other_data, test=test(90, 0, 0))
    assert champion_decision(current, other_data, promote=True).startswith("promoted")
