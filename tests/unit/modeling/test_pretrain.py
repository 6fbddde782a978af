"""The pretrain stage: word vectors from the training split only, deterministic, cached by
DVC/Prefect on exactly its inputs, and used by every variant."""

from __future__ import annotations

import json

import numpy as np
import pytest

from birnn import stages
from birnn.config import ModelParams, PretrainParams
from birnn.layout import Layout
from birnn.modeling.pretrain import EMBEDDINGS_FILE, INFO_FILE, load_pretrained, pretrain
from conftest import tiny_params


@pytest.fixture(scope="module")
def split_project(tmp_path_factory):
    layout = Layout(tmp_path_factory.mktemp("pretrain"))
    params = tiny_params(model={"pretrained": "word2vec"})
    for stage in (stages.run_download, stages.run_clean, stages.run_tokenize, stages.run_split):
        stage(params, layout)
    return params, layout


def _run(layout, out, model=None, **pretrain_params):
    model = model or ModelParams(embedding_dim=8, pretrained="word2vec")
    return pretrain(layout.processed_dir, model, PretrainParams(**pretrain_params), 3, out)


def test_writes_vectors_for_the_vocabulary_and_a_record(split_project, tmp_path):
    _, layout = split_project
    summary = _run(layout, tmp_path / "pre", epochs=2)
    vocab = json.loads((layout.processed_dir / "vocab.json").read_text())
    matrix = np.load(tmp_path / "pre" / EMBEDDINGS_FILE)
    assert matrix.shape == (len(vocab["words"]) + 2, 8) and matrix.dtype == np.float32
    assert not matrix[0].any()  # padding stays zero
    assert summary.method == "word2vec" and summary.coverage > 0.9 and summary.texts > 0
    assert json.loads((tmp_path / "pre" / INFO_FILE).read_text())["tokens"] == summary.tokens
    assert np.array_equal(load_pretrained(tmp_path / "pre", *matrix.shape), matrix)
    with pytest.raises(ValueError, match="run the pretrain stage again"):
        load_pretrained(tmp_path / "pre", matrix.shape[0], 16)


def test_same_inputs_give_the_same_vectors(split_project, tmp_path):
    _, layout = split_project
    _run(layout, tmp_path / "a", epochs=2)
    _run(layout, tmp_path / "b", epochs=2)
    assert (tmp_path / "a" / EMBEDDINGS_FILE).read_bytes() == (
        tmp_path / "b" / EMBEDDINGS_FILE
    ).read_bytes()


def test_never_reads_validation_or_test_rows(split_project, tmp_path):
    _, layout = split_project
    _run(layout, tmp_path / "with", epochs=2)
    only_train = tmp_path / "only-train"
    only_train.mkdir()
    for name in ("train.npz", "vocab.json"):
        (only_train / name).write_bytes((layout.processed_dir / name).read_bytes())
    pretrain(
        only_train,
        ModelParams(embedding_dim=8, pretrained="word2vec"),
        PretrainParams(epochs=2),
        3,
        tmp_path / "w",
    )
    assert (tmp_path / "w" / EMBEDDINGS_FILE).read_bytes() == (
        tmp_path / "with" / EMBEDDINGS_FILE
    ).read_bytes()


def test_unlabeled_texts_add_to_what_it_learns_from(split_project, tmp_path):
    _, layout = split_project
    base = _run(layout, tmp_path / "base", epochs=1)
    more = pretrain(
        layout.processed_dir,
        ModelParams(embedding_dim=8, pretrained="word2vec"),
        PretrainParams(epochs=1),
        3,
        tmp_path / "more",
        unlabeled=[["the", "movie", "was", "great"], ["zzz", "unseen"], []],
    )
    assert more.unlabeled_texts == 2 and more.tokens == base.tokens + 6


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
