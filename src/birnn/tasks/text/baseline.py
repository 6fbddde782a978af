"""The bag-of-words reference: TF-IDF (word 1-2 grams) + logistic regression, fitted on the
same training rows and scored on the same test rows as the recurrent variants."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from birnn.files import write_json
from birnn.layout import BASELINE_NAME
from birnn.modeling.scoring import classification_metrics, save_predictions, validation_scores
from birnn.tasks.processed import load_rows


def train_baseline(
    tokens_path: str | Path,
    processed_dir: str | Path,
    seed: int,
    metrics_path: str | Path,
    predictions_path: str | Path,
) -> dict:
    """Stage: tokens + split row ids -> reports/metrics/tfidf-logreg.json + predictions."""
    processed_dir = Path(processed_dir)
    frame = pd.read_parquet(tokens_path)
    docs = frame["tokens"].str.join(" ").to_numpy(dtype=object)
    labels = frame["label"].to_numpy()
    train, val, test = (load_rows(processed_dir, name) for name in ("train", "val", "test"))
    # token_pattern keeps every pre-tokenized token, punctuation included
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"\S+"),
        LogisticRegression(C=4.0, max_iter=2000, random_state=seed),
    )
    started = time.perf_counter()
    model.fit(docs[train], labels[train])
    seconds = time.perf_counter() - started
    prob = model.predict_proba(docs[test])[:, 1]
    save_predictions(predictions_path, prob)
    result = {
        "variant": BASELINE_NAME,
        "cell": "tfidf",
        "merge_mode": None,
        "direction": None,
        "kind": "baseline",
        "status": "ok",
        **validation_scores(labels[val], model.predict_proba(docs[val])[:, 1]),
        **classification_metrics(labels[test], prob),
        "parameters": int(model[-1].coef_.size + 1),
        "train_seconds": round(seconds, 3),
    }
    write_json(metrics_path, result)
    return result
