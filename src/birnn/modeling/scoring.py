"""The scores every variant and baseline reports, computed the same way for all, and the
predictions file compare pairs them on."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from sklearn import metrics as skm

from birnn.files import atomic_path
from birnn.tasks.classes import grades, predicted_labels


def classification_metrics(
    y_true: np.ndarray,
    prob: np.ndarray,
    threshold: float = 0.5,
    classes: list[str] | None = None,
) -> dict:
    """The metrics every variant and baseline reports, computed the same way for all.
    ``prob`` of one row per label is binary (the probability of class 1); a row of K
    probabilities per label is multiclass (:func:`multiclass_metrics`)."""
    if np.ndim(prob) == np.ndim(y_true) + 1:
        return multiclass_metrics(y_true, prob, classes)
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


def multiclass_metrics(
    y_true: np.ndarray, prob: np.ndarray, classes: list[str] | None = None
) -> dict:
    """K classes: accuracy, balanced accuracy, macro-F1 (also as ``f1``, with ``precision``
    and ``recall`` the macro averages too: no class is "the positive one"), precision, recall
    and F1 per class, the K x K confusion matrix (rows: true class, columns: predicted), log
    loss, one-vs-rest ROC AUC (macro; None unless every class is among the labels) and, for
    classes named by increasing numbers (grades), the mean absolute error in grades."""
    y_true = np.asarray(y_true).astype(int)
    prob = np.asarray(prob, dtype=np.float64)
    k = prob.shape[-1]
    names = list(classes) if classes else [str(c) for c in range(k)]
    labels = list(range(k))
    y_pred = predicted_labels(prob, multiclass=True)
    with warnings.catch_warnings():  # a class missing from a tiny split: scored, not warned
        warnings.simplefilter("ignore")
        precision, recall, f1, support = skm.precision_recall_fscore_support(
            y_true, y_pred, labels=labels, zero_division=0
        )
        auc = (
            float(skm.roc_auc_score(y_true, prob, multi_class="ovr", labels=labels))
            if len(np.unique(y_true)) == k
            else None
        )
    out = {
        "accuracy": float(skm.accuracy_score(y_true, y_pred)),
        **balance_scores(y_true, y_pred, n_classes=k),
        "precision": float(np.mean(precision)),
        "recall": float(np.mean(recall)),
        "f1": float(np.mean(f1)),
        "roc_auc": auc,
        "log_loss": float(skm.log_loss(y_true, _normalised(prob), labels=labels)),
        "confusion_matrix": skm.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "classes": names,
        "per_class": {
            name: {
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": int(n),
            }
            for name, p, r, f, n in zip(names, precision, recall, f1, support)
        },
        "n_test": int(len(y_true)),
    }
    if (scale := grades(names)) is not None:
        out["grade_mae"] = float(np.mean(np.abs(scale[y_pred] - scale[y_true])))
    return out


def _normalised(prob: np.ndarray) -> np.ndarray:
    """Probabilities clipped away from 0 and summing to 1 per row (log loss of float32 softmax
    rows whose sum is off in the 7th digit)."""
    prob = np.clip(prob, 1e-7, 1.0)
    return prob / prob.sum(axis=-1, keepdims=True)


def save_predictions(path: str | Path, prob: np.ndarray) -> None:
    """Test-set probabilities, row-aligned with test.npz: compare pairs variants on them.
    Multiclass adds a trailing axis (one probability per class); several seeds add a leading
    axis (birnn.tasks.classes)."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.save(fh, prob.astype(np.float32), allow_pickle=False)


def balance_scores(
    y_true: np.ndarray, y_pred: np.ndarray, prefix: str = "", n_classes: int = 2
) -> dict:
    """Scores that see a minority class: accuracy per class averaged, and F1 per class
    averaged; on 99:1 data a model that always answers the majority gets 0.5 and about 0.5,
    not 0.99."""
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    with warnings.catch_warnings():  # one class only in a tiny split: scored, not warned
        warnings.simplefilter("ignore")
        return {
            f"{prefix}balanced_accuracy": float(skm.balanced_accuracy_score(y_true, y_pred)),
            f"{prefix}macro_f1": float(
                skm.f1_score(
                    y_true,
                    y_pred,
                    average="macro",
                    labels=list(range(n_classes)),
                    zero_division=0,
                )
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
    "grade_mae",
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
    """Accuracy and log loss on the validation split: what the comparison chooses by (prob:
    one per label, or a row of K class probabilities per label)."""
    if np.ndim(prob) == np.ndim(y_val) + 1:
        y_val, prob = np.asarray(y_val).astype(int), np.asarray(prob, dtype=np.float64)
        k = prob.shape[-1]
        y_pred = predicted_labels(prob, multiclass=True)
        return {
            "val_accuracy": float(np.mean(y_pred == y_val)),
            "val_loss": float(skm.log_loss(y_val, _normalised(prob), labels=list(range(k)))),
            **balance_scores(y_val, y_pred, prefix="val_", n_classes=k),
        }
    y_val, prob = np.asarray(y_val).reshape(-1), np.asarray(prob).reshape(-1)
    return {
        "val_accuracy": float(np.mean((prob >= 0.5) == (y_val == 1))),
        "val_loss": float(skm.log_loss(y_val, np.clip(prob, 1e-7, 1 - 1e-7), labels=[0, 1])),
        **balance_scores(y_val, (prob >= 0.5).astype(int), prefix="val_"),
    }
