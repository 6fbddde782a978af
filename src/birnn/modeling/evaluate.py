"""Score one trained variant on the held-out test split with its task's metrics (text models
also answer the probe sentences that show whether they read word order)."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import numpy as np

from birnn.files import write_json
from birnn.modeling.model_folder import (
    MODEL_FILE,
    VAL_PREDICTIONS_FILE,
    load_keras_model,
    load_variant_info,
    seed_dir,
)
from birnn.modeling.scoring import balance_scores, save_predictions, seed_statistics
from birnn.tasks import PredictTexts, task_of
from birnn.tasks.classes import class_names, predicted_labels
from birnn.tasks.processed import VOCAB_FILE, load_split, load_vocab


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
        # an empty array, not a missing file: DVC stops at a declared output that is missing,
        # and compare and track must still run for the other variants
        save_predictions(predictions_path, np.empty(0, dtype=np.float32))
        return result
    task = task_of(model_dir)
    classes = class_names(load_vocab(model_dir / VOCAB_FILE))  # None: binary
    score = partial(task.metrics, classes=classes)
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
        **_learning(info),
        **_validation(info),
        **_validation_balance(model_dir, info, processed_dir, classes),
        **scores,
        **task.extra_scores(
            text_predictor(model_dir) if task.serves_text and classes is None else None, classes
        ),
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


def text_predictor(model_dir: Path) -> PredictTexts:
    """The model as `birnn predict` runs it: raw text in, through its own cleaning and
    vocabulary."""
    from birnn.serving.predict import Predictor

    return Predictor.from_dir(model_dir).probabilities


def _learning(info: dict) -> dict:
    """'ok', or 'did_not_learn' with the reason: a variant whose validation loss never left the
    trivial plateau is scored (for the record) but not ranked as if it had been trained."""
    if info.get("learned", True):
        return {"status": "ok"}
    return {
        "status": "did_not_learn",
        "reason": (
            f"validation loss {info['best_val_loss']:.4f} never fell clearly below "
            f"{info['trivial_val_loss']:.4f}, the loss of predicting the class prior, in "
            f"{info['epochs_run']} epochs: raise train.epochs or change train.learning_rate"
        ),
    }


def _validation(info: dict) -> dict:
    """The validation scores the comparison chooses by (mean over seeds when several)."""
    runs = [s for s in info.get("seeds", []) if s["status"] == "ok"] or [info]
    accuracies = [r["best_val_accuracy"] for r in runs if r.get("best_val_accuracy") is not None]
    losses = [r["best_val_loss"] for r in runs if r.get("best_val_loss") is not None]
    return {
        "val_accuracy": float(np.mean(accuracies)) if accuracies else None,
        "val_loss": float(np.mean(losses)) if losses else None,
    }


def _validation_balance(
    model_dir: Path, info: dict, processed_dir, classes: list[str] | None = None
) -> dict:
    """Balanced accuracy and macro-F1 on validation (mean over seeds when several): what the
    comparison ranks by when the classes are imbalanced. The selected seed's probabilities are
    kept in the model folder: the champion rule tests a new model against the champion on them."""
    x_val, y_val = load_split(processed_dir, "val")
    seeds = [s["seed"] for s in info.get("seeds", []) if s["status"] == "ok"]
    folders = [
        model_dir if seed == info.get("seed") else seed_dir(model_dir, seed) for seed in seeds
    ] or [model_dir]
    scores = []
    for folder in folders:
        prob = _predict(load_keras_model(folder / MODEL_FILE), x_val, y_val.shape)
        if folder == model_dir:
            save_predictions(model_dir / VAL_PREDICTIONS_FILE, prob)
        predicted = predicted_labels(prob, multiclass=classes is not None)
        scores.append(
            balance_scores(y_val, predicted, prefix="val_", n_classes=len(classes or (0, 1)))
        )
    return {key: float(np.mean([s[key] for s in scores])) for key in scores[0]}


def _predict(model, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Probabilities in the labels' shape; a softmax head adds its class axis."""
    prob = model.predict(x, batch_size=1024, verbose=0)
    return prob.reshape(shape if prob.shape[-1] == 1 else (*shape, prob.shape[-1]))
