"""The minimal pairs are scored through whatever predict function the caller passes."""

import numpy as np

from birnn.tasks.text.probes import PROBES, probe_scores


def test_probes_are_scored_by_the_given_predict_function():
    def answers_the_expected_label(texts):
        expected = dict(PROBES)
        return np.array([0.9 if expected[t] else 0.2 for t in texts])

    scores = probe_scores(answers_the_expected_label)
    assert scores["probe_accuracy"] == 1.0 and len(scores["probes"]) == len(PROBES)
    assert scores["probes"][1] == {
        "text": PROBES[1][0],
        "expected": PROBES[1][1],
        "probability": 0.2,
    }
    always_positive = probe_scores(lambda texts: np.full(len(texts), 0.9))
    assert always_positive["probe_accuracy"] == np.mean([want for _, want in PROBES])
