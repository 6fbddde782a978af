"""A copied project's store is its own: the original's mlruns/ is never written again."""

import hashlib
import logging
import shutil
import sqlite3

import pytest

from birnn.config import parse_params
from birnn.files import write_json
from birnn.layout import Layout
from birnn.tracking import ForeignStoreError, experiment_name, track
from birnn.tracking.experiment import is_foreign, repoint_artifacts

from .conftest import NAMES, output_paths, project_outputs, write_outputs

mlflow = pytest.importorskip("mlflow")


def _snapshot(folder):
    """Every file and folder under ``folder`` with its size, mtime and content digest."""
    return {
        str(p.relative_to(folder)): (
            p.is_dir(),
            p.stat().st_mtime_ns,
            None if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(folder.rglob("*"))
    }


def _track_here(root):
    """`birnn track` with the default params, run in ``root``."""
    return track(
        parse_params({}), NAMES, Layout(root).tracking_path, **output_paths(project_outputs(root))
    )


def test_a_copied_project_writes_only_into_its_own_store(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    original, copy = tmp_path / "original", tmp_path / "copy"
    write_outputs(project_outputs(original))
    monkeypatch.chdir(original)
    first = _track_here(original)
    assert first["status"] == "logged" and (original / "mlruns/artifacts").is_dir()
    shutil.copytree(original, copy)
    before = _snapshot(original / "mlruns")

    monkeypatch.chdir(copy)
    # mlflow.set_tracking_uri exports the original's URI; a fresh `birnn track` would not see it
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    write_json(Layout(copy).metrics_path("gru-ave"), {"variant": "gru-ave", "accuracy": 0.9})
    with caplog.at_level(logging.WARNING):
        second = _track_here(copy)

    assert second["status"] == "logged" and second["created"] is True, second
    assert _snapshot(original / "mlruns") == before
    assert "outside this project (copied or moved?)" in caplog.text
    own = (copy / "mlruns/artifacts").as_uri()
    client = mlflow.MlflowClient(f"sqlite:///{copy}/mlruns/mlflow.db")
    experiment = client.get_experiment_by_name(experiment_name(parse_params({})))
    assert experiment.artifact_location == own
    for run_id in (first["parent_run_id"], second["parent_run_id"]):
        assert client.get_run(run_id).info.artifact_uri.startswith(own + "/")
    # the run copied along reads the artifacts copied along
    assert "comparison.json" in {a.path for a in client.list_artifacts(first["parent_run_id"])}


def test_locations_in_the_configured_root_or_beside_the_database_are_the_projects(tmp_path):
    db = tmp_path / "mlruns" / "mlflow.db"
    own = (tmp_path / "mlruns/artifacts").as_uri()
    assert not is_foreign(own, own, db)
    assert not is_foreign(str(tmp_path / "mlruns" / "0"), own, db)
    assert not is_foreign("s3://bucket/artifacts", own, db)
    assert is_foreign((tmp_path.parent / "other/mlruns/artifacts").as_uri(), own, db)


def test_a_store_that_cannot_be_repointed_is_refused_in_one_line(tmp_path):
    db = tmp_path / "mlruns" / "mlflow.db"
    db.parent.mkdir()
    sqlite3.connect(db).close()  # a database without MLflow's tables
    with pytest.raises(ForeignStoreError) as refused:
        repoint_artifacts(db, "file:///old/mlruns/artifacts", (tmp_path / "a").as_uri())
    message = str(refused.value)
    assert "\n" not in message and "/old/mlruns/artifacts" in message
    assert f"delete {db.parent} here to start a fresh store" in message
