"""`dvc exp run -S` round trips through DVC's YAML writer keep params.yaml readable: lists set,
emptied and set again, in one temporary copy of the project (tiny params)."""

from __future__ import annotations

from pathlib import Path

import pytest

from birnn.config import load_params
from projects import copy_project, project_env, run

pytestmark = pytest.mark.integration

TINY = {
    "data": {"builtin_size": 300},
    "split": {"min_count": 1},
    "model": {"embedding_dim": 8, "units": 4},
    "train": {"epochs": 1, "batch_size": 64, "plateau_margin": None},
    "tracking": {"enabled": False},
}
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
