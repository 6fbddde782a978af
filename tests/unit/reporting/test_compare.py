import json

import numpy as np
import pytest

from birnn.files import write_json
from birnn.reporting.compare import (
    bootstrap_accuracies,
    bootstrap_p,
    compare,
    holm,
    mcnemar_p,
    unit_scores,
    wilson_interval,
)


def _metrics(dir_, name, cell, mode, accuracy, kind="rnn", **extra):
    write_json(
        dir_ / f"{name}.json",
        {
            "variant": name,
            "kind": kind,
            "cell": cell,
            "merge_mode": mode,
            "accuracy": accuracy,
            "f1": accuracy,
            "roc_auc": accuracy,
            "log_loss": 1 - accuracy,
            "parameters": 10,
            "n_test": 100,
            "status": "ok",
            "val_accuracy": accuracy,  # the fixtures' validation agrees with test unless told
            "val_loss": 1 - accuracy,
            **extra,
        },
    )


def _predictions(dir_, name, y, n_wrong):
    prob = np.where(y == 1, 0.9, 0.1).astype(np.float32)
    prob[:n_wrong] = 1 - prob[:n_wrong]
    dir_.mkdir(exist_ok=True)
    np.save(dir_ / f"{name}.npy", prob)


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
        _metrics(
            m,
            name,
            cell,
            mode,
            1 - wrong / 100,
            kind=kind,
            probes=[{"text": "not good", "expected": 0, "probability": 0.2}],
        )
        _predictions(p, name, y, wrong)
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
        "best",
        "tie",
        "worse",
    ]
    assert report["gain_over_baseline"] == pytest.approx(0.35)
    assert report["failed"] == [{"variant": "simple_rnn-mul", "error": "loss became NaN"}]
    assert "lstm-sum" in report["verdict"] and "not significantly worse" in report["verdict"]
    assert "lstm-uni" in report["verdict"] and "on 100 test texts" in report["verdict"]
    assert (
        "Best bidirectional: gru-sum (0.9000)" in report["verdict"]
        and "+0.1000" in report["verdict"]
    )
    assert report["accuracy_grid"]["lstm"] == {"sum": 0.88, "ave": 0.6}
    # gru-sum 0.90, lstm-sum 0.88, lstm-ave 0.60: sum wins over cells, gru over merge modes
    assert report["merge_mode_means"] == {"sum": 0.89, "ave": 0.6}
    assert report["cell_means"] == {"gru": 0.9, "lstm": 0.74}
    assert "the merge modes rank sum 0.8900, ave 0.6000" in report["verdict"]
    assert (
        "| mean " in (root / "comparison.md").read_text()
        and "nan" not in (root / "comparison.md").read_text()
    )
    md = (root / "comparison.md").read_text()
    assert "## Failed variants" in md and "simple_rnn-mul" in md and "## Minimal pairs" in md
    assert (root / "figures" / "accuracy_heatmap.png").read_bytes()[:4] == b"\x89PNG"


def test_mcnemar_and_wilson_match_textbook_values():
    a = np.array([True] * 10 + [False] * 0)
    assert mcnemar_p(a, a) == 1.0
    # 8 discordant pairs all one way: two-sided exact p = 2 * 0.5**8
    right = np.array([True] * 8 + [True] * 2)
    wrong = np.array([False] * 8 + [True] * 2)
    assert mcnemar_p(right, wrong) == pytest.approx(2 * 0.5**8)
    low, high = wilson_interval(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-3) and high == pytest.approx(0.5962, abs=1e-3)
    # the closed form (z = 1.96) this replaced, on a test set of the builtin size
    p, n, z = 1703 / 1796, 1796, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson_interval(1703, 1796) == pytest.approx((centre - half, centre + half), abs=1e-5)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_missing_metrics_name_the_variant(tmp_path):
    with pytest.raises(FileNotFoundError, match="gru-mul"):
        compare(tmp_path, ["gru-mul"], tmp_path)


def test_holm_adjusts_textbook_example():
    adjusted = holm({"a": 0.01, "b": 0.04, "c": 0.03})
    assert adjusted == pytest.approx({"a": 0.03, "c": 0.06, "b": 0.06})


def test_bootstrap_separates_real_gaps_from_seed_noise():
    rng = np.random.default_rng(0)
    good = (rng.random((3, 400)) < 0.9).astype(float)
    twin = (rng.random((3, 400)) < 0.9).astype(float)
    poor = (rng.random((3, 400)) < 0.6).astype(float)
    draws = bootstrap_accuracies({"good": good, "twin": twin, "poor": poor}, draws=500)
    assert bootstrap_p(draws["good"], draws["poor"]) < 0.01
    assert bootstrap_p(draws["good"], draws["twin"]) > 0.05
    low, high = np.percentile(draws["good"], [2.5, 97.5])
    assert low < good.mean() < high and high - low < 0.08


def test_unit_scores_per_text_and_per_sequence():
    y = np.array([1, 0, 1])
    assert unit_scores(np.array([0.9, 0.2, 0.1]), y).tolist() == [[1, 1, 0]]
    assert unit_scores(np.array([[0.9, 0.2, 0.1], [0.9, 0.9, 0.9]]), y).shape == (2, 3)
    seq = np.array([[0, 1, 1, 1], [0, 0, 0, 1]])
    assert unit_scores(np.array([[0.1, 0.9, 0.9, 0.1], [0.1, 0.1, 0.1, 0.9]]), seq).tolist() == [
        [0.75, 1.0]
    ]


def test_several_seeds_rank_by_mean_and_test_with_the_bootstrap(tmp_path):
    m, p = tmp_path / "metrics", tmp_path / "predictions"
    p.mkdir()
    y = (np.arange(200) % 2).astype(np.int8)
    np.savez(tmp_path / "test.npz", x=np.zeros((200, 3), np.int32), y=y, row=np.arange(200))
    for name, wrong in [
        ("gru-sum", (10, 14, 12)),
        ("gru-ave", (12, 11, 15)),
        ("lstm-sum", (60, 70, 65)),
    ]:
        rows = []
        for n in wrong:
            prob = np.where(y == 1, 0.9, 0.1)
            prob[:n] = 1 - prob[:n]
            rows.append(prob)
        accuracies = [1 - n / 200 for n in wrong]
        _metrics(
            m,
            name,
            name.split("-")[0],
            name.split("-")[1],
            float(np.mean(accuracies)),
            n_seeds=3,
            accuracy_std=float(np.std(accuracies, ddof=1)),
            seed_errors=[{"seed": 9, "error": "loss became NaN"}] if name == "lstm-sum" else [],
        )
        np.save(p / f"{name}.npy", np.stack(rows).astype(np.float32))
    summary = compare(
        m,
        ["gru-sum", "gru-ave", "lstm-sum"],
        tmp_path,
        predictions_dir=p,
        y_test_path=tmp_path / "test.npz",
    )
    report = json.loads((tmp_path / "comparison.json").read_text())
    rows = {v["variant"]: v for v in report["variants"]}
    assert summary["best_variant"] == "gru-sum" and report["seeds"] == 3
    assert report["significance_test"].startswith("paired bootstrap")
    assert rows["gru-ave"]["p_holm"] > 0.05 and rows["lstm-sum"]["p_holm"] < 0.01
    assert rows["gru-sum"]["accuracy_std"] == pytest.approx(0.01)
    assert "over 3 seeds" in report["verdict"] and "gru-ave" in report["verdict"]
    assert {"variant": "lstm-sum (seed 9)", "error": "loss became NaN"} in report["failed"]
    md = (tmp_path / "comparison.md").read_text()
    assert "accuracy_std" in md and "mean over 3 seeds" in md and "## Seeds" in md
    assert (tmp_path / "figures" / "seed_spread.png").read_bytes()[:4] == b"\x89PNG"


def test_per_timestep_predictions_are_tested_per_sequence_not_per_timestep(tmp_path):
    m, p = tmp_path / "metrics", tmp_path / "predictions"
    p.mkdir()
    y = np.tile((np.arange(10) >= 5).astype(np.int8), (60, 1))  # 60 sequences x 10 steps
    np.savez(tmp_path / "test.npz", x=np.zeros((60, 10, 1), np.float32), y=y)
    for name, wrong_steps in [("gru-sum", 1), ("gru-uni", 2)]:
        prob = np.where(y == 1, 0.9, 0.1)
        prob[::3, :wrong_steps] = 0.9  # every third sequence misses its first steps
        _metrics(
            m,
            name,
            "gru",
            None if name.endswith("uni") else "sum",
            float(np.mean((prob >= 0.5) == y)),
            n_test=60,
            n_timesteps=10,
            sequence_accuracy=0.66,
        )
        np.save(p / f"{name}.npy", prob.astype(np.float32))
    compare(
        m,
        ["gru-sum", "gru-uni"],
        tmp_path,
        predictions_dir=p,
        y_test_path=tmp_path / "test.npz",
        unit="sequences",
    )
    report = json.loads((tmp_path / "comparison.json").read_text())
    assert (
        report["significance_test"].startswith("paired bootstrap")
        and report["test_units"] == "sequences"
    )
    assert "on 60 test sequences" in report["verdict"]
    # 20 of 60 sequences differ by one step: a real but small gap, not 9,000 independent coin flips
    assert 0 < report["variants"][1]["p_vs_best"] < 0.05
    assert "sequence_accuracy" in (tmp_path / "comparison.md").read_text()


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
        _metrics(m, name, cell, "sum" if kind == "rnn" else None, 1 - wrong / 100, kind=kind)
        _predictions(p, name, y, wrong)
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
        _metrics(m, name, cell, mode, 1 - wrong / 400, kind=kind, val_accuracy=val)
        _predictions(p, name, np.tile(y[:100], 4), wrong)
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
    assert "scores 0.1000 higher on test" in report["verdict"]
    assert report["did_not_learn"][0]["variant"] == "simple_rnn-sum"
    assert "simple_rnn-sum" not in report["accuracy_grid"].get("simple_rnn", {})
    markdown = (tmp_path / "comparison.md").read_text()
    assert "## Did not learn (not ranked)" in markdown and "never fell clearly below" in markdown


def _imbalanced(tmp_path, n=1000, rare=10):
    """99:1 test labels; 'majority' always answers 0 (F1 0), 'careful' finds the rare class."""
    m, p = tmp_path / "metrics", tmp_path / "predictions"
    y = np.zeros(n, np.int8)
    y[:rare] = 1
    np.savez(tmp_path / "test.npz", x=np.zeros((n, 3), np.int32), y=y, row=np.arange(n))
    p.mkdir()
    for name, cell, acc, val_acc, val_bal in [
        ("gru-sum", "gru", 0.99, 0.99, 0.5),
        ("lstm-sum", "lstm", 0.97, 0.97, 0.9),
    ]:
        _metrics(
            m,
            name,
            cell,
            "sum",
            acc,
            n_test=n,
            val_accuracy=val_acc,
            val_balanced_accuracy=val_bal,
            balanced_accuracy=val_bal,
        )
        np.save(p / f"{name}.npy", np.full(n, 0.1, np.float32))
    return m, p, ["gru-sum", "lstm-sum"]


def test_imbalanced_data_is_ranked_by_balanced_accuracy_and_warned_about(tmp_path, caplog):
    m, p, names = _imbalanced(tmp_path)
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
    m, p, names = _imbalanced(tmp_path)
    out = tmp_path / "reports"
    summary = compare(
        m, names, out, predictions_dir=p, y_test_path=tmp_path / "test.npz", metric="accuracy"
    )
    assert summary["best_variant"] == "gru-sum"
    report = json.loads((out / "comparison.json").read_text())
    assert any("compare.metric: accuracy was asked for" in w for w in report["warnings"])


def test_a_small_test_set_and_the_clean_reports_warnings_reach_the_comparison(tmp_path):
    m, p = tmp_path / "metrics", tmp_path / "predictions"
    y = (np.arange(6) % 2).astype(np.int8)
    np.savez(tmp_path / "test.npz", x=np.zeros((6, 3), np.int32), y=y, row=np.arange(6))
    for name, cell, acc in [("gru-sum", "gru", 5 / 6), ("lstm-sum", "lstm", 4 / 6)]:
        _metrics(m, name, cell, "sum", acc, n_test=6)
        _predictions(p, name, y, round((1 - acc) * 6))
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


def test_a_failed_baseline_is_listed_not_fatal(tmp_path):
    m = tmp_path / "metrics"
    _metrics(m, "gru-sum", "gru", "sum", 0.8)
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
