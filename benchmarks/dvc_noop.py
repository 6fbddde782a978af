"""DVC overhead: `dvc repro` with nothing to do, in a reproduced temporary copy of the repo."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from birnn.config import load_params

# params of the copy: the smallest pipeline that still runs every stage
DVC_TINY = {
    "data.builtin_size": 400,
    "split.min_count": 1,
    "model.embedding_dim": 8,
    "model.units": 4,
    "train.epochs": 1,
    "train.patience": 1,
    "train.batch_size": 64,
    "variants.cells": ["lstm"],
    "variants.merge_modes": ["concat"],
    "variants.unidirectional": [],
    "tracking.enabled": False,
}
# what the pipeline needs of the repository to reproduce
PROJECT_FILES = ("dvc.yaml", "params.yaml", ".dvcignore", "bin", "src")


def _with_overrides(tree: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``tree`` with each dotted key of ``overrides`` set, as load_params merges them; the
    YAML keeps only what the original said (not every default, as a dump of Params would)."""
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        node = tree
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return tree


def copy_project(dest: Path, repo: Path, overrides: dict[str, Any]) -> Path:
    """A git-initialised copy of the pipeline (dvc.yaml, params.yaml with ``overrides``, src)."""
    import yaml

    dest.mkdir(parents=True)
    for name in PROJECT_FILES:
        src = repo / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    (dest / ".dvc").mkdir()
    if (repo / ".dvc" / "plots").is_dir():  # the project's plot templates
        shutil.copytree(repo / ".dvc" / "plots", dest / ".dvc" / "plots")
    if (repo / ".dvc" / "config").exists():
        shutil.copy2(repo / ".dvc" / "config", dest / ".dvc" / "config")
    (dest / "mlruns").mkdir()
    params_path = dest / "params.yaml"
    params = _with_overrides(yaml.safe_load(params_path.read_text()) or {}, overrides)
    params_path.write_text(yaml.safe_dump(params, sort_keys=False))
    load_params(params_path)  # a bad override fails here, not minutes later inside dvc repro
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    return dest


def dvc_noop(workdir: Path, repo: Path, repeats: int = 3) -> dict[str, Any]:
    """Reproduce a tiny copy once, then time `dvc repro` with nothing to do."""
    root = copy_project(workdir / "project", repo, DVC_TINY)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    dvc = str(Path(sys.executable).parent / "dvc")
    started = time.perf_counter()
    first = subprocess.run(
        [dvc, "repro"], cwd=root, env=env, capture_output=True, text=True, timeout=1800
    )
    if first.returncode != 0:
        raise RuntimeError(f"dvc repro failed:\n{first.stdout[-2000:]}\n{first.stderr[-2000:]}")
    first_seconds = time.perf_counter() - started
    times, ran = [], False
    for _ in range(repeats):
        started = time.perf_counter()
        again = subprocess.run(
            [dvc, "repro"], cwd=root, env=env, capture_output=True, text=True, timeout=600
        )
        times.append(time.perf_counter() - started)
        # the source stage runs every time by design (it looks at the data as it is now)
        ran = ran or again.returncode != 0 or bool(_stages_run(again.stdout) - {"source"})
    return {
        "first_repro_seconds": round(first_seconds, 1),
        "noop_seconds": [round(t, 2) for t in times],
        "noop_median_seconds": round(statistics.median(times), 2),
        "nothing_ran": not ran,
        "stages": len(_stages_run(first.stdout)),
    }


def _stages_run(stdout: str) -> set[str]:
    return {
        line.split("'")[1] for line in stdout.splitlines() if line.startswith("Running stage '")
    }
