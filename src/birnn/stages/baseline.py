"""baseline: the non-recurrent reference of the task (TF-IDF + logistic regression for text)."""

from __future__ import annotations

from birnn.config import Params
from birnn.layout import BASELINE_NAME, Layout
from birnn.stages import done, some
from birnn.tasks import task_of


def run(params: Params, layout: Layout) -> dict:
    task = task_of(layout.tokens_path)
    result = task.baseline(
        layout.tokens_path,
        layout.processed_dir,
        params.seed,
        layout.metrics_path(BASELINE_NAME),
        layout.predictions_path(BASELINE_NAME),
    )
    return done("baseline", some(result, ("accuracy", "f1", "roc_auc", "sequence_accuracy")))
