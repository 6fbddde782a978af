"""A variant that fails under `dvc repro`: the others are compared and tracked, the run exits
non-zero naming it, and the next `dvc repro` trains only that variant again."""

from __future__ import annotations

import json

import pytest

from projects import copy_project, project_env, run

pytestmark = pytest.mark.integration

PARAMS = {
    "seed": 5,
    "data": {"builtin_size": 400},
    "split": {"min_count": 1},
    "model": {"embedding_dim": 8, "units": 4, "pretrained": "none"},
    "train": {"epochs": 1, "batch_size": 64, "patience": 1, "plateau_margin": None},
    "variants": {"cells": ["gru", "lstm"], "merge_modes": ["concat"], "unidirectional": []},
    "tracking": {"enabled": False},
}


def test_a_failed_variant_is_compared_apart_and_retried_alone(tmp_path):
    root = copy_project(tmp_path / "project", PARAMS)
    env = project_env(root)
    blocker = root / ".checkpoints" / "gru-concat"
    blocker.parent.mkdir()
    blocker.write_text("a file where training keeps its checkpoints: training fails\n")
    first = run(["dvc", "repro"], root, env, ok=False)
    assert first.returncode != 0
    assert "Running stage 'compare'" in first.stdout and "Running stage 'track'" in first.stdout
    assert "1 variant(s) failed: gru-concat" in first.stderr
    comparison = json.loads((root / "reports" / "comparison.json").read_text())
    assert [f["variant"] for f in comparison["failed"]] == ["gru-concat"]
    assert [v["variant"] for v in comparison["variants"]][0] != "gru-concat"

    blocker.unlink()
    second = run(["dvc", "repro"], root, env)
    assert "Running stage 'train@gru-concat'" in second.stdout
    assert "Running stage 'train@lstm-concat'" not in second.stdout, "only the failed one"
    comparison = json.loads((root / "reports" / "comparison.json").read_text())
    assert comparison["failed"] == []
    third = run(["dvc", "repro"], root, env)
    assert "Running stage 'train@" not in third.stdout, "a success is not retried again"
