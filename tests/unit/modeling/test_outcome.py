"""A variant that fails is a record (status, reason), not a failed stage (real Keras)."""

import json

import numpy as np

from birnn import stages
from birnn.layout import Layout
from conftest import tiny_params


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
