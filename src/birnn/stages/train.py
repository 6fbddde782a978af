"""train: fit one variant, then score it (one process, so one Keras start-up per variant).

A variant whose training fails is still scored: its metrics record says why, so compare and
track go on with the others. While it trains, its MLflow run is live (birnn.tracking.live):
the stage hands it to the epoch loop as the observer of its epochs."""

from __future__ import annotations

from birnn.config import Params
from birnn.layout import Layout
from birnn.modeling import train
from birnn.stages import done
from birnn.stages import evaluate as score
from birnn.tracking.live import live_runs


def fit(params: Params, layout: Layout, variant: str) -> dict:
    summary = train.train_variant(
        layout.processed_dir,
        variant,
        params.model,
        params.train,
        params.clean,
        params.training_seeds(),
        layout.model_dir(variant),
        layout.curve_path(variant),
        layout.checkpoint_dir(variant),
        layout.pretrained_dir,
        live_runs(params, variant),
    )
    return done(f"train {variant}", summary)


def run(params: Params, layout: Layout, variant: str) -> dict:
    summary = fit(params, layout, variant)
    return {**summary, "evaluation": score.run(params, layout, variant)}
