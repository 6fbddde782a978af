"""Benchmarks (`make bench`). Every measurement is set against a reference in the same
run, since absolute times on shared machines vary:

* training: the seed tutorial's BiLSTM (the reference) vs this project's defaults, on the
  same rows: seconds per epoch, test accuracy, inference texts/s, and the ratios;
* the whole sweep: every variant with the defaults, in a fresh process: wall time, peak RSS;
* data stages at scale: clean + tokenize + split through the real stage code
  (data.source=csv) on generated tweets, one fresh process per size: seconds, rows/s, peak RSS;
* DVC overhead: `dvc repro` with nothing to do, in a reproduced temporary copy of the repo.

    python -m birnn.bench                       # all of it -> reports/bench.json + reports/bench.md
    python -m birnn.bench all --skip dvc --train-rows 4000
    python -m birnn.bench sweep --root /tmp/sweep --set data.builtin_size=50000 --out sweep.json

KERAS_BACKEND picks the backend (tensorflow by default); on a GPU the same command runs there.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

from .config import Params, load_params, parse_overrides


def _peak_rss_mb() -> float:
    """This process's peak RSS. /proc's VmHWM where there is one: ru_maxrss survives fork +
    exec, so a child started by a big parent would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
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


# --------------------------------------------------------------------------------------------
# Targets of issue 7 (on a 2-core CPU machine unless noted)
TARGET_EPOCH_SPEEDUP = 5.0
TARGET_DATA_SECONDS = 60.0
TARGET_DATA_RSS_MB = 4096.0
TARGET_DATA_ROWS = 1_600_000
TARGET_DVC_NOOP_SECONDS = 3.0
TARGET_GPU_SWEEP_SECONDS = 120.0

# The seed tutorial's configuration, the reference of the training comparison
SEED_CONFIG = {"vocab": 4000, "embedding_dim": 256, "spatial_dropout": 0.4, "units": 196,
               "dropout": 0.05, "recurrent_dropout": 0.2, "batch_size": 128, "max_len": 35,
               "optimizer": "Adam (default learning rate 1e-3)", "padding": "pre (Keras pad_sequences)"}
INFERENCE_BATCH = 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on (no accelerator details: see device_info)."""
    import os

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem_gb, "python": platform.python_version(),
            "load_average_1min_at_start": round(load, 2) if load is not None else None,
            "date": time.strftime("%Y-%m-%d")}


# ---------------------------------------------------------------------------- generated tweets
def generate_tweets(n_rows: int, seed: int = 0) -> "pd.DataFrame":
    """``n_rows`` tweet-like rows in sentiment140's shape: ``polarity`` 0/4 and ``text``.

    Lengths follow a gamma distribution clipped to 1..33 tokens (mean ~13 tokens, ~70
    characters, like sentiment140); words are Zipf-distributed over the builtin corpus's words
    plus 60,000 synthetic ones (a realistic vocabulary size), with what the clean stage has to
    handle: @mentions (30% of rows), URLs (8%), capitals, elongated words, HTML entities and
    emoticons. Labels are random: this measures the data stages, not a model.
    """
    import itertools

    import numpy as np
    import pandas as pd

    from . import corpus

    rng = np.random.default_rng(seed)
    known = sorted({w for group in (corpus.POSITIVE, corpus.NEGATIVE, corpus.INTENSIFIERS,
                                    corpus.FILLERS, corpus.NEGATORS, corpus.CONTRASTS,
                                    *corpus.DOMAINS.values()) for phrase in group for w in phrase.split()})
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    word_lengths = rng.integers(2, 10, 60_000)
    synthetic = ["".join(w) for w in np.split(letters[rng.integers(0, 26, int(word_lengths.sum()))],
                                              np.cumsum(word_lengths)[:-1])]
    common = ["!", "?", ".", ",", "...", "!!", ":)", ":(", ":-)", ";)", "<3", ":d", "lol", "i", "the",
              "to", "a", "my", "is", "it", "and", "you", "for", "in", "of", "me", "so", "on", "that",
              "have", "just", "but", "not", "be", "at", "was", "can't", "don't", "i'm"]
    vocab = np.array(common + known + synthetic, dtype=object)
    weights = 1.0 / (np.arange(len(vocab)) + 3.0) ** 1.05
    lengths = np.clip(np.rint(rng.gamma(2.5, 5.0, n_rows)), 1, 33).astype(np.int64)
    total = int(lengths.sum())
    tokens = vocab[rng.choice(len(vocab), size=total, p=weights / weights.sum())]
    capital = np.flatnonzero(rng.random(total) < 0.08)
    tokens[capital] = [t.capitalize() for t in tokens[capital]]
    elongated = np.flatnonzero(rng.random(total) < 0.01)
    tokens[elongated] = [t + t[-1] * 4 for t in tokens[elongated]]
    tokens[rng.random(total) < 0.005] = "&amp;"
    ends = np.cumsum(lengths) - 1
    starts = ends - lengths + 1
    mention = rng.random(n_rows) < 0.30
    tokens[starts[mention]] = [f"@user{i}" for i in rng.integers(0, 200_000, int(mention.sum()))]
    url = rng.random(n_rows) < 0.08
    tokens[ends[url]] = [f"http://t.co/{i}" for i in rng.integers(10**6, 10**7, int(url.sum()))]
    separators = np.full(total, " ", dtype=object)
    separators[ends] = "\n"
    text = "".join(itertools.chain.from_iterable(zip(tokens, separators))).split("\n")[:-1]
    return pd.DataFrame({"polarity": rng.integers(0, 2, n_rows) * 4, "text": text})


# ------------------------------------------------------------------------- data stages at scale
DATA_STAGES = ("clean", "tokenize", "split")


def _data_params(csv_path: Path, params_file: str | Path = "params.yaml") -> Params:
    return load_params(params_file, {"data.source": "csv", "data.path": str(csv_path),
                                     "data.text_column": "text", "data.label_column": "polarity"})


def run_data_stages(csv_path: Path, root: Path, params_file: str | Path = "params.yaml") -> dict[str, Any]:
    """download + clean + tokenize + split of ``csv_path`` through stages.run_* in this
    process: wall and CPU seconds per stage, peak RSS after each."""
    from . import stages

    params = _data_params(csv_path, params_file)
    layout = stages.Layout(root)
    out: dict[str, Any] = {"stages": {}}
    for name in ("download", *DATA_STAGES):
        wall, cpu = time.perf_counter(), _cpu_seconds()
        summary = getattr(stages, f"run_{name}")(params, layout)
        out["stages"][name] = {"seconds": round(time.perf_counter() - wall, 3),
                               "cpu_seconds": round(_cpu_seconds() - cpu, 3),
                               "peak_rss_mb": round(_peak_rss_mb(), 1)}
        if name == "clean":
            out["rows_in"], out["rows_out"] = summary["rows_in"], summary["rows_out"]
        if name == "tokenize":
            out["mean_tokens"] = round(summary["mean_tokens"], 2)
    out["peak_rss_mb"] = round(_peak_rss_mb(), 1)
    return out


def _subprocess_json(args: list[str], timeout: float, cwd: Path | None = None) -> dict[str, Any]:
    import os
    import subprocess

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    proc = subprocess.run([sys.executable, "-m", "birnn.bench", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"birnn.bench {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def data_stages_at_scale(sizes: list[int], workdir: Path, params_file: str | Path = "params.yaml",
                         seed: int = 0) -> dict[str, Any]:
    """Each size in a fresh process (so peak RSS is that size's), on one generated table:
    the smaller sizes are its first rows."""
    sizes = sorted(sizes)
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    table = generate_tweets(sizes[-1], seed)
    lengths = table["text"].str.len()
    generated = {"rows": len(table), "seconds": round(time.perf_counter() - started, 1),
                 "mean_chars": round(float(lengths.mean()), 1), "p95_chars": float(lengths.quantile(0.95))}
    results = []
    for n in sizes:
        csv_path = workdir / f"tweets_{n}.csv"
        table.iloc[:n].to_csv(csv_path, index=False)
        run = _subprocess_json(["_data-stages", "--csv", str(csv_path), "--root", str(workdir / f"run_{n}"),
                                "--params", str(Path(params_file).resolve())], timeout=1800)
        total = sum(run["stages"][s]["seconds"] for s in DATA_STAGES)
        cpu = sum(run["stages"][s]["cpu_seconds"] for s in DATA_STAGES)
        results.append({"rows": n, **run, "seconds": round(total, 2), "cpu_seconds": round(cpu, 2),
                        "rows_per_second": round(n / total) if total else None,
                        "seconds_per_100k_rows": round(total / n * 100_000, 2)})
        csv_path.unlink(missing_ok=True)
    del table
    per_100k = [r["seconds_per_100k_rows"] for r in results]
    # linear growth: seconds per row stays flat as rows grow (1.0 = perfectly linear); the two
    # largest sizes, since the smallest is dominated by fixed start-up costs (imports)
    base = -2 if len(per_100k) > 1 else 0
    return {"generated": generated, "sizes": results,
            "growth_sizes": [results[base]["rows"], results[-1]["rows"]],
            "growth_ratio": round(per_100k[-1] / per_100k[base], 2) if per_100k[base] else None}


# --------------------------------------------------------------------------- training: seed vs default
def build_seed_model(max_len: int = 35, vocab: int = 4000):
    """The seed tutorial's model, in plain Keras layers: build_model cannot express the LSTM's
    own input dropout (``dropout=0.05``), which is part of the reference."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(max_len,), dtype="int32", name="token_ids")
    x = layers.Embedding(vocab, SEED_CONFIG["embedding_dim"])(inputs)
    x = layers.SpatialDropout1D(SEED_CONFIG["spatial_dropout"])(x)
    x = layers.Bidirectional(layers.LSTM(SEED_CONFIG["units"], dropout=SEED_CONFIG["dropout"],
                                         recurrent_dropout=SEED_CONFIG["recurrent_dropout"]))(x)
    outputs = layers.Dense(1, activation="sigmoid", dtype="float32")(x)
    model = keras.Model(inputs, outputs, name="seed_tutorial_bilstm")
    model.compile(optimizer=keras.optimizers.Adam(), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _seed_encoding(tokens_path: Path, processed_dir: Path) -> dict[str, tuple[Any, Any]]:
    """The same train/val/test rows as the project's split, encoded the seed's way: the 4000
    most frequent training words (ids 2..3999, 1 = out of vocabulary), 35 tokens, pre-padded."""
    import numpy as np
    import pyarrow.parquet as pq

    from .split import _count_vocab, _flat_tokens, _pad, _token_ids

    table = pq.read_table(tokens_path)
    flat, lengths = _flat_tokens(table.column("tokens"))
    starts = np.cumsum(lengths) - lengths
    rows = {}
    for name in ("train", "val", "test"):
        with np.load(processed_dir / f"{name}.npz") as data:
            rows[name] = (data["row"], data["y"])
    in_train = np.zeros(len(lengths), dtype=bool)
    in_train[rows["train"][0]] = True
    vocab = _count_vocab(flat.filter(np.repeat(in_train, lengths)), SEED_CONFIG["vocab"], 1)
    ids = _token_ids(flat, vocab)
    out = {}
    for name, (row, y) in rows.items():
        x = _pad(ids, starts[row], lengths[row], SEED_CONFIG["max_len"], "pre")
        # right-padded -> left-padded, as Keras' pad_sequences did in the tutorial
        shift = SEED_CONFIG["max_len"] - np.minimum(lengths[row], SEED_CONFIG["max_len"])
        cols = (np.arange(SEED_CONFIG["max_len"])[None, :] - shift[:, None]) % SEED_CONFIG["max_len"]
        out[name] = (np.take_along_axis(x, cols, axis=1), y)
    return out


def _inference_rate(model, x) -> float:
    """Texts per second of model.predict on encoded test rows (after a warm-up call)."""
    model.predict(x[:INFERENCE_BATCH], batch_size=INFERENCE_BATCH, verbose=0)
    reps, started = 0, time.perf_counter()
    while reps == 0 or time.perf_counter() - started < 2.0:
        model.predict(x, batch_size=INFERENCE_BATCH, verbose=0)
        reps += 1
    return len(x) * reps / (time.perf_counter() - started)


def fit_and_measure(model, data: dict[str, tuple[Any, Any]], epochs: int, batch_size: int,
                    seed: int) -> dict[str, Any]:
    """The same harness for both models: one ``fit`` per epoch (with validation), timed;
    final weights scored on the test rows; inference texts/s."""
    import statistics

    import keras
    import numpy as np

    keras.utils.set_random_seed(seed)
    epoch_seconds, history = [], []
    for _ in range(epochs):
        started = time.perf_counter()
        fit = model.fit(*data["train"], validation_data=data["val"], epochs=1, batch_size=batch_size,
                        shuffle=True, verbose=0)
        epoch_seconds.append(time.perf_counter() - started)
        history.append({k: round(float(v[-1]), 4) for k, v in fit.history.items()})
    x_test, y_test = data["test"]
    predicted = model.predict(x_test, batch_size=INFERENCE_BATCH, verbose=0).reshape(-1) >= 0.5
    steady = epoch_seconds[1:] or epoch_seconds  # the first epoch also traces/compiles the graph
    return {"epochs": epochs, "batch_size": batch_size,
            "seconds_per_epoch": round(statistics.median(steady), 3),
            "first_epoch_seconds": round(epoch_seconds[0], 3),
            "epoch_seconds": [round(s, 3) for s in epoch_seconds],
            "test_accuracy": round(float(np.mean(predicted == y_test.astype(bool))), 4),
            "texts_per_second": round(_inference_rate(model, x_test)), "parameters": int(model.count_params()),
            "history": history}


def training_comparison(rows: int, epochs: int, workdir: Path, params_file: str | Path = "params.yaml",
                        variant: str = "lstm-concat", overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The seed tutorial's BiLSTM vs this project's default ``variant`` (built by
    models.build_model from params.yaml) on the same rows of the builtin corpus, ``epochs``
    epochs each, same harness, in this process. The data stages are the real ones."""
    import keras

    from . import stages
    from .config import parse_variant
    from .models import build_model
    from .split import load_split, load_vocab
    from .train import gpu_available, seed_everything

    params = load_params(params_file, {"data.source": "builtin", "data.builtin_size": rows,
                                       "tracking.enabled": False, **(overrides or {})})
    layout = stages.Layout(workdir)
    for name in ("download", "clean", "tokenize", "split"):
        split_summary = getattr(stages, f"run_{name}")(params, layout)
    vocab = load_vocab(layout.processed_dir / "vocab.json")
    cell, merge_mode, direction = parse_variant(variant)
    data = {name: load_split(layout.processed_dir, name) for name in ("train", "val", "test")}
    seed_everything(params.seed)
    model = build_model(cell, merge_mode, len(vocab["words"]) + 2, vocab["max_len"], params.model, direction,
                        learning_rate=params.train.learning_rate, clipnorm=params.train.clipnorm)
    default = fit_and_measure(model, data, epochs, params.train.batch_size, params.seed)
    default.update(variant=variant, max_len=vocab["max_len"], model=params.model.model_dump(mode="json"),
                   learning_rate=params.train.learning_rate)
    del model
    keras.backend.clear_session()
    seed_everything(params.seed)
    reference = build_seed_model(SEED_CONFIG["max_len"], SEED_CONFIG["vocab"])
    seed = fit_and_measure(reference, _seed_encoding(layout.tokens_path, layout.processed_dir), epochs,
                           SEED_CONFIG["batch_size"], params.seed)
    seed["config"] = SEED_CONFIG
    return {
        "data": {"source": "builtin", "rows": rows, "train": split_summary["train"], "val": split_summary["val"],
                 "test": split_summary["test"], "epochs_each": epochs},
        "gpu": gpu_available(), "backend": keras.backend.backend(),
        "harness": ("both: one fit per epoch with validation, final weights, no early stopping; "
                    "seconds per epoch = median of epochs 2.. (epoch 1 also compiles)"),
        "note": ("on CPU recurrent_dropout makes no kernel difference (there is no cuDNN kernel to "
                 "lose); the cuDNN effect of recurrent_dropout=0 only shows on a GPU"),
        "seed": seed, "default": default,
        "epoch_speedup": round(seed["seconds_per_epoch"] / default["seconds_per_epoch"], 2),
        "inference_speedup": round(default["texts_per_second"] / seed["texts_per_second"], 2),
        "accuracy_delta": round(default["test_accuracy"] - seed["test_accuracy"], 4),
    }


# ------------------------------------------------------------------------------- the sweep
def sweep_in_subprocess(rows: int, workdir: Path, params_file: str | Path = "params.yaml",
                        extra: list[str] | None = None) -> dict[str, Any]:
    """`sweep` with the defaults on ``rows`` builtin rows, in a fresh process (peak RSS is its own)."""
    out = workdir / "sweep.json"
    sets = ["--set", f"data.builtin_size={rows}", "--set", "tracking.enabled=false"]
    for item in extra or []:
        sets += ["--set", item]
    _subprocess_json(["sweep", "--params", str(Path(params_file).resolve()), "--root", str(workdir / "root"),
                      "--out", str(out), "--quiet", *sets], timeout=3600)
    result = json.loads(out.read_text())
    return {k: result[k] for k in ("device", "rows", "variants", "total_seconds", "peak_rss_mb",
                                   "best_variant", "accuracy", "seconds_per_epoch", "stage_seconds")}


# ------------------------------------------------------------------------------- DVC overhead
DVC_TINY = {"data.builtin_size": 400, "split.min_count": 1, "model.embedding_dim": 8, "model.units": 4,
            "train.epochs": 1, "train.patience": 1, "train.batch_size": 64, "variants.cells": ["lstm"],
            "variants.merge_modes": ["concat"], "variants.unidirectional": [], "tracking.enabled": False}


def copy_project(dest: Path, repo: Path, overrides: dict[str, Any]) -> Path:
    """A git-initialised copy of the pipeline (dvc.yaml, params.yaml with ``overrides``, src)."""
    import shutil
    import subprocess

    import yaml

    from .config import _set_dotted

    dest.mkdir(parents=True)
    for name in ("dvc.yaml", "params.yaml", ".dvcignore", "src"):
        src = repo / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    (dest / ".dvc").mkdir()
    if (repo / ".dvc" / "config").exists():
        shutil.copy2(repo / ".dvc" / "config", dest / ".dvc" / "config")
    (dest / "mlruns").mkdir()
    params = yaml.safe_load((dest / "params.yaml").read_text())
    for key, value in overrides.items():
        _set_dotted(params, key, value)
    (dest / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    return dest


def dvc_noop(workdir: Path, repo: Path, repeats: int = 3) -> dict[str, Any]:
    """Reproduce a tiny copy once, then time `dvc repro` with nothing to do."""
    import os
    import statistics
    import subprocess

    root = copy_project(workdir / "project", repo, DVC_TINY)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "DVC_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    dvc = str(Path(sys.executable).parent / "dvc")
    started = time.perf_counter()
    first = subprocess.run([dvc, "repro"], cwd=root, env=env, capture_output=True, text=True, timeout=1800)
    if first.returncode != 0:
        raise RuntimeError(f"dvc repro failed:\n{first.stdout[-2000:]}\n{first.stderr[-2000:]}")
    first_seconds = time.perf_counter() - started
    times, ran = [], False
    for _ in range(repeats):
        started = time.perf_counter()
        again = subprocess.run([dvc, "repro"], cwd=root, env=env, capture_output=True, text=True, timeout=600)
        times.append(time.perf_counter() - started)
        ran = ran or again.returncode != 0 or "Running stage" in again.stdout
    return {"first_repro_seconds": round(first_seconds, 1), "noop_seconds": [round(t, 2) for t in times],
            "noop_median_seconds": round(statistics.median(times), 2), "nothing_ran": not ran,
            "stages": len([line for line in first.stdout.splitlines() if line.startswith("Running stage")])}


# ------------------------------------------------------------------------------- report
RECORDED_GPU = Path("reports/bench/sweep_jax_50k_gpu.json")


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 7 that this run measured: the number and whether it holds."""
    out = []
    t = result.get("training")
    if t:
        out.append({"target": f"default >= {TARGET_EPOCH_SPEEDUP:g}x faster per epoch than the seed config",
                    "measured": f"{t['epoch_speedup']:.1f}x", "holds": t["epoch_speedup"] >= TARGET_EPOCH_SPEEDUP})
        out.append({"target": "default test accuracy >= seed config's",
                    "measured": f"{t['default']['test_accuracy']:.4f} vs {t['seed']['test_accuracy']:.4f}",
                    "holds": t["default"]["test_accuracy"] >= t["seed"]["test_accuracy"]})
    d = result.get("data_stages")
    if d:
        big = d["sizes"][-1]
        scale = "" if big["rows"] >= TARGET_DATA_ROWS else f" (measured at {big['rows']:,} rows)"
        out.append({"target": f"clean+tokenize+split of 1.6M rows < {TARGET_DATA_SECONDS:g} s{scale}",
                    "measured": f"{big['seconds']:.1f} s wall ({big['cpu_seconds']:.1f} s CPU)",
                    "holds": big["seconds"] < TARGET_DATA_SECONDS and big["rows"] >= TARGET_DATA_ROWS})
        out.append({"target": f"data stages peak memory < {TARGET_DATA_RSS_MB / 1024:g} GB{scale}",
                    "measured": f"{big['peak_rss_mb'] / 1024:.2f} GB",
                    "holds": big["peak_rss_mb"] < TARGET_DATA_RSS_MB and big["rows"] >= TARGET_DATA_ROWS})
        if d.get("growth_ratio") is not None and len(d["sizes"]) > 1:
            g, (small, large) = d["growth_ratio"], d["growth_sizes"]
            out.append({"target": "cost grows linearly with rows (seconds per row stays flat)",
                        "measured": f"s/row at {large:,} / at {small:,} rows = {g:.2f}", "holds": g <= 1.3})
    v = result.get("dvc")
    if v:
        out.append({"target": f"dvc repro no-op < {TARGET_DVC_NOOP_SECONDS:g} s",
                    "measured": f"{v['noop_median_seconds']:.2f} s", "holds": v["noop_median_seconds"] < TARGET_DVC_NOOP_SECONDS})
    g = result.get("recorded_gpu_sweep")
    if g:
        out.append({"target": f"GPU: 12-variant sweep on 50k tweets < {TARGET_GPU_SWEEP_SECONDS:g} s",
                    "measured": f"{g['total_seconds']:.0f} s ({g['gpu_name']}, recorded {g['date']}, builtin rows)",
                    "holds": g["total_seconds"] < TARGET_GPU_SWEEP_SECONDS})
    return out


def _recorded_gpu(path: Path = RECORDED_GPU) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return {"file": str(path), "date": "2026-11-26", "gpu_name": data["device"].get("gpu_name", "GPU"),
            "backend": data["device"]["backend"], "rows": data["rows"], "variants": data["variants"],
            "total_seconds": data["total_seconds"], "peak_rss_mb": data["peak_rss_mb"],
            "best_variant": data["best_variant"], "best_accuracy": data["accuracy"].get(data["best_variant"]),
            "mixed_precision": data["params"].get("train.mixed_precision")}


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [f"# Benchmark ({m['date']})", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, Keras backend "
             f"{result['backend']}{' (GPU)' if result.get('gpu') else ' (CPU)'}; 1-min load average at start "
             f"{m['load_average_1min_at_start']} (a shared machine: compare the ratios, not the seconds).", ""]
    t = result.get("training")
    if t:
        s, d = t["seed"], t["default"]
        lines += [f"## Training: seed tutorial vs project default ({t['data']['rows']:,} builtin rows, "
                  f"train/val/test {t['data']['train']:,}/{t['data']['val']:,}/{t['data']['test']:,}, "
                  f"{t['data']['epochs_each']} epochs each)", "",
                  "| | seed tutorial (reference) | project default | ratio |", "|---|---|---|---|",
                  f"| model | BiLSTM 196, emb 4000x256, dropout 0.05, recurrent_dropout 0.2, len 35 | "
                  f"{d['variant']}: units {d['model']['units']}, emb {d['model']['embedding_dim']}, "
                  f"recurrent_dropout {d['model']['recurrent_dropout']}, len {d['max_len']} | |",
                  f"| parameters | {s['parameters']:,} | {d['parameters']:,} | {s['parameters'] / d['parameters']:.0f}x fewer |",
                  f"| batch size, learning rate | {SEED_CONFIG['batch_size']}, 0.001 | {d['batch_size']}, {d['learning_rate']:g} | |",
                  f"| seconds per epoch | {s['seconds_per_epoch']:.2f} | {d['seconds_per_epoch']:.2f} | "
                  f"**{t['epoch_speedup']:.1f}x faster** |",
                  f"| test accuracy | {s['test_accuracy']:.4f} | {d['test_accuracy']:.4f} | "
                  f"{t['accuracy_delta']:+.4f} |",
                  f"| inference, texts/s (batch {INFERENCE_BATCH}) | {s['texts_per_second']:,} | "
                  f"{d['texts_per_second']:,} | {t['inference_speedup']:.1f}x |", "",
                  f"Harness: {t['harness']}. Note: {t['note']}.", ""]
    sw = result.get("sweep")
    if sw:
        lines += [f"## The whole sweep (defaults, {sw['rows']:,} builtin rows after cleaning, one process)", "",
                  "| where | variants | rows | wall time | peak RSS | best variant |", "|---|---|---|---|---|---|",
                  _sweep_row(f"this machine ({'GPU' if sw['device'].get('gpu') else 'CPU'}, {sw['device']['backend']})",
                             sw, sw["accuracy"].get(sw["best_variant"], 0))]
        g = result.get("recorded_gpu_sweep")
        if g:
            lines.append(_sweep_row(f"{g['gpu_name']}, {g['backend']}, mixed precision (recorded {g['date']}, "
                                    f"`{g['file']}`)", g, g["best_accuracy"]))
        lines.append("")
    d = result.get("data_stages")
    if d:
        gen = d["generated"]
        lines += [f"## Data stages at scale (generated tweets: mean {gen['mean_chars']:.0f} chars, "
                  f"data.source=csv, real stage code, one fresh process per size)", "",
                  "| rows | clean s | tokenize s | split s | total s (CPU s) | rows/s | s per 100k rows | peak RSS |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in d["sizes"]:
            st = r["stages"]
            lines.append(f"| {r['rows']:,} | {st['clean']['seconds']:.1f} | {st['tokenize']['seconds']:.1f} | "
                         f"{st['split']['seconds']:.1f} | {r['seconds']:.1f} ({r['cpu_seconds']:.1f}) | "
                         f"{r['rows_per_second']:,} | {r['seconds_per_100k_rows']:.2f} | {r['peak_rss_mb']:.0f} MB |")
        lines.append("")
    v = result.get("dvc")
    if v:
        lines += ["## DVC overhead", "",
                  f"`dvc repro` with nothing to do (a reproduced copy, {v['stages']} stages): median "
                  f"{v['noop_median_seconds']:.2f} s of {v['noop_seconds']} (first repro {v['first_repro_seconds']:.0f} s).", ""]
    lines += ["## Targets", "", "| target | measured | holds |", "|---|---|---|"]
    lines += [f"| {x['target']} | {x['measured']} | {'yes' if x['holds'] else '**no**'} |" for x in result["targets"]]
    lines += ["", f"Total benchmark time: {result['total_seconds']:.0f} s.", ""]
    return "\n".join(lines)


def _sweep_row(where: str, sweep: dict[str, Any], best_accuracy: float) -> str:
    """One row of the sweep table, for this machine's sweep or a recorded one."""
    return (f"| {where} | {sweep['variants']} | {sweep['rows']:,} | {sweep['total_seconds']:.0f} s | "
            f"{sweep['peak_rss_mb']:.0f} MB | {sweep['best_variant']} {best_accuracy:.4f} |")


def benchmark(workdir: Path, *, params_file: str | Path = "params.yaml", train_rows: int = 10000,
              epochs: int = 6, sweep_rows: int = 10000, data_sizes: list[int] | None = None,
              skip: set[str] = frozenset(), sweep_sets: list[str] | None = None,
              train_overrides: dict[str, Any] | None = None, repo: Path = Path(".")) -> dict[str, Any]:
    """The whole benchmark; each part in its own folder under ``workdir``."""
    import keras

    from .train import gpu_available

    started = time.perf_counter()
    result: dict[str, Any] = {"machine": machine_info(), "backend": keras.backend.backend(),
                              "gpu": gpu_available()}
    log = logging.getLogger("birnn.bench")
    if "data" not in skip:
        log.info("data stages at %s rows", data_sizes)
        result["data_stages"] = data_stages_at_scale(data_sizes or [100_000, 400_000, 1_600_000],
                                                     workdir / "data", params_file)
    if "dvc" not in skip:
        log.info("dvc repro no-op")
        result["dvc"] = dvc_noop(workdir / "dvc", repo.resolve())
    if "sweep" not in skip:
        log.info("sweep on %d rows", sweep_rows)
        result["sweep"] = sweep_in_subprocess(sweep_rows, workdir / "sweep", params_file, sweep_sets)
    if "training" not in skip:
        log.info("training: seed vs default, %d rows, %d epochs", train_rows, epochs)
        result["training"] = training_comparison(train_rows, epochs, workdir / "training", params_file,
                                                 overrides=train_overrides)
    gpu = _recorded_gpu(repo / RECORDED_GPU)
    if gpu:
        gpu["file"] = str(RECORDED_GPU)
        result["recorded_gpu_sweep"] = gpu
    result["total_seconds"] = round(time.perf_counter() - started, 1)
    result["targets"] = targets(result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m birnn.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    a = sub.add_parser("all", help="the whole benchmark (the default command)")
    a.add_argument("--params", default="params.yaml")
    a.add_argument("--workdir", default=None, help="scratch folder (default: a temporary one, removed)")
    a.add_argument("--train-rows", type=int, default=10000, help="builtin rows of the training comparison")
    a.add_argument("--epochs", type=int, default=6, help="epochs of each model in the training comparison")
    a.add_argument("--sweep-rows", type=int, default=10000, help="builtin rows of the sweep")
    a.add_argument("--sweep-set", action="append", default=[], metavar="KEY=VALUE",
                   help="param override of the sweep only")
    a.add_argument("--data-sizes", default="100000,400000,1600000", help="comma-separated row counts")
    a.add_argument("--skip", action="append", default=[], choices=["data", "dvc", "sweep", "training"])
    a.add_argument("--json", default="reports/bench.json")
    a.add_argument("--md", default="reports/bench.md")
    p = sub.add_parser("sweep", help="time the whole DAG in one process")
    p.add_argument("--params", default="params.yaml")
    p.add_argument("--root", required=True, help="an empty folder for the run's outputs")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--out", default="reports/bench_sweep.json")
    p.add_argument("--quiet", action="store_true", help="print one JSON line, no logs")
    c = sub.add_parser("_data-stages", help=argparse.SUPPRESS)
    c.add_argument("--csv", required=True)
    c.add_argument("--root", required=True)
    c.add_argument("--params", default="params.yaml")
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("all", "sweep", "_data-stages", "-h", "--help"):
        argv = ["all", *argv]  # `python -m birnn.bench [options]` runs the whole benchmark
    args = parser.parse_args(argv)
    if args.command == "_data-stages":
        print(json.dumps(run_data_stages(Path(args.csv), Path(args.root), args.params)))
        return 0
    if args.command == "sweep":
        if not args.quiet:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
        params = load_params(args.params, parse_overrides(args.set))
        result = sweep(params, Path(args.root))
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps({k: result[k] for k in ("device", "rows", "variants", "total_seconds",
                                                 "peak_rss_mb", "best_variant")}, indent=None if args.quiet else 2))
        return 0
    import shutil
    import tempfile

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="birnn-bench-"))
    try:
        result = benchmark(workdir, params_file=args.params, train_rows=args.train_rows, epochs=args.epochs,
                           sweep_rows=args.sweep_rows, data_sizes=[int(n) for n in args.data_sizes.split(",") if n],
                           skip=set(args.skip), sweep_sets=args.sweep_set)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    for path, text in ((args.json, json.dumps(result, indent=2) + "\n"), (args.md, markdown(result))):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text)
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
