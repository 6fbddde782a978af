"""Which `dvc repro` / `dvc exp run` a stage command belongs to, and whether params.yaml is
still the file that run started with.

`dvc exp run -S ...` writes its values into params.yaml before DVC takes its own lock: a second
one started while a first runs changes what the first one's later stages read, and DVC refuses
the second only afterwards. So the source stage, the first stage of every repro, records its
run in .checkpoints/run.json (the DVC process and the hash of params.yaml), and every later
stage of a live run stops when params.yaml no longer hashes the same. A second run's source
stage refuses while another live DVC run holds the record; a dead run's record counts for
nothing.

Only stage commands DVC runs (it sets DVC_STAGE) record or check. The Prefect flow calls the
stages in its own process and has its own lock for a whole run; a DVC temporary experiment
workspace (.dvc/tmp/exps/..., `dvc queue start -j 2`) is a folder of its own with its own record.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from birnn.files import write_json

QUEUE_HINT = (
    "to run several experiments, queue them (`dvc exp run --queue -S ...`, then "
    "`dvc queue start`): each runs in a workspace of its own"
)


class ConcurrentRun(RuntimeError):
    """Another DVC run in this folder changes, or would change, what this one reads."""


def marker_path(checkpoints_dir: Path) -> Path:
    return checkpoints_dir / "run.json"


def begin(checkpoints_dir: Path, params_file: str | Path) -> None:
    """At the source stage: refuse while another live DVC run holds the record, else take it."""
    run = _dvc_process()
    if run is None:
        return
    path = marker_path(checkpoints_dir)
    holder = _live_record(path)
    if holder and holder["pid"] != run.pid:
        raise ConcurrentRun(
            f"another dvc repro/exp run (pid {holder['pid']}) is running in this folder: wait "
            f"for it to finish, then run this one again; {QUEUE_HINT}"
        )
    record = {"pid": run.pid, "started": run.create_time(), "params_sha256": _hash(params_file)}
    write_json(path, record)


def check(checkpoints_dir: Path, params_file: str | Path) -> None:
    """At every later stage: stop when params.yaml changed since the live run began."""
    if _dvc_process() is None:
        return
    holder = _live_record(marker_path(checkpoints_dir))
    if holder and holder.get("params_sha256") != _hash(params_file):
        raise ConcurrentRun(
            f"{params_file} changed while the dvc run in this folder (pid {holder['pid']}) was "
            "going (another `dvc exp run -S ...` or an edit wrote it), so its later stages would "
            "read other params: stopped before this stage; run it again once no other run is "
            f"going; {QUEUE_HINT}"
        )


def _hash(params_file: str | Path) -> str | None:
    try:
        return hashlib.sha256(Path(params_file).read_bytes()).hexdigest()
    except OSError:
        return None


def _dvc_process():
    """The DVC process that runs this stage command (the nearest ancestor that is one), or
    None outside a DVC stage."""
    if "DVC_STAGE" not in os.environ:
        return None
    import psutil  # installed with dvc

    try:
        parents = psutil.Process().parents()
        return next((p for p in parents if _is_dvc(p)), psutil.Process(os.getppid()))
    except psutil.Error:
        return None


def _is_dvc(process) -> bool:
    import psutil

    try:
        # `dvc repro`, `python .venv/bin/dvc exp run`, `python -m dvc ...`
        return any(Path(arg).name == "dvc" for arg in process.cmdline()[:3])
    except psutil.Error:
        return False


def _live_record(path: Path) -> dict[str, Any] | None:
    """The record when its DVC process still runs; a pid reused since is another process (its
    start time differs)."""
    import psutil

    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        process = psutil.Process(int(record["pid"]))
        alive = abs(process.create_time() - float(record["started"])) < 1
    except (OSError, ValueError, KeyError, TypeError, psutil.Error):
        return None
    return record if alive else None
