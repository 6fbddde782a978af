import json

import pytest

from birnn.compare import compare
from birnn.files import write_json


def _metrics(dir_, name, cell, mode, accuracy, kind="rnn"):
    write_json(dir_ / f"{name}.json", {"variant": name, "kind": kind, "cell": cell, "merge_mode": mode,
                                       "accuracy": accuracy, "f1": accuracy, "roc_auc": accuracy,
                                       "log_loss": 1 - accuracy, "parameters": 10})


def test_ranks_variants_and_reports_gain_over_baseline(tmp_path):
    m = tmp_path / "metrics"
    _metrics(m, "lstm-sum", "lstm", "sum", 0.8)
    _metrics(m, "gru-sum", "gru", "sum", 0.9)
    _metrics(m, "lstm-ave", "lstm", "ave", 0.7)
    _metrics(m, "tfidf-logreg", "tfidf", None, 0.6, kind="baseline")
    summary = compare(m, ["lstm-sum", "gru-sum", "lstm-ave", "tfidf-logreg"], tmp_path)
    assert summary["best_variant"] == "gru-sum"
    report = json.loads((tmp_path / "comparison.json").read_text())
    assert [v["variant"] for v in report["variants"]] == ["gru-sum", "lstm-sum", "lstm-ave", "tfidf-logreg"]
    assert report["gain_over_baseline"] == pytest.approx(0.3)
    assert report["accuracy_grid"]["lstm"] == {"sum": 0.8, "ave": 0.7}
    assert report["accuracy_grid"]["gru"]["ave"] is None
    md = (tmp_path / "comparison.md").read_text()
    assert "| gru-sum" in md and "**gru-sum**" in md
    assert (tmp_path / "figures" / "accuracy_heatmap.png").read_bytes()[:4] == b"\x89PNG"


def test_missing_metrics_name_the_variant(tmp_path):
    with pytest.raises(FileNotFoundError, match="gru-mul"):
        compare(tmp_path, ["gru-mul"], tmp_path)
