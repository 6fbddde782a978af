"""The cost of `dvc repro` against the same DAG in one process: the whole default DAG two
ways, each in a fresh copy of the project, with the same params.

* one process: `python -m benchmarks sweep` (every stage in one interpreter, one Keras import);
* `dvc repro` as users run it: every stage the plain process `bin/birnn <stage>` (a fresh
  interpreter per stage, so one Python, Keras and TensorFlow start-up per stage).

Every stage command records its process's wall time (BIRNN_TIMINGS); a stage's start-up cost is
that time minus the same stage's time in the one-process run. The two runs must also agree on
every variant's test accuracy: running the stages as separate processes may not change results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.dvc_noop import copy_project
from benchmarks.isolated import run_json

# the DAG's work without MLflow: the one-process sweep leaves `track` out of its timing
RATIO_OVERRIDES: dict[str, Any] = {"tracking.enabled": False}


def dvc_ratio(
    workdir: Path, repo: Path, params_file: str | Path, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    overrides = {**RATIO_OVERRIDES, **(overrides or {})}
    one = _one_process(workdir / "one", repo, overrides)
    dvc = _dvc_repro(workdir / "dvc", repo, overrides)
    stage_seconds = one["stage_seconds"]
    stages = [
        {
            "stage": name,
            "one_process_seconds": stage_seconds.get(name),
            "dvc_seconds": seconds,
        }
        for name, seconds in dvc["process_seconds"].items()
    ]
    for row in stages:
        row["startup_seconds"] = _minus(row["dvc_seconds"], row["one_process_seconds"] or 0.0)
    return {
        "params": {"file": str(params_file), **overrides},
        "variants": one["variants"],
        "one_process_seconds": one["wall_seconds"],
        "dvc_seconds": dvc["wall_seconds"],
        "ratio": round(dvc["wall_seconds"] / one["wall_seconds"], 3),
        "dvc_stages": len(dvc["process_seconds"]),
        "mean_startup_seconds": _mean([r["startup_seconds"] for r in stages]),
        "stages": stages,
        "same_accuracy": one["accuracy"] == dvc["accuracy"],
        "accuracy": one["accuracy"],
        "dvc_accuracy": dvc["accuracy"],
    }


def _one_process(workdir: Path, repo: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    root = copy_project(workdir, repo, overrides)
    out = workdir / "sweep.json"
    started = time.perf_counter()
    run_json(
        ["sweep", "--params", str(root / "params.yaml"), "--root", str(root), "--out", str(out)]
        + ["--quiet"],
        timeout=7200,
    )
    wall = time.perf_counter() - started
    result = json.loads(out.read_text())
    return {**result, "wall_seconds": round(wall, 1)}


def _dvc_repro(workdir: Path, repo: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    root = copy_project(workdir, repo, overrides)
    timings = workdir / "timings.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_"))}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        TF_CPP_MIN_LOG_LEVEL="3",
        BIRNN_TIMINGS=str(timings),
    )
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dvc"), "repro"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=7200,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"dvc repro failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return {"wall_seconds": round(wall, 1), **_read_run(timings, root)}


def _read_run(timings: Path, root: Path) -> dict[str, Any]:
    """What a finished `dvc repro` left: each stage process's seconds (its BIRNN_TIMINGS line,
    named by its command: 'split', 'train gru-sum'), each variant's test accuracy."""
    records = [json.loads(line) for line in timings.read_text().splitlines() if line.strip()]
    comparison = json.loads((root / "reports" / "comparison.json").read_text())
    return {
        "process_seconds": {r["command"]: r["seconds"] for r in records},
        "accuracy": {v["variant"]: v["accuracy"] for v in comparison["variants"]},
    }


def _minus(a: float | None, b: float) -> float | None:
    return None if a is None else round(a - b, 2)


def _mean(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return round(sum(kept) / len(kept), 2) if kept else None
