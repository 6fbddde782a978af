"""The bag-of-words reference: TF-IDF (word 1-2 grams) + logistic regression (multinomial for
K classes), fitted on the same training rows and scored on the same test rows as the recurrent
variants."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from birnn.files import write_json
from birnn.messages import excerpt
from birnn.modeling.scoring import classification_metrics, save_predictions, validation_scores
from birnn.tasks.classes import split_classes
from birnn.tasks.processed import load_rows

# what the comparison's rows need besides the name: not a recurrent cell, no merge mode
SHAPE = {"cell": "tfidf", "merge_mode": None, "direction": None, "kind": "baseline"}


def train_baseline(
    tokens_path: str | Path,
    processed_dir: str | Path,
    seed: int,
    metrics_path: str | Path,
    predictions_path: str | Path,
    *,
    name: str,
    label: str,
) -> dict:
    """tokens + split row ids -> metrics and test predictions, as the baseline ``name``
    (``label``: what the verdict calls it)."""
    identity = {"variant": name, "name": label, **SHAPE}
    processed_dir = Path(processed_dir)
    frame = pd.read_parquet(tokens_path)
    docs = frame["tokens"].str.join(" ").to_numpy(dtype=object)
    labels = frame["label"].to_numpy()
    train, val, test = (load_rows(processed_dir, name) for name in ("train", "val", "test"))
    started = time.perf_counter()
    try:
        model = _fit(docs[train], labels[train], seed)
    except ValueError as err:  # e.g. no word left after min_df: numbers-only or tiny data
        return _failed(identity, metrics_path, predictions_path, err, len(train))
    seconds = time.perf_counter() - started
    classes = split_classes(processed_dir)  # None: binary

    def probabilities(rows: np.ndarray) -> np.ndarray:
        """Binary: of class 1; multiclass: one column per class, every class (one that no
        training row has gets 0)."""
        found = model.predict_proba(docs[rows])
        if classes is None:
            return found[:, 1]
        prob = np.zeros((len(rows), len(classes)), dtype=found.dtype)
        prob[:, model.classes_.astype(int)] = found
        return prob

    prob = probabilities(test)
    save_predictions(predictions_path, prob)
    result = {
        **identity,
        "status": "ok",
        **validation_scores(labels[val], probabilities(val)),
        **classification_metrics(labels[test], prob, classes=classes),
        "parameters": int(model[-1].coef_.size + model[-1].intercept_.size),
        "train_seconds": round(seconds, 3),
    }
    write_json(metrics_path, result)
    return result


def _fit(docs, labels, seed: int):
    """TF-IDF + logistic regression; words seen once count too when nothing else is left
    (a small training split), rather than failing on an empty vocabulary."""
    last: ValueError | None = None
    for min_df in (2, 1):
        # token_pattern keeps every pre-tokenized token, punctuation included
        model = make_pipeline(
            TfidfVectorizer(
                ngram_range=(1, 2), min_df=min_df, sublinear_tf=True, token_pattern=r"\S+"
            ),
            LogisticRegression(C=4.0, max_iter=2000, random_state=seed),
        )
        try:
            return model.fit(docs, labels)
        except ValueError as err:
            last = err
    raise last


def _failed(identity: dict, metrics_path, predictions_path, err: ValueError, n_train: int) -> dict:
    """A baseline that cannot be fitted is a recorded failure the comparison lists, not a
    stage that stops the pipeline with scikit-learn's words."""
    reason = str(err)
    if "no terms remain" in reason or "empty vocabulary" in reason:
        reason = (
            f"no usable words in the {n_train} training texts (empty vocabulary): the texts "
            "hold no repeated words; check data.text_column and the clean report's warnings"
        )
    result = {
        **identity,
        "status": "failed",
        "error": f"TF-IDF baseline could not be fitted: {excerpt(reason, 300)}",
    }
    write_json(metrics_path, result)
    # an empty array, not a missing file: DVC stops at a declared output that is missing
    save_predictions(predictions_path, np.empty(0, dtype=np.float32))
    return result
