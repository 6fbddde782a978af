"""What the epoch loop tells whoever watches a training while it runs: a seed starts (maybe
resumed, with the epochs its checkpoint already holds), an epoch finishes, a seed and then the
variant end. The stage that trains decides who listens (the live MLflow run); modeling never
knows, so it imports nothing of tracking and a tracking edit does not retrain a variant.

A watcher must never fail or stall the training: the loop calls it as it is, and it is the
watcher's job to swallow its own errors and keep its calls short.
"""

from __future__ import annotations

from typing import Protocol


class TrainingObserver(Protocol):
    def seed_started(self, seed: int, fingerprint: str, history: dict[str, list[float]]) -> None:
        """``history``: the epochs a resumed checkpoint already ran (empty for a fresh start)."""

    def epoch_finished(self, seed: int, epoch: int, metrics: dict[str, float]) -> None:
        """``epoch`` counts from 1; ``metrics`` are that epoch's numbers (loss, val_loss, ...)."""

    def seed_finished(self, seed: int, status: str, error: str | None) -> None:
        """``status``: "ok" or "failed" (``error`` says why)."""

    def variant_finished(self, status: str, error: str | None) -> None:
        """Every seed is done; ``status`` is the variant's ("ok" when one seed finished)."""


class NoObserver:
    """Nobody watching: the default, and what tests and `birnn` commands without a store get."""

    def seed_started(self, seed: int, fingerprint: str, history: dict[str, list[float]]) -> None:
        pass

    def epoch_finished(self, seed: int, epoch: int, metrics: dict[str, float]) -> None:
        pass

    def seed_finished(self, seed: int, status: str, error: str | None) -> None:
        pass

    def variant_finished(self, status: str, error: str | None) -> None:
        pass


NO_OBSERVER = NoObserver()


def last_epoch(history: dict[str, list[float]]) -> dict[str, float]:
    """The numbers of the latest epoch in a loop's history."""
    return {key: values[-1] for key, values in history.items() if values}
