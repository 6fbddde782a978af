"""Temporary copies of this project for tests that run the real DAG: copied code and params
with tiny overrides, a git repository, an environment without the caller's MLflow/Prefect/DVC
settings, and a runner that shows a failed command's output."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import REPO

BIN = Path(sys.executable).parent
# params small enough that a whole DAG runs in about a minute; one variant
TINY_PARAMS = {
    "data": {"builtin_size": 300},
    "split": {"min_count": 1},
    "model": {"embedding_dim": 8, "units": 4},
    "train": {"epochs": 1, "batch_size": 64, "plateau_margin": None},
    "pretrain": {"workers": 1},
    "tracking": {"enabled": False},
}
ONE_VARIANT = {"cells": ["gru"], "merge_modes": ["concat"], "unidirectional": []}
PROJECT_FILES = ("dvc.yaml", "params.yaml", ".dvcignore", "bin", "src", "flows")


def copy_project(dest: Path, overrides: dict) -> Path:
    """The project's DAG, code and params in ``dest`` (a new git repo), with ``overrides``
    ({section: {key: value}} or {key: value}) merged into params.yaml."""
    dest.mkdir(parents=True)
    for name in PROJECT_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dest / name)
    (dest / ".dvc").mkdir()
    if (REPO / ".dvc" / "plots").is_dir():  # the project's plot templates
        shutil.copytree(REPO / ".dvc" / "plots", dest / ".dvc" / "plots")
    shutil.copy2(REPO / ".dvc" / "config", dest / ".dvc" / "config")
    (dest / "mlruns").mkdir()
    params = yaml.safe_load((dest / "params.yaml").read_text())
    for section, values in overrides.items():
        params[section] = {**params[section], **values} if isinstance(values, dict) else values
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    return dest


def birnn_command(params_file: Path, root: Path, *args: str) -> list[str]:
    """`python -m birnn.cli --params FILE --root ROOT ARGS...` with this interpreter."""
    return [
        sys.executable,
        "-m",
        "birnn.cli",
        "--params",
        str(params_file),
        "--root",
        str(root),
        *args,
    ]


def project_env(root: Path, **extra: str) -> dict[str, str]:
    """This interpreter's tools first on PATH, a Prefect home inside ``root``, none of the
    caller's MLFLOW_/PREFECT_/DVC_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "PREFECT_", "DVC_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PREFECT_HOME=str(root / ".prefect-home"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="3",
        **extra,
    )
    return env


def run(
    cmd: list[str], cwd: Path, env: dict, ok: bool = True, timeout: int = 900
) -> subprocess.CompletedProcess:
    """Run ``cmd``; with ``ok`` a non-zero exit fails the test with the command's output."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if ok:
        assert proc.returncode == 0, (
            f"{' '.join(cmd)} -> {proc.returncode}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


def changed_stages(root: Path, env: dict) -> set[str]:
    """Stages `dvc status` lists, less `source`: it looks at the data every time by design."""
    import json

    status = json.loads(run(["dvc", "status", "--json"], root, env).stdout)
    return {name.split(":")[-1] for name in status} - {"source"}


def stages_run(stdout: str) -> set[str]:
    """The stages a `dvc repro` output says it ran."""
    return {line.split("'")[1] for line in stdout.splitlines() if "Running stage '" in line}
