"""train: fit one variant, then score it (one process, so one Keras start-up per variant).

A variant whose training fails is still scored: its metrics record says why, so compare and
track go on with the others. While it trains, its MLflow run is live (birnn.tracking.live):
the stage hands it to the epoch loop as the observer of its epochs."""

from __future__ import annotations

from birnn.config import Params
from birnn.data.sources import has_unlabeled
from birnn.layout import Layout
from birnn.modeling import train
from birnn.modeling.pretrain import chosen_method
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
        starting_vectors_dir(params, layout),
        live_runs(params, variant),
    )
    return done(f"train {variant}", summary)


def starting_vectors_dir(params: Params, layout: Layout):
    """The pretrain stage's folder when the variants start from its vectors, else None:
    with model.pretrained auto and no unlabeled text they start from random vectors, and a
    project (cumsum, a hand-run `birnn train`) need not have run pretrain."""
    method = chosen_method(params.model.pretrained, has_unlabeled(params.data))
    return None if method == "none" else layout.pretrained_dir


def run(params: Params, layout: Layout, variant: str) -> dict:
    summary = fit(params, layout, variant)
    return {**summary, "evaluation": score.run(params, layout, variant)}
