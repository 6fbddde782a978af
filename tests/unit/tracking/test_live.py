"""The live run of a variant and what `track` does with it, on a real sqlite store: created
RUNNING with its epochs, ended FINISHED or FAILED, adopted again by a resumed training, marked
FAILED when its process is gone, and harmless when the store cannot be reached."""

import logging
import os
import socket
import subprocess
import sys
import time

import pytest

from birnn.tracking.completion import fail_abandoned, live_variant_run
from birnn.tracking.live import (
    HOST_TAG,
    PID_TAG,
    LiveRuns,
    live_runs,
    owner_gone,
    seed_fingerprint_tag,
)
from conftest import tiny_params
from processes import free_port


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    params = tiny_params(
        tracking={"uri": uri, "artifact_root": str(tmp_path / "artifacts"), "live": True}
    )
    return params, uri


def _client(uri):
    from mlflow import MlflowClient

    return MlflowClient(uri)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_run_is_running_with_its_epochs_then_finished(store):
    params, uri = store
    live = live_runs(params, "gru-concat")
    live.seed_started(7, "fp", {})
    live.epoch_finished(7, 1, {"loss": 0.7, "val_loss": 0.69})
    running = _client(uri).get_run(live.variant_run)
    assert running.info.status == "RUNNING" and running.data.metrics["val_loss"] == 0.69
    assert running.data.tags["cell"] == "gru" and running.data.tags["merge_mode"] == "concat"
    assert running.data.tags[seed_fingerprint_tag(7)] == "fp"
    live.epoch_finished(7, 2, {"loss": 0.6, "val_loss": 0.65})
    live.seed_finished(7, "ok", None)
    live.variant_finished("ok", None)
    finished = _client(uri).get_run(live.variant_run)
    history = _client(uri).get_metric_history(live.variant_run, "val_loss")
    assert finished.info.status == "FINISHED" and [m.step for m in history] == [1, 2]
    assert live.failures == 0


def test_a_failed_training_ends_its_run_failed_with_the_reason(store):
    params, uri = store
    live = live_runs(params, "lstm-sum")
    live.seed_started(7, "fp", {})
    live.variant_finished("failed", "loss became NaN/inf at epoch 1")
    run = _client(uri).get_run(live.variant_run)
    assert run.info.status == "FAILED" and "NaN" in run.data.tags["error"]


def test_a_resumed_training_adopts_the_run_its_killed_process_left(store):
    params, uri = store
    killed = live_runs(params, "gru-concat")
    killed.seed_started(7, "fp", {})
    killed.epoch_finished(7, 1, {"val_loss": 0.69})
    _client(uri).set_tag(killed.variant_run, PID_TAG, str(_dead_pid()))
    resumed = live_runs(params, "gru-concat")
    resumed.seed_started(7, "fp", {"val_loss": [0.69]})
    resumed.epoch_finished(7, 2, {"val_loss": 0.6})
    assert resumed.variant_run == killed.variant_run
    history = _client(uri).get_metric_history(resumed.variant_run, "val_loss")
    assert [m.step for m in history] == [1, 2]  # the resumed epochs are not logged twice


def test_track_marks_failed_a_run_whose_process_is_gone_and_leaves_a_live_one(store):
    params, uri = store
    gone, alive = live_runs(params, "gru-concat"), live_runs(params, "lstm-concat")
    gone.seed_started(7, "a", {})
    alive.seed_started(7, "b", {})
    client = _client(uri)
    client.set_tag(gone.variant_run, PID_TAG, str(_dead_pid()))
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        client.set_tag(alive.variant_run, PID_TAG, str(sleeper.pid))
        assert fail_abandoned(client, gone.experiment_id) == [gone.variant_run]
        assert client.get_run(alive.variant_run).info.status == "RUNNING"
    finally:
        sleeper.kill()
        sleeper.wait()
    failed = client.get_run(gone.variant_run)
    assert failed.info.status == "FAILED" and "killed" in failed.data.tags["error"]


def test_track_finds_the_live_run_by_the_fingerprint_variant_json_records(store, tmp_path):
    params, uri = store
    live = live_runs(params, "gru-concat")
    live.seed_started(7, "fp", {})
    live.variant_finished("ok", None)
    model_dir = tmp_path / "models" / "gru-concat"
    model_dir.mkdir(parents=True)
    client = _client(uri)
    (model_dir / "variant.json").write_text('{"fingerprint": "other", "seed": 7}')
    assert live_variant_run(client, live.experiment_id, "gru-concat", model_dir) is None
    (model_dir / "variant.json").write_text('{"fingerprint": "fp", "seed": 7}')
    found = live_variant_run(client, live.experiment_id, "gru-concat", model_dir)
    assert found.info.run_id == live.variant_run


def test_an_unreachable_store_costs_seconds_and_never_raises(monkeypatch, caplog):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    uri = f"http://127.0.0.1:{free_port()}"
    live = LiveRuns(tiny_params(tracking={"uri": uri, "live": True}), "gru-concat", uri)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="birnn"):
        live.seed_started(7, "fp", {})
        for epoch in range(1, 6):
            live.epoch_finished(7, epoch, {"val_loss": 0.5})
        live.variant_finished("ok", None)
    assert time.monotonic() - started < 15
    assert live.variant_run is None and live.failures >= 1
    assert "could not start the run of gru-concat" in caplog.text


def test_no_live_run_when_tracking_or_live_is_off(store):
    params, _ = store
    off = tiny_params(tracking={"enabled": False})
    assert not isinstance(live_runs(off, "gru-concat"), LiveRuns)
    assert not isinstance(live_runs(tiny_params(), "gru-concat"), LiveRuns)  # live: false
    assert isinstance(live_runs(params, "gru-concat"), LiveRuns)


def test_only_a_process_of_this_host_that_ended_counts_as_gone():
    here = socket.gethostname()
    assert owner_gone({HOST_TAG: here, PID_TAG: str(_dead_pid())})
    assert not owner_gone({HOST_TAG: "elsewhere", PID_TAG: str(_dead_pid())})
    assert not owner_gone({HOST_TAG: here, PID_TAG: str(os.getpid())})
    assert owner_gone({HOST_TAG: here, PID_TAG: str(os.getpid())}, own_process_counts=True)


def test_several_seeds_get_a_run_each_under_the_variants(tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    params = tiny_params(
        tracking={"uri": uri, "artifact_root": str(tmp_path / "a"), "live": True},
        variants={"seeds": [1, 2]},
    )
    live = live_runs(params, "gru-concat")
    for seed, status in ((1, "ok"), (2, "failed")):
        live.seed_started(seed, f"fp{seed}", {})
        live.epoch_finished(seed, 1, {"val_loss": 0.5 + seed})
        live.seed_finished(seed, status, None if status == "ok" else "boom")
    live.variant_finished("ok", None)
    client = _client(uri)
    variant = client.get_run(live.variant_run)
    assert variant.info.status == "FINISHED" and "val_loss" not in variant.data.metrics
    assert {seed_fingerprint_tag(1), seed_fingerprint_tag(2)} <= set(variant.data.tags)
    seeds = {s: client.get_run(run_id) for s, run_id in live.seed_runs.items()}
    assert {s: r.info.status for s, r in seeds.items()} == {1: "FINISHED", 2: "FAILED"}
    assert all(r.data.tags["mlflow.parentRunId"] == live.variant_run for r in seeds.values())
    assert seeds[2].data.metrics["val_loss"] == 2.5


def test_a_new_store_is_created_under_the_writer_lock_an_existing_one_without(store, tmp_path):
    from birnn.tracking.live import has_mlflow_schema

    params, uri = store
    db = tmp_path / "mlflow.db"
    assert not has_mlflow_schema(db)  # missing: two trainings must not both migrate it
    live_runs(params, "gru-concat").seed_started(7, "fp", {})
    assert has_mlflow_schema(db)  # migrated: later trainings never wait on `track`'s lock
