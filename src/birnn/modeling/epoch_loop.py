"""The epoch loop of one seed: early stopping on validation loss with the best weights
restored, and the learning rate reduced on plateaus.

It is written out (one ``fit`` call per epoch, reseeded per epoch) instead of Keras callbacks
so that a killed run resumes from its last checkpoint and ends with exactly the result of an
uninterrupted run: callbacks keep their counters in memory, which a SIGKILL loses.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from birnn.config import TrainParams
from birnn.modeling.checkpoint import (
    BEST_WEIGHTS,
    LoopState,
    resume,
    save_checkpoint,
    save_weights,
)
from birnn.modeling.plateau import patience_counts, trivial_loss
from birnn.modeling.progress import NO_OBSERVER, TrainingObserver, last_epoch
from birnn.modeling.seeding import epoch_seed, reseed_epoch
from birnn.tasks.classes import imbalanced

# a child of "birnn": the CLI prints it, and the Prefect flow forwards "birnn" to its run logs
log = logging.getLogger(__name__)

Split = tuple[np.ndarray, np.ndarray]


def fit_epochs(
    new_model: Callable[[], object],
    train: Split,
    val: Split,
    params: TrainParams,
    seed: int,
    checkpoint_dir: Path,
    fingerprint: str,
    name: str = "model",
    observer: TrainingObserver = NO_OBSERVER,
):
    """Train ``new_model()`` from its checkpoint (if any) to the end; return the model with
    its best weights and the loop state. ``observer`` hears of every finished epoch once its
    checkpoint is saved, so a resumed run never reports an epoch twice."""
    model = new_model()
    state = resume(model, checkpoint_dir, fingerprint) or LoopState(
        fingerprint, learning_rate=params.learning_rate
    )
    state.resumed_from_epoch = state.epoch
    observer.seed_started(seed, fingerprint, state.history)
    n_classes = classes_of(model)
    weights = class_weights(train[1], params.class_weight, n_classes)
    state.trivial_val_loss = trivial_loss(val[1], weights is not None, n_classes)
    best_weights = checkpoint_dir / BEST_WEIGHTS
    while state.epoch < params.epochs:
        seconds = run_epoch(model, train, val, params, weights, seed, state)
        log.info(epoch_line(name, state, params.epochs, seconds))
        if not last_losses_finite(state):
            observer.epoch_finished(seed, state.epoch, last_epoch(state.history))
            break
        if track_best(state, params):
            save_weights(model, best_weights)
        save_checkpoint(model, state, checkpoint_dir)
        observer.epoch_finished(seed, state.epoch, last_epoch(state.history))
        if state.wait and state.wait >= params.patience:
            break
    if best_weights.is_file():
        model.load_weights(best_weights)
    return model, state


def run_epoch(
    model,
    train: Split,
    val: Split,
    params: TrainParams,
    weights: dict[int, float] | None,
    seed: int,
    state: LoopState,
) -> float:
    """One epoch, recorded in ``state``; returns its seconds."""
    from birnn.modeling.batches import BucketedBatches, bucketable

    this_epoch = epoch_seed(seed, state.epoch)
    reseed_epoch(model, this_epoch)
    model.optimizer.learning_rate.assign(state.learning_rate)
    started = time.perf_counter()
    if params.length_buckets > 1 and bucketable(train) and bucketable(val):
        # the batch order comes from the epoch's seed too, so a resumed run replays it
        data = {
            "x": BucketedBatches(train, params.batch_size, params.length_buckets, this_epoch),
            "validation_data": BucketedBatches(val, params.batch_size, params.length_buckets),
        }
    else:
        data = {
            "x": train[0],
            "y": train[1],
            "validation_data": val,
            "batch_size": params.batch_size,
            "shuffle": True,
        }
    fit = model.fit(**data, epochs=1, class_weight=weights, verbose=fit_verbosity())
    seconds = time.perf_counter() - started
    state.seconds += seconds
    state.epoch += 1
    for key, values in fit.history.items():
        state.history.setdefault(key, []).append(float(values[-1]))
    state.history.setdefault("learning_rate", []).append(float(state.learning_rate))
    return seconds


def last_losses_finite(state: LoopState) -> bool:
    return math.isfinite(state.history["val_loss"][-1]) and math.isfinite(state.history["loss"][-1])


def track_best(state: LoopState, params: TrainParams) -> bool:
    """Update the early-stopping and learning-rate counters; True when this epoch is the best."""
    val_loss = state.history["val_loss"][-1]
    if val_loss < state.best_val_loss - params.min_delta:
        state.best_val_loss, state.best_epoch = val_loss, state.epoch
        state.wait = state.plateau_wait = 0
        return True
    # patience and learning-rate decay count only off the initial plateau: stopping (or
    # slowing) on it would end a variant before it learned, but a loss that climbs above it
    # would otherwise train until train.epochs
    if patience_counts(
        val_loss, state.best_val_loss, state.trivial_val_loss, params.plateau_margin
    ):
        state.wait += 1
        state.plateau_wait += 1
        if params.lr_patience and state.plateau_wait >= params.lr_patience:
            state.learning_rate = max(
                params.min_learning_rate, state.learning_rate * params.lr_factor
            )
            state.plateau_wait = 0
    return False


def classes_of(model) -> int:
    """How many classes a model tells apart: the width of its softmax head, else 2 (a sigmoid
    output, one unit per label)."""
    return max(2, int(model.outputs[0].shape[-1]))


def class_weights(labels: np.ndarray, mode: str, n_classes: int = 2) -> dict[int, float] | None:
    """'balanced' always, 'auto' only when the classes are imbalanced (the largest has more
    than 1.5 times the rows of the smallest: for two classes, the minority under 40%)."""
    if labels.ndim > 1:  # per-timestep targets (cumsum): Keras reads (N, T) as one-hot, never weigh
        return None
    labels = labels[np.isfinite(labels)] if labels.dtype.kind == "f" else labels
    counts = np.bincount(labels.astype(int), minlength=n_classes).astype(float)
    if mode == "none" or counts.min() == 0:
        return None
    if mode == "auto" and not imbalanced(counts):
        return None
    from sklearn.utils.class_weight import compute_class_weight

    classes = np.arange(n_classes)
    weights = compute_class_weight("balanced", classes=classes, y=labels.astype(int))
    return {int(c): float(w) for c, w in zip(classes, weights)}


def fit_verbosity() -> int:
    """Keras' per-batch progress bar on a terminal; nothing where output is a log (CI, DVC
    piping, Prefect), which gets the one line per epoch of :func:`epoch_line` instead."""
    if os.environ.get("BIRNN_VERBOSE_FIT"):
        return 2
    return int(sys.stdout.isatty() and not os.environ.get("CI"))


def epoch_line(name: str, state: LoopState, total: int, seconds: float) -> str:
    """One finished epoch as a log line; the ETA assumes every remaining epoch runs (early
    stopping can only make it shorter)."""
    last = {k: v[-1] for k, v in state.history.items() if v}
    eta = max(0, total - state.epoch) * state.seconds / max(state.epoch, 1)
    scores = " ".join(
        f"{key} {last[key]:.4f}" for key in ("loss", "val_loss", "val_accuracy") if key in last
    )
    return f"train {name}: epoch {state.epoch}/{total} {scores} {seconds:.1f}s ETA {eta:.0f}s"
