"""`python -m benchmarks gpu`: the default variants on IMDB-sized reviews, for a machine with a
GPU, in under 5 minutes there: per variant seconds per epoch and accuracy, beside TF-IDF.

    python -m benchmarks gpu --data-dir ../shared/data   # imdb-train.csv.gz, its own split
    python -m benchmarks gpu                             # generated reviews of the same profile
    python -m benchmarks gpu --quick                     # tiny: checks the command on a CPU

With ``--data-dir`` holding imdb-train.csv.gz the 25,000 IMDB training reviews are read as the
csv source (movie-disjoint given split); otherwise 25,000 generated reviews with IMDB's length
profile (log-normal, mean ~230 words, about 30% over 256 tokens), built from the builtin
corpus's sentences: their accuracy says nothing about real text, their timing does. Each
variant trains ``--epochs`` epochs (2: the first one includes compiling); variants that would
start past ``--budget`` seconds are listed as skipped rather than run, so the check stays
short. The word vectors of the pretrain stage are CPU work and stay off unless
``--set data.unlabeled_path=...`` asks for them. Writes reports/bench_gpu.{json,md}.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.machine import device_info, machine_info, today
from benchmarks.sweep import _steps
from birnn.config import Params, load_params
from birnn.layout import Layout

JSON_REPORT = Path("reports/bench_gpu.json")
MARKDOWN_REPORT = Path("reports/bench_gpu.md")
IMDB_TRAIN = "imdb-train.csv.gz"
BUDGET_SECONDS = 210.0  # variants that would start later are skipped; the baseline and the
# last variant started fit in the rest of the 5 minutes


@dataclass(frozen=True)
class Profile:
    rows: int
    mean_words: float
    sigma: float  # of log length: 0.75 puts ~30% of reviews over 256 words at a mean of 230
    epochs: int


FULL = Profile(rows=25_000, mean_words=230.0, sigma=0.75, epochs=2)
QUICK = Profile(rows=400, mean_words=30.0, sigma=0.75, epochs=1)


def generated_reviews(profile: Profile, seed: int) -> pd.DataFrame:
    """``text``, ``label``, ``split`` (80% train / 20% test): reviews of the builtin corpus's
    sentences, one label per review, with log-normal lengths."""
    from birnn.data.corpus import generate_corpus

    rng = np.random.default_rng(seed)
    pool = generate_corpus(max(2_000, min(80_000, profile.rows * 4)), seed=seed)
    sentences = {label: pool.loc[pool["label"] == label, "text"].to_numpy() for label in (0, 1)}
    mu = np.log(profile.mean_words) - profile.sigma**2 / 2
    lengths = np.maximum(5, rng.lognormal(mu, profile.sigma, profile.rows)).astype(int)
    labels = rng.integers(0, 2, profile.rows)
    texts = [_review(rng, sentences[label], n) for label, n in zip(labels, lengths)]
    split = np.where(rng.random(profile.rows) < 0.8, "train", "test")
    return pd.DataFrame({"text": texts, "label": labels, "split": split})


def _review(rng: np.random.Generator, sentences: np.ndarray, words: int) -> str:
    picked, count = [], 0
    while count < words:
        sentence = sentences[rng.integers(len(sentences))]
        picked.append(sentence)
        count += sentence.count(" ") + 1
    return " ".join(picked)


def check_params(
    data_dir: Path | None, workdir: Path, params_file, quick: bool, extra: dict[str, Any]
) -> tuple[Params, str]:
    """The run's params and a line saying what data it reads."""
    profile = QUICK if quick else FULL
    imdb = data_dir / IMDB_TRAIN if data_dir else None
    if imdb is not None and imdb.is_file() and not quick:
        data = {
            "data.path": str(imdb.resolve()),
            "data.text_column": "review",
            "data.label_column": "sentiment",
        }
        about = f"{IMDB_TRAIN} (25,000 IMDB training reviews, movie-disjoint split)"
    else:
        path = workdir / "reviews.csv"
        workdir.mkdir(parents=True, exist_ok=True)
        generated_reviews(profile, seed=0).to_csv(path, index=False)
        data = {"data.path": str(path)}
        about = (
            f"{profile.rows:,} generated reviews, log-normal lengths "
            f"(mean {profile.mean_words:g} words): timing only, accuracy is not real text's"
        )
    overrides = {
        "data.source": "csv",
        "data.split_column": "split",
        "split.strategy": "given",
        "train.epochs": profile.epochs,
        "tracking.enabled": False,
        **data,
        **extra,
    }
    return load_params(params_file, overrides), about


def gpu_check(
    data_dir: Path | None,
    workdir: Path,
    params_file: str | Path = "params.yaml",
    quick: bool = False,
    extra: dict[str, Any] | None = None,
    budget: float = BUDGET_SECONDS,
) -> dict[str, Any]:
    """Data stages, each variant (until the budget is spent), the baselines; no compare."""
    params, about = check_params(data_dir, workdir, params_file, quick, extra or {})
    layout = Layout(workdir / "run")
    started = time.perf_counter()
    stage_seconds: dict[str, float] = {}
    skipped: list[str] = []
    for name, stage, args in _steps(params):
        if stage.name == "compare":
            continue
        if stage.per_variant and time.perf_counter() - started > budget:
            skipped.append(args[0])
            continue
        step_started = time.perf_counter()
        stage.run(params, layout, *args)
        stage_seconds[name] = round(time.perf_counter() - step_started, 2)
    variants = [_variant_row(layout, v) for v in params.variant_names() if v not in skipped]
    baselines = {b: _metrics(layout, b).get("accuracy") for b in params.variants.baselines}
    return {
        "date": today(),
        "device": device_info(),
        "machine": machine_info(),
        "data": about,
        "quick": quick,
        "epochs": params.train.epochs,
        "max_len": json.loads((layout.processed_dir / "vocab.json").read_text())["max_len"],
        "variants": variants,
        "skipped": skipped,
        "baselines": baselines,
        "stage_seconds": stage_seconds,
        "total_seconds": round(time.perf_counter() - started, 1),
    }


def _metrics(layout: Layout, name: str) -> dict[str, Any]:
    path = layout.metrics_path(name)
    return json.loads(path.read_text()) if path.is_file() else {}


def _variant_row(layout: Layout, variant: str) -> dict[str, Any]:
    m = _metrics(layout, variant)
    return {
        "variant": variant,
        "seconds_per_epoch": m.get("seconds_per_epoch"),
        "epochs_run": m.get("epochs_run"),
        "val_accuracy": m.get("val_accuracy"),
        "accuracy": m.get("accuracy"),
        "error": m.get("error"),
    }


def markdown(result: dict[str, Any]) -> str:
    device = result["device"]
    where = device.get("gpu_name") or ("GPU" if device.get("gpu") else "CPU only")
    lines = [
        f"# GPU check ({result['date']}): {where}, {device['backend']}",
        "",
        f"Data: {result['data']}; {result['epochs']} epoch(s) per variant, sequences of "
        f"{result['max_len']} tokens; {result['total_seconds']:.0f} s in all.",
        "",
        "| variant | seconds per epoch | epochs | val accuracy | test accuracy |",
        "|---|---|---|---|---|",
    ]
    for row in result["variants"]:
        lines.append(
            f"| {row['variant']} | {_num(row['seconds_per_epoch'], '.2f')} "
            f"| {row['epochs_run'] if row['epochs_run'] is not None else '-'} "
            f"| {_num(row['val_accuracy'])} | {_num(row['accuracy'])} |"
        )
    for name, accuracy in result["baselines"].items():
        lines.append(f"| {name} (baseline) | - | - | - | {_num(accuracy)} |")
    if result["skipped"]:
        lines += ["", f"Skipped (past the time budget): {', '.join(result['skipped'])}."]
    return "\n".join(lines) + "\n"


def _num(value, spec: str = ".4f") -> str:
    return "-" if value is None else format(value, spec)


def write(result: dict[str, Any], json_path=JSON_REPORT, md_path=MARKDOWN_REPORT) -> str:
    Path(json_path).parent.mkdir(parents=True, exist_ok=True)
    Path(json_path).write_text(json.dumps(result, indent=2) + "\n")
    text = markdown(result)
    Path(md_path).parent.mkdir(parents=True, exist_ok=True)
    Path(md_path).write_text(text)
    return text
