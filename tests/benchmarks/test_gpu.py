"""The GPU check's code path, run quick on the CPU: generated reviews of a set length profile,
one variant, a table of seconds per epoch and accuracy beside TF-IDF."""

from __future__ import annotations

import json

import numpy as np

from benchmarks import gpu
from benchmarks.cli import main
from birnn.config import parse_overrides
from conftest import REPO

TINY_SETS = [
    "split.min_count=1",
    "model.embedding_dim=8",
    "model.units=4",
    "train.batch_size=64",
    "train.plateau_margin=null",
    "variants.cells=[gru]",
    "variants.merge_modes=[concat]",
    "variants.unidirectional=[]",
]


def test_generated_reviews_follow_the_length_profile():
    reviews = gpu.generated_reviews(gpu.Profile(2000, 230.0, 0.75, 1), seed=0)
    words = reviews["text"].str.split().str.len()
    assert 200 < words.mean() < 260 and 0.2 < (words > 256).mean() < 0.4
    assert set(reviews["label"]) == {0, 1} and abs((reviews["split"] == "test").mean() - 0.2) < 0.05


def test_quick_check_prints_and_writes_the_table(tmp_path, capsys):
    sets = [arg for item in TINY_SETS for arg in ("--set", item)]
    out_json, out_md = tmp_path / "bench_gpu.json", tmp_path / "bench_gpu.md"
    argv = ["gpu", "--quick", "--params", str(REPO / "params.yaml"), *sets]
    assert main([*argv, "--json", str(out_json), "--md", str(out_md)]) == 0
    result = json.loads(out_json.read_text())
    (row,) = result["variants"]
    assert row["variant"] == "gru-concat" and row["seconds_per_epoch"] > 0
    assert 0 <= row["accuracy"] <= 1 and result["epochs"] == 1 and result["quick"]
    assert 0 <= result["baselines"]["tfidf-logreg"] <= 1 and result["skipped"] == []
    printed = capsys.readouterr().out
    assert "| gru-concat |" in printed and "tfidf-logreg (baseline)" in out_md.read_text()


def test_variants_past_the_budget_are_listed_as_skipped(tmp_path):
    overrides = parse_overrides(TINY_SETS)
    result = gpu.gpu_check(None, tmp_path, REPO / "params.yaml", True, overrides, budget=0.0)
    assert result["variants"] == [] and result["skipped"] == ["gru-concat"]
    assert np.isfinite(result["baselines"]["tfidf-logreg"])
