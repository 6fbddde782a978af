"""The compare stage end to end: ranked table, significance, verdict, markdown and figures."""

import json

import numpy as np
import pytest

from birnn.files import write_json
from birnn.reporting.compare import compare
from comparison_files import unmapped_numbers, write_metrics, write_predictions


@pytest.fixture
def outputs(tmp_path):
    m, p = tmp_path / "metrics", tmp_path / "predictions"
    y = (np.arange(100) % 2).astype(np.int8)
    np.savez(tmp_path / "test.npz", x=np.zeros((100, 3), np.int32), y=y, row=np.arange(100))
    for name, cell, mode, wrong, kind in [
        ("gru-sum", "gru", "sum", 10, "rnn"),
        ("lstm-sum", "lstm", "sum", 12, "rnn"),
        ("lstm-ave", "lstm", "ave", 40, "rnn"),
        ("lstm-uni", "lstm", None, 20, "rnn"),
        ("tfidf-logreg", "tfidf", None, 45, "baseline"),
    ]:
        write_metrics(
            m,
            name,
            cell,
            mode,
            1 - wrong / 100,
            kind=kind,
            probes=[{"text": "not good", "expected": 0, "probability": 0.2}],
        )
        write_predictions(p, name, y, wrong)
    write_json(
        m / "simple_rnn-mul.json",
        {
            "variant": "simple_rnn-mul",
            "kind": "rnn",
            "cell": "simple_rnn",
            "merge_mode": "mul",
            "status": "failed",
            "error": "loss became NaN",
        },
    )
    names = ["lstm-sum", "gru-sum", "lstm-ave", "simple_rnn-mul", "lstm-uni", "tfidf-logreg"]
    return tmp_path, names


def test_ranks_tests_significance_and_explains(outputs):
    root, names = outputs
    summary = compare(
        root / "metrics",
        names,
        root,
        predictions_dir=root / "predictions",
        y_test_path=root / "test.npz",
    )
    assert summary["best_variant"] == "gru-sum" and summary["failed"] == 1
    report = json.loads((root / "comparison.json").read_text())
    rows = {v["variant"]: v for v in report["variants"]}
    assert [v["variant"] for v in report["variants"]] == [
        "gru-sum",
        "lstm-sum",
        "lstm-uni",
        "lstm-ave",
        "tfidf-logreg",
    ]
    assert rows["gru-sum"]["p_vs_best"] is None
    assert rows["lstm-sum"]["p_vs_best"] > 0.05  # 10 vs 12 errors: noise
    assert rows["lstm-ave"]["p_vs_best"] < 0.001  # 10 vs 40 errors: real
    assert [rows[v]["vs_best"] for v in ("gru-sum", "lstm-sum", "lstm-ave")] == [
        "chosen",
        "tie",
        "worse",
    ]
    assert report["gain_over_baseline"] == pytest.approx(0.35)
    assert unmapped_numbers(report) == []
    assert report["failed"] == [{"variant": "simple_rnn-mul", "error": "loss became NaN"}]
    assert (
        "tie with it on test (exact McNemar test, Holm-adjusted p >= 0.05): lstm-sum;"
        in (report["verdict"])
    )
    assert "lstm-uni" in report["verdict"] and "on 100 test texts" in report["verdict"]
    # reading backwards too is stated with its own test and interval, not as a bare gap
    assert report["effects"]["direction"]["contrast"] == "gru-sum vs lstm-uni"
    assert report["effects"]["direction"]["estimate"] == pytest.approx(0.1)
    assert (
        "(the best of each on validation, gru-sum vs lstm-uni): reading backwards too "
        in (report["verdict"])
    )
    assert report["accuracy_grid"]["lstm"] == {"sum": 0.88, "ave": 0.6}
    # gru-sum 0.90, lstm-sum 0.88, lstm-ave 0.60: sum wins over cells, gru over merge modes
    assert report["merge_mode_means"] == {"sum": 0.89, "ave": 0.6}
    assert report["cell_means"] == {"gru": 0.9, "lstm": 0.74}
    # only lstm has both merge modes: the factorial answer uses the complete part of the grid
    assert report["effects"]["cells"] == ["lstm"] and "cell" not in report["effects"]["factors"]
    assert report["effects"]["factors"]["merge_mode"]["pairs"][0]["contrast"] == "sum vs ave"
    assert (
        "Merge mode matters (test accuracy, mean over 1 cell): sum beats ave by +0.2800"
        in (report["verdict"])
    )
    assert (
        "| mean " in (root / "comparison.md").read_text()
        and "nan" not in (root / "comparison.md").read_text()
    )
    md = (root / "comparison.md").read_text()
    assert "## Failed variants" in md and "simple_rnn-mul" in md and "## Minimal pairs" in md
    assert (root / "figures" / "accuracy_heatmap.png").read_bytes()[:4] == b"\x89PNG"


def test_missing_metrics_name_the_variant(tmp_path):
    with pytest.raises(FileNotFoundError, match="gru-mul"):
        compare(tmp_path, ["gru-mul"], tmp_path)


def test_a_failed_baseline_is_listed_not_fatal(tmp_path):
    m = tmp_path / "metrics"
    write_metrics(m, "gru-sum", "gru", "sum", 0.8)
    write_json(
        m / "tfidf-logreg.json",
        {
            "variant": "tfidf-logreg",
            "kind": "baseline",
            "status": "failed",
            "error": "TF-IDF baseline could not be fitted: no usable words",
        },
    )
    summary = compare(m, ["gru-sum", "tfidf-logreg"], tmp_path / "reports")
    assert summary["best_variant"] == "gru-sum" and summary["failed"] == 1
    assert "no usable words" in (tmp_path / "reports" / "comparison.md").read_text()
