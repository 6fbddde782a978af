"""Score one trained variant on the held-out test split, plus probe sentences that show
whether it reads word order (negation, contrast, double negation)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from sklearn import metrics as skm

from .files import atomic_path, write_json
from .split import load_split
from .train import MODEL_FILE, load_variant_info, seed_dir

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
    """Test-set probabilities, row-aligned with test.npz: compare pairs variants on them.
    Several seeds add a leading axis: one row of probabilities per seed."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, prob.astype(np.float32), allow_pickle=False)


def evaluate_variant(model_dir: str | Path, processed_dir: str | Path, metrics_path: str | Path,
                     predictions_path: str | Path) -> dict:
    """Stage: models/<variant>/ + test split -> reports/metrics/<variant>.json + predictions.

    Text models also score the probe sentences; per-timestep (cumsum) models report
    per-timestep metrics. With several seeds the scores are averaged over them."""
    from .cumsum import is_sequence_model, sequence_metrics
    from .predict import load_keras_model

    model_dir = Path(model_dir)
    info = load_variant_info(model_dir)
    identity = {"variant": info["variant"], "cell": info["cell"], "merge_mode": info["merge_mode"],
                "direction": info["direction"], "kind": "rnn"}
    if info.get("status", "ok") != "ok" or not (model_dir / MODEL_FILE).is_file():
        result = {**identity, "status": "failed", "error": info.get("error") or "no model was saved",
                  "epochs_run": info.get("epochs_run", 0)}
        write_json(metrics_path, result)
        Path(predictions_path).unlink(missing_ok=True)
        return result
    sequences = is_sequence_model(model_dir)
    score = sequence_metrics if sequences else classification_metrics
    x_test, y_test = load_split(processed_dir, "test")
    started = time.perf_counter()
    prob = _predict(load_keras_model(model_dir / MODEL_FILE), x_test, y_test.shape)
    seconds = time.perf_counter() - started
    scores = score(y_test, prob)
    seeds = [s for s in info.get("seeds", []) if s["status"] == "ok"]
    if seeds:  # several seeds: one row of probabilities per seed, metrics averaged over them
        prob = np.stack([prob if s["seed"] == info["seed"] else
                         _predict(load_keras_model(seed_dir(model_dir, s["seed"]) / MODEL_FILE),
                                  x_test, y_test.shape) for s in seeds])
        scores = {**scores, **seed_statistics(y_test, prob, [s["seed"] for s in seeds], score),
                  "seeds_failed": info.get("seeds_failed", 0), "selected_seed": info["seed"],
                  "seed_errors": [{"seed": s["seed"], "error": s["error"]}
                                  for s in info["seeds"] if s["status"] != "ok"]}
    save_predictions(predictions_path, prob)
    unit = "sequences" if sequences else "texts"
    result = {**identity, "status": "ok", **scores,
              **({} if sequences else _probe_scores(model_dir)),
              "parameters": info["parameters"], "epochs_run": info["epochs_run"],
              "best_epoch": info["best_epoch"], "train_seconds": info["seconds"],
              "seconds_per_epoch": info["seconds_per_epoch"], "backend": info["backend"],
              f"predict_{unit}_per_second": round(len(x_test) / max(seconds, 1e-9), 1)}
    write_json(metrics_path, result)
    return result


def _predict(model, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return model.predict(x, batch_size=1024, verbose=0).reshape(shape)


def _probe_scores(model_dir: Path) -> dict:
    """The minimal pairs, read from raw text the way `birnn predict` reads it."""
    from .predict import Predictor

    probes = Predictor.from_dir(model_dir).predict([text for text, _ in PROBES])
    return {"probe_accuracy": float(np.mean([p.label == want for p, (_, want) in zip(probes, PROBES)])),
            "probes": [{"text": p.text, "expected": want, "probability": round(p.probability, 4)}
                       for p, (_, want) in zip(probes, PROBES)]}


SEED_AVERAGED = ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "sequence_accuracy")


def seed_statistics(y_true: np.ndarray, prob: np.ndarray, seeds: list[int],
                    score=classification_metrics) -> dict:
    """Metrics of a variant trained with several seeds: the mean over seeds under the usual
    names (so tables and MLflow rank by it), ``<metric>_std`` across seeds, and each seed's own
    scores. The confusion matrix stays the selected seed's."""
    per_seed = [score(y_true, row) for row in prob]
    keys = [k for k in SEED_AVERAGED if k in per_seed[0]]
    out: dict = {"n_seeds": len(seeds), "seed_scores": [
        {"seed": seed, **{k: m[k] for k in keys}} for seed, m in zip(seeds, per_seed)]}
    for key in keys:
        values = [m[key] for m in per_seed if m[key] is not None]
        out[key] = float(np.mean(values)) if values else None
        out[f"{key}_std"] = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return out
