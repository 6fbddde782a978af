"""Ranking: chosen on validation, by a balanced score when the classes are imbalanced."""

import json

import numpy as np
import pytest

from birnn.files import write_json
from birnn.reporting.compare import compare
from comparison_files import imbalanced_metrics, write_metrics, write_predictions


def test_the_best_is_chosen_on_validation_and_the_baseline_gap_has_the_right_sign(tmp_path):
    # gru-sum scores higher on test but lower on validation: validation chooses lstm-sum. The
    # baseline is ahead of lstm-sum on test, and the verdict must say so (it once printed a
    # negative gain as if the recurrent variant were ahead)
    m, p = tmp_path / "metrics", tmp_path / "predictions"
    y = (np.arange(400) % 2).astype(np.int8)
    np.savez(tmp_path / "test.npz", x=np.zeros((400, 3), np.int32), y=y, row=np.arange(400))
    for name, cell, wrong, val, kind in [
        ("gru-sum", "gru", 40, 0.80, "rnn"),
        ("lstm-sum", "lstm", 100, 0.90, "rnn"),
        ("simple_rnn-sum", "simple_rnn", 200, 0.50, "rnn"),
        ("tfidf-logreg", "tfidf", 60, 0.85, "baseline"),
    ]:
        mode = "sum" if kind == "rnn" else None
        write_metrics(m, name, cell, mode, 1 - wrong / 400, kind=kind, val_accuracy=val)
        write_predictions(p, name, np.tile(y[:100], 4), wrong)
    names = ["gru-sum", "lstm-sum", "simple_rnn-sum", "tfidf-logreg"]
    write_json(
        m / "simple_rnn-sum.json",
        {
            **json.loads((m / "simple_rnn-sum.json").read_text()),
            "status": "did_not_learn",
            "reason": "validation loss 0.6930 never fell clearly below 0.6931",
        },
    )
    summary = compare(m, names, tmp_path, predictions_dir=p, y_test_path=tmp_path / "test.npz")
    report = json.loads((tmp_path / "comparison.json").read_text())
    assert summary["best_variant"] == report["best_variant"] == "lstm-sum"
    assert report["best_accuracy"] == 0.75 and report["best_val_accuracy"] == 0.9
    assert [v["variant"] for v in report["variants"]] == ["lstm-sum", "tfidf-logreg", "gru-sum"]
    assert report["gain_over_baseline"] == pytest.approx(-0.1)
    assert (
        "The tfidf-logreg baseline is significantly better than lstm-sum on test: 0.8500 against "
        "0.7500 accuracy (+0.1000; exact McNemar test, Holm-adjusted p = " in report["verdict"]
    )
    assert report["did_not_learn"][0]["variant"] == "simple_rnn-sum"
    assert "simple_rnn-sum" not in report["accuracy_grid"].get("simple_rnn", {})
    markdown = (tmp_path / "comparison.md").read_text()
    assert "## Did not learn (not ranked)" in markdown and "never fell clearly below" in markdown


def test_imbalanced_data_is_ranked_by_balanced_accuracy_and_warned_about(tmp_path, caplog):
    m, p, names = imbalanced_metrics(tmp_path)
    out = tmp_path / "reports"
    summary = compare(m, names, out, predictions_dir=p, y_test_path=tmp_path / "test.npz")
    assert summary["best_variant"] == "lstm-sum"  # not the majority-class answerer
    report = json.loads((out / "comparison.json").read_text())
    assert report["ranked_by"] == "balanced_accuracy"
    assert any(
        w.startswith("imbalanced classes: the rarer class is 1.0%") for w in report["warnings"]
    )
    assert "highest validation balanced accuracy" in report["verdict"]
    markdown = (out / "comparison.md").read_text()
    assert "## Warnings" in markdown and "Ranked by `val_balanced_accuracy`" in markdown
    assert "compare: imbalanced classes" in caplog.text  # in the stage output too


def test_compare_metric_accuracy_is_obeyed_but_the_imbalance_still_warned(tmp_path):
    m, p, names = imbalanced_metrics(tmp_path)
    out = tmp_path / "reports"
    summary = compare(
        m, names, out, predictions_dir=p, y_test_path=tmp_path / "test.npz", metric="accuracy"
    )
    assert summary["best_variant"] == "gru-sum"
    report = json.loads((out / "comparison.json").read_text())
    assert any("compare.metric: accuracy was asked for" in w for w in report["warnings"])
