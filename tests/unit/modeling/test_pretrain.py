"""The pretrain stage: word vectors from the training split only, deterministic, cached by
DVC/Prefect on exactly its inputs, and used by every variant."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os

import numpy as np
import pandas as pd
import pytest

from birnn import stages
from birnn.config import ModelParams, PretrainParams
from birnn.layout import Layout
from birnn.modeling.pretrain import (
    EMBEDDINGS_FILE,
    INFO_FILE,
    LEARNED_SCALE,
    chosen_method,
    load_pretrained,
    pretrain,
    worker_count,
)
from birnn.tasks.processed import load_rows
from birnn.tasks.text.overlap import HELDOUT_FILE
from conftest import tiny_params
from localserver import FileServer, imdb_tar_gz


@pytest.fixture(scope="module")
def split_project(tmp_path_factory):
    layout = Layout(tmp_path_factory.mktemp("pretrain"))
    params = tiny_params(model={"pretrained": "word2vec"})
    for stage in (stages.run_download, stages.run_clean, stages.run_tokenize, stages.run_split):
        stage(params, layout)
    return params, layout


def _run(layout, out, model=None, unlabeled=None, **pretrain_params):
    model = model or ModelParams(embedding_dim=8, pretrained="word2vec")
    pretrain_params.setdefault("workers", 1)
    return pretrain(
        layout.processed_dir, model, PretrainParams(**pretrain_params), 3, out, unlabeled
    )


def test_writes_vectors_for_the_vocabulary_and_a_record(split_project, tmp_path):
    _, layout = split_project
    summary = _run(layout, tmp_path / "pre", epochs=2)
    vocab = json.loads((layout.processed_dir / "vocab.json").read_text())
    matrix = np.load(tmp_path / "pre" / EMBEDDINGS_FILE)
    assert matrix.shape == (len(vocab["words"]) + 2, 8) and matrix.dtype == np.float32
    assert not matrix[0].any()  # padding stays zero
    # learned vectors spread wider than Keras' random start, or training wipes them out
    assert abs(float(matrix[2:].std()) - LEARNED_SCALE) < 0.03
    assert summary.method == "word2vec" and summary.coverage > 0.9 and summary.texts > 0
    assert json.loads((tmp_path / "pre" / INFO_FILE).read_text())["tokens"] == summary.tokens
    assert np.array_equal(load_pretrained(tmp_path / "pre", *matrix.shape), matrix)
    with pytest.raises(ValueError, match="run the pretrain stage again"):
        load_pretrained(tmp_path / "pre", matrix.shape[0], 16)


def test_one_worker_gives_bit_identical_vectors(split_project, tmp_path):
    _, layout = split_project
    _run(layout, tmp_path / "a", epochs=2)
    _run(layout, tmp_path / "b", epochs=2)
    assert (tmp_path / "a" / EMBEDDINGS_FILE).read_bytes() == (
        tmp_path / "b" / EMBEDDINGS_FILE
    ).read_bytes()


def _heldout_tokens(layout) -> list[list[str]]:
    tokens = pd.read_parquet(layout.tokens_path)["tokens"]
    rows = np.concatenate([load_rows(layout.processed_dir, n) for n in ("val", "test")])
    return [list(tokens[r]) for r in rows]


def test_never_reads_validation_or_test_rows(split_project, tmp_path):
    _, layout = split_project
    unlabeled = [["the", "movie", "was", "great"], *_heldout_tokens(layout)[:3]]
    with_all = _run(layout, tmp_path / "with", epochs=2, unlabeled=unlabeled)
    only_train = tmp_path / "only-train"
    only_train.mkdir()
    for name in ("train.npz", "vocab.json", HELDOUT_FILE):
        (only_train / name).write_bytes((layout.processed_dir / name).read_bytes())
    alone = pretrain(
        only_train,
        ModelParams(embedding_dim=8, pretrained="word2vec"),
        PretrainParams(epochs=2, workers=1),
        3,
        tmp_path / "w",
        unlabeled,
    )
    assert not (only_train / "val.npz").exists() and not (only_train / "test.npz").exists()
    assert alone == dataclasses.replace(with_all, seconds=alone.seconds)
    assert (tmp_path / "w" / EMBEDDINGS_FILE).read_bytes() == (
        tmp_path / "with" / EMBEDDINGS_FILE
    ).read_bytes()


def test_unlabeled_copies_of_validation_or_test_texts_are_dropped(split_project, tmp_path):
    _, layout = split_project
    heldout = _heldout_tokens(layout)
    fresh = [["an", "unlabeled", "review", "of", "its", "own"]]
    summary = _run(layout, tmp_path / "p", epochs=1, unlabeled=fresh + heldout[:5])
    assert summary.unlabeled_texts == 1 and summary.heldout_copies_dropped == 5
    assert summary.tokens == _run(layout, tmp_path / "q", epochs=1, unlabeled=fresh).tokens


def test_auto_learns_vectors_only_when_there_is_unlabeled_text(split_project, tmp_path):
    _, layout = split_project
    auto = ModelParams(embedding_dim=8, pretrained="auto")
    assert _run(layout, tmp_path / "a", model=auto).method == "none"
    assert _run(layout, tmp_path / "b", model=auto, unlabeled=[]).method == "word2vec"
    assert chosen_method("auto", True) == "word2vec" and chosen_method("word2vec", False) == (
        "word2vec"
    )


def test_unlabeled_texts_add_to_what_it_learns_from(split_project, tmp_path):
    _, layout = split_project
    base = _run(layout, tmp_path / "base", epochs=1)
    unlabeled = [["the", "movie", "was", "great"], ["zzz", "unseen"], []]
    more = _run(layout, tmp_path / "more", epochs=1, unlabeled=unlabeled)
    assert more.unlabeled_texts == 2 and more.tokens == base.tokens + 6


def test_auto_workers_are_every_core_and_threads_still_learn(split_project, tmp_path):
    _, layout = split_project
    assert worker_count("auto") == len(os.sched_getaffinity(0)) and worker_count(3) == 3
    one = _run(layout, tmp_path / "one", epochs=1, workers=1)
    two = _run(layout, tmp_path / "two", epochs=1, workers=2)
    assert (one.workers, two.workers) == (1, 2) and two.coverage == one.coverage > 0.9


def test_none_records_that_nothing_was_learned(split_project, tmp_path):
    _, layout = split_project
    summary = _run(layout, tmp_path / "none", model=ModelParams(embedding_dim=8, pretrained="none"))
    assert summary.method == "none" and not (tmp_path / "none" / EMBEDDINGS_FILE).exists()
    assert load_pretrained(tmp_path / "none", 10, 8) is None
    with pytest.raises(FileNotFoundError, match="run the pretrain stage first"):
        load_pretrained(tmp_path / "missing", 10, 8)


def test_every_variant_starts_from_the_pretrained_vectors(split_project):
    params, layout = split_project
    stages.run_pretrain(params, layout)
    stages.run_train(params, layout, "gru-concat")
    info = json.loads((layout.model_dir("gru-concat") / "variant.json").read_text())
    coverage = json.loads((layout.pretrained_dir / INFO_FILE).read_text())["coverage"]
    assert info["embedding_coverage"] == coverage > 0.9


def _data_stages(params, layout):
    for stage in (stages.run_download, stages.run_clean, stages.run_tokenize, stages.run_split):
        stage(params, layout)


def test_imdb_sources_unlabeled_reviews_reach_pretrain(tmp_path):
    archive = imdb_tar_gz(12)
    with FileServer({"aclImdb_v1.tar.gz": archive}) as server:
        remote = {"url": server.url("aclImdb_v1.tar.gz"), "sha256": None}
        params = tiny_params(
            data={"source": "imdb", "remotes": {"imdb": remote}},
            split={"min_count": 1, "strategy": "given"},
            model={"embedding_dim": 8, "units": 4, "pretrained": "auto"},
            pretrain={"epochs": 1, "workers": 1},
        )
        layout = Layout(tmp_path)
        _data_stages(params, layout)
    summary = stages.run_pretrain(params, layout)
    # 5 unlabeled reviews, the last a copy of a test review
    assert summary["method"] == "word2vec" and summary["unlabeled_texts"] == 4
    assert summary["heldout_copies_dropped"] == 1 and summary["workers"] == 1


def test_a_gzipped_csv_of_unlabeled_texts_reaches_pretrain(split_project, tmp_path):
    params, layout = split_project
    path = tmp_path / "more.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write('text\n"An <b>unlabeled</b> review, of its own"\nanother one\n\n')
    with_file = params.model_copy(
        update={
            "data": params.data.model_copy(update={"unlabeled_path": str(path)}),
            "model": params.model.model_copy(update={"pretrained": "auto"}),
        }
    )
    summary = stages.run_pretrain(with_file, layout)
    assert summary["method"] == "word2vec" and summary["unlabeled_texts"] == 2
    # cleaned like the labelled texts: the tag is gone, the words are lowercased
    assert summary["tokens"] == _train_tokens(layout) + 7 + 2


def _train_tokens(layout) -> int:
    return sum(int((row > 0).sum()) for row in np.load(layout.processed_dir / "train.npz")["x"])
