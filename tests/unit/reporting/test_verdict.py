"""The verdict and warnings: what the comparison says about noise and the baseline."""

import json

import numpy as np

from birnn.files import write_json
from birnn.reporting.compare import compare
from comparison_files import write_metrics, write_predictions


def test_a_baseline_within_noise_is_not_called_significantly_worse(tmp_path):
    # regression: with no other recurrent variant the verdict said "every other variant is
    # significantly worse" although the baseline's p was 0.9
    m, p = tmp_path / "metrics", tmp_path / "predictions"
    y = (np.arange(100) % 2).astype(np.int8)
    np.savez(tmp_path / "test.npz", x=np.zeros((100, 3), np.int32), y=y, row=np.arange(100))
    for name, cell, wrong, kind in [
        ("gru-sum", "gru", 10, "rnn"),
        ("tfidf-logreg", "tfidf", 11, "baseline"),
    ]:
        write_metrics(m, name, cell, "sum" if kind == "rnn" else None, 1 - wrong / 100, kind=kind)
        write_predictions(p, name, y, wrong)
    compare(
        m,
        ["gru-sum", "tfidf-logreg"],
        tmp_path,
        predictions_dir=p,
        y_test_path=tmp_path / "test.npz",
    )
    verdict = json.loads((tmp_path / "comparison.json").read_text())["verdict"]
    assert (
        "significantly worse" not in verdict
        and "baseline is within noise of it on test (it scores 0.0100 lower" in verdict
    )


def test_a_small_test_set_and_the_clean_reports_warnings_reach_the_comparison(tmp_path):
    m, p = tmp_path / "metrics", tmp_path / "predictions"
    y = (np.arange(6) % 2).astype(np.int8)
    np.savez(tmp_path / "test.npz", x=np.zeros((6, 3), np.int32), y=y, row=np.arange(6))
    for name, cell, acc in [("gru-sum", "gru", 5 / 6), ("lstm-sum", "lstm", 4 / 6)]:
        write_metrics(m, name, cell, "sum", acc, n_test=6)
        write_predictions(p, name, y, round((1 - acc) * 6))
    write_json(tmp_path / "clean_report.json", {"warnings": ["small test set: about 6 test texts"]})
    out = tmp_path / "reports"
    compare(
        m,
        ["gru-sum", "lstm-sum"],
        out,
        predictions_dir=p,
        y_test_path=tmp_path / "test.npz",
        clean_report_path=tmp_path / "clean_report.json",
    )
    warnings = json.loads((out / "comparison.json").read_text())["warnings"]
    assert warnings[0] == "data: small test set: about 6 test texts"
    assert "small test set: 6 test texts; an accuracy's 95% interval is about +-0.40" in warnings[1]
    assert "(0.1667) are within noise" in warnings[1]
    assert "0.1667) are within noise" in (out / "comparison.md").read_text()
