"""The evaluate stage on a tiny trained variant (real Keras, no mocks)."""

import json

import numpy as np
import pytest

from birnn import stages


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
    # the validation probabilities the champion rule pairs a new model with
    y_val = np.load(layout.processed_dir / "val.npz")["y"]
    val_prob = np.load(layout.model_dir("gru-concat") / "val_predictions.npy")
    assert val_prob.shape == y_val.shape
    assert metrics["val_balanced_accuracy"] == pytest.approx(
        __import__("sklearn.metrics").metrics.balanced_accuracy_score(y_val, val_prob >= 0.5)
    )
