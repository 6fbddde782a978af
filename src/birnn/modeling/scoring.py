"""The scores every variant and baseline reports, computed the same way for all, and the
predictions file compare pairs them on."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from sklearn import metrics as skm

from birnn.files import atomic_path


def classification_metrics(y_true: np.ndarray, prob: np.ndarray, threshold: float = 0.5) -> dict:
    """The metrics every variant and baseline reports, computed the same way for all."""
    y_pred = (prob >= threshold).astype(int)
    both = len(np.unique(y_true)) == 2
    return {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        **balance_scores(y_true, y_pred),
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


def balance_scores(y_true: np.ndarray, y_pred: np.ndarray, prefix: str = "") -> dict:
    """Scores that see a minority class: accuracy per class averaged, and F1 per class
    averaged; on 99:1 data a model that always answers the majority gets 0.5 and about 0.5,
    not 0.99."""
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    with warnings.catch_warnings():  # one class only in a tiny split: scored, not warned
        warnings.simplefilter("ignore")
        return {
            f"{prefix}balanced_accuracy": float(skm.balanced_accuracy_score(y_true, y_pred)),
            f"{prefix}macro_f1": float(
                skm.f1_score(y_true, y_pred, average="macro", labels=[0, 1], zero_division=0)
            ),
        }


SEED_AVERAGED = (
    "accuracy",
    "balanced_accuracy",
    "macro_f1",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "log_loss",
    "sequence_accuracy",
)


def seed_statistics(
    y_true: np.ndarray, prob: np.ndarray, seeds: list[int], score=classification_metrics
) -> dict:
    """Metrics of a variant trained with several seeds: the mean over seeds under the usual
    names (so tables and MLflow rank by it), ``<metric>_std`` across seeds, and each seed's own
    scores. The confusion matrix stays the selected seed's."""
    per_seed = [score(y_true, row) for row in prob]
    keys = [k for k in SEED_AVERAGED if k in per_seed[0]]
    out: dict = {
        "n_seeds": len(seeds),
        "seed_scores": [
            {"seed": seed, **{k: m[k] for k in keys}} for seed, m in zip(seeds, per_seed)
        ],
    }
    for key in keys:
        values = [m[key] for m in per_seed if m[key] is not None]
        out[key] = float(np.mean(values)) if values else None
        out[f"{key}_std"] = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    return out


def validation_scores(y_val: np.ndarray, prob: np.ndarray) -> dict:
    """Accuracy and log loss on the validation split: what the comparison chooses by."""
    y_val, prob = np.asarray(y_val).reshape(-1), np.asarray(prob).reshape(-1)
    return {
        "val_accuracy": float(np.mean((prob >= 0.5) == (y_val == 1))),
        "val_loss": float(skm.log_loss(y_val, np.clip(prob, 1e-7, 1 - 1e-7), labels=[0, 1])),
        **balance_scores(y_val, (prob >= 0.5).astype(int), prefix="val_"),
    }
