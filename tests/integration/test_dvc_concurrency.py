"""Two `dvc exp run` at once in one workspace, with the real DVC: the second writes its `-S`
values into params.yaml and only then meets DVC's lock; the first must stop at its next stage
with one line instead of training with the second's params.

To make the moment exact, a helper takes the folder's run lock (the one every stage command
takes) as soon as the first run's source stage is done: the first run's next stage waits on it
while the second run starts."""

from __future__ import annotations

import subprocess
import sys

import pytest

from birnn.config import load_params
from processes import start_process, stop_process
from projects import ONE_VARIANT, TINY_PARAMS, copy_project, project_env, run, stages_run

pytestmark = pytest.mark.integration

# waits for the source stage's output, then holds .checkpoints/run.lock until stdin closes
HOLD_AFTER_SOURCE = """
import sys, time
from pathlib import Path
from birnn.files import exclusive_lock
root = Path(sys.argv[1])
while not (root / "data" / "source" / "labeled.json").is_file():
    time.sleep(0.01)
with exclusive_lock(root / ".checkpoints" / "run.lock"):
    print("held", flush=True)
    sys.stdin.read()
"""


def _committed_project(tmp_path):
    root = copy_project(tmp_path / "project", {**TINY_PARAMS, "variants": ONE_VARIANT})
    env = project_env(root)
    run(["git", "add", "-A"], root, env)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"], root, env)
    return root, env


@pytest.mark.timeout(600)
def test_a_second_dvc_exp_run_cannot_change_the_params_of_the_first(tmp_path):
    root, env = _committed_project(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_AFTER_SOURCE, str(root)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    log = tmp_path / "first.log"
    first = start_process(["dvc", "exp", "run", "split"], root, env, log)
    try:
        assert holder.stdout.readline().strip() == "held"
        second = run(["dvc", "exp", "run", "split", "-S", "seed=99"], root, env, ok=False)
        assert second.returncode != 0, "DVC refuses the second run..."
        assert load_params(root / "params.yaml").seed == 99, "...after it wrote params.yaml"
        holder.stdin.close()
        first.wait(timeout=300)
    finally:
        holder.kill()
        holder.wait()
        stop_process(first, grace=10)
    output = log.read_text()
    assert first.returncode != 0
    refusals = [line for line in output.splitlines() if "params.yaml changed while" in line]
    assert len(refusals) == 1 and f"(pid {first.pid})" in refusals[0], output
    assert "dvc queue start" in refusals[0] and "Traceback" not in output
    assert "split" not in stages_run(output), "no later stage read the second run's params"
    # the first run is over: its record no longer stops anyone
    again = run(["dvc", "exp", "run", "split"], root, env, timeout=300)
    assert "split" in stages_run(again.stdout)
