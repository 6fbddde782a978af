"""The `birnn` command (and `python -m birnn`): where a command runs. A command is handed to a
warm-start server when one is up (birnn.orchestration.warm: under `dvc repro` it saves each
stage the seconds of importing TensorFlow), else it runs in this process (birnn.cli).

Kept to the standard library until it knows which: this process's own start-up is what every
warm-started stage still pays.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> int:
    started = time.perf_counter()
    # before a warm-start server is spawned: TensorFlow reads it when the server imports it
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # its C++ start-up chatter
    argv = sys.argv[1:]
    code, warm_started = None, False
    if _warm_startable(argv):
        from birnn.orchestration import warm

        code = warm.run(argv)
        warm_started = code is not None
    if code is None:
        from birnn.cli import main as run_here

        code = run_here(argv)
    _record_timing(argv, time.perf_counter() - started, warm_started)
    return code


def _warm_startable(argv: list[str]) -> bool:
    """Every command but help: a warm child runs any of them exactly as this process would."""
    return bool(argv) and not {"-h", "--help"} & set(argv)


def _record_timing(argv: list[str], seconds: float, warm_started: bool) -> None:
    """With BIRNN_TIMINGS=FILE, one JSON line per command: how long its process took (the
    benchmark's per-stage start-up cost under DVC)."""
    path = os.environ.get("BIRNN_TIMINGS")
    if path:
        import json

        record = {"command": " ".join(argv), "seconds": round(seconds, 3), "warm": warm_started}
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
