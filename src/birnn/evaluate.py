"""Score one trained variant on the held-out test split, plus probe sentences that show
whether it reads word order (negation, contrast, double negation)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sklearn import metrics as skm

from .files import atomic_path, write_json
from .split import load_split
from .train import MODEL_FILE, load_variant_info

# (text, expected label): pairs that share their words but differ in order or negation
PROBES = [
    ("i love playing ball", 1),
    ("i do not love playing ball", 0),
    ("the acting was great", 1),
    ("the acting was not great", 0),
    ("great acting but a boring plot", 0),
    ("a boring plot but great acting", 1),
    ("the ending was not at all bad", 1),
    ("i can not say the story was not moving", 1),
    ("although the food was good , the service was awful", 0),
    ("although the service was awful , the food was good", 1),
]


def classification_metrics(y_true: np.ndarray, prob: np.ndarray, threshold: float = 0.5) -> dict:
    """The metrics every variant and baseline reports, computed the same way for all."""
    y_pred = (prob >= threshold).astype(int)
    both = len(np.unique(y_true)) == 2
    return {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        "precision": float(skm.precision_score(y_true, y_pred, zero_division=0)),
        "recall": float(skm.recall_score(y_true, y_pred, zero_division=0)),
        "f1": float(skm.f1_score(y_true, y_pred, zero_division=0)),
        "roc_auc": float(skm.roc_auc_score(y_true, prob)) if both else None,
        "log_loss": float(skm.log_loss(y_true, np.clip(prob, 1e-7, 1 - 1e-7), labels=[0, 1])),
        "confusion_matrix": skm.confusion_matrix(y_true, y_pred, labels=[0, 1]).tolist(),
        "n_test": int(len(y_true)),
    }


def save_predictions(path: str | Path, prob: np.ndarray) -> None:
    """Test-set probabilities, row-aligned with test.npz: compare pairs variants on them."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, prob.astype(np.float32), allow_pickle=False)


def evaluate_variant(model_dir: str | Path, processed_dir: str | Path, metrics_path: str | Path,
                     predictions_path: str | Path) -> dict:
    """Stage: models/<variant>/ + test split -> reports/metrics/<variant>.json + predictions."""
    from .cumsum import evaluate_sequences, is_sequence_model
    from .predict import Predictor

    info = load_variant_info(model_dir)
    identity = {"variant": info["variant"], "cell": info["cell"], "merge_mode": info["merge_mode"],
                "direction": info["direction"], "kind": "rnn"}
    if info.get("status", "ok") != "ok" or not (Path(model_dir) / MODEL_FILE).is_file():
        result = {**identity, "status": "failed", "error": info.get("error") or "no model was saved",
                  "epochs_run": info.get("epochs_run", 0)}
        write_json(metrics_path, result)
        Path(predictions_path).unlink(missing_ok=True)
        return result
    facts = {"parameters": info["parameters"], "epochs_run": info["epochs_run"],
             "best_epoch": info["best_epoch"], "train_seconds": info["seconds"],
             "seconds_per_epoch": info["seconds_per_epoch"], "backend": info["backend"]}
    if is_sequence_model(model_dir):  # cumsum: per-timestep metrics, no text, no probes
        result = {**identity, "status": "ok",
                  **evaluate_sequences(model_dir, processed_dir, predictions_path), **facts}
        write_json(metrics_path, result)
        return result
    predictor = Predictor.from_dir(model_dir)
    x_test, y_test = load_split(processed_dir, "test")
    started = time.perf_counter()
    prob = predictor.model.predict(x_test, batch_size=1024, verbose=0).reshape(-1)
    seconds = time.perf_counter() - started
    save_predictions(predictions_path, prob)
    probes = predictor.predict([text for text, _ in PROBES])
    result = {
        **identity, "status": "ok",
        **classification_metrics(y_test, prob),
        "probe_accuracy": float(np.mean([p.label == want for p, (_, want) in zip(probes, PROBES)])),
        "probes": [{"text": p.text, "expected": want, "probability": round(p.probability, 4)}
                   for p, (_, want) in zip(probes, PROBES)],
        **facts, "predict_texts_per_second": round(len(x_test) / max(seconds, 1e-9), 1),
    }
    write_json(metrics_path, result)
    return result
