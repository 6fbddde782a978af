"""evaluate: score one trained variant on the validation and test splits."""

from __future__ import annotations

from birnn.config import Params
from birnn.layout import Layout
from birnn.modeling import evaluate
from birnn.stages import done, some

SUMMARY_KEYS = (
    "status",
    "error",
    "reason",
    "val_accuracy",
    "accuracy",
    "f1",
    "roc_auc",
    "probe_accuracy",
    "sequence_accuracy",
)


def run(params: Params, layout: Layout, variant: str) -> dict:
    result = evaluate.evaluate_variant(
        layout.model_dir(variant),
        layout.processed_dir,
        layout.metrics_path(variant),
        layout.predictions_path(variant),
    )
    return done(f"evaluate {variant}", some(result, SUMMARY_KEYS))
