"""The comparison of a three-class run: per-row correctness for K classes behind the paired
tests, ranking by macro-F1 when the classes are imbalanced, per-class scores, the K x K
confusion matrix for DVC and MLflow, and probes skipped with the reason."""

import json

import numpy as np
import pandas as pd
import pytest

from birnn.reporting.ranking import ClassBalance, ranking_metric
from birnn.reporting.stats import unit_scores
from birnn.tasks.classes import correct, imbalanced, predicted_labels


def test_per_row_correctness_is_one_function_for_two_and_for_k_classes():
    y = np.array([0, 1, 2, 1])
    prob = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]])
    assert predicted_labels(prob, multiclass=True).tolist() == [0, 2, 2, 1]
    assert correct(prob, y, multiclass=True).tolist() == [True, False, True, True]
    assert unit_scores(prob, y, multiclass=True).tolist() == [[1, 0, 1, 1]]  # one seed
    seeds = np.stack([prob, prob[:, ::-1]])
    assert unit_scores(seeds, y, multiclass=True).tolist() == [[1, 0, 1, 1], [0, 0, 0, 1]]
    binary = np.array([0.9, 0.2, 0.5])
    assert correct(binary, np.array([1, 0, 0]), multiclass=False).tolist() == [True, True, False]
    assert unit_scores(binary, np.array([1, 0, 0])).tolist() == [[1, 1, 0]]


def test_auto_ranks_imbalanced_k_classes_by_macro_f1_and_balanced_ones_by_accuracy():
    metrics = pd.DataFrame({"val_macro_f1": [0.5], "val_balanced_accuracy": [0.6]})
    three = ClassBalance(np.array([60, 30, 10]), ["negative", "neutral", "positive"])
    assert three.imbalanced and ranking_metric("auto", three, metrics) == "macro_f1"
    even = ClassBalance(np.array([30, 30, 25]), ["a", "b", "c"])
    assert ranking_metric("auto", even, metrics) == "accuracy"
    binary = ClassBalance(np.array([70, 30]))  # binary: as before
    assert ranking_metric("auto", binary, metrics) == "balanced_accuracy"
    assert ranking_metric("accuracy", three, metrics) == "accuracy"  # asked for: kept
    assert not imbalanced([60, 40]) and imbalanced([61, 39])  # the old 40% rule, two classes


def test_the_comparison_of_three_classes(trained_three):
    params, layout = trained_three
    summary = json.loads(layout.comparison_path.read_text())
    assert summary["classes"] == ["negative", "neutral", "positive"]
    assert summary["ranked_by"] == "macro_f1"  # 180 / 60: imbalanced
    # ranked by macro-F1, so the test against the chosen variant is on macro-F1 too
    assert summary["significance_test"] == "paired bootstrap of macro f1 over test rows"
    assert summary["effects"] is not None
    [baseline] = [v for v in summary["variants"] if v["kind"] == "baseline"]
    assert baseline["p_vs_best"] is not None and 0 <= baseline["macro_f1"] <= 1
    assert set(summary["per_class"]) == {"gru-concat", "tfidf-logreg"}
    assert set(summary["per_class"]["gru-concat"]) == set(summary["classes"])
    assert "probes are negative/positive sentences" in summary["probes_skipped"]
    assert any(
        "imbalanced classes: the largest class, 'negative'" in w for w in summary["warnings"]
    )
    markdown = (layout.reports_dir / "comparison.md").read_text()
    assert "## Per class (test split)" in markdown and "Skipped: the probes" in markdown
    assert "`val_macro_f1`" in markdown
    confusion = pd.read_csv(layout.reports_dir / "plots" / "confusion.csv")
    assert set(confusion["actual"]) == set(summary["classes"])
    metrics = json.loads(layout.metrics_path("gru-concat").read_text())
    assert np.array(metrics["confusion_matrix"]).shape == (3, 3)
    assert len(confusion) == metrics["n_test"] == np.array(metrics["confusion_matrix"]).sum()
    assert "probe_accuracy" not in metrics and metrics["probes_skipped"]
    prob = np.load(layout.predictions_path("gru-concat"))
    assert prob.shape == (metrics["n_test"], 3)


def test_each_variant_gets_a_k_by_k_confusion_figure_for_mlflow(trained_three, tmp_path):
    from birnn.reporting.plots import variant_figures

    _, layout = trained_three
    metrics = json.loads(layout.metrics_path("tfidf-logreg").read_text())
    [png] = variant_figures("tfidf-logreg", {}, metrics, tmp_path)
    assert png.name == "confusion_matrix.png" and png.stat().st_size > 5_000


@pytest.mark.parametrize("name", ["gru-concat", "tfidf-logreg"])
def test_every_model_is_scored_on_the_same_classes(trained_three, name):
    _, layout = trained_three
    metrics = json.loads(layout.metrics_path(name).read_text())
    assert metrics["classes"] == ["negative", "neutral", "positive"]
    assert {"val_macro_f1", "log_loss", "roc_auc", "per_class"} <= set(metrics)
