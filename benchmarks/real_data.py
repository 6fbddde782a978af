"""Real text beside the project's own TF-IDF baseline: the whole DAG on the development files
(SST-2, the airline tweets two-class and three-class, and the IMDB training reviews with their
unlabeled ones, read from where they lie, never copied), in one process each.

    python -m benchmarks real --data-dir ../shared/data            # every file, default variants
    python -m benchmarks real --only airline --set 'variants.cells=[gru]'
    python -m benchmarks real --only airline3     # negative / neutral / positive

Reports, per dataset, the variant chosen on validation, its test accuracy and macro-F1, the
TF-IDF baseline's from the same run, the gap, every variant's test accuracy, the variants that
did not learn, and the wall time; writes reports/bench_real.{json,md}.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.machine import machine_info, today
from benchmarks.sweep import sweep
from birnn.config import load_params
from birnn.layout import Layout

JSON_REPORT = Path("reports/bench_real.json")
MARKDOWN_REPORT = Path("reports/bench_real.md")

# how each development file is read: its own split, its own label names
DATASETS: dict[str, dict[str, Any]] = {
    "sst2": {
        "file": "sst2.csv",
        "about": "SST-2: 67,349 training phrases -> the 872 dev sentences",
        "overrides": {
            "data.split_column": "split",
            "split.strategy": "given",
        },
    },
    "imdb": {
        "file": "imdb-train.csv.gz",
        "unlabeled": "imdb-unsup.csv.gz",
        "about": "IMDB training reviews, movie-disjoint given split (19,786 / 5,214), "
        "50,000 unlabeled reviews for pretraining",
        "overrides": {
            "data.text_column": "review",
            "data.label_column": "sentiment",
            "data.split_column": "split",
            "split.strategy": "given",
        },
    },
    "airline": {
        "file": "airline-tweets.csv",
        "about": "airline tweets, negative vs positive (neutral dropped), stratified 15% test",
        "overrides": {
            "data.label_column": "airline_sentiment",
            "data.label_map": {"negative": 0, "positive": 1, "neutral": None},
        },
    },
    "airline3": {
        "file": "airline-tweets.csv",
        "about": "airline tweets, three classes (negative / neutral / positive), stratified "
        "15% test, ranked by macro-F1 (imbalanced)",
        "overrides": {
            "data.label_column": "airline_sentiment",
            "data.classes": "multiclass",
        },
    },
}


def dataset_params(name: str, data_dir: Path, params_file: str | Path, extra: dict[str, Any]):
    spec = DATASETS[name]
    path = (data_dir / spec["file"]).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not found; pass --data-dir (e.g. ../shared/data)")
    unlabeled = {}
    if spec.get("unlabeled") and (data_dir / spec["unlabeled"]).is_file():
        unlabeled = {"data.unlabeled_path": str((data_dir / spec["unlabeled"]).resolve())}
    overrides = {
        "data.source": "csv",
        "data.path": str(path),
        **unlabeled,
        "tracking.enabled": False,
        **spec["overrides"],
        **extra,
    }
    return load_params(params_file, overrides)


def run_dataset(name: str, data_dir: Path, workdir: Path, params_file, extra: dict) -> dict:
    params = dataset_params(name, data_dir, params_file, extra)
    root = workdir / name
    root.mkdir(parents=True, exist_ok=True)
    result = sweep(params, root)
    comparison = json.loads(Layout(root).comparison_path.read_text())
    scores = {v["variant"]: v.get("macro_f1") for v in comparison["variants"]}
    return {
        "dataset": name,
        "about": DATASETS[name]["about"],
        "rows": result["rows"],
        "split": result["split"],
        "variants": result["variants"],
        "best_variant": comparison["best_variant"],
        "best_val_accuracy": comparison.get("best_val_accuracy"),
        "best_accuracy": comparison["best_accuracy"],
        "ranked_by": comparison.get("ranked_by"),
        "best_macro_f1": scores.get(comparison["best_variant"]),
        # the baseline the verdict's gain is measured against
        "baseline_accuracy": result["accuracy"].get(comparison.get("baseline_variant")),
        "baseline_macro_f1": scores.get(comparison.get("baseline_variant")),
        "gain_over_baseline": comparison.get("gain_over_baseline"),
        "accuracy": result["accuracy"],
        "did_not_learn": [d["variant"] for d in comparison.get("did_not_learn", [])],
        "failed": [f["variant"] for f in comparison.get("failed", [])],
        "seconds_per_epoch": result["seconds_per_epoch"],
        "pretrain_seconds": result["stage_seconds"].get("pretrain"),
        "total_seconds": result["total_seconds"],
        "verdict": comparison.get("verdict"),
        "params": {k: v for k, v in params.flat().items() if k.startswith(("model.", "train."))},
    }


def real_data(data_dir: Path, workdir: Path, names: list[str], params_file, extra: dict) -> dict:
    return {
        "date": today(),
        "machine": machine_info(),
        "overrides": extra,
        "datasets": [run_dataset(n, data_dir, workdir, params_file, extra) for n in names],
    }


def markdown(result: dict) -> str:
    lines = [
        f"# Real data beside TF-IDF ({result['date']})",
        "",
        "| data | rows | variants | chosen on validation | its test accuracy | TF-IDF, same run "
        "| gap | its test macro-F1 | TF-IDF macro-F1 | did not learn | pipeline time |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for d in result["datasets"]:
        lines.append(
            f"| {d['dataset']} | {d['rows']:,} | {d['variants']} | {d['best_variant'] or '-'} "
            f"| {_num(d['best_accuracy'])} | {_num(d['baseline_accuracy'])} "
            f"| {_num(d['gain_over_baseline'], '+.4f')} | {_num(d.get('best_macro_f1'))} "
            f"| {_num(d.get('baseline_macro_f1'))} | {len(d['did_not_learn'])} "
            f"| {d['total_seconds']:.0f} s |"
        )
    for d in result["datasets"]:
        lines += ["", f"## {d['dataset']}: {d['about']}", "", d["verdict"] or "", ""]
        lines += ["| variant | test accuracy |", "|---|---|"]
        lines += [f"| {v} | {_num(a)} |" for v, a in d["accuracy"].items()]
    return "\n".join(lines) + "\n"


def _num(value, spec: str = ".4f") -> str:
    return "-" if value is None else format(value, spec)


def write(result: dict, json_path=JSON_REPORT, md_path=MARKDOWN_REPORT) -> str:
    Path(json_path).parent.mkdir(parents=True, exist_ok=True)
    Path(json_path).write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    Path(md_path).write_text(text)
    return text
