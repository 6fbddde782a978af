"""What several seeds bought, read from a finished run's files (made up here): the spreads,
the variant each seed alone would choose, and each seed's factorial answer."""

import numpy as np
import pytest

from benchmarks.seed_spread import seed_report
from birnn.files import write_json
from birnn.layout import Layout


def write_run(root, accuracies, rows=2000):
    """accuracies: {variant: [test accuracy per seed]}; validation follows test."""
    layout = Layout(root)
    rng = np.random.default_rng(0)
    y = (np.arange(rows) % 2).astype(np.int8)
    layout.test_split_path.parent.mkdir(parents=True)
    np.savez(layout.test_split_path, x=np.zeros((rows, 2), np.int32), y=y, row=np.arange(rows))
    layout.predictions_dir.mkdir(parents=True)
    for name, per_seed in accuracies.items():
        right = rng.random((len(per_seed), rows)) < np.array(per_seed)[:, None]
        np.save(layout.predictions_path(name), np.where(right == (y == 1), 0.9, 0.1))
        cell, mode = name.split("-")
        write_json(
            layout.metrics_path(name),
            {
                "variant": name,
                "kind": "rnn",
                "cell": cell,
                "merge_mode": mode,
                "seed_scores": [{"seed": i + 1} for i in range(len(per_seed))],
            },
        )
        write_json(
            layout.model_dir(name) / "variant.json",
            {
                "seeds": [
                    {"seed": i + 1, "status": "ok", "best_val_accuracy": a}
                    for i, a in enumerate(per_seed)
                ]
            },
        )
    return layout


def test_seed_luck_as_large_as_the_variants_differences_is_reported(tmp_path):
    write_run(
        tmp_path,
        {
            "gru-concat": [0.80, 0.90, 0.85],
            "gru-sum": [0.90, 0.80, 0.85],
            "lstm-concat": [0.85, 0.85, 0.90],
            "lstm-sum": [0.85, 0.90, 0.80],
        },
    )
    report = seed_report(tmp_path)
    assert report["variants"] == 4 and report["seeds"] == 3
    assert report["spread"]["within_variant_sd"] > 2 * report["spread"]["between_variant_sd"]
    assert report["chosen_on_validation"]["seed 1"] == "gru-sum"
    assert report["chosen_on_validation"]["seed 2"] == "gru-concat"
    # one seed alone "finds" a merge-mode effect; all seeds together do not
    assert report["factorial"]["seed 1"]["merge_mode"]["found"]
    assert report["factorial"]["all"]["merge_mode"]["found"] == []


def test_a_run_without_seeds_is_a_clear_error(tmp_path):
    Layout(tmp_path).test_split_path.parent.mkdir(parents=True)
    np.savez(Layout(tmp_path).test_split_path, y=np.zeros(3, np.int8))
    Layout(tmp_path).metrics_dir.mkdir(parents=True)
    with pytest.raises(ValueError, match="run with variants.seeds"):
        seed_report(tmp_path)
