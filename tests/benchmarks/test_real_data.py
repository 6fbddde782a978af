"""The real-data benchmark's code path on tiny stand-ins of the development files."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks import real_data
from birnn.data.corpus import generate_corpus
from conftest import REPO

TINY = {
    "split.min_count": 1,
    "model.embedding_dim": 8,
    "model.units": 4,
    "train.epochs": 1,
    "train.plateau_margin": None,  # a tiny model: ranked whether it learned or not
    "train.batch_size": 64,
    "variants.cells": ["gru"],
    "variants.merge_modes": ["concat"],
    "variants.unidirectional": [],
    "pretrain.epochs": 1,
}


def _stand_ins(folder):
    corpus = generate_corpus(600, seed=1)
    sst = corpus[["text", "label"]].assign(split=np.where(np.arange(600) < 480, "train", "test"))
    sst.to_csv(folder / "sst2.csv", index=False)
    names = np.array(["negative", "positive"])[corpus["label"].to_numpy()]
    names[::7] = "neutral"
    pd.DataFrame({"text": corpus["text"], "airline_sentiment": names}).to_csv(
        folder / "airline-tweets.csv", index=False
    )


def test_both_datasets_run_beside_the_baseline_and_report(tmp_path):
    _stand_ins(tmp_path)
    result = real_data.real_data(
        tmp_path, tmp_path / "work", ["sst2", "airline"], REPO / "params.yaml", TINY
    )
    sst, airline = result["datasets"]
    assert sst["split"]["test"] == 120  # the file's own split was kept
    assert airline["rows"] < 600  # neutral rows were dropped
    for d in (sst, airline):
        assert 0 <= d["baseline_accuracy"] <= 1 and d["variants"] == 1
        assert d["best_variant"] in (None, "gru-concat")
    text = real_data.write(result, tmp_path / "r.json", tmp_path / "r.md")
    assert "| sst2 |" in text and "| airline |" in text and "TF-IDF, same run" in text
