"""Train, evaluate and predict on a tiny real split, in process (real Keras, no mocks)."""

import json

import numpy as np
import pandas as pd
import pytest

from birnn import stages
from birnn.layout import Layout
from birnn.modeling.model_folder import ModelFolderError
from birnn.serving.predict import Predictor
from conftest import tiny_params


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("project")
    params = tiny_params(
        variants={"cells": ["gru"], "merge_modes": ["concat"], "unidirectional": ["lstm"]}
    )
    layout = Layout(root)
    for step in (stages.run_download, stages.run_clean, stages.run_tokenize, stages.run_split):
        step(params, layout)
    summary = stages.run_train(params, layout, "gru-concat")
    return params, layout, summary


def test_train_writes_model_folder_and_curves(trained):
    params, layout, summary = trained
    folder = layout.model_dir("gru-concat")
    assert {p.name for p in folder.iterdir()} == {
        "model.keras",
        "vocab.json",
        "variant.json",
        "history.json",
    }
    curves = pd.read_csv(layout.curve_path("gru-concat"))
    assert list(curves.columns[:1]) == ["epoch"] and len(curves) == summary["epochs_run"]
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(curves.columns)
    assert 1 <= summary["best_epoch"] <= summary["epochs_run"] <= params.train.epochs
    assert not list(layout.models_dir.glob(".*"))  # no temp folders left behind
    assert summary["status"] == "ok" and not (layout.checkpoints_dir / "gru-concat").exists()


def test_same_seed_same_history(trained, tmp_path):
    params, layout, _ = trained
    again = Layout(tmp_path)
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
    assert len(metrics["probes"]) == 10 and 0 <= metrics["probe_accuracy"] <= 1
    prob = np.load(layout.predictions_path("gru-concat"))
    assert prob.shape == (metrics["n_test"],)
    assert metrics["accuracy"] == pytest.approx(
        np.mean((prob >= 0.5) == np.load(layout.processed_dir / "test.npz")["y"])
    )
    # scores that see a minority class, on test and on validation (what compare.metric ranks by)
    assert 0 <= metrics["balanced_accuracy"] <= 1 and 0 <= metrics["macro_f1"] <= 1
    assert 0 <= metrics["val_balanced_accuracy"] <= 1 and 0 <= metrics["val_macro_f1"] <= 1


def test_unidirectional_reference_trains_and_evaluates(trained):
    params, layout, _ = trained
    summary = stages.run_train(params, layout, "lstm-uni")
    assert summary["status"] == "ok"
    stages.run_evaluate(params, layout, "lstm-uni")
    metrics = json.loads(layout.metrics_path("lstm-uni").read_text())
    assert metrics["direction"] == "unidirectional" and metrics["merge_mode"] is None


def test_nan_loss_marks_the_variant_failed_and_evaluate_reports_it(trained, tmp_path):
    params, layout, _ = trained
    broken = tiny_params(train={"epochs": 3})
    again = Layout(tmp_path)
    import shutil

    shutil.copytree(layout.processed_dir, again.processed_dir)
    with np.load(layout.processed_dir / "train.npz") as data:  # corrupt labels -> NaN loss
        y = data["y"].astype(np.float32)
        y[::7] = np.nan
        np.savez(again.processed_dir / "train.npz", x=data["x"], y=y, row=data["row"])
    summary = stages.run_train(broken, again, "simple_rnn-sum")
    assert summary["status"] == "failed" and "NaN" in summary["error"]
    assert not (again.model_dir("simple_rnn-sum") / "model.keras").exists()
    result = stages.run_evaluate(broken, again, "simple_rnn-sum")
    metrics = json.loads(again.metrics_path("simple_rnn-sum").read_text())
    assert (
        metrics["status"] == "failed" and "NaN" in metrics["error"] and result["status"] == "failed"
    )


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
    assert np.load(layout.predictions_path("tfidf-logreg")).shape == (metrics["n_test"],)
    n_test = len(np.load(layout.processed_dir / "test.npz")["y"])
    assert metrics["n_test"] == n_test and metrics["kind"] == "baseline"


def test_killed_training_resumes_and_ends_like_an_uninterrupted_run(trained, tmp_path):
    """SIGKILL a real `birnn train` process mid-run, re-run it, compare with a clean run."""
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import time

    import yaml

    params, layout, _ = trained
    long_run = {
        "seed": 7,
        "data": {"builtin_size": 400},
        "split": {"min_count": 1},
        "model": {"embedding_dim": 8, "units": 4},
        "train": {
            "epochs": 12,
            "batch_size": 64,
            "patience": 12,
            "lr_patience": 0,
            "plateau_margin": None,
        },
    }
    killed, clean = Layout(tmp_path / "killed"), Layout(tmp_path / "clean")
    for target in (killed, clean):
        shutil.copytree(layout.processed_dir, target.processed_dir)
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(long_run))
    cmd = [
        sys.executable,
        "-m",
        "birnn.cli",
        "--params",
        str(params_file),
        "--root",
        str(killed.root),
        "train",
        "gru-concat",
    ]
    state = killed.checkpoints_dir / "gru-concat" / "state.json"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if state.is_file() and json.loads(state.read_text())["epoch"] >= 3:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    assert proc.wait(timeout=30) == -signal.SIGKILL, "training finished before it could be killed"
    assert not (killed.model_dir("gru-concat") / "model.keras").exists()  # nothing half-written
    subprocess.run(
        cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300
    )
    resumed = json.loads((killed.model_dir("gru-concat") / "variant.json").read_text())
    assert resumed["status"] == "ok" and resumed["resumed_from_epoch"] >= 3

    from birnn.config import parse_params

    stages.run_train(parse_params(long_run), clean, "gru-concat")
    first = json.loads((killed.model_dir("gru-concat") / "history.json").read_text())
    second = json.loads((clean.model_dir("gru-concat") / "history.json").read_text())
    assert first == second


def test_several_seeds_select_on_validation_average_on_test_and_keep_finished_seeds(
    trained, tmp_path, monkeypatch
):
    import shutil

    from birnn.modeling import train

    params, layout, _ = trained
    seeded = tiny_params(
        variants={
            "cells": ["gru"],
            "merge_modes": ["concat"],
            "unidirectional": [],
            "seeds": [3, 5],
        }
    )
    again = Layout(tmp_path)
    shutil.copytree(layout.processed_dir, again.processed_dir)
    real_fit = train._fit

    def crash_in_seed_5(new_model, train_data, val, train_params, seed, *rest):
        if seed == 5:
            raise RuntimeError("simulated crash in seed 5")
        return real_fit(new_model, train_data, val, train_params, seed, *rest)

    monkeypatch.setattr(train, "_fit", crash_in_seed_5)
    summary = stages.run_train(seeded, again, "gru-concat")
    assert summary["status"] == "ok" and summary["seed"] == 3
    assert (summary["seeds_ok"], summary["seeds_failed"]) == (1, 1)
    seed_3_seconds = summary["seconds"]
    monkeypatch.setattr(train, "_fit", real_fit)

    summary = stages.run_train(seeded, again, "gru-concat")  # the re-run trains only seed 5
    folder = again.model_dir("gru-concat")
    info = json.loads((folder / "variant.json").read_text())
    seeds = {s["seed"]: s for s in info["seeds"]}
    assert (summary["seeds_ok"], summary["seeds_failed"]) == (2, 0)
    assert seeds[3]["seconds"] == seed_3_seconds  # reused from its checkpoint, not retrained
    assert info["seed"] == min(seeds.values(), key=lambda s: s["best_val_loss"])["seed"]
    assert all((folder / "seeds" / f"seed-{s}" / "model.keras").is_file() for s in (3, 5))
    assert not (again.checkpoints_dir / "gru-concat").exists()

    stages.run_evaluate(seeded, again, "gru-concat")
    metrics = json.loads(again.metrics_path("gru-concat").read_text())
    prob = np.load(again.predictions_path("gru-concat"))
    y = np.load(again.processed_dir / "test.npz")["y"]
    per_seed = [float(np.mean((row >= 0.5) == y)) for row in prob]
    assert prob.shape == (2, metrics["n_test"]) and metrics["n_seeds"] == 2
    assert metrics["accuracy"] == pytest.approx(np.mean(per_seed))
    assert metrics["accuracy_std"] == pytest.approx(np.std(per_seed, ddof=1))
    assert [s["seed"] for s in metrics["seed_scores"]] == [3, 5] and metrics[
        "selected_seed"
    ] == info["seed"]


def test_an_unusable_checkpoint_folder_fails_the_variant_not_the_stage(trained, tmp_path):
    # regression: with per-seed results the failed seed's record went to the broken folder too
    import shutil

    params, layout, _ = trained
    again = Layout(tmp_path)
    shutil.copytree(layout.processed_dir, again.processed_dir)
    again.checkpoints_dir.mkdir()
    (again.checkpoints_dir / "gru-concat").write_text("not a folder")
    summary = stages.run_train(params, again, "gru-concat")
    assert summary["status"] == "failed" and "gru-concat" in summary["error"]
    info = json.loads((again.model_dir("gru-concat") / "variant.json").read_text())
    assert (
        info["status"] == "failed" and not (again.model_dir("gru-concat") / "model.keras").exists()
    )


def test_trivial_loss_is_the_loss_of_the_class_prior():
    from birnn.modeling.train import left_plateau, trivial_loss

    assert trivial_loss(np.array([0, 1] * 50)) == pytest.approx(np.log(2))
    assert trivial_loss(np.array([0] * 80 + [1] * 20)) == pytest.approx(0.5004, abs=1e-4)
    assert trivial_loss(np.array([0] * 80 + [1] * 20), weighted=True) == pytest.approx(np.log(2))
    assert left_plateau(0.60, np.log(2), 0.02) and not left_plateau(0.685, np.log(2), 0.02)


def test_no_early_stop_on_the_initial_plateau_and_a_variant_that_never_leaves_it_did_not_learn(
    tmp_path,
):
    """Labels that are noise: validation loss never leaves log 2. Patience 1 would have stopped
    after two epochs; on the plateau it does not count, so every epoch runs, and the variant is
    reported as not learned instead of being ranked."""
    from birnn.config import ModelParams, TrainParams
    from birnn.modeling import evaluate, train

    rng = np.random.default_rng(0)
    processed = tmp_path / "processed"
    processed.mkdir()
    for name, n in (("train", 256), ("val", 128), ("test", 128)):
        x = rng.integers(2, 30, size=(n, 6)).astype(np.int32)
        np.savez(
            processed / f"{name}.npz",
            x=x,
            y=rng.integers(0, 2, n).astype(np.int8),
            row=np.arange(n),
        )
    words = [f"w{i}" for i in range(28)]
    (processed / "vocab.json").write_text(json.dumps({"words": words, "max_len": 6}))
    summary = train.train_variant(
        processed,
        "gru-concat",
        ModelParams(embedding_dim=4, units=2, pretrained="none"),
        TrainParams(epochs=4, batch_size=64, patience=1, learning_rate=1e-4),
        tiny_params().clean,
        3,
        tmp_path / "model",
        tmp_path / "curve.csv",
        tmp_path / "checkpoints",
    )
    assert summary.epochs_run == 4 and summary.learned is False
    assert summary.trivial_val_loss == pytest.approx(
        train.trivial_loss(np.load(processed / "val.npz")["y"]), abs=1e-6
    )
    result = evaluate.evaluate_variant(
        tmp_path / "model", processed, tmp_path / "m.json", tmp_path / "p.npy"
    )
    assert result["status"] == "did_not_learn" and "never fell clearly below" in result["reason"]
    assert result["val_accuracy"] is not None and (tmp_path / "p.npy").is_file()


def test_class_weights_balance_a_skewed_split_and_leave_a_balanced_one_alone():
    from birnn.modeling.train import class_weights

    skewed = np.array([0] * 80 + [1] * 20)
    # n / (2 * count): each class then weighs as much as the other in the loss
    assert class_weights(skewed, "auto") == {0: 100 / 160, 1: 100 / 40}
    assert class_weights(skewed, "balanced") == class_weights(skewed, "auto")
    assert class_weights(skewed, "none") is None
    assert class_weights(np.array([0, 1] * 50), "auto") is None
    assert class_weights(np.array([0, 1] * 50), "balanced") == {0: 1.0, 1: 1.0}
    assert class_weights(np.zeros(10), "balanced") is None  # one class only: nothing to balance
    assert class_weights(np.zeros((4, 3)), "balanced") is None  # per-timestep targets
