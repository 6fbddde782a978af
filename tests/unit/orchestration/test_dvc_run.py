"""One DVC run per folder at a time: the source stage records the run, later stages stop when
params.yaml changed under it, and a second run's source stage refuses. The DVC process here is a
stand-in named `dvc` that runs stage commands the way DVC does (DVC_STAGE set, one child process
per stage), so each case is exact; tests/integration/test_dvc_concurrency.py runs the real one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from projects import birnn_command

# reads one stage command per line (JSON), runs it as DVC would, answers [exit code, stderr]
FAKE_DVC = f"""#!{sys.executable}
import json, os, subprocess, sys
for line in sys.stdin:
    cmd = json.loads(line)
    env = {{**os.environ, "DVC_STAGE": cmd[-1]}}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    print(json.dumps([proc.returncode, proc.stderr]), flush=True)
"""


class FakeDvc:
    def __init__(self, root: Path):
        script = root / "fake-bin" / "dvc"
        if not script.is_file():
            script.parent.mkdir(exist_ok=True)
            script.write_text(FAKE_DVC)
            script.chmod(0o755)
        self.root = root
        self.proc = subprocess.Popen(
            [str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.pid = self.proc.pid

    def stage(self, name: str) -> tuple[int, str]:
        cmd = birnn_command(self.root / "params.yaml", self.root, name)
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        code, stderr = json.loads(self.proc.stdout.readline())
        return code, stderr

    def end(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "params.yaml").write_text("seed: 7\ndata: {builtin_size: 300}\n")
    runs: list[FakeDvc] = []
    yield tmp_path, lambda: runs.append(FakeDvc(tmp_path)) or runs[-1]
    for run in runs:
        if run.proc.poll() is None:
            run.end()


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_a_later_stage_stops_when_params_yaml_changed_since_its_run_began(project):
    root, dvc = project
    first = dvc()
    assert first.stage("source")[0] == 0
    # what a second `dvc exp run -S` does before DVC refuses it
    (root / "params.yaml").write_text("seed: 8\ndata: {builtin_size: 300}\n")
    code, stderr = first.stage("download")
    line = _one_error_line(stderr)
    assert code == 1
    assert f"params.yaml changed while the dvc run in this folder (pid {first.pid})" in line
    assert "dvc queue start" in line
    assert not (root / "data" / "raw").exists(), "refused before the stage wrote anything"


def test_a_second_runs_source_stage_refuses_while_the_first_is_alive_and_not_after(project):
    root, dvc = project
    first = dvc()
    assert first.stage("source")[0] == 0
    second = dvc()
    code, stderr = second.stage("source")
    line = _one_error_line(stderr)
    assert code == 1 and f"another dvc repro/exp run (pid {first.pid}) is running" in line
    assert first.stage("download")[0] == 0, "the first run goes on: its params are unchanged"
    first.end()
    assert second.stage("source")[0] == 0, "a finished run's record counts for nothing"
    assert second.stage("download")[0] == 0


def test_commands_outside_dvc_neither_record_nor_check(project):
    # the Prefect flow and stages run by hand have their own lock (run.lock), not DVC's record
    root, dvc = project
    first = dvc()
    assert first.stage("source")[0] == 0
    (root / "params.yaml").write_text("seed: 8\ndata: {builtin_size: 300}\n")
    env = {k: v for k, v in os.environ.items() if k != "DVC_STAGE"}
    by_hand = subprocess.run(
        birnn_command(root / "params.yaml", root, "download"), env=env, capture_output=True
    )
    assert by_hand.returncode == 0 and (root / "data" / "raw" / "builtin.csv").is_file()
