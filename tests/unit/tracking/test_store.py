"""Whose store: the URI, its problems, the project a DVC temp workspace belongs to, and two
writers on one sqlite file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from birnn.config import parse_params
from birnn.files import read_json
from birnn.tracking import project_root, shown_uri, store_problem, tracking_uri
from birnn.tracking.store import artifact_root, store_lock_path

from .conftest import NAMES, write_outputs

mlflow = pytest.importorskip("mlflow")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_mlruns_folder_is_not_writable(tmp_path):
    (tmp_path / "mlruns").mkdir()
    (tmp_path / "mlruns").chmod(0o555)
    assert "not writable" in store_problem(f"sqlite:///{tmp_path}/mlruns/mlflow.db")


def test_a_store_file_that_is_no_mlflow_database_says_what_to_do(tmp_path):
    import sqlite3

    db = tmp_path / "mlruns" / "mlflow.db"
    db.parent.mkdir()
    db.write_bytes(b"overwritten by mistake\n" * 100)
    problem = store_problem(f"sqlite:///{db}")
    assert "is not a valid MLflow sqlite database (file is not a database)" in problem
    assert f"move {db} aside" in problem and "tracking.uri" in problem
    db.unlink()
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE notes (x)")
    assert "without MLflow's tables: ['notes']" in store_problem(f"sqlite:///{db}")
    db.write_bytes(b"")  # an empty file is one MLflow fills
    assert store_problem(f"sqlite:///{db}") is None


def test_a_store_mlflow_made_has_no_problem(tmp_path):
    db = tmp_path / "mlflow.db"
    mlflow.MlflowClient(f"sqlite:///{db}").search_experiments()
    assert db.stat().st_size > 0 and store_problem(f"sqlite:///{db}") is None


def test_the_shown_uri_is_a_valid_absolute_sqlite_uri(tmp_path, monkeypatch):
    from birnn.redact import redact

    monkeypatch.chdir(tmp_path)
    assert shown_uri("sqlite:///mlruns/mlflow.db") == f"sqlite:///{tmp_path}/mlruns/mlflow.db"
    assert redact("sqlite:///mlruns/mlflow.db") == "sqlite:///mlruns/mlflow.db"


def test_a_dvc_temporary_experiment_workspace_belongs_to_the_project_it_was_queued_from(tmp_path):
    project = tmp_path / "project"
    # `dvc exp run --queue` (celery) and `dvc exp run --temp` (standalone) workspaces
    assert project_root(project / ".dvc/tmp/exps/tmpa1b2c3") == project
    assert project_root(project / ".dvc/tmp/exps/standalone/tmpx9/sub") == project
    assert project_root(project) == project
    assert project_root(project / ".dvc/tmp") == project / ".dvc/tmp"
    assert project_root(project / "exps") == project / "exps"


def test_in_a_dvc_temporary_workspace_a_relative_store_is_the_queuing_projects(
    tmp_path, monkeypatch
):
    project = tmp_path / "project"
    workspace = project / ".dvc/tmp/exps/standalone/tmpq1"
    workspace.mkdir(parents=True)
    monkeypatch.chdir(workspace)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    params = parse_params({})  # sqlite:///mlruns/mlflow.db, mlruns/artifacts
    assert tracking_uri(params) == f"sqlite:///{project}/mlruns/mlflow.db"
    assert artifact_root(params) == (project / "mlruns/artifacts").as_uri()
    absolute = parse_params({"tracking": {"uri": f"sqlite:///{tmp_path}/elsewhere.db"}})
    assert tracking_uri(absolute) == f"sqlite:///{tmp_path}/elsewhere.db"


WRITER = """
import sys
from pathlib import Path
from birnn.config import parse_params
from birnn.tracking import track
root, db = Path(sys.argv[1]), sys.argv[2]
params = parse_params({"tracking": {"uri": f"sqlite:///{db}", "artifact_root": sys.argv[3]}})
paths = {f"{k}_dir": root / k for k in ("metrics", "models", "curves", "reports", "processed")}
track(params, %r, root / "tracking.json", **paths)
"""


def test_two_writers_at_once_on_one_fresh_store_both_log(tmp_path):
    """`dvc queue start -j 2`: both create the store and the experiment at the same moment."""
    db, artifacts = tmp_path / "store" / "mlflow.db", tmp_path / "store" / "artifacts"
    roots = [tmp_path / "a", tmp_path / "b"]
    for i, root in enumerate(roots):
        write_outputs(_layout(root))
        (root / "metrics" / "gru-ave.json").write_text(json.dumps({"accuracy": i / 10}))
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_TRACKING_URI"}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER % NAMES, str(root), str(db), str(artifacts)], env=env
        )
        for root in roots
    ]
    assert [w.wait(timeout=300) for w in writers] == [0, 0]
    results = [read_json(root / "tracking.json") for root in roots]
    assert [r["status"] for r in results] == ["logged", "logged"], results
    assert results[0]["experiment_id"] == results[1]["experiment_id"]
    client = mlflow.MlflowClient(f"sqlite:///{db}")
    parents = client.search_runs(
        [results[0]["experiment_id"]], filter_string="tags.source = 'builtin'"
    )
    assert {r.info.run_id for r in parents} == {r["parent_run_id"] for r in results}
    assert store_lock_path(db).is_file()


def _layout(root: Path) -> dict:
    return {k: root / k for k in ("metrics", "models", "curves", "reports", "processed")}
