"""The champion rule, on plain dicts and on a real registry."""

import shutil

import pytest

from birnn.files import read_json, write_json
from birnn.layout import Layout
from birnn.tracking import champion_decision, track
from birnn.tracking.champion import rank_key

from .conftest import output_paths, project_outputs

mlflow = pytest.importorskip("mlflow")


def test_the_champion_is_not_replaced_by_a_worse_model(logged, tmp_path, monkeypatch):
    """A real sqlite store: the same data, a worse validation score -> a new version, the alias
    stays; a better one -> promoted; tracking.promote -> promoted whatever the scores."""
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

    def track_with(accuracy: float, promote: bool = False) -> dict:
        write_json(metrics_file, {**metrics, "val_accuracy": accuracy})
        run_params = params.model_copy(
            update={"tracking": params.tracking.model_copy(update={"promote": promote})}
        )
        return track(run_params, names, copy.tracking_path, **output_paths(project_outputs(root)))

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


def test_missing_or_non_finite_scores_rank_below_any_real_score():
    assert rank_key({"val_accuracy": "0.5", "val_loss": "0.2"}) == (0.5, -0.2)
    assert rank_key({}) < rank_key({"val_accuracy": 0.0})
    assert rank_key({"val_accuracy": float("nan")}) == rank_key({})
