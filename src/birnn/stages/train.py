"""train: fit one variant, then score it (one process, so one Keras start-up per variant).

A variant whose training fails is still scored: its metrics record says why, so compare and
track go on with the others."""

from __future__ import annotations

from birnn.config import Params
from birnn.layout import Layout
from birnn.modeling import train
from birnn.stages import done
from birnn.stages import evaluate as score


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
    )
    return done(f"train {variant}", summary)


def run(params: Params, layout: Layout, variant: str) -> dict:
    summary = fit(params, layout, variant)
    return {**summary, "evaluation": score.run(params, layout, variant)}
