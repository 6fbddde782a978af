"""One model per seed, and the one the variant keeps: finished seeds first, then the lowest
validation loss (the test set never picks a model). A seed that finished is not trained again
with the same inputs; a seed that fails is recorded and the others go on."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from birnn.config import ModelParams, TrainParams
from birnn.modeling import epoch_loop
from birnn.modeling.checkpoint import (
    fingerprint,
    finished_seed,
    save_finished_seed,
    seed_checkpoint_dir,
)
from birnn.modeling.model_folder import LABEL_NAMES
from birnn.modeling.outcome import crashed, diverged, summarize
from birnn.modeling.progress import NO_OBSERVER, TrainingObserver
from birnn.modeling.seeding import seed_everything
from birnn.modeling.training_data import TrainingData
from birnn.tasks import task_of

# what variant.json keeps of each seed when several were trained
SEED_FIELDS = (
    "seed",
    "status",
    "error",
    "epochs_run",
    "best_epoch",
    "best_val_loss",
    "best_val_accuracy",
    "seconds",
    "seconds_per_epoch",
    "resumed_from_epoch",
    "learned",
)
Run = tuple[dict, dict]  # a seed's info (variant.json) and history (history.json)


def train_seeds(
    data: TrainingData,
    identity: dict,
    model_params: ModelParams,
    train_params: TrainParams,
    seeds: Sequence[int],
    processed_dir: Path,
    checkpoint_dir: Path,
    observer: TrainingObserver = NO_OBSERVER,
) -> dict[int, Run]:
    seeds = list(seeds)
    return {
        seed: train_seed(
            data,
            identity,
            model_params,
            train_params,
            seed,
            processed_dir,
            seed_checkpoint_dir(checkpoint_dir, seeds, seed),
            identity["variant"] if len(seeds) == 1 else f"{identity['variant']} seed {seed}",
            observer,
        )
        for seed in seeds
    }


def train_seed(
    data: TrainingData,
    identity: dict,
    model_params: ModelParams,
    train_params: TrainParams,
    seed: int,
    processed_dir: Path,
    run_dir: Path,
    name: str,
    observer: TrainingObserver = NO_OBSERVER,
) -> Run:
    """Train one seed, or reuse its finished result in ``run_dir``. A failed seed saves
    nothing there: its checkpoint folder may be what failed."""
    import keras

    inputs = fingerprint(
        identity["variant"],
        model_params,
        train_params,
        seed,
        processed_dir,
        data.embedding_digest(),
    )
    done = finished_seed(run_dir, inputs)
    if done is not None:
        return done

    def new_model():
        seed_everything(seed)
        model = task_of(data.vocab).build_model(
            identity["cell"],
            identity["merge_mode"],
            identity["direction"],
            data.vocab,
            model_params,
            train_params.learning_rate,
            train_params.clipnorm,
            data.embedding_matrix,
        )
        if train_params.adversarial == "fgm":
            from birnn.modeling.adversarial import train_adversarially

            train_adversarially(model, train_params.adversarial_epsilon)
        return model

    error, model, state = None, None, None
    try:
        model, state = epoch_loop.fit_epochs(
            new_model, data.train, data.val, train_params, seed, run_dir, inputs, name, observer
        )
        error = diverged(state)
    except Exception as err:  # noqa: BLE001 - one variant failing must not stop the comparison
        error = crashed(err)
    summary = summarize(
        identity["variant"],
        state,
        model,
        error,
        keras.backend.backend(),
        seed,
        train_params.plateau_margin,
    )
    observer.seed_finished(seed, summary.status, summary.error)
    info = {**identity, **asdict(summary), "fingerprint": inputs}
    history = state.history if state else {}
    if summary.status == "ok":
        save_finished_seed(run_dir, model, info, history, processed_dir)
    return info, history


def selection_key(run: dict) -> tuple[bool, float]:
    """Finished seeds first, then the lowest validation loss: the test set never picks a model."""
    loss = run["best_val_loss"]
    return run["status"] != "ok", math.inf if loss is None else loss


def selected_seed(trained: dict[int, Run]) -> int:
    return min((info for info, _ in trained.values()), key=selection_key)["seed"]


def variant_info(trained: dict[int, Run], label_names: list[str] | None) -> dict:
    """variant.json of the variant: the selected seed's info, with how many seeds finished, the
    class names and, when several were trained, what each of them did."""
    runs = [info for info, _ in trained.values()]
    selected = trained[selected_seed(trained)][0]
    info = {
        **selected,
        "selected_seed": selected["seed"],
        "selected_by": "lowest validation loss",
        "seeds_ok": sum(run["status"] == "ok" for run in runs),
        "seeds_failed": sum(run["status"] != "ok" for run in runs),
        LABEL_NAMES: label_names,
    }
    if len(runs) > 1:
        info["seeds"] = [{k: run[k] for k in SEED_FIELDS if k in run} for run in runs]
    return info
