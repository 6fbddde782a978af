"""Every stage DVC runs is the plain process dvc.yaml names: the caller's umask, limits, niceness
and environment reach the process that does the work, a signal to it stops the work, and a
copied project runs its own code."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest

from processes import stop_process
from projects import ONE_VARIANT, TINY_PARAMS, copy_project, project_env, run

pytestmark = pytest.mark.integration

TINY = {**TINY_PARAMS, "variants": ONE_VARIANT}
FILE_LIMIT = 1 << 30


def _restricted() -> None:
    """What a batch scheduler or a careful user sets before starting a run."""
    os.umask(0o077)
    os.nice(3)
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("plain") / "project", TINY)
    env = project_env(root)
    for stage in ("download", "clean", "tokenize", "split"):
        run(["bin/birnn", stage], root, env)
    return root, env


def test_outputs_of_a_dvc_stage_follow_the_callers_umask(project):
    root, env = project
    proc = subprocess.run(
        ["dvc", "repro", "download"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=_restricted,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    written = [p for p in (root / "data/raw").rglob("*") if p.is_file()]
    assert written and all(p.stat().st_mode & 0o077 == 0 for p in written), [
        oct(p.stat().st_mode) for p in written
    ]


def _proc_file(pid: int, name: str) -> str:
    return Path(f"/proc/{pid}/{name}").read_text(errors="replace")


def test_the_process_started_is_the_one_that_trains_with_the_callers_attributes(project, tmp_path):
    root, env = project
    marker = {"BIRNN_TEST_MARKER": "caller-environment"}
    cmd = ["bin/birnn", "--set", "train.epochs=500", "--set", "train.patience=500"]
    proc = subprocess.Popen(
        [*cmd, "train", "gru-concat"],
        cwd=root,
        env={**env, **marker},
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "train.log").open("w"),
        preexec_fn=_restricted,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while "tensorflow" not in _proc_file(proc.pid, "maps"):
            assert proc.poll() is None, (tmp_path / "train.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "TensorFlow never loaded in the started process"
            time.sleep(0.5)
        status = _proc_file(proc.pid, "status")
        assert "Umask:\t0077" in status
        assert "BIRNN_TEST_MARKER=caller-environment" in _proc_file(proc.pid, "environ")
        nice = int(_proc_file(proc.pid, "stat").rsplit(")", 1)[1].split()[16])
        assert nice >= 3
        limits = _proc_file(proc.pid, "limits")
        assert any(
            line.startswith("Max file size") and str(FILE_LIMIT) in line
            for line in limits.splitlines()
        )
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL  # what the shell reports as 137
    finally:
        stop_process(proc, grace=5)


def test_a_copied_project_runs_its_own_code(project):
    root, env = project
    module = root / "src/birnn/commands/variants.py"
    original = module.read_text()
    module.write_text(original.replace('print("\\n".join(', 'print("copy-code:" + "\\n".join('))
    try:
        out = run(["bin/birnn", "variants"], root, env).stdout
    finally:
        module.write_text(original)
    assert out.startswith("copy-code:gru-concat"), out
