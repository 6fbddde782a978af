"""`dvc exp run -S` round trips through DVC's YAML writer keep params.yaml readable: lists set,
emptied and set again, in one temporary copy of the project (tiny params)."""

from __future__ import annotations

from pathlib import Path

import pytest

from birnn.config import load_params
from projects import TINY_PARAMS, copy_project, project_env, run

pytestmark = pytest.mark.integration

TINY = TINY_PARAMS
EXPERIMENTS = [
    ["-S", "variants.cells=[gru]", "-S", "variants.merge_modes=[concat]", "-S", "train.epochs=1"],
    ["-S", "variants.unidirectional=[]"],  # the README's way to drop the one-way references
    ["-S", "variants.unidirectional=[gru]", "-S", "variants.seeds=null"],
]


def test_successive_experiments_keep_params_yaml_readable(tmp_path):
    root = copy_project(tmp_path / "project", TINY)
    env = project_env(root)
    run(["git", "add", "-A"], root, env)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"], root, env)
    for overrides in EXPERIMENTS:
        proc = run(["dvc", "exp", "run", *overrides], root, env, timeout=900)
        assert "Running stage" in proc.stdout + proc.stderr, overrides
        params = load_params(Path(root) / "params.yaml")  # still valid after DVC rewrote it
    assert params.variants.cells == ["gru"] and params.variants.unidirectional == ["gru"]
    stages = run(["dvc", "stage", "list", "--name-only"], root, env).stdout.split()
    assert "train_uni@gru" in stages and "train@gru-concat" in stages


def _without_venv_on_path(env: dict) -> dict:
    """A fresh shell after `make setup`: no activated venv, so no `birnn` on PATH."""
    bin_dir = str(Path(env["PATH"].split(":")[0]))
    path = ":".join(p for p in env["PATH"].split(":") if p != bin_dir)
    return {**env, "PATH": path or "/usr/bin:/bin"}


def test_dvc_exp_run_as_the_readme_prints_it_in_a_fresh_shell(tmp_path):
    import sys

    root = copy_project(tmp_path / "project", TINY)
    env = _without_venv_on_path(project_env(root))
    dvc = str(Path(sys.executable).parent / "dvc")  # `.venv/bin/dvc exp run ...`
    run(["git", "add", "-A"], root, env)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"], root, env)
    missing = run([dvc, "exp", "run", "split"], root, env, ok=False)
    assert missing.returncode != 0
    assert "birnn is not installed here: run 'make setup'" in missing.stdout + missing.stderr
    (root / ".venv").symlink_to(Path(sys.executable).parent.parent)  # what `make setup` makes
    done = run([dvc, "exp", "run", "split", "-S", "split.val_size=0.2"], root, env, timeout=600)
    assert "Running stage 'split'" in done.stdout + done.stderr
