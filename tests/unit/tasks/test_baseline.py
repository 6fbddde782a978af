"""The TF-IDF baseline on data that leaves it few or no words."""

import json

import numpy as np
import pandas as pd

from birnn import stages
from birnn.files import read_json
from birnn.tasks.text.baseline import train_baseline


def _inputs(tmp_path, texts, labels):
    frame = pd.DataFrame({"tokens": [t.split() for t in texts], "label": labels})
    frame.to_parquet(tmp_path / "tokens.parquet")
    processed = tmp_path / "processed"
    processed.mkdir()
    n = len(texts)
    parts = {
        "train": np.arange(0, n - 8),
        "val": np.arange(n - 8, n - 4),
        "test": np.arange(n - 4, n),
    }
    for name, rows in parts.items():
        np.savez(processed / f"{name}.npz", row=rows, y=np.asarray(labels)[rows])
    return tmp_path / "tokens.parquet", processed


def _fit(tokens, processed, tmp_path) -> dict:
    return train_baseline(
        tokens, processed, 0, tmp_path / "m.json", tmp_path / "p.npy", name="b", label="B"
    )


def test_numbers_only_text_fits_instead_of_failing_in_scikit_learn(tmp_path):
    texts = [str(1000 + i) for i in range(40)]  # every token seen once: nothing passes min_df=2
    tokens, processed = _inputs(tmp_path, texts, [i % 2 for i in range(40)])
    result = _fit(tokens, processed, tmp_path)
    assert result["status"] == "ok" and (tmp_path / "p.npy").is_file()


def test_no_words_at_all_is_a_recorded_failure_with_a_clear_message(tmp_path):
    tokens, processed = _inputs(tmp_path, [""] * 40, [i % 2 for i in range(40)])
    (tmp_path / "p.npy").write_bytes(b"stale")
    result = _fit(tokens, processed, tmp_path)
    assert (
        result["status"] == "failed"
        and "no usable words in the 32 training texts" in result["error"]
    )
    assert read_json(tmp_path / "m.json")["status"] == "failed"
    # no stale predictions beside a failure, and still the file DVC declares as the output
    assert np.load(tmp_path / "p.npy", allow_pickle=False).size == 0


def test_baseline_uses_the_same_test_rows(trained):
    params, layout, _ = trained
    stages.run_baseline(params, layout)
    metrics = json.loads(layout.metrics_path("tfidf-logreg").read_text())
    assert np.load(layout.predictions_path("tfidf-logreg")).shape == (metrics["n_test"],)
    n_test = len(np.load(layout.processed_dir / "test.npz")["y"])
    assert metrics["n_test"] == n_test and metrics["kind"] == "baseline"
