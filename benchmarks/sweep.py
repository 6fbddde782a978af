"""The whole sweep: every stage of the DAG for every variant, in one process, timed."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from benchmarks.isolated import run_json
from benchmarks.machine import device_info, peak_rss_mb, today
from birnn.config import Params
from birnn.layout import Layout
from birnn.pipeline import STAGES, Stage

# the summary that `sweep --quiet` prints and `all` keeps of it
SUMMARY_KEYS = ("device", "rows", "variants", "total_seconds", "peak_rss_mb", "best_variant")
# what `all` keeps of a sweep run in a fresh process
KEPT_KEYS = (*SUMMARY_KEYS, "accuracy", "seconds_per_epoch", "stage_seconds")
# track only records finished runs in MLflow: not part of the work the sweep times
UNTIMED = ("track",)


def _steps(params: Params) -> list[tuple[str, Stage, tuple[str, ...]]]:
    """(timing name, stage, its extra arguments) in DAG order, the names `birnn` records in
    BIRNN_TIMINGS ('split', 'train gru-sum', 'baseline tfidf-logreg'); consecutive per-variant
    stages run variant by variant (all of them for one variant, then the next variant), a
    per-baseline stage once per baseline. `train v` fits and scores v."""
    steps: list[tuple[str, Stage, tuple[str, ...]]] = []
    group: list[Stage] = []

    def flush() -> None:
        for variant in params.variant_names():
            steps.extend((f"{stage.name} {variant}", stage, (variant,)) for stage in group)
        group.clear()

    for stage in STAGES:
        if stage.name in UNTIMED:
            continue
        if stage.per_variant:
            group.append(stage)
            continue
        flush()
        if stage.per_baseline:
            steps.extend((f"{stage.name} {b}", stage, (b,)) for b in stage.items(params))
        else:
            steps.append((stage.name, stage, ()))
    flush()
    return steps


def sweep(params: Params, root: Path) -> dict[str, Any]:
    """Every stage of the DAG, in order, in this process; wall seconds per step."""
    layout = Layout(root)
    timings: dict[str, float] = {}
    results: dict[str, Any] = {}
    started = time.perf_counter()
    for name, stage, args in _steps(params):
        step_started = time.perf_counter()
        results[name] = stage.run(params, layout, *args)
        timings[name] = round(time.perf_counter() - step_started, 3)
    total = time.perf_counter() - started
    comparison = json.loads(layout.comparison_path.read_text())
    return {
        "device": device_info(),
        "date": today(),
        "rows": results["clean"].get("rows_out"),
        "split": results["split"],
        "variants": len(params.variant_names()),
        "total_seconds": round(total, 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "stage_seconds": timings,
        "accuracy": {v["variant"]: v["accuracy"] for v in comparison["variants"]},
        "seconds_per_epoch": {
            k.removeprefix("train "): v.get("seconds_per_epoch")
            for k, v in results.items()
            if k.startswith("train ")
        },
        "best_variant": comparison["best_variant"],
        "verdict": comparison.get("verdict"),
        "params": params.flat(),
    }


def sweep_in_subprocess(
    rows: int,
    workdir: Path,
    params_file: str | Path = "params.yaml",
    extra: list[str] | None = None,
) -> dict[str, Any]:
    """`sweep` with the defaults on ``rows`` builtin rows, in a fresh process (peak RSS is
    its own)."""
    out = workdir / "sweep.json"
    sets = ["--set", f"data.builtin_size={rows}", "--set", "tracking.enabled=false"]
    for item in extra or []:
        sets += ["--set", item]
    run_json(
        [
            "sweep",
            "--params",
            str(Path(params_file).resolve()),
            "--root",
            str(workdir / "root"),
            "--out",
            str(out),
            "--quiet",
            *sets,
        ],
        timeout=3600,
    )
    result = json.loads(out.read_text())
    return {k: result[k] for k in KEPT_KEYS}
