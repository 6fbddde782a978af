"""Stage: fit one variant, once per seed, and write what it learned.

Each seed is seeded, checkpointed every epoch (:mod:`birnn.modeling.checkpoint`) and
early-stopped on validation loss (:mod:`birnn.modeling.epoch_loop`). A loss that turns NaN or
an exception marks the seed failed with the reason (:mod:`birnn.modeling.outcome`) instead of
failing the pipeline, so the other variants still get compared. The variant keeps the seed
with the lowest validation loss (:mod:`birnn.modeling.seed_runs`), and its folder and curve
are written atomically (:mod:`birnn.modeling.trained_variant`).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from birnn.config import CleanParams, ModelParams, TrainParams, parse_variant
from birnn.modeling.outcome import TrainSummary
from birnn.modeling.precision import set_precision
from birnn.modeling.progress import NO_OBSERVER, TrainingObserver
from birnn.modeling.seed_runs import train_seeds, variant_info
from birnn.modeling.trained_variant import (
    processed_label_names,
    write_curves,
    write_variant_folder,
)
from birnn.modeling.training_data import TrainingData

__all__ = ["TrainSummary", "train_variant"]


def train_variant(
    processed_dir: str | Path,
    variant: str,
    model_params: ModelParams,
    train_params: TrainParams,
    clean_params: CleanParams,
    seeds: int | Sequence[int],
    model_dir: str | Path,
    curves_path: str | Path,
    checkpoint_dir: str | Path | None = None,
    pretrained_dir: str | Path | None = None,
    observer: TrainingObserver = NO_OBSERVER,
) -> TrainSummary:
    """Stage: processed split (+ the pretrain stage's vectors) -> models/<variant>/ +
    reports/curves/<variant>.csv.

    One model per seed. With several seeds, every seed's model lands in
    ``models/<variant>/seeds/seed-<n>/`` and the one with the lowest validation loss (never
    the test score) is also the variant's model at the top of the folder, the one predict and
    MLflow serve. ``clean_params`` travel with the model so prediction normalises text like
    training did. ``checkpoint_dir`` holds per-epoch state and finished seeds; a re-run with
    the same inputs resumes from it. ``observer`` hears of each seed and epoch as they finish.
    """
    seeds = [seeds] if isinstance(seeds, int) else list(seeds)
    processed_dir = Path(processed_dir)
    checkpoint_dir = Path(checkpoint_dir or Path(model_dir).parent / ".checkpoints" / variant)
    data = TrainingData.load(processed_dir, model_params, seeds[0], pretrained_dir)
    set_precision(train_params.mixed_precision)
    identity = variant_identity(variant, data, model_params, train_params, clean_params)
    trained = train_seeds(
        data, identity, model_params, train_params, seeds, processed_dir, checkpoint_dir, observer
    )
    info = variant_info(trained, processed_label_names(processed_dir))
    write_variant_folder(model_dir, info, trained, checkpoint_dir)
    write_curves(model_dir, curves_path)
    observer.variant_finished(info["status"], info.get("error"))
    if info["seeds_failed"] == 0:
        shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return TrainSummary(**{k: info[k] for k in TrainSummary.__dataclass_fields__})


def variant_identity(
    variant: str,
    data: TrainingData,
    model_params: ModelParams,
    train_params: TrainParams,
    clean_params: CleanParams,
) -> dict:
    """What a variant is and was trained with: the head of its variant.json."""
    cell, merge_mode, direction = parse_variant(variant)
    return {
        "variant": variant,
        "cell": cell,
        "merge_mode": merge_mode,
        "direction": direction,
        "embedding_coverage": data.coverage,
        "model": model_params.model_dump(),
        "train": train_params.model_dump(),
        "clean": clean_params.model_dump(),
    }
