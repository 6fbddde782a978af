"""Measurements in a fresh process (so its peak RSS is its own): `python -m benchmarks
<command> ...`, whose last line on stdout is the result as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

# the folder that holds the benchmarks package: the child imports it from there whatever
# its working directory
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


def run_json(args: list[str], timeout: float, cwd: Path | None = None) -> dict[str, Any]:
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"),
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"benchmarks {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])
