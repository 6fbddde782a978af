"""The real-data benchmark's code path on tiny stand-ins of the development files."""

from __future__ import annotations

import json

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
    "pretrain.workers": 1,
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


def test_imdb_learns_word_vectors_from_its_unlabeled_reviews(tmp_path):
    corpus = generate_corpus(500, seed=2)
    pd.DataFrame(
        {
            "review": corpus["text"][:400],
            "sentiment": np.array(["negative", "positive"])[corpus["label"][:400]],
            "split": np.where(np.arange(400) < 320, "train", "test"),
        }
    ).to_csv(tmp_path / "imdb-train.csv.gz", index=False)
    unlabeled = [*corpus["text"][400:], *corpus["text"][390:400]]  # the last 10: test copies
    pd.DataFrame({"review": unlabeled}).to_csv(tmp_path / "imdb-unsup.csv.gz", index=False)
    result = real_data.real_data(tmp_path, tmp_path / "work", ["imdb"], REPO / "params.yaml", TINY)
    (imdb,) = result["datasets"]
    assert imdb["split"]["test"] == 80 and 0 <= imdb["baseline_accuracy"] <= 1
    info = json.loads((tmp_path / "work" / "imdb" / "models/pretrained/pretrain.json").read_text())
    assert info["method"] == "word2vec" and info["heldout_copies_dropped"] == 10
    assert info["unlabeled_texts"] == 100 and imdb["pretrain_seconds"] > 0
