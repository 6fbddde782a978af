"""Benchmarks. `python -m birnn.bench sweep` runs the whole DAG in one process and times
each stage and each variant: the number behind "how long does the comparison take here".

    python -m birnn.bench sweep --root /tmp/sweep --set data.builtin_size=50000 --out sweep.json
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

from .config import Params, load_params


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def device_info() -> dict[str, Any]:
    import keras

    from .train import gpu_available

    info = {"backend": keras.backend.backend(), "keras": keras.__version__, "gpu": gpu_available(),
            "python": platform.python_version(), "machine": platform.machine(),
            "processor": platform.processor() or platform.machine()}
    try:
        import subprocess

        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=10)
        if out.returncode == 0:
            info["gpu_name"] = out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def sweep(params: Params, root: Path) -> dict[str, Any]:
    """Every stage of the DAG, in order, in this process; wall seconds per step."""
    from . import stages

    layout = stages.Layout(root)
    timings: dict[str, float] = {}
    results: dict[str, Any] = {}

    def timed(name: str, fn, *args) -> Any:
        started = time.perf_counter()
        out = fn(params, layout, *args)
        timings[name] = round(time.perf_counter() - started, 3)
        return out

    started = time.perf_counter()
    for name in ("download", "clean", "tokenize", "split"):
        results[name] = timed(name, getattr(stages, f"run_{name}"))
    for variant in params.variant_names():
        results[f"train {variant}"] = timed(f"train {variant}", stages.run_train, variant)
        timed(f"evaluate {variant}", stages.run_evaluate, variant)
    timed("baseline", stages.run_baseline)
    results["compare"] = timed("compare", stages.run_compare)
    total = time.perf_counter() - started
    comparison = json.loads((layout.reports_dir / "comparison.json").read_text())
    return {
        "device": device_info(),
        "rows": results["clean"].get("rows_out"),
        "split": results["split"],
        "variants": len(params.variant_names()),
        "total_seconds": round(total, 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "stage_seconds": timings,
        "accuracy": {v["variant"]: v["accuracy"] for v in comparison["variants"]},
        "seconds_per_epoch": {k.removeprefix("train "): v.get("seconds_per_epoch")
                              for k, v in results.items() if k.startswith("train ")},
        "best_variant": comparison["best_variant"],
        "verdict": comparison.get("verdict"),
        "params": params.flat(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m birnn.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sweep", help="time the whole DAG in one process")
    p.add_argument("--params", default="params.yaml")
    p.add_argument("--root", required=True, help="an empty folder for the run's outputs")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--out", default="reports/bench_sweep.json")
    args = parser.parse_args(argv)
    import logging

    import yaml

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    overrides = {k.strip(): yaml.safe_load(v) for k, _, v in (s.partition("=") for s in args.set)}
    params = load_params(args.params, overrides)
    result = sweep(params, Path(args.root))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("device", "rows", "variants", "total_seconds",
                                             "peak_rss_mb", "best_variant")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
