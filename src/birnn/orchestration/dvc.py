"""After a flow run: record its outputs in dvc.lock (`dvc commit`) and push them to a DVC remote
when one is configured, so `dvc status` is clean and `dvc repro` has nothing left to do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from birnn.config import Params, load_params
from birnn.pipeline import STAGES

DVC_LOCKED = "Unable to acquire lock"  # what DVC says while another dvc command runs here


class DvcBusy(RuntimeError):
    """Another DVC process (a `dvc repro`, `dvc exp run`) holds this project's DVC lock."""


def _dvc(root: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "dvc", *args], cwd=root, capture_output=True, text=True
    )
    if proc.returncode != 0 and DVC_LOCKED in proc.stderr:
        raise DvcBusy(
            f"dvc: not recorded: another DVC process (a `dvc repro` or `dvc exp run`) holds the "
            f"DVC lock of {root.resolve()}; every output of this run is written: once that "
            "process ends, run `dvc commit` to record them (and run the flow and `dvc repro` "
            "one after the other, not at once)"
        )
    if proc.returncode != 0:
        raise RuntimeError(
            f"dvc {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}"
        )
    return proc


def failed_stage_names(failed_variants: list[str]) -> set[str]:
    """The dvc.yaml stages of failed variants: left unrecorded, so `dvc repro` retries them."""
    return {s.dvc_name(v) for v in failed_variants for s in STAGES if s.per_variant}


def commit(root: str | Path, failed_variants: list[str]) -> list[str]:
    """Record the outputs in dvc.lock; returns the stages recorded. A failed variant's train
    and evaluate stages stay unrecorded (its evaluate has no predictions to record), so
    `dvc repro` retries them. Raises DvcBusy while another DVC process runs here."""
    path = Path(root)
    skip = failed_stage_names(failed_variants)
    names = _dvc(path, "stage", "list", "--name-only").stdout.split()
    targets = [n for n in names if n not in skip]
    _dvc(path, "commit", "--force", *(targets if skip else []))
    return targets


@task(name="dvc commit", cache_policy=NO_CACHE)
def dvc_commit(root: str, failed_variants: list[str]) -> list[str] | None:
    """:func:`commit` as a task; None (and one warning line, no traceback) while DVC is busy:
    the outputs are all written, only their record waits."""
    try:
        targets = commit(root, failed_variants)
    except DvcBusy as busy:
        get_run_logger().warning("%s", busy)
        return None
    skip = failed_stage_names(failed_variants)
    get_run_logger().info(
        "dvc commit: %d stages recorded%s", len(targets), f", not {sorted(skip)}" if skip else ""
    )
    return targets


@task(name="dvc push", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[5, 30])
def dvc_push(root: str) -> bool:
    if not _dvc(Path(root), "remote", "list").stdout.strip():
        get_run_logger().info("dvc push: no remote configured, skipped")
        return False
    get_run_logger().info("dvc push: %s", _dvc(Path(root), "push").stdout.strip().splitlines()[-1:])
    return True


def record(params: Params, params_file: str, root: str, failed_variants: list[str]) -> str:
    """dvc commit (+ push) when this run's outputs are what dvc.lock may describe; returns
    'committed', 'pushed' or 'not recorded' (and logs why)."""
    logger = get_run_logger()
    if not params.orchestration.dvc_commit:
        logger.info("dvc: not recorded (orchestration.dvc_commit is false)")
    elif not (Path(root) / ".dvc").is_dir():
        logger.info("dvc: not recorded (%s is not a DVC project)", Path(root).resolve())
    elif _dvc_relevant(params) != _dvc_relevant(load_params(params_file)):
        logger.warning(
            "dvc: not recorded: this run's params differ from %s, so dvc.lock would "
            "describe other outputs (commit the params, or use dvc exp run)",
            params_file,
        )
    elif dvc_commit(root, sorted(failed_variants)) is None:
        return "not recorded: DVC busy"
    else:
        return "pushed" if dvc_push(root) else "committed"
    return "not recorded"


def _dvc_relevant(params: Params) -> dict:
    return params.model_dump(mode="json", exclude={"orchestration"})
