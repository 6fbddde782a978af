"""Train, evaluate and predict on a tiny real split, in process (real Keras, no mocks)."""

import json

import numpy as np
import pandas as pd
import pytest

from birnn import stages
from birnn.predict import ModelFolderError, Predictor
from conftest import tiny_params


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    params = tiny_params(variants={"cells": ["gru"], "merge_modes": ["concat"]})
    layout = stages.Layout(root)
    for step in (stages.run_download, stages.run_clean, stages.run_tokenize, stages.run_split):
        step(params, layout)
    summary = stages.run_train(params, layout, "gru-concat")
    return params, layout, summary


def test_train_writes_model_folder_and_curves(trained):
    params, layout, summary = trained
    folder = layout.model_dir("gru-concat")
    assert {p.name for p in folder.iterdir()} == {"model.keras", "vocab.json", "variant.json", "history.json"}
    curves = pd.read_csv(layout.curve_path("gru-concat"))
    assert list(curves.columns[:1]) == ["epoch"] and len(curves) == summary["epochs_run"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(curves.columns)
    assert 1 <= summary["best_epoch"] <= summary["epochs_run"] <= params.train.epochs
    assert not list(layout.models_dir.glob(".*"))  # no temp folders left behind


def test_same_seed_same_history(trained, tmp_path):
    params, layout, _ = trained
    again = stages.Layout(tmp_path)
    import shutil

    shutil.copytree(layout.processed_dir, again.processed_dir)
    stages.run_train(params, again, "gru-concat")
    first = json.loads((layout.model_dir("gru-concat") / "history.json").read_text())
    second = json.loads((again.model_dir("gru-concat") / "history.json").read_text())
    assert first == second


def test_evaluate_writes_metrics_that_match_the_predictions(trained):
    params, layout, _ = trained
    stages.run_evaluate(params, layout, "gru-concat")
    metrics = json.loads(layout.metrics_path("gru-concat").read_text())
    cm = np.array(metrics["confusion_matrix"])
    assert cm.sum() == metrics["n_test"]
    assert metrics["accuracy"] == pytest.approx(np.trace(cm) / cm.sum())
    assert metrics["cell"] == "gru" and metrics["merge_mode"] == "concat"
    assert len(metrics["probes"]) == 8 and 0 <= metrics["probe_accuracy"] <= 1


def test_predictor_reads_raw_text_including_odd_input(trained):
    _, layout, _ = trained
    predictor = Predictor.from_dir(layout.model_dir("gru-concat"))
    odd = ["The plot was NOT good<br />", "", "😀😀", "שלום עולם", "word " * 5000, None]
    results = predictor.predict(odd)
    assert [r.label for r in results] == [int(r.probability >= 0.5) for r in results]
    assert all(0.0 <= r.probability <= 1.0 for r in results)


def test_predictor_rejects_a_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(ModelFolderError, match="missing model.keras"):
        Predictor.from_dir(tmp_path)


def test_baseline_uses_the_same_test_rows(trained):
    params, layout, _ = trained
    stages.run_baseline(params, layout)
    metrics = json.loads(layout.metrics_path("tfidf-logreg").read_text())
    n_test = len(np.load(layout.processed_dir / "test.npz")["y"])
    assert metrics["n_test"] == n_test and metrics["kind"] == "baseline"
