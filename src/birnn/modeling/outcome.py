"""How a training run ended, as a record: finished or failed (with the reason a person can act
on), epochs, best validation scores, and whether it left the initial plateau. A failure is a
record rather than an exception so that the other variants still get compared."""

from __future__ import annotations

import math
import traceback
from dataclasses import dataclass

from birnn.modeling.checkpoint import LoopState
from birnn.modeling.plateau import left_plateau


@dataclass(frozen=True)
class TrainSummary:
    variant: str
    status: str  # "ok" | "failed"
    epochs_run: int
    best_epoch: int
    best_val_loss: float | None
    best_val_accuracy: float | None
    seconds: float
    seconds_per_epoch: float
    parameters: int
    backend: str
    resumed_from_epoch: int = 0
    error: str | None = None
    seed: int = 0  # the seed of this model (of the selected one when several were trained)
    seeds_ok: int = 1
    seeds_failed: int = 0
    learned: bool = True  # validation loss left the trivial plateau (train.plateau_margin)
    trivial_val_loss: float | None = None


def diverged(state: LoopState) -> str | None:
    """The reason to fail a run whose last training loss is not a number, else None."""
    if all(math.isfinite(v) for v in state.history.get("loss", [math.nan])[-1:]):
        return None
    return f"loss became NaN/inf at epoch {state.epoch}; lower train.learning_rate"


def crashed(err: Exception) -> str:
    """The reason to fail a run that raised; the traceback goes to the log for whoever debugs."""
    traceback.print_exc()
    return f"{type(err).__name__}: {err}"


def summarize(
    variant: str,
    state: LoopState | None,
    model,
    error: str | None,
    backend: str,
    seed: int,
    plateau_margin: float | None,
) -> TrainSummary:
    epochs = state.epoch if state else 0
    best = state.best_epoch if state else 0
    val_acc = state.history.get("val_accuracy", []) if state else []
    return TrainSummary(
        variant=variant,
        status="failed" if error else "ok",
        epochs_run=epochs,
        best_epoch=best,
        best_val_loss=state.best_val_loss if state and best else None,
        best_val_accuracy=val_acc[best - 1] if best else None,
        seconds=round(state.seconds, 3) if state else 0.0,
        seconds_per_epoch=round(state.seconds / epochs, 3) if epochs else 0.0,
        parameters=int(model.count_params()) if model is not None else 0,
        backend=backend,
        resumed_from_epoch=state.resumed_from_epoch if state else 0,
        error=error,
        seed=seed,
        learned=bool(state and best)
        and left_plateau(state.best_val_loss, state.trivial_val_loss, plateau_margin),
        trivial_val_loss=round(state.trivial_val_loss, 6) if state else None,
    )
