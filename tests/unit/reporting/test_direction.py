"""better / tie / worse are relative to the variant chosen on validation, in every ordering of
validation and test: the table, the verdict and what it must never say."""

import json

import numpy as np
import pytest

from birnn.reporting.compare import compare
from comparison_files import unmapped_numbers, write_metrics

ROWS = 1000


def run(tmp_path, variants):
    """variants: (name, kind, validation accuracy, test rows it gets wrong[, first wrong row]).
    Errors start at row 0 unless told, so they nest and the paired test sees exactly the gap;
    a later first row makes variants disagree on more rows."""
    m, p = tmp_path / "metrics", tmp_path / "predictions"
    p.mkdir()
    y = (np.arange(ROWS) % 2).astype(np.int8)
    np.savez(tmp_path / "test.npz", x=np.zeros((ROWS, 3), np.int32), y=y, row=np.arange(ROWS))
    for name, kind, val, wrong, *first in variants:
        cell, _, mode = name.partition("-")
        mode = mode if kind == "rnn" and mode != "uni" else None
        write_metrics(
            m, name, cell, mode, 1 - wrong / ROWS, kind=kind, val_accuracy=val, n_test=ROWS
        )
        prob = np.where(y == 1, 0.9, 0.1).astype(np.float32)
        start = first[0] if first else 0
        prob[start : start + wrong] = 1 - prob[start : start + wrong]
        np.save(p / f"{name}.npy", prob)
    compare(
        m, [v[0] for v in variants], tmp_path, predictions_dir=p, y_test_path=tmp_path / "test.npz"
    )
    report = json.loads((tmp_path / "comparison.json").read_text())
    # every number the verdict states is one comparison.json records
    assert unmapped_numbers(report) == []
    return {r["variant"]: r["vs_best"] for r in report["variants"]}, report


def test_the_chosen_variant_best_on_test_too(tmp_path):
    sides, report = run(
        tmp_path,
        [
            ("gru-sum", "rnn", 0.90, 100),
            ("lstm-sum", "rnn", 0.85, 200),
            ("tfidf-logreg", "baseline", 0.80, 250),
        ],
    )
    assert sides == {"gru-sum": "chosen", "lstm-sum": "worse", "tfidf-logreg": "worse"}
    assert "Every other recurrent variant is significantly worse" in report["verdict"]
    assert "baseline is significantly worse on test (0.1500 lower" in report["verdict"]


def test_a_rival_better_on_test_but_not_on_validation_is_named_better(tmp_path):
    sides, report = run(
        tmp_path,
        [("gru-sum", "rnn", 0.90, 200), ("lstm-sum", "rnn", 0.85, 100)],
    )
    assert sides == {"gru-sum": "chosen", "lstm-sum": "better"}
    assert (
        "lstm-sum is significantly better than gru-sum on test: 0.9000 against 0.8000 accuracy "
        "(+0.1000; exact McNemar test, Holm-adjusted p = " in report["verdict"]
    )
    assert "although validation chose gru-sum" in report["verdict"]
    assert "significantly worse" not in report["verdict"]


def test_a_significantly_better_baseline_is_named_and_nothing_explains_it(tmp_path):
    sides, report = run(
        tmp_path,
        [("gru-sum", "rnn", 0.90, 130), ("tfidf-logreg", "baseline", 0.80, 90)],
    )
    assert sides == {"gru-sum": "chosen", "tfidf-logreg": "better"}
    rows = {r["variant"]: r for r in report["variants"]}
    assert rows["tfidf-logreg"]["p_holm"] < 0.05
    assert (
        "The tfidf-logreg baseline is significantly better than gru-sum on test: 0.9100 against "
        "0.8700 accuracy (+0.0400; exact McNemar test, Holm-adjusted p = 1.82e-12)"
        in report["verdict"]
    )
    # nothing measured why: no sentence may explain the gap
    assert "word order" not in report["verdict"] and "adds little" not in report["verdict"]


def test_everything_tied_states_what_the_test_could_have_found(tmp_path):
    sides, report = run(
        tmp_path,
        [
            ("gru-sum", "rnn", 0.90, 100),
            ("lstm-sum", "rnn", 0.89, 104, 50),
            ("gru-concat", "rnn", 0.88, 98, 60),
            ("lstm-concat", "rnn", 0.87, 103, 40),
            ("lstm-uni", "rnn", 0.86, 101, 50),
            ("tfidf-logreg", "baseline", 0.80, 102, 200),
        ],
    )
    assert set(sides.values()) == {"chosen", "tie"}
    power = report["power"]
    assert power["test"] == "exact McNemar test" and power["alpha"] == pytest.approx(0.01)
    # discordant rows with gru-sum: 104, 118, 83, 101, 202 of 1000; the median is 0.104
    assert power["discordance"] == pytest.approx(0.104)
    assert 0.03 < power["mde"] < 0.04 and power["rows_needed"] > 3.5 * ROWS
    assert (
        f"could find a true accuracy difference of {power['mde']:.4f} with 80% power"
        in (report["verdict"])
    )
    assert (
        f"{power['smaller']:.4f} would take about {power['rows_needed']:,} test texts"
        in (report["verdict"])
    )
    # the factorial answer: nothing found, with the bound and the largest gap
    merge = report["effects"]["factors"]["merge_mode"]
    assert not merge["differs"] and not report["effects"]["interaction"]["found"]
    assert (
        f"Merge mode (test accuracy, mean over 2 cells): no difference found; no merge mode "
        f"differs from another by more than {merge['max_difference']:.4f} (95% interval)"
        in report["verdict"]
    )
    direction = report["effects"]["direction"]
    assert direction["contrast"] == "gru-sum vs lstm-uni" and direction["p"] >= 0.05
    assert "no difference found, test accuracy +0.0010" in report["verdict"]  # 100 vs 101 wrong
    assert "reading backwards too adds" not in report["verdict"]
    md = (tmp_path / "comparison.md").read_text()
    assert "## Which cell, which merge mode" in md and "| concat vs sum " in md
    assert (tmp_path / "figures" / "effects.png").read_bytes()[:4] == b"\x89PNG"
    plotted = (tmp_path / "plots" / "effects.csv").read_text().splitlines()
    assert plotted[0] == "level,estimate,low,high" and len(plotted) == 1 + 2 + 2
    assert plotted[1].startswith("merge mode concat,")


def test_ranked_by_balanced_accuracy_better_and_worse_are_in_balanced_accuracy(tmp_path):
    # 20% positives: the baseline misses 80 of them and matches the chosen variant's accuracy
    # (0.92), but its balanced accuracy is far lower: it is worse in the score that chose
    m, p = tmp_path / "metrics", tmp_path / "predictions"
    p.mkdir()
    y = (np.arange(ROWS) < 200).astype(np.int8)
    np.savez(tmp_path / "test.npz", x=np.zeros((ROWS, 3), np.int32), y=y, row=np.arange(ROWS))
    for name, kind, wrong_rows in [
        ("gru-sum", "rnn", np.r_[0:20, 200:260]),
        ("tfidf-logreg", "baseline", np.r_[0:80]),
    ]:
        predicted = y.copy()
        predicted[wrong_rows] = 1 - predicted[wrong_rows]
        balanced = ((predicted == y)[y == 1].mean() + (predicted == y)[y == 0].mean()) / 2
        write_metrics(
            m,
            name,
            name.split("-")[0],
            "sum" if kind == "rnn" else None,
            float((predicted == y).mean()),
            kind=kind,
            n_test=ROWS,
            balanced_accuracy=float(balanced),
            val_balanced_accuracy=0.9 if kind == "rnn" else 0.8,
        )
        np.save(p / f"{name}.npy", np.where(predicted == 1, 0.9, 0.1).astype(np.float32))
    compare(
        m,
        ["gru-sum", "tfidf-logreg"],
        tmp_path,
        predictions_dir=p,
        y_test_path=tmp_path / "test.npz",
    )
    report = json.loads((tmp_path / "comparison.json").read_text())
    assert unmapped_numbers(report) == []
    rows = {r["variant"]: r for r in report["variants"]}
    assert report["ranked_by"] == "balanced_accuracy"
    assert report["significance_test"] == "paired bootstrap of balanced accuracy over test rows"
    assert rows["tfidf-logreg"]["vs_best"] == "worse" and rows["tfidf-logreg"]["p_holm"] < 0.05
    assert (
        "baseline is significantly worse on test (0.1125 lower in balanced accuracy"
        in (report["verdict"])
    )
    assert report["power"]["metric"] == "balanced_accuracy"


def test_a_number_the_json_does_not_hold_is_caught():
    report = {
        "verdict": "x scores 0.9000 (+0.0100; p = 1.82e-12) on 1,697 rows, 10.4%.",
        "a": 0.9,
        "b": [-0.01, 1.8234e-12],
        "c": {"n": 1697},
    }
    assert unmapped_numbers(report) == ["10.4%"]
    assert unmapped_numbers({**report, "d": 0.104}) == []
