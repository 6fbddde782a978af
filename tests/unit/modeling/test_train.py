"""The train stage on a tiny real split, in process (real Keras, no mocks)."""

import json

import pandas as pd

from birnn import stages
from birnn.layout import Layout


def test_train_writes_model_folder_and_curves(trained):
    params, layout, summary = trained
    folder = layout.model_dir("gru-concat")
    trained_files = {"model.keras", "vocab.json", "variant.json", "history.json"}
    # evaluate (run on the same shared folder by other tests) adds the validation probabilities
    assert (
        trained_files
        <= {p.name for p in folder.iterdir()}
        <= {
            *trained_files,
            "val_predictions.npy",
        }
    )
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


def test_unidirectional_reference_trains_and_evaluates(trained):
    params, layout, _ = trained
    summary = stages.run_train(params, layout, "lstm-uni")
    assert summary["status"] == "ok"
    stages.run_evaluate(params, layout, "lstm-uni")
    metrics = json.loads(layout.metrics_path("lstm-uni").read_text())
    assert metrics["direction"] == "unidirectional" and metrics["merge_mode"] is None
