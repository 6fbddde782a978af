"""Minimal pairs that share their words but differ in order or negation: whether a text model
reads word order, scored from raw text the way `birnn predict` reads it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

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


def probe_scores(model_dir: Path) -> dict:
    """The minimal pairs, read from raw text the way `birnn predict` reads it."""
    from birnn.serving.predict import Predictor

    probes = Predictor.from_dir(model_dir).predict([text for text, _ in PROBES])
    return {
        "probe_accuracy": float(np.mean([p.label == want for p, (_, want) in zip(probes, PROBES)])),
        "probes": [
            {"text": p.text, "expected": want, "probability": round(p.probability, 4)}
            for p, (_, want) in zip(probes, PROBES)
        ],
    }
