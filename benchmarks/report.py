"""The targets, the markdown report and the JSON/markdown files of a benchmark run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.training_speed import INFERENCE_BATCH, SEED_CONFIG
from birnn.layout import Layout

# The project's performance targets (on a 2-core CPU machine unless noted)
TARGET_EPOCH_SPEEDUP = 5.0
TARGET_DATA_SECONDS = 60.0
TARGET_DATA_RSS_MB = 4096.0
TARGET_DATA_ROWS = 1_600_000
TARGET_DVC_NOOP_SECONDS = 3.0
TARGET_GPU_SWEEP_SECONDS = 120.0
TARGET_GROWTH_RATIO = 1.3
TARGET_DVC_RATIO = 1.5  # `dvc repro` (a process per stage) / one process

REPORTS = Layout().reports_dir
JSON_REPORT = REPORTS / "bench.json"
MARKDOWN_REPORT = REPORTS / "bench.md"
SWEEP_REPORT = REPORTS / "bench_sweep.json"
# a sweep recorded on a GPU machine (`sweep --out`), shown next to this run's
RECORDED_GPU = REPORTS / "bench" / "sweep_jax_50k_gpu.json"


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target that this run measured: the number and whether it holds."""
    out = []
    t = result.get("training")
    if t:
        out.append(
            {
                "target": (
                    f"default >= {TARGET_EPOCH_SPEEDUP:g}x faster per epoch than the seed config"
                ),
                "measured": f"{t['epoch_speedup']:.1f}x",
                "holds": t["epoch_speedup"] >= TARGET_EPOCH_SPEEDUP,
            }
        )
        out.append(
            {
                "target": "default test accuracy >= seed config's",
                "measured": (
                    f"{t['default']['test_accuracy']:.4f} vs {t['seed']['test_accuracy']:.4f}"
                ),
                "holds": t["default"]["test_accuracy"] >= t["seed"]["test_accuracy"],
            }
        )
    d = result.get("data_stages")
    if d:
        big = d["sizes"][-1]
        at_scale = big["rows"] >= TARGET_DATA_ROWS
        scale = "" if at_scale else f" (measured at {big['rows']:,} rows)"
        out.append(
            {
                "target": (
                    f"clean+tokenize+split of {TARGET_DATA_ROWS / 1e6:g}M rows < "
                    f"{TARGET_DATA_SECONDS:g} s{scale}"
                ),
                "measured": f"{big['seconds']:.1f} s wall ({big['cpu_seconds']:.1f} s CPU)",
                "holds": big["seconds"] < TARGET_DATA_SECONDS and at_scale,
            }
        )
        out.append(
            {
                "target": f"data stages peak memory < {TARGET_DATA_RSS_MB / 1024:g} GB{scale}",
                "measured": f"{big['peak_rss_mb'] / 1024:.2f} GB",
                "holds": big["peak_rss_mb"] < TARGET_DATA_RSS_MB and at_scale,
            }
        )
        if d.get("growth_ratio") is not None and len(d["sizes"]) > 1:
            g, (small, large) = d["growth_ratio"], d["growth_sizes"]
            out.append(
                {
                    "target": "cost grows linearly with rows (seconds per row stays flat)",
                    "measured": f"s/row at {large:,} / at {small:,} rows = {g:.2f}",
                    "holds": g <= TARGET_GROWTH_RATIO,
                }
            )
    v = result.get("dvc")
    if v:
        out.append(
            {
                "target": f"dvc repro no-op < {TARGET_DVC_NOOP_SECONDS:g} s",
                "measured": f"{v['noop_median_seconds']:.2f} s",
                "holds": v["noop_median_seconds"] < TARGET_DVC_NOOP_SECONDS,
            }
        )
    r = result.get("dvc_ratio")
    if r:
        out.append(
            {
                "target": (
                    f"`dvc repro` of the default DAG (a process per stage) <= "
                    f"{TARGET_DVC_RATIO:g}x one process"
                ),
                "measured": (
                    f"{r['ratio']:.2f}x ({r['dvc_seconds']:.0f} s vs {r['one_process_seconds']:.0f}"
                    f" s; mean start-up {r['mean_startup_seconds']} s per stage)"
                ),
                "holds": r["ratio"] <= TARGET_DVC_RATIO,
            }
        )
        out.append(
            {
                "target": "`dvc repro` and one process give the same results",
                "measured": "same test accuracy for every variant"
                if r["same_accuracy"]
                else "accuracies differ between the runs",
                "holds": r["same_accuracy"],
            }
        )
    g = result.get("recorded_gpu_sweep")
    if g:
        out.append(
            {
                "target": (
                    f"GPU: {g['variants']}-variant sweep on 50k tweets < "
                    f"{TARGET_GPU_SWEEP_SECONDS:g} s"
                ),
                "measured": (
                    f"{g['total_seconds']:.0f} s ({g['gpu_name']}, {_recorded(g)}, builtin rows)"
                ),
                "holds": g["total_seconds"] < TARGET_GPU_SWEEP_SECONDS,
            }
        )
    return out


def _recorded(gpu: dict[str, Any]) -> str:
    return f"recorded {gpu['date']}" if gpu.get("date") else "recorded"


def _commit_date(path: Path) -> str | None:
    """The date git last committed ``path`` (YYYY-MM-DD), if it can tell."""
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%cs", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


def recorded_gpu(path: Path = RECORDED_GPU) -> dict[str, Any] | None:
    """The recorded GPU sweep, summarised; dated by its own ``date`` (sweeps write one), else
    by the commit that recorded it."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return {
        "file": str(path),
        "date": data.get("date") or _commit_date(path),
        "gpu_name": data["device"].get("gpu_name", "GPU"),
        "backend": data["device"]["backend"],
        "rows": data["rows"],
        "variants": data["variants"],
        "total_seconds": data["total_seconds"],
        "peak_rss_mb": data["peak_rss_mb"],
        "best_variant": data["best_variant"],
        "best_accuracy": data["accuracy"].get(data["best_variant"]),
        "mixed_precision": data["params"].get("train.mixed_precision"),
    }


def ratio_markdown(r: dict[str, Any]) -> str:
    """`dvc repro` against one process: totals, the target, then each stage's start-up cost."""
    holds = r["ratio"] <= TARGET_DVC_RATIO
    lines = [
        f"## `dvc repro` vs one process ({r['variants']} variants, {r['dvc_stages']} stages)",
        "",
        "| run | wall s | x one process |",
        "|---|---|---|",
        f"| one process (`python -m benchmarks sweep`) | {r['one_process_seconds']:.0f} | 1.00 |",
        f"| `dvc repro`, plain processes | {r['dvc_seconds']:.0f} | {r['ratio']:.2f} |",
        "",
        f"Target: `dvc repro` <= {TARGET_DVC_RATIO:g}x one process: "
        f"{'holds' if holds else '**missed**'} ({r['ratio']:.2f}x).",
        "",
        f"Start-up cost per stage (its process under DVC minus its time in one process): mean "
        f"{r['mean_startup_seconds']} s.",
        "",
        "| stage | one process s | dvc s | start-up s |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {s['stage']} | {s['one_process_seconds']} | {s['dvc_seconds']} | "
        f"{s['startup_seconds']} |"
        for s in r["stages"]
    ]
    return "\n".join(lines) + "\n"


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"# Benchmark ({m['date']})",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, Keras backend "
        f"{result['backend']}{' (GPU)' if result.get('gpu') else ' (CPU)'}; 1-min load "
        f"average at start {m['load_average_1min_at_start']} (a shared machine: compare "
        "the ratios, not the seconds).",
        "",
    ]
    t = result.get("training")
    if t:
        lines += _training_table(t)
    sw = result.get("sweep")
    if sw:
        where = (
            f"this machine ({'GPU' if sw['device'].get('gpu') else 'CPU'}, "
            f"{sw['device']['backend']})"
        )
        lines += [
            f"## The whole sweep (defaults, {sw['rows']:,} builtin rows after cleaning, "
            "one process)",
            "",
            "| where | variants | rows | wall time | peak RSS | best variant |",
            "|---|---|---|---|---|---|",
            _sweep_row(where, sw, sw["accuracy"].get(sw["best_variant"], 0)),
        ]
        g = result.get("recorded_gpu_sweep")
        if g:
            lines.append(
                _sweep_row(
                    f"{g['gpu_name']}, {g['backend']}, mixed precision "
                    f"({_recorded(g)}, `{g['file']}`)",
                    g,
                    g["best_accuracy"],
                )
            )
        lines.append("")
    d = result.get("data_stages")
    if d:
        lines += _data_table(d)
    v = result.get("dvc")
    if v:
        lines += [
            "## DVC overhead",
            "",
            f"`dvc repro` with nothing to do (a reproduced copy, {v['stages']} stages): "
            f"median {v['noop_median_seconds']:.2f} s of {v['noop_seconds']} "
            f"(first repro {v['first_repro_seconds']:.0f} s).",
            "",
        ]
    if result.get("dvc_ratio"):
        lines += [ratio_markdown(result["dvc_ratio"])]
    lines += ["## Targets", "", "| target | measured | holds |", "|---|---|---|"]
    lines += [
        f"| {x['target']} | {x['measured']} | {'yes' if x['holds'] else '**no**'} |"
        for x in result["targets"]
    ]
    lines += ["", f"Total benchmark time: {result['total_seconds']:.0f} s.", ""]
    return "\n".join(lines)


def _training_table(t: dict[str, Any]) -> list[str]:
    s, d, data = t["seed"], t["default"], t["data"]
    seed_model = (
        f"BiLSTM {SEED_CONFIG['units']}, emb {SEED_CONFIG['vocab']}x"
        f"{SEED_CONFIG['embedding_dim']}, dropout {SEED_CONFIG['dropout']}, "
        f"recurrent_dropout {SEED_CONFIG['recurrent_dropout']}, "
        f"len {SEED_CONFIG['max_len']}"
    )
    return [
        f"## Training: seed tutorial vs project default ({data['rows']:,} builtin rows, "
        f"train/val/test {data['train']:,}/{data['val']:,}/{data['test']:,}, "
        f"{data['epochs_each']} epochs each)",
        "",
        "| | seed tutorial (reference) | project default | ratio |",
        "|---|---|---|---|",
        f"| model | {seed_model} | "
        f"{d['variant']}: units {d['model']['units']}, emb {d['model']['embedding_dim']}, "
        f"recurrent_dropout {d['model']['recurrent_dropout']}, len {d['max_len']} | |",
        f"| parameters | {s['parameters']:,} | {d['parameters']:,} | "
        f"{s['parameters'] / d['parameters']:.0f}x fewer |",
        f"| batch size, learning rate | {SEED_CONFIG['batch_size']}, 0.001 | "
        f"{d['batch_size']}, {d['learning_rate']:g} | |",
        f"| seconds per epoch | {s['seconds_per_epoch']:.2f} | {d['seconds_per_epoch']:.2f} | "
        f"**{t['epoch_speedup']:.1f}x faster** |",
        f"| test accuracy | {s['test_accuracy']:.4f} | {d['test_accuracy']:.4f} | "
        f"{t['accuracy_delta']:+.4f} |",
        f"| inference, texts/s (batch {INFERENCE_BATCH}) | {s['texts_per_second']:,} | "
        f"{d['texts_per_second']:,} | {t['inference_speedup']:.1f}x |",
        "",
        f"Harness: {t['harness']}. Note: {t['note']}.",
        "",
    ]


def _data_table(d: dict[str, Any]) -> list[str]:
    lines = [
        f"## Data stages at scale (generated tweets: mean {d['generated']['mean_chars']:.0f} "
        "chars, data.source=csv, real stage code, one fresh process per size)",
        "",
        "| rows | clean s | tokenize s | split s | total s (CPU s) | rows/s "
        "| s per 100k rows | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in d["sizes"]:
        st = r["stages"]
        lines.append(
            f"| {r['rows']:,} | {st['clean']['seconds']:.1f} | "
            f"{st['tokenize']['seconds']:.1f} | {st['split']['seconds']:.1f} | "
            f"{r['seconds']:.1f} ({r['cpu_seconds']:.1f}) | {r['rows_per_second']:,} | "
            f"{r['seconds_per_100k_rows']:.2f} | {r['peak_rss_mb']:.0f} MB |"
        )
    lines.append("")
    return lines


def _sweep_row(where: str, sweep: dict[str, Any], best_accuracy: float) -> str:
    """One row of the sweep table, for this machine's sweep or a recorded one."""
    return (
        f"| {where} | {sweep['variants']} | {sweep['rows']:,} | "
        f"{sweep['total_seconds']:.0f} s | {sweep['peak_rss_mb']:.0f} MB | "
        f"{sweep['best_variant']} {best_accuracy:.4f} |"
    )


def write(
    result: dict[str, Any],
    json_path: str | Path = JSON_REPORT,
    md_path: str | Path = MARKDOWN_REPORT,
) -> str:
    """bench.json and bench.md of ``result``; returns the markdown."""
    text = markdown(result)
    for path, content in ((json_path, json.dumps(result, indent=2) + "\n"), (md_path, text)):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(content)
    return text
