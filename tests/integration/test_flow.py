"""The Prefect flow for real, in temporary copies of the project, with tiny params: two runs at
once (one with an unreachable Prefect server) taking turns, caching across runs, DVC recording,
a served deployment on a real `prefect server start`, the Dask path on a real
distributed.LocalCluster, and a failed variant. No mocks; every process this file starts is
stopped by its process id."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from birnn.pipeline import STAGES
from processes import free_port as _free_port
from processes import start_process, stop_process
from projects import changed_stages, copy_project, project_env, run, stages_run

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
VARIANTS = ["lstm-concat", "lstm-mul", "gru-concat", "gru-mul"]
TINY = {
    "seed": 11,
    "data": {"builtin_size": 400},
    "split": {"min_count": 1},
    "model": {"embedding_dim": 8, "units": 4},
    "train": {"epochs": 1, "batch_size": 64, "patience": 1, "plateau_margin": None},
    "variants": {"cells": ["lstm", "gru"], "merge_modes": ["concat", "mul"], "unidirectional": []},
    "tracking": {"enabled": False},
}


def _project(dest: Path, **sections) -> Path:
    return copy_project(dest, {**TINY, **sections})


_env, _run = project_env, run


# ------------------------------------------------------------------ two runs at once, then DVC


def _start_flow(root: Path, env: dict, log: Path) -> subprocess.Popen:
    return start_process([sys.executable, "flows/pipeline.py"], root, env, log)


@pytest.fixture(scope="module")
def twice(tmp_path_factory):
    """Two flow runs started at once in one folder; the second with PREFECT_API_URL at a port
    where no server listens. One takes the folder's run lock and does the work; the other waits,
    then finds every task cached. Returns the lock holder's ("first") and the waiter's output."""
    base = tmp_path_factory.mktemp("twice")
    root = _project(base / "project")
    env = _env(root)
    _run(["dvc", "remote", "add", "-d", "local", str(base / "remote")], root, env)
    dead_api = f"http://127.0.0.1:{_free_port()}/api"
    procs = {
        "ok": _start_flow(root, env, base / "ok.log"),
        "no-server": _start_flow(
            root, {**env, "PREFECT_API_URL": dead_api}, base / "no-server.log"
        ),
    }
    stamps, deadline = None, time.monotonic() + 600
    try:
        while any(p.poll() is None for p in procs.values()):
            if stamps is None and any(p.poll() is not None for p in procs.values()):
                stamps = _stamps(
                    root / "models"
                )  # the first run just ended; the other must not retrain
            assert time.monotonic() < deadline, "the two flow runs did not end within 600 s"
            time.sleep(0.5)
    finally:
        for proc in procs.values():
            stop_process(proc, grace=10)
    runs = {
        name: {"rc": p.returncode, "out": (base / f"{name}.log").read_text(), "pid": p.pid}
        for name, p in procs.items()
    }
    waiter = [n for n, r in runs.items() if "another pipeline run in this folder holds" in r["out"]]
    assert len(waiter) == 1, {n: r["out"][-3000:] for n, r in runs.items()}
    first = runs[next(n for n in runs if n not in waiter)]
    return SimpleNamespace(
        root=root,
        env=env,
        first=first["out"],
        second=runs[waiter[0]]["out"],
        first_pid=first["pid"],
        runs=runs,
        dead_api=dead_api,
        stamps=stamps,
        remote=base / "remote",
    )


def _stamps(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_first_run_does_every_stage_with_recognisable_task_names(twice):
    for task in [
        "source",
        "download",
        "clean",
        "tokenize",
        "split",
        "pretrain",
        "baseline tfidf-logreg",
        "compare",
        *(f"train {v}" for v in VARIANTS),
    ]:
        assert f"Task run '{task}" in twice.first and f"birnn - {task}:" in twice.first, (
            task
        )  # summaries in Prefect logs
    assert "Finished in state Cached" not in twice.first
    comparison = json.loads((twice.root / "reports/comparison.json").read_text())
    assert comparison["best_variant"] in VARIANTS and not comparison["failed"]


def test_second_run_waits_for_the_first_then_skips_every_finished_task(twice):
    assert f"pid {twice.first_pid} (flows/pipeline.py)" in twice.second  # names whom it waits for
    for task in [
        "download",
        "clean",
        "tokenize",
        "split",
        "baseline tfidf-logreg",
        "compare",
        *(f"train {v}" for v in VARIANTS),
    ]:
        assert f"birnn - {task}:" not in twice.second, f"{task} ran again"
    # track and source (it looks at the data as it is now) are never cached
    shared = [s for s in STAGES if not s.per_variant and s.name not in ("track", "source")]
    per_variant = [s for s in STAGES if s.per_variant]
    assert twice.second.count("Finished in state Cached") == len(shared) + len(per_variant) * len(
        VARIANTS
    )
    assert _stamps(twice.root / "models") == twice.stamps  # models untouched


def test_two_runs_at_once_leave_valid_outputs_and_agree(twice):
    import pandas as pd

    from birnn.serving.predict import Predictor

    best = {
        re.search(r"best variant: \S+ \(test accuracy [\d.]+\)", r["out"]).group(0)
        for r in twice.runs.values()
    }
    assert len(best) == 1, best  # both report the same result
    root = twice.root
    assert len(pd.read_parquet(root / "data/interim/tokens.parquet")) > 0
    assert json.loads((root / "reports/comparison.json").read_text())["best_variant"] in VARIANTS
    for v in VARIANTS:
        assert Predictor.from_dir(root / "models" / v).probabilities(["not bad at all"]).shape == (
            1,
        )
    assert not [p for p in root.rglob("*.tmp")], "temporary files left behind"


def test_an_unreachable_prefect_server_still_gives_every_output_and_says_what_to_do(twice):
    run, ok = twice.runs["no-server"], twice.runs["ok"]
    assert (run["rc"], ok["rc"]) == (3, 0), run["out"][-3000:]  # 3: done, but not on that server
    for said in (
        f"the Prefect API at {twice.dead_api} does not answer",
        "Connection refused",
        "`prefect server start`",
        "unset PREFECT_API_URL",
    ):
        assert said in run["out"], said
    said_last = [
        line for line in run["out"].splitlines() if line.startswith(("best variant:", "degraded:"))
    ]
    assert said_last[-1].startswith("degraded: the Prefect API at"), (
        said_last
    )  # after the result, not only before
    assert "Traceback" not in run["out"]
    for out in (
        "reports/comparison.json",
        "reports/comparison.md",
        "reports/figures/accuracy_heatmap.png",
        *(f"models/{v}/model.keras" for v in VARIANTS),
    ):
        assert (twice.root / out).is_file(), out


def test_flow_records_outputs_with_dvc_so_status_is_clean_and_repro_does_nothing(twice):
    root, env = twice.root, twice.env
    # every registered stage once, the per-variant one once per variant
    recorded = len(STAGES) - 1 + len(VARIANTS)
    assert f"dvc commit: {recorded} stages recorded" in twice.second
    assert changed_stages(root, env) == set()
    assert stages_run(_run(["dvc", "repro"], root, env).stdout) == {"source"}
    assert any(p.is_file() for p in twice.remote.rglob("*")), "dvc push wrote nothing to the remote"
    assert "in sync" in _run(["dvc", "status", "--cloud"], root, env).stdout


# ------------------------------------------------------------------ server + deployment + Dask


def _api(
    url: str, body: dict | None = None, method: str | None = None, attempts: int = 6
) -> dict | list:
    """One REST call; 502/503/504 (the server's sqlite busy under load) are retried, as
    Prefect's own client does."""
    data = json.dumps(body).encode() if body is not None else None
    for attempt in range(attempts):
        req = urllib.request.Request(
            url,
            data=data,
            method=method or ("POST" if data else "GET"),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            if err.code not in (502, 503, 504) or attempt == attempts - 1:
                raise
            time.sleep(2 * (attempt + 1))
    raise AssertionError("unreachable")


def _all(url: str) -> list:
    rows: list = []
    while len(page := _api(url, {"limit": 200, "offset": len(rows)})) == 200 or page:
        rows += page
        if len(page) < 200:
            break
    return rows


def _wait_for(
    what: str, probe, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None
):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(
                f"{what}: process exited ({proc.returncode}):\n{log.read_text()[-4000:] if log else ''}"
            )
        try:
            found = probe()
        except (urllib.error.URLError, ConnectionError, OSError):
            found = None
        if found:
            return found
        time.sleep(1)
    raise AssertionError(
        f"{what}: not ready after {timeout:.0f} s\n{log.read_text()[-4000:] if log else ''}"
    )


def test_served_deployment_runs_on_a_dask_cluster_and_isolates_a_failed_variant(tmp_path):
    distributed = pytest.importorskip("distributed")
    root = _project(tmp_path / "project", tracking={"enabled": True})
    # a real failure for one variant: its checkpoint folder is a file, so training cannot save state
    (root / ".checkpoints").mkdir()
    (root / ".checkpoints" / "gru-mul").write_text("not a folder")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = _env(root, PREFECT_API_URL=api, PREFECT_UI_ENABLED="false")
    server = start_process(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        root,
        env,
        tmp_path / "server.log",
    )
    serve = cluster = None
    try:
        _wait_for(
            "prefect server", lambda: _api(f"{api}/health"), 120, server, tmp_path / "server.log"
        )
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        serve = start_process(
            [sys.executable, "flows/deploy.py", "--name", "test"],
            root,
            {**env, "PREFECT_RUNNER_POLL_FREQUENCY": "2"},
            tmp_path / "serve.log",
        )
        deployment = _wait_for(
            "deployment",
            lambda: _api(f"{api}/deployments/name/birnn-pipeline/test"),
            120,
            serve,
            tmp_path / "serve.log",
        )
        cron = deployment["schedules"][0]["schedule"]
        assert (cron["cron"], cron["timezone"]) == ("0 2 * * *", "UTC")  # params' nightly default

        run = _api(
            f"{api}/deployments/{deployment['id']}/create_flow_run",
            {
                "parameters": {
                    "source": "builtin",  # deployment parameters and overrides change params for this run only
                    "overrides": {
                        "train.patience": 2,
                        "orchestration.dask_address": cluster.scheduler_address,
                    },
                }
            },
        )
        final = {"FAILED", "COMPLETED", "CRASHED", "CANCELLED"}
        done = _wait_for(
            "flow run",
            lambda: (r := _api(f"{api}/flow_runs/{run['id']}"))["state_type"] in final and r,
            420,
            serve,
            tmp_path / "serve.log",
        )

        # the run fails because of gru-mul only, after comparing the variants that succeeded
        assert done["state_type"] == "FAILED", done["state"]
        assert done["state"]["message"].startswith("1 of 4 variants failed: gru-mul"), done["state"]
        comparison = json.loads((root / "reports/comparison.json").read_text())
        assert [f["variant"] for f in comparison["failed"]] == ["gru-mul"]
        assert comparison["best_variant"] in set(VARIANTS) - {"gru-mul"}
        for v in set(VARIANTS) - {"gru-mul"}:
            assert json.loads((root / f"reports/metrics/{v}.json").read_text())["status"] == "ok"

        task_runs = _all(f"{api}/task_runs/filter")
        states = {t["name"]: t["state_type"] for t in task_runs}
        assert states["train gru-mul"] == "FAILED"
        assert all(states[f"train {v}"] == "COMPLETED" for v in set(VARIANTS) - {"gru-mul"})
        assert not any(name.startswith("evaluate") for name in states)  # train also scores
        logs = " ".join(entry["message"] for entry in _all(f"{api}/logs/filter"))
        assert (
            "split: train=" in logs and "train lstm-concat: variant=lstm-concat" in logs
        )  # worker logs too
        # patience 2 is not what params.yaml says: dvc.lock would lie, so the run records nothing in DVC
        assert not (root / "dvc.lock").exists()
        _wait_for(
            "the dvc line in the run's log",
            lambda: "this run's params differ" in (tmp_path / "serve.log").read_text(),
            30,
        )

        # the run's parameters reached MLflow as params: patience 2 although params.yaml says 1
        with sqlite3.connect(root / "mlruns" / "mlflow.db") as db:
            patience = {
                v for (v,) in db.execute("select value from params where key = 'train.patience'")
            }
        assert patience == {"2"}
    finally:
        if serve is not None:
            stop_process(serve, grace=20)
        if cluster is not None:
            cluster.close()
        stop_process(server, grace=20)


# ------------------------------------------------------------------ cached means up to date


def _variant_file(root: Path, variant: str) -> dict:
    return json.loads((root / "models" / variant / "variant.json").read_text())


def _flow(root: Path, env: dict, *overrides: str) -> str:
    sets = [arg for o in overrides for arg in ("--set", o)]
    proc = _run([sys.executable, "flows/pipeline.py", *sets], root, env, timeout=600)
    return proc.stdout + proc.stderr


def test_a_cache_hit_needs_the_outputs_its_run_wrote(tmp_path):
    """plain run, a run with --set, a plain run again: the last one must not reuse the --set
    run's model as its own; nor may a hand-edited output pass as cached."""
    one = {"cells": ["gru"], "merge_modes": ["concat"], "unidirectional": []}
    root = _project(tmp_path / "project", variants=one, train={**TINY["train"], "epochs": 1})
    env = _env(root)
    _flow(root, env)
    assert _variant_file(root, "gru-concat")["epochs_run"] == 1

    longer = _flow(root, env, "train.epochs=2", "train.patience=5")
    assert "birnn - train gru-concat:" in longer  # other params: trained again
    assert _variant_file(root, "gru-concat")["epochs_run"] == 2

    again = _flow(root, env)
    assert "birnn - train gru-concat:" in again, "reported the --set run's model as cached"
    assert _variant_file(root, "gru-concat")["epochs_run"] == 1
    assert "birnn - split:" not in again  # its outputs are still the ones it wrote
    lock = (root / "dvc.lock").read_text()
    assert "epochs: 1" in lock and "epochs: 2" not in lock
    assert changed_stages(root, env) == set()  # dvc agrees: every output is the recorded one

    tokens = root / "data/interim/tokens.parquet"
    tokens.write_bytes(tokens.read_bytes() + b"edited by hand")
    edited = _flow(root, env)
    assert "birnn - tokenize:" in edited  # its output was not the one it wrote: runs again
    assert "birnn - split:" not in edited  # the same tokens again: split's record holds
    assert changed_stages(root, env) == set()
