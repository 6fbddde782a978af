"""The cumsum task (cumsum.py): generator, clean, split, metrics, and a tiny model trained,
evaluated and refused by `birnn predict`, through the real stage wiring (real Keras)."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from birnn import stages
from birnn.config import SplitParams
from birnn.data import sequences
from birnn.layout import Layout
from birnn.modeling.model_folder import ModelFolderError
from birnn.serving.predict import Predictor
from birnn.tasks import cumsum
from conftest import tiny_params


def cumsum_params(**sections):
    return tiny_params(
        data={"source": "cumsum", "cumsum_rows": 240, "cumsum_length": 8},
        variants={
            "cells": ["gru"],
            "merge_modes": ["concat"],
            "unidirectional": ["lstm"],
            "baselines": ["position-logreg"],
        },
        **sections,
    )


def test_generator_is_deterministic_and_follows_the_running_sum_rule():
    x, y = sequences.generate_sequences(50, 12, seed=3)
    again_x, again_y = sequences.generate_sequences(50, 12, seed=3)
    assert x.shape == y.shape == (50, 12) and x.dtype == np.float32 and y.dtype == np.int8
    assert np.array_equal(x, again_x) and np.array_equal(y, again_y)
    assert not np.array_equal(x, sequences.generate_sequences(50, 12, seed=4)[0])
    assert ((x >= 0) & (x < 1)).all()
    # label 1 exactly where the running sum is above length / 4
    assert np.array_equal(y, (np.cumsum(x.astype(np.float64), axis=1) > 12 / 4).astype(np.int8))
    assert (np.diff(y, axis=1) >= 0).all()  # once over the threshold, it stays over


def _raw_table(path, values, labels):
    pq.write_table(
        pa.table(
            {
                "values": pa.array(values, pa.list_(pa.float32())),
                "labels": pa.array(labels, pa.list_(pa.int8())),
            }
        ),
        path,
    )


def test_clean_drops_and_counts_sequences_it_cannot_train_on(tmp_path):
    good = ([0.9, 0.9, 0.9, 0.1], [0, 1, 1, 1])
    _raw_table(
        tmp_path / "raw.parquet",
        [
            good[0],
            good[0],
            [0.1, 0.2, 0.3],
            [0.5, 0.5, 0.5, 0.5],
            [0.5, np.nan, 0.5, 0.5],
            None,
            [0.5, 0.5, 0.5, 0.5],
        ],
        [good[1], good[1], [0, 0, 0], [0, 0, 1], [0, 0, 1, 1], [0, 0, 0, 0], [0, 0, 2, 1]],
    )
    report = cumsum.clean(
        tmp_path / "raw.parquet", tmp_path / "clean.parquet", tmp_path / "report.json"
    )
    assert report.dropped == {"missing": 1, "length_mismatch": 2, "non_finite": 1, "bad_label": 1}
    assert report.rows_in == 7 and report.rows_out == 2 and report.timesteps == 4
    x, y = cumsum._arrays(tmp_path / "clean.parquet")
    assert x.shape == y.shape == (2, 4) and y.tolist() == [good[1]] * 2
    assert json.loads((tmp_path / "report.json").read_text())["label_counts"] == {"0": 2, "1": 6}


def test_stage_chain_writes_sequence_arrays_and_records_the_task(tmp_path):
    params, layout = cumsum_params(), Layout(tmp_path)
    stages.run_download(params, layout)
    stages.run_clean(params, layout)
    assert stages.run_tokenize(params, layout)["tokens"] == 240 * 8
    summary = stages.run_split(params, layout)
    assert "vocab_size" in summary["ignored"] and summary["timesteps"] == 8
    parts = {
        name: np.load(layout.processed_dir / f"{name}.npz") for name in ("train", "val", "test")
    }
    rows = [set(p["row"]) for p in parts.values()]
    assert sum(map(len, rows)) == 240 and not (rows[0] & rows[2]) and not (rows[1] & rows[2])
    test = parts["test"]
    assert test["x"].dtype == np.float32 and test["x"].shape == (len(test["row"]), 8, 1)
    assert test["y"].shape == (len(test["row"]), 8)
    assert np.array_equal(
        test["y"], sequences.labels_for(test["x"][..., 0])
    )  # labels survived the stages
    vocab = json.loads((layout.processed_dir / "vocab.json").read_text())
    assert vocab == {"task": "cumsum", "words": [], "max_len": 8}
    # same seed -> same split, whatever else changes in params (max_len/vocab are ignored)
    again = Layout(tmp_path / "again")
    for step in (stages.run_download, stages.run_clean, stages.run_tokenize):
        step(params, again)
    stages.run_split(cumsum_params(split={"max_len": 3, "vocab_size": 5}), again)
    assert (again.processed_dir / "test.npz").read_bytes() == (
        layout.processed_dir / "test.npz"
    ).read_bytes()


def test_too_few_sequences_to_split_is_a_clear_error(tmp_path):
    x, y = sequences.generate_sequences(5, 4, seed=0)
    pq.write_table(sequences.sequence_table(x, y), tmp_path / "tokens.parquet")
    with pytest.raises(ValueError, match="cumsum_rows"):
        cumsum.split(tmp_path / "tokens.parquet", SplitParams(), 0, tmp_path / "out")


def test_sequence_metrics_count_timesteps_and_whole_sequences():
    y = np.array([[0, 1, 1], [0, 0, 1]])
    prob = np.array([[0.1, 0.8, 0.9], [0.2, 0.7, 0.9]])  # one timestep wrong in the second row
    metrics = cumsum.sequence_metrics(y, prob)
    assert metrics["accuracy"] == pytest.approx(5 / 6) and metrics["sequence_accuracy"] == 0.5
    assert metrics["n_test"] == 2 and metrics["n_timesteps"] == 3
    assert metrics["accuracy_by_step"] == [1.0, 0.5, 1.0]
    assert np.array(metrics["confusion_matrix"]).sum() == 6


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    params = cumsum_params()
    layout = Layout(tmp_path_factory.mktemp("cumsum"))
    for step in (stages.run_download, stages.run_clean, stages.run_tokenize, stages.run_split):
        step(params, layout)
    return params, layout, stages.run_train(params, layout, "gru-concat")


def test_a_sequence_model_trains_evaluates_and_saves_predictions_shaped_like_y(trained):
    params, layout, summary = trained
    assert summary["status"] == "ok" and summary["epochs_run"] >= 1
    stages.run_evaluate(params, layout, "gru-concat")
    metrics = json.loads(layout.metrics_path("gru-concat").read_text())
    y_test = np.load(layout.processed_dir / "test.npz")["y"]
    prob = np.load(layout.predictions_path("gru-concat"))
    assert (
        prob.shape == y_test.shape
        and metrics["n_test"] == len(y_test)
        and metrics["n_timesteps"] == 8
    )
    assert metrics["accuracy"] == pytest.approx(np.mean((prob >= 0.5) == y_test))
    assert metrics["sequence_accuracy"] == pytest.approx(
        np.mean(((prob >= 0.5) == y_test).all(axis=1))
    )
    assert "probes" not in metrics and metrics["kind"] == "rnn" and metrics["status"] == "ok"


def test_the_baseline_is_memoryless_and_scored_on_the_same_sequences(trained):
    params, layout, _ = trained
    stages.run_baseline(params, layout)
    metrics = json.loads(layout.metrics_path("position-logreg").read_text())
    y_test = np.load(layout.processed_dir / "test.npz")["y"]
    assert np.load(layout.predictions_path("position-logreg")).shape == y_test.shape
    assert metrics["kind"] == "baseline" and metrics["cell"] == "position-logreg"
    assert "no memory" in metrics["description"] and metrics["n_test"] == len(y_test)
    assert metrics["variant"] == "position-logreg" and "memoryless" in metrics["name"]


def test_birnn_baseline_names_one_baseline_and_files_it_under_that_name(trained, capsys):
    from birnn.cli import main

    params, layout, _ = trained
    layout.metrics_path("position-logreg").unlink(missing_ok=True)
    params_file = layout.root / "params.yaml"
    params_file.write_text("data: {source: cumsum}\nvariants: {baselines: [position-logreg]}\n")
    command = ["--params", str(params_file), "--root", str(layout.root), "baseline"]
    assert main([*command, "position-logreg"]) == 0
    assert json.loads(layout.metrics_path("position-logreg").read_text())["kind"] == "baseline"
    assert not layout.metrics_path("tfidf-logreg").exists()
    # TF-IDF on number sequences: stopped before it fits, naming the value to use
    assert main([*command, "tfidf-logreg"]) == 2
    err = capsys.readouterr().err
    assert "tfidf-logreg is a baseline of the text task" in err
    assert "use variants.baselines=[position-logreg]" in err


def test_predict_refuses_a_sequence_model_with_a_clear_error(trained, tmp_path, capsys):
    from birnn.cli import main

    _, layout, _ = trained
    with pytest.raises(ModelFolderError, match="cumsum model"):
        Predictor.from_dir(layout.model_dir("gru-concat"))
    (tmp_path / "params.yaml").write_text("tracking: {enabled: false}\n")
    code = main(
        [
            "--params",
            str(tmp_path / "params.yaml"),
            "predict",
            "--model",
            str(layout.model_dir("gru-concat")),
            "some text",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and "not a text classifier" in err and "Traceback" not in err
