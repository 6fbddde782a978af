"""Faults: kill -9 mid-download and mid-evaluation, a full disk, a locked or unreachable MLflow
store, two `dvc repro` at once. Real processes, a real local HTTP server, real DVC."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from birnn import stages
from birnn.cli import main
from birnn.files import atomic_path, write_json
from birnn.layout import Layout
from conftest import tiny_params
from localserver import FileServer
from projects import birnn_command

BODY = (
    "text,label\n"
    + "".join(f"a good film number {i},1\na bad film number {i},0\n" for i in range(4000))
).encode()
SHA = hashlib.sha256(BODY).hexdigest()


def _env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if "proxy" not in k.lower() and not k.startswith("MLFLOW_")
    }
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def _wait_for(condition, timeout: float, proc: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def _hidden_temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*.tmp")] if folder.exists() else []


# --- kill -9 during download -----------------------------------------------------------------


def test_download_killed_mid_transfer_resumes_and_matches_an_uninterrupted_run(tmp_path):
    with FileServer({"reviews.csv": BODY}) as server:
        server.slow["reviews.csv"] = 60_000  # bytes/s: the ~190 KB body takes ~3 s
        params_file = tmp_path / "params.yaml"
        params_file.write_text(
            yaml.safe_dump({"data": {"source": "csv", "path": server.url("reviews.csv")}})
        )
        root = tmp_path / "killed"
        raw = root / "data" / "raw"
        cmd = birnn_command(params_file, root, "download")
        proc = subprocess.Popen(
            cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        part = raw / "csv.csv.part"
        started = _wait_for(lambda: part.is_file() and part.stat().st_size > 20_000, 60, proc)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL and started, (
            "download ended before the kill"
        )
        # nothing a later stage would trust: no target file, no manifest
        assert not (raw / "csv.csv").exists() and not (raw / "manifest.json").exists()
        have = part.stat().st_size
        assert 0 < have < len(BODY)

        del server.slow["reviews.csv"]
        params = tiny_params(data={"source": "csv", "path": server.url("reviews.csv")})
        stages.run_download(params, Layout(root))
        assert (
            server.requests[-1]["headers"].get("Range") == f"bytes={have}-"
        )  # resumed, not restarted
        stages.run_download(params, Layout(tmp_path / "clean"))  # uninterrupted
    killed = json.loads((raw / "manifest.json").read_text())
    clean = json.loads((tmp_path / "clean" / "data" / "raw" / "manifest.json").read_text())
    assert (raw / "csv.csv").read_bytes() == BODY
    assert (
        (killed["sha256"], killed["bytes"]) == (clean["sha256"], clean["bytes"]) == (SHA, len(BODY))
    )
    assert sorted(p.name for p in raw.iterdir()) == ["csv.csv", "manifest.json"]  # no .part left


def test_a_partial_download_of_another_address_is_not_resumed(tmp_path):
    other = b"x" * 50_000
    with FileServer({"a.csv": other, "b.csv": BODY}) as server:
        server.cut_once.add("a.csv")
        from birnn.data.download import fetch

        with pytest.raises(Exception):
            fetch(server.url("a.csv"), tmp_path / "csv.csv", retries=0, progress=False, timeout=5)
        # a killed run leaves its part (simulated: Ctrl-C keeps it; here we write one by hand)
        (tmp_path / "csv.csv.part").write_bytes(other[:25_000])
        (tmp_path / "csv.csv.part.json").write_text(
            json.dumps(
                {"url": hashlib.sha256(server.url("a.csv").encode()).hexdigest(), "validator": None}
            )
        )
        got = fetch(server.url("b.csv"), tmp_path / "csv.csv", progress=False, timeout=5)
        assert not got.resumed and (tmp_path / "csv.csv").read_bytes() == BODY
        assert server.requests[-1]["headers"].get("Range") is None


# --- disk full ---------------------------------------------------------------------------------


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device", str(args[0]) if args else None)


def test_disk_full_keeps_the_previous_output_and_says_what_to_do(tmp_path, monkeypatch, capsys):
    pairs = "".join(f"a good film {i},1\na bad film {i},0\n" for i in range(30))
    (tmp_path / "d.csv").write_text("text,label\n" + pairs)
    params_file = tmp_path / "params.yaml"
    params_file.write_text(
        yaml.safe_dump({"data": {"source": "csv", "path": str(tmp_path / "d.csv")}})
    )
    args = ["--params", str(params_file), "--root", str(tmp_path)]
    assert main([*args, "download"]) == 0 and main([*args, "clean"]) == 0
    clean_path = tmp_path / "data" / "interim" / "clean.parquet"
    report_path = tmp_path / "reports" / "clean_report.json"
    before = clean_path.read_bytes(), report_path.read_bytes()

    real_to_parquet = pd.DataFrame.to_parquet

    def half_written(self, path, *a, **kw):  # some bytes land, then the disk is full
        Path(path).write_bytes(b"PAR1 partial")
        _disk_full(path)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", half_written)
    (tmp_path / "d.csv").write_text("text,label\n" + pairs + "one more good film,1\n")
    assert main([*args, "download"]) == 0
    assert main([*args, "clean"]) == 1
    err = capsys.readouterr().err
    assert (
        "error: clean: disk full" in err
        and "free space there and run again" in err
        and "Traceback" not in err
    )
    # the output being written and where it is stored, not the temp name beside it
    assert f"writing {clean_path} (No space left on device), on the filesystem mounted at /" in err
    assert ".tmp" not in err
    assert (
        clean_path.read_bytes(),
        report_path.read_bytes(),
    ) == before  # previous good output untouched
    assert not _hidden_temp_files(tmp_path)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", real_to_parquet)
    assert main([*args, "clean"]) == 0 and json.loads(report_path.read_text())["rows_out"] == 61


def test_disk_full_in_write_json_and_np_save_leaves_nothing_behind(tmp_path, monkeypatch):
    target = write_json(tmp_path / "m.json", {"ok": 1})
    monkeypatch.setattr(Path, "write_text", _disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_json(target, {"ok": 2})
    monkeypatch.undo()
    assert json.loads(target.read_text()) == {"ok": 1} and sorted(
        p.name for p in tmp_path.iterdir()
    ) == ["m.json"]
    np.save(tmp_path / "p.npy", np.ones(3))
    with pytest.raises(OSError):
        with atomic_path(tmp_path / "p.npy") as tmp:
            with open(tmp, "wb") as fh:
                fh.write(b"\x93NUMPY partial")
                _disk_full(tmp)
    assert np.load(tmp_path / "p.npy", allow_pickle=False).tolist() == [1, 1, 1]
    assert not _hidden_temp_files(tmp_path)


def test_temp_files_of_a_killed_writer_are_cleaned_up_by_the_next_write(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = tmp_path / f".out.json.{dead.pid}.abc123.tmp"
    orphan.write_text("half")
    alive = tmp_path / f".out.json.{os.getppid()}.def456.tmp"  # a live writer's file stays
    alive.write_text("in progress")
    write_json(tmp_path / "out.json", {"ok": True})
    assert not orphan.exists() and alive.exists()


def test_a_folder_swap_killed_half_way_is_recovered(tmp_path):
    from birnn.files import atomic_dir

    (tmp_path / ".model.old").mkdir()  # kill -9 between "target -> .old" and "tmp -> target"
    (tmp_path / ".model.old" / "weights").write_text("previous")
    with atomic_dir(tmp_path / "model") as tmp:
        assert (tmp_path / "model" / "weights").read_text() == "previous"  # readers see the old one
        (tmp / "weights").write_text("new")
    assert (tmp_path / "model" / "weights").read_text() == "new" and not (
        tmp_path / ".model.old"
    ).exists()


# --- MLflow store locked or unreachable ----------------------------------------------------------


@pytest.fixture
def finished_outputs(tmp_path):
    layout = Layout(tmp_path)
    for folder in (layout.metrics_dir, layout.processed_dir, layout.curves_dir):
        folder.mkdir(parents=True)
    write_json(
        layout.metrics_path("tfidf-logreg"),
        {"variant": "tfidf-logreg", "kind": "baseline", "accuracy": 0.6},
    )
    write_json(
        layout.reports_dir / "comparison.json",
        {"best_variant": "tfidf-logreg", "best_accuracy": 0.6},
    )
    (layout.processed_dir / "test.npz").write_bytes(b"x")
    return layout


def _track(layout, uri, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    params = tiny_params(
        tracking={"uri": uri, "artifact_root": str(layout.root / "artifacts")},
        variants={"cells": ["gru"], "merge_modes": ["concat"], "unidirectional": []},
    )
    before = {p: p.read_bytes() for p in layout.reports_dir.rglob("*.json")}
    result = stages.run_track(params, layout)
    tracking = json.loads((layout.reports_dir / "tracking.json").read_text())
    assert all(p.read_bytes() == data for p, data in before.items())  # the pipeline's outputs stay
    return result, tracking


def test_a_locked_mlflow_store_is_reported_and_outputs_stay(finished_outputs, monkeypatch):
    layout = finished_outputs
    db = layout.root / "mlflow.db"
    lock = sqlite3.connect(db, timeout=0, isolation_level=None)
    lock.execute("create table if not exists held (x)")
    lock.execute("begin exclusive")  # another process holds the store
    try:
        monkeypatch.setenv("MLFLOW_SQLALCHEMYSTORE_POOLCLASS", "NullPool")
        result, tracking = _track(layout, f"sqlite:///{db}", monkeypatch)
    finally:
        lock.execute("rollback")
        lock.close()
    assert tracking["status"] == "failed" and "locked" in tracking["error"].lower()


def test_an_unreachable_tracking_server_is_reported_and_outputs_stay(finished_outputs, monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    result, tracking = _track(finished_outputs, f"http://user:s3cret@127.0.0.1:{port}", monkeypatch)
    assert tracking["status"] == "failed" and "s3cret" not in json.dumps(tracking)


# --- kill -9 during evaluation (integration) ---------------------------------------------------


@pytest.mark.integration
def test_evaluation_killed_then_rerun_matches_an_uninterrupted_run(tmp_path):
    import shutil

    raw = {
        "seed": 7,
        "data": {"builtin_size": 400},
        "split": {"min_count": 1},
        "model": {"embedding_dim": 8, "units": 4},
        "train": {"epochs": 1, "batch_size": 64, "plateau_margin": None},
        "variants": {"cells": ["gru"], "merge_modes": ["concat"], "unidirectional": []},
    }
    params = tiny_params(**{k: v for k, v in raw.items() if k != "seed"})
    clean = Layout(tmp_path / "clean")
    for step in (stages.run_download, stages.run_clean, stages.run_tokenize, stages.run_split):
        step(params, clean)
    stages.run_train(params, clean, "gru-concat")
    killed = Layout(tmp_path / "killed")
    shutil.copytree(clean.root, killed.root)
    stages.run_evaluate(params, clean, "gru-concat")
    # an earlier result is on disk: a kill must leave it whole, never half-replaced
    write_json(killed.metrics_path("gru-concat"), {"variant": "gru-concat", "status": "stale"})

    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump({**raw, "seed": params.seed}))
    cmd = birnn_command(params_file, killed.root, "evaluate", "gru-concat")
    predictions = killed.predictions_path("gru-concat")
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # kill while it works: as soon as its first output appears (or a temp file of it)
    _wait_for(
        lambda: predictions.exists() or bool(_hidden_temp_files(killed.reports_dir)), 120, proc
    )
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    metrics = json.loads(killed.metrics_path("gru-concat").read_text())  # whole JSON, old or new
    assert metrics["status"] in ("stale", "ok")
    if predictions.exists():
        assert np.load(predictions, allow_pickle=False).shape[0] > 0  # a complete array

    assert subprocess.run(cmd, env=_env(), capture_output=True, timeout=300).returncode == 0
    again = json.loads(killed.metrics_path("gru-concat").read_text())
    first = json.loads(clean.metrics_path("gru-concat").read_text())
    timing = {"predict_texts_per_second"}
    assert {k: v for k, v in again.items() if k not in timing} == {
        k: v for k, v in first.items() if k not in timing
    }
    assert np.array_equal(np.load(predictions), np.load(clean.predictions_path("gru-concat")))
    assert not _hidden_temp_files(killed.reports_dir) or all(
        int(p.name.split(".")[-3]) != proc.pid for p in _hidden_temp_files(killed.reports_dir)
    )


# --- two `dvc repro` at once (integration) -------------------------------------------------------


def _stage_running(root: Path) -> bool:
    """The first repro is inside a stage command after download: DVC 3 releases its repo lock
    while a command runs and guards that stage's deps/outs with .dvc/tmp/rwlock instead."""
    try:
        lock = json.loads((root / ".dvc" / "tmp" / "rwlock").read_text())
    except (OSError, ValueError):
        return False
    return any("data/raw" not in path for path in lock.get("write", {}))


@pytest.mark.integration
def test_a_second_dvc_repro_refuses_while_the_first_runs(tmp_path):
    from integration.test_pipeline import TINY
    from projects import copy_project, project_env

    root = copy_project(tmp_path / "project", TINY)
    env = project_env(root)
    first = subprocess.Popen(
        ["dvc", "repro"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert _wait_for(lambda: _stage_running(root), 180, first), (
            "the first dvc repro ran no stage"
        )
        second = subprocess.run(
            ["dvc", "repro"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            start_new_session=True,
        )
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    said = second.stdout + second.stderr
    assert second.returncode != 0, said[-2000:]
    # DVC's locks, or (when the first is in a stage that leaves data/source free) the second's
    # own source stage
    refusals = ("is busy, it is being blocked by", "Unable to acquire lock", "another dvc repro")
    assert any(refusal in said for refusal in refusals), said[-2000:]
