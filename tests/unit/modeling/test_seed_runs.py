"""Several seeds: selected on validation, averaged on test, finished seeds kept (real Keras)."""

import json

import numpy as np
import pytest

from birnn import stages
from birnn.layout import Layout
from conftest import tiny_params


def test_several_seeds_select_on_validation_average_on_test_and_keep_finished_seeds(
    trained, tmp_path, monkeypatch
):
    import shutil

    from birnn.modeling import epoch_loop

    params, layout, _ = trained
    seeded = tiny_params(
        variants={
            "cells": ["gru"],
            "merge_modes": ["concat"],
            "unidirectional": [],
            "seeds": [3, 5],
        }
    )
    again = Layout(tmp_path)
    shutil.copytree(layout.processed_dir, again.processed_dir)
    real_fit = epoch_loop.fit_epochs

    def crash_in_seed_5(new_model, train_data, val, train_params, seed, *rest):
        if seed == 5:
            raise RuntimeError("simulated crash in seed 5")
        return real_fit(new_model, train_data, val, train_params, seed, *rest)

    monkeypatch.setattr(epoch_loop, "fit_epochs", crash_in_seed_5)
    summary = stages.run_train(seeded, again, "gru-concat")
    assert summary["status"] == "ok" and summary["seed"] == 3
    assert (summary["seeds_ok"], summary["seeds_failed"]) == (1, 1)
    seed_3_seconds = summary["seconds"]
    monkeypatch.setattr(epoch_loop, "fit_epochs", real_fit)

    summary = stages.run_train(seeded, again, "gru-concat")  # the re-run trains only seed 5
    folder = again.model_dir("gru-concat")
    info = json.loads((folder / "variant.json").read_text())
    seeds = {s["seed"]: s for s in info["seeds"]}
    assert (summary["seeds_ok"], summary["seeds_failed"]) == (2, 0)
    assert seeds[3]["seconds"] == seed_3_seconds  # reused from its checkpoint, not retrained
    assert info["seed"] == min(seeds.values(), key=lambda s: s["best_val_loss"])["seed"]
    assert all((folder / "seeds" / f"seed-{s}" / "model.keras").is_file() for s in (3, 5))
    assert not (again.checkpoints_dir / "gru-concat").exists()

    stages.run_evaluate(seeded, again, "gru-concat")
    metrics = json.loads(again.metrics_path("gru-concat").read_text())
    prob = np.load(again.predictions_path("gru-concat"))
    y = np.load(again.processed_dir / "test.npz")["y"]
    per_seed = [float(np.mean((row >= 0.5) == y)) for row in prob]
    assert prob.shape == (2, metrics["n_test"]) and metrics["n_seeds"] == 2
    assert metrics["accuracy"] == pytest.approx(np.mean(per_seed))
    assert metrics["accuracy_std"] == pytest.approx(np.std(per_seed, ddof=1))
    assert [s["seed"] for s in metrics["seed_scores"]] == [3, 5] and metrics[
        "selected_seed"
    ] == info["seed"]
