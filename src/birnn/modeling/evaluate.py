"""Score one trained variant on the held-out test split with its task's metrics (text models
also answer the probe sentences that show whether they read word order)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from birnn.files import write_json
from birnn.modeling.model_folder import MODEL_FILE, load_keras_model, load_variant_info, seed_dir
from birnn.modeling.scoring import save_predictions, seed_statistics
from birnn.tasks import task_of
from birnn.tasks.processed import load_split


def evaluate_variant(
    model_dir: str | Path,
    processed_dir: str | Path,
    metrics_path: str | Path,
    predictions_path: str | Path,
) -> dict:
    """Stage: models/<variant>/ + test split -> reports/metrics/<variant>.json + predictions.

    With several seeds the scores are averaged over them."""
    model_dir = Path(model_dir)
    info = load_variant_info(model_dir)
    identity = {
        "variant": info["variant"],
        "cell": info["cell"],
        "merge_mode": info["merge_mode"],
        "direction": info["direction"],
        "kind": "rnn",
    }
    if info.get("status", "ok") != "ok" or not (model_dir / MODEL_FILE).is_file():
        result = {
            **identity,
            "status": "failed",
            "error": info.get("error") or "no model was saved",
            "epochs_run": info.get("epochs_run", 0),
        }
        write_json(metrics_path, result)
        Path(predictions_path).unlink(missing_ok=True)
        return result
    task = task_of(model_dir)
    score = task.metrics
    x_test, y_test = load_split(processed_dir, "test")
    started = time.perf_counter()
    prob = _predict(load_keras_model(model_dir / MODEL_FILE), x_test, y_test.shape)
    seconds = time.perf_counter() - started
    scores = score(y_test, prob)
    seeds = [s for s in info.get("seeds", []) if s["status"] == "ok"]
    if seeds:  # several seeds: one row of probabilities per seed, metrics averaged over them
        prob = np.stack(
            [
                prob
                if s["seed"] == info["seed"]
                else _predict(
                    load_keras_model(seed_dir(model_dir, s["seed"]) / MODEL_FILE),
                    x_test,
                    y_test.shape,
                )
                for s in seeds
            ]
        )
        scores = {
            **scores,
            **seed_statistics(y_test, prob, [s["seed"] for s in seeds], score),
            "seeds_failed": info.get("seeds_failed", 0),
            "selected_seed": info["seed"],
            "seed_errors": [
                {"seed": s["seed"], "error": s["error"]}
                for s in info["seeds"]
                if s["status"] != "ok"
            ],
        }
    save_predictions(predictions_path, prob)
    result = {
        **identity,
        "status": "ok",
        **scores,
        **task.extra_scores(model_dir),
        "parameters": info["parameters"],
        "epochs_run": info["epochs_run"],
        "best_epoch": info["best_epoch"],
        "train_seconds": info["seconds"],
        "seconds_per_epoch": info["seconds_per_epoch"],
        "backend": info["backend"],
        f"predict_{task.unit}_per_second": round(len(x_test) / max(seconds, 1e-9), 1),
    }
    write_json(metrics_path, result)
    return result


def _predict(model, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return model.predict(x, batch_size=1024, verbose=0).reshape(shape)
