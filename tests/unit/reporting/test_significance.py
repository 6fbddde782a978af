"""Significance with several seeds and per-timestep labels: the paired bootstrap."""

import json

import numpy as np
import pytest

from birnn.reporting.compare import compare
from comparison_files import write_metrics


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
        write_metrics(
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
        write_metrics(
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
