"""Minimal pairs that share their words but differ in order or negation: whether a text model
reads word order, scored from raw text through the caller's predict function (the one
`birnn predict` uses), so the task needs no serving code."""

from __future__ import annotations

import numpy as np

from birnn.tasks.interface import PredictTexts

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


def probe_scores(predict: PredictTexts, threshold: float = 0.5) -> dict:
    """The minimal pairs, read from raw text by ``predict`` (texts -> positive probabilities)."""
    probabilities = np.asarray(predict([text for text, _ in PROBES]), dtype=float).reshape(-1)
    labels = (probabilities >= threshold).astype(int)
    return {
        "probe_accuracy": float(np.mean([y == want for y, (_, want) in zip(labels, PROBES)])),
        "probes": [
            {"text": text, "expected": want, "probability": round(float(p), 4)}
            for p, (text, want) in zip(probabilities, PROBES)
        ],
    }


def probes_skipped(classes: list[str]) -> dict:
    """What a multiclass model's metrics say instead of probe scores: the probes are
    negative/positive sentences, and its classes are others."""
    return {
        "probes_skipped": (
            "the probes are negative/positive sentences with a binary answer; this model tells "
            f"{len(classes)} classes apart ({', '.join(classes)})"
        )
    }
