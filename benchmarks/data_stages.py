"""Data stages at scale: clean + tokenize + split through the real stage code
(data.source=csv) on generated tweets, one fresh process per size."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.isolated import run_json
from benchmarks.machine import cpu_seconds, peak_rss_mb
from birnn.config import Params, load_params
from birnn.layout import Layout
from birnn.pipeline import STAGES

if TYPE_CHECKING:
    import pandas as pd

# source .. split: the data stages (pretrain, after them, already learns: a model stage)
PREPARE = tuple(STAGES[: [stage.name for stage in STAGES].index("split") + 1])
# the timed total leaves out source and download: with data.source=csv they hash and copy the generated
# CSV into data/raw
DATA_STAGES = tuple(stage.name for stage in PREPARE if stage.name not in ("source", "download"))


def prepare(params: Params, layout: Layout) -> dict[str, dict[str, Any]]:
    """Run download .. split in this process; each stage's summary by name."""
    return {stage.name: stage.run(params, layout) for stage in PREPARE}


def generate_tweets(n_rows: int, seed: int = 0) -> pd.DataFrame:
    """``n_rows`` tweet-like rows in sentiment140's shape: ``polarity`` 0/4 and ``text``.

    Lengths follow a gamma distribution clipped to 1..33 tokens (mean ~13 tokens, ~70
    characters, like sentiment140); words are Zipf-distributed over the builtin corpus's words
    plus 60,000 synthetic ones (a realistic vocabulary size), with what the clean stage has to
    handle: @mentions (30% of rows), URLs (8%), capitals, elongated words, HTML entities and
    emoticons. Labels are random: this measures the data stages, not a model.
    """
    import numpy as np
    import pandas as pd

    from birnn.data import corpus

    rng = np.random.default_rng(seed)
    groups = (
        corpus.POSITIVE,
        corpus.NEGATIVE,
        corpus.INTENSIFIERS,
        corpus.FILLERS,
        corpus.NEGATORS,
        corpus.CONTRASTS,
        *corpus.DOMAINS.values(),
    )
    known = sorted({w for group in groups for phrase in group for w in phrase.split()})
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    word_lengths = rng.integers(2, 10, 60_000)
    synthetic = [
        "".join(w)
        for w in np.split(
            letters[rng.integers(0, 26, int(word_lengths.sum()))], np.cumsum(word_lengths)[:-1]
        )
    ]
    common = [
        "!",
        "?",
        ".",
        ",",
        "...",
        "!!",
        ":)",
        ":(",
        ":-)",
        ";)",
        "<3",
        ":d",
        "lol",
        "i",
        "the",
        "to",
        "a",
        "my",
        "is",
        "it",
        "and",
        "you",
        "for",
        "in",
        "of",
        "me",
        "so",
        "on",
        "that",
        "have",
        "just",
        "but",
        "not",
        "be",
        "at",
        "was",
        "can't",
        "don't",
        "i'm",
    ]
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


def data_params(csv_path: Path, params_file: str | Path = "params.yaml") -> Params:
    return load_params(
        params_file,
        {
            "data.source": "csv",
            "data.path": str(csv_path),
            "data.text_column": "text",
            "data.label_column": "polarity",
        },
    )


def run_data_stages(
    csv_path: Path, root: Path, params_file: str | Path = "params.yaml"
) -> dict[str, Any]:
    """download + clean + tokenize + split of ``csv_path`` through the stage registry in this
    process: wall and CPU seconds per stage, peak RSS after each."""
    params = data_params(csv_path, params_file)
    layout = Layout(root)
    out: dict[str, Any] = {"stages": {}}
    for stage in PREPARE:
        wall, cpu = time.perf_counter(), cpu_seconds()
        summary = stage.run(params, layout)
        out["stages"][stage.name] = {
            "seconds": round(time.perf_counter() - wall, 3),
            "cpu_seconds": round(cpu_seconds() - cpu, 3),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
        if stage.name == "clean":
            out["rows_in"], out["rows_out"] = summary["rows_in"], summary["rows_out"]
        if stage.name == "tokenize":
            out["mean_tokens"] = round(summary["mean_tokens"], 2)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def data_stages_at_scale(
    sizes: list[int], workdir: Path, params_file: str | Path = "params.yaml", seed: int = 0
) -> dict[str, Any]:
    """Each size in a fresh process (so peak RSS is that size's), on one generated table:
    the smaller sizes are its first rows."""
    sizes = sorted(sizes)
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    table = generate_tweets(sizes[-1], seed)
    lengths = table["text"].str.len()
    generated = {
        "rows": len(table),
        "seconds": round(time.perf_counter() - started, 1),
        "mean_chars": round(float(lengths.mean()), 1),
        "p95_chars": float(lengths.quantile(0.95)),
    }
    results = []
    for n in sizes:
        csv_path = workdir / f"tweets_{n}.csv"
        table.iloc[:n].to_csv(csv_path, index=False)
        run = run_json(
            [
                "_data-stages",
                "--csv",
                str(csv_path),
                "--root",
                str(workdir / f"run_{n}"),
                "--params",
                str(Path(params_file).resolve()),
            ],
            timeout=1800,
        )
        total = sum(run["stages"][s]["seconds"] for s in DATA_STAGES)
        cpu = sum(run["stages"][s]["cpu_seconds"] for s in DATA_STAGES)
        results.append(
            {
                "rows": n,
                **run,
                "seconds": round(total, 2),
                "cpu_seconds": round(cpu, 2),
                "rows_per_second": round(n / total) if total else None,
                "seconds_per_100k_rows": round(total / n * 100_000, 2),
            }
        )
        csv_path.unlink(missing_ok=True)
    del table
    per_100k = [r["seconds_per_100k_rows"] for r in results]
    # linear growth: seconds per row stays flat as rows grow (1.0 = perfectly linear); the two
    # largest sizes, since the smallest is dominated by fixed start-up costs (imports)
    base = -2 if len(per_100k) > 1 else 0
    return {
        "generated": generated,
        "sizes": results,
        "growth_sizes": [results[base]["rows"], results[-1]["rows"]],
        "growth_ratio": round(per_100k[-1] / per_100k[base], 2) if per_100k[base] else None,
    }
