"""`python -m benchmarks`: the command line, and the whole benchmark in one call."""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import __doc__ as OVERVIEW
from benchmarks import gpu, real_data
from benchmarks.data_stages import data_stages_at_scale, run_data_stages
from benchmarks.dvc_noop import dvc_noop
from benchmarks.dvc_ratio import dvc_ratio
from benchmarks.machine import machine_info
from benchmarks.report import (
    JSON_REPORT,
    MARKDOWN_REPORT,
    RECORDED_GPU,
    SWEEP_REPORT,
    ratio_markdown,
    recorded_gpu,
    targets,
    write,
)
from benchmarks.sweep import SUMMARY_KEYS, sweep, sweep_in_subprocess
from benchmarks.training_speed import training_comparison
from birnn.config import load_params, parse_overrides

PARTS = ("data", "dvc", "ratio", "sweep", "training")
COMMANDS = ("all", "sweep", "ratio", "real", "gpu", "seeds", "_data-stages")
DEFAULT_DATA_SIZES = [100_000, 400_000, 1_600_000]


def benchmark(
    workdir: Path,
    *,
    params_file: str | Path = "params.yaml",
    train_rows: int = 10000,
    epochs: int = 6,
    sweep_rows: int = 10000,
    data_sizes: list[int] | None = None,
    skip: set[str] = frozenset(),
    sweep_sets: list[str] | None = None,
    train_overrides: dict[str, Any] | None = None,
    repo: Path = Path("."),
) -> dict[str, Any]:
    """The whole benchmark; each part in its own folder under ``workdir``."""
    import keras

    from birnn.modeling.precision import gpu_available

    started = time.perf_counter()
    result: dict[str, Any] = {
        "machine": machine_info(),
        "backend": keras.backend.backend(),
        "gpu": gpu_available(),
    }
    log = logging.getLogger("benchmarks")
    if "data" not in skip:
        log.info("data stages at %s rows", data_sizes)
        result["data_stages"] = data_stages_at_scale(
            data_sizes or DEFAULT_DATA_SIZES, workdir / "data", params_file
        )
    if "dvc" not in skip:
        log.info("dvc repro no-op")
        result["dvc"] = dvc_noop(workdir / "dvc", repo.resolve())
    if "ratio" not in skip:
        log.info("dvc repro vs one process, the default DAG")
        result["dvc_ratio"] = dvc_ratio(workdir / "ratio", repo.resolve(), params_file)
    if "sweep" not in skip:
        log.info("sweep on %d rows", sweep_rows)
        result["sweep"] = sweep_in_subprocess(
            sweep_rows, workdir / "sweep", params_file, sweep_sets
        )
    if "training" not in skip:
        log.info("training: seed vs default, %d rows, %d epochs", train_rows, epochs)
        result["training"] = training_comparison(
            train_rows, epochs, workdir / "training", params_file, overrides=train_overrides
        )
    gpu = recorded_gpu(repo / RECORDED_GPU)
    if gpu:
        gpu["file"] = str(RECORDED_GPU)
        result["recorded_gpu_sweep"] = gpu
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    result["targets"] = targets(result)
    return result


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=OVERVIEW,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = top.add_subparsers(dest="command")
    a = sub.add_parser("all", help="the whole benchmark (the default command)")
    a.add_argument("--params", default="params.yaml")
    a.add_argument(
        "--workdir", default=None, help="scratch folder (default: a temporary one, removed)"
    )
    a.add_argument(
        "--train-rows", type=int, default=10000, help="builtin rows of the training comparison"
    )
    a.add_argument(
        "--epochs", type=int, default=6, help="epochs of each model in the training comparison"
    )
    a.add_argument("--sweep-rows", type=int, default=10000, help="builtin rows of the sweep")
    a.add_argument(
        "--sweep-set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="param override of the sweep only",
    )
    a.add_argument(
        "--data-sizes",
        default=",".join(map(str, DEFAULT_DATA_SIZES)),
        help="comma-separated row counts",
    )
    a.add_argument("--skip", action="append", default=[], choices=list(PARTS))
    a.add_argument("--json", default=str(JSON_REPORT))
    a.add_argument("--md", default=str(MARKDOWN_REPORT))
    p = sub.add_parser("sweep", help="time the whole DAG in one process")
    p.add_argument("--params", default="params.yaml")
    p.add_argument("--root", required=True, help="an empty folder for the run's outputs")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--out", default=str(SWEEP_REPORT))
    p.add_argument("--quiet", action="store_true", help="print one JSON line, no logs")
    o = sub.add_parser("ratio", help="`dvc repro` vs the same DAG in one process")
    o.add_argument("--params", default="params.yaml")
    o.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    o.add_argument("--workdir", default=None, help="keep the two runs' copies here")
    o.add_argument("--json", default=str(JSON_REPORT.with_name("bench_ratio.json")))
    r = sub.add_parser("real", help="the DAG on real development data, beside TF-IDF")
    r.add_argument("--data-dir", default="../shared/data", help="folder of sst2.csv etc.")
    r.add_argument("--only", action="append", choices=list(real_data.DATASETS), default=[])
    r.add_argument("--params", default="params.yaml")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    r.add_argument("--workdir", default=None, help="keep the runs' outputs here")
    r.add_argument("--json", default=str(real_data.JSON_REPORT))
    r.add_argument("--md", default=str(real_data.MARKDOWN_REPORT))
    g = sub.add_parser("gpu", help="the default variants on IMDB-sized reviews (< 5 min on a GPU)")
    g.add_argument(
        "--data-dir", default=None, help="a folder with imdb-train.csv.gz (else generated reviews)"
    )
    g.add_argument("--quick", action="store_true", help="a few hundred short reviews, 1 epoch")
    g.add_argument("--budget", type=float, default=gpu.BUDGET_SECONDS, help="seconds")
    g.add_argument("--params", default="params.yaml")
    g.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    g.add_argument("--workdir", default=None, help="keep the run's outputs here")
    g.add_argument("--json", default=str(gpu.JSON_REPORT))
    g.add_argument("--md", default=str(gpu.MARKDOWN_REPORT))
    s = sub.add_parser("seeds", help="what several seeds bought in a finished run")
    s.add_argument("--root", required=True, help="the run's project folder")
    s.add_argument(
        "--metric", default="accuracy", choices=["accuracy", "balanced_accuracy", "macro_f1"]
    )
    c = sub.add_parser(
        "_data-stages",
        help="internal: one size of the data stages, in the "
        "fresh process data_stages_at_scale starts",
    )
    c.add_argument("--csv", required=True)
    c.add_argument("--root", required=True)
    c.add_argument("--params", default="params.yaml")
    return top


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv = ["all", *argv]  # `python -m benchmarks [options]` runs the whole benchmark
    args = parser().parse_args(argv)
    if args.command == "_data-stages":
        print(json.dumps(run_data_stages(Path(args.csv), Path(args.root), args.params)))
        return 0
    if args.command == "sweep":
        return _sweep(args)
    if args.command == "real":
        return _real(args)
    if args.command == "seeds":
        from benchmarks.seed_spread import seed_report

        print(json.dumps(seed_report(Path(args.root), args.metric), indent=2))
        return 0
    if args.command == "ratio":
        return _ratio(args)
    if args.command == "gpu":
        return _gpu(args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="birnn-bench-"))
    try:
        result = benchmark(
            workdir,
            params_file=args.params,
            train_rows=args.train_rows,
            epochs=args.epochs,
            sweep_rows=args.sweep_rows,
            data_sizes=[int(n) for n in args.data_sizes.split(",") if n],
            skip=set(args.skip),
            sweep_sets=args.sweep_set,
        )
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(write(result, args.json, args.md))
    return 0


def _sweep(args: argparse.Namespace) -> int:
    if not args.quiet:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    params = load_params(args.params, parse_overrides(args.set))
    result = sweep(params, Path(args.root))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in SUMMARY_KEYS}, indent=None if args.quiet else 2))
    return 0


def _real(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="birnn-real-"))
    try:
        result = real_data.real_data(
            Path(args.data_dir),
            workdir,
            args.only or list(real_data.DATASETS),
            args.params,
            parse_overrides(args.set),
        )
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(real_data.write(result, args.json, args.md))
    return 0


def _ratio(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="birnn-ratio-"))
    try:
        result = {"machine": machine_info(), "date": time.strftime("%Y-%m-%d")}
        result["dvc_ratio"] = dvc_ratio(
            workdir, Path(".").resolve(), args.params, parse_overrides(args.set)
        )
        result["targets"] = targets(result)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(ratio_markdown(result["dvc_ratio"]))
    return 0


def _gpu(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="birnn-gpu-"))
    try:
        result = gpu.gpu_check(
            Path(args.data_dir) if args.data_dir else None,
            workdir,
            args.params,
            quick=args.quick,
            extra=parse_overrides(args.set),
            budget=args.budget,
        )
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(gpu.write(result, args.json, args.md))
    return 0
