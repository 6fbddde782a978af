"""A variant's MLflow run while it trains, for real: `dvc repro` in a temporary copy of the
project (sqlite store inside it), the store read with MlflowClient while the train stage is
still running, then the same run completed by `track`. And a store that cannot be reached
during training: training goes on, `birnn log-runs` replays everything afterwards."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from processes import free_port
from projects import BIN, ONE_VARIANT, TINY_PARAMS, copy_project, project_env, run

pytestmark = pytest.mark.integration

VARIANT = "gru-concat"
EXPERIMENT = "birnn-builtin"
EPOCHS = 30
LIVE = {
    **TINY_PARAMS,
    "variants": ONE_VARIANT,
    # many short epochs: the store is read while most of them are still to come
    "train": {**TINY_PARAMS["train"], "epochs": EPOCHS, "patience": EPOCHS, "batch_size": 16},
    "tracking": {"enabled": True},
}


def _experiment_exists(db: Path) -> bool:
    """Read-only: a client opened on a missing store would create it under the trainer."""
    if not db.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as con:
            rows = con.execute("SELECT 1 FROM experiments WHERE name = ?", (EXPERIMENT,))
            return rows.fetchone() is not None
    except sqlite3.Error:
        return False


def _variant_runs(client, experiment_id: str):
    return client.search_runs([experiment_id], f"tags.variant = '{VARIANT}'")


def _first_epochs_while_training(proc: subprocess.Popen, db: Path, root: Path, timeout: float):
    """(run id, steps of val_loss, seconds since start) the first time the store shows a
    RUNNING run of the variant with an epoch in it while `dvc repro` still trains it."""
    from mlflow import MlflowClient

    started = time.monotonic()
    client = None
    while time.monotonic() - started < timeout and proc.poll() is None:
        if client is None and _experiment_exists(db):
            client = MlflowClient(f"sqlite:///{db}")
        if client is not None:
            experiment = client.get_experiment_by_name(EXPERIMENT)
            for live in _variant_runs(client, experiment.experiment_id):
                steps = [m.step for m in client.get_metric_history(live.info.run_id, "val_loss")]
                trained = (root / "models" / VARIANT / "variant.json").is_file()
                if steps and live.info.status == "RUNNING" and not trained:
                    return live.info.run_id, steps, time.monotonic() - started
        time.sleep(0.3)
    return None


def test_the_store_shows_a_variant_while_it_trains_and_track_completes_that_run(tmp_path):
    from mlflow import MlflowClient

    root = copy_project(tmp_path / "project", LIVE)
    env = project_env(root)
    log = tmp_path / "repro.log"
    db = root / "mlruns" / "mlflow.db"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["dvc", "repro"], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        seen = _first_epochs_while_training(proc, db, root, timeout=600)
        assert seen is not None, f"no live epoch in the store:\n{log.read_text()[-4000:]}"
        assert proc.wait(timeout=900) == 0, log.read_text()[-4000:]
    finally:
        if proc.poll() is None:
            proc.kill()
    live_id, steps_seen, seconds = seen
    print(f"first epochs {steps_seen} in the store {seconds:.1f}s after `dvc repro` started")
    assert steps_seen[0] == 1 and len(steps_seen) < EPOCHS

    tracking = json.loads((root / "reports" / "tracking.json").read_text())
    assert tracking["status"] == "logged" and tracking["created"] is True, tracking
    assert tracking["children"][VARIANT] == live_id  # completed, not logged again
    client = MlflowClient(f"sqlite:///{db}")
    runs = _variant_runs(client, tracking["experiment_id"])
    assert [r.info.run_id for r in runs] == [live_id]
    completed = client.get_run(live_id)
    assert completed.info.status == "FINISHED"
    assert completed.data.tags["mlflow.parentRunId"] == tracking["parent_run_id"]
    assert completed.data.tags["cell"] == "gru" and completed.data.tags["merge_mode"] == "concat"
    assert "test_accuracy" in completed.data.metrics and completed.data.params["variant"] == VARIANT
    epochs = json.loads((root / "models" / VARIANT / "variant.json").read_text())["epochs_run"]
    steps = [m.step for m in client.get_metric_history(live_id, "val_loss")]
    assert steps == list(range(1, epochs + 1))  # each epoch once: live, none again by track


def test_training_goes_on_when_the_store_is_down_and_log_runs_replays_it(tmp_path):
    from mlflow import MlflowClient

    params = {**LIVE, "train": {**LIVE["train"], "epochs": 3, "patience": 3}}
    root = copy_project(tmp_path / "project", params)
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    # no retries: `track`, which then finds the store down too, gives up at once
    env = project_env(root, MLFLOW_TRACKING_URI=nowhere, MLFLOW_HTTP_REQUEST_MAX_RETRIES="0")
    proc = run(["dvc", "repro"], root, env)
    print(f"dvc repro with the store down: {time.monotonic() - started:.1f}s")
    assert "could not start the run of gru-concat" in proc.stdout + proc.stderr
    metrics = json.loads((root / "reports" / "metrics" / f"{VARIANT}.json").read_text())
    assert metrics["status"] == "ok"
    down = json.loads((root / "reports" / "tracking.json").read_text())
    assert down["status"] == "failed" and "log-runs" in down["fix"]

    run([str(BIN / "birnn"), "log-runs"], root, project_env(root))
    tracking = json.loads((root / "reports" / "tracking.json").read_text())
    assert tracking["status"] == "logged" and tracking["created"] is True, tracking
    client = MlflowClient(f"sqlite:///{root / 'mlruns' / 'mlflow.db'}")
    [replayed] = _variant_runs(client, tracking["experiment_id"])
    assert replayed.info.run_id == tracking["children"][VARIANT]
    assert replayed.info.status == "FINISHED"
    steps = [m.step for m in client.get_metric_history(replayed.info.run_id, "val_loss")]
    assert steps == [1, 2, 3]
