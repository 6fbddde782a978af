"""Per-epoch checkpoints of one seed's training, so that a killed run resumes where it stopped
and ends with exactly the result of an uninterrupted run.

A checkpoint folder holds the loop state (state.json), the last and the best weights, and,
once the seed finished, its complete model folder (``result/``). A fingerprint of the inputs
ties it to them: with other params or data it is thrown away.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from birnn.config import ModelParams, TrainParams
from birnn.files import atomic_dir, atomic_path, read_json, sha256_file, write_json
from birnn.modeling.model_folder import HISTORY_FILE, MODEL_FILE, VARIANT_FILE
from birnn.tasks.processed import VOCAB_FILE

RESULT = "result"  # a finished seed's model folder inside its checkpoint folder
STATE_FILE = "state.json"
LAST_WEIGHTS = "last.weights.h5"
BEST_WEIGHTS = "best.weights.h5"


@dataclass
class LoopState:
    """Everything the epoch loop needs to resume where it stopped."""

    fingerprint: str
    epoch: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)
    best_val_loss: float = math.inf
    best_epoch: int = 0
    wait: int = 0
    plateau_wait: int = 0
    learning_rate: float = 0.0
    seconds: float = 0.0
    resumed_from_epoch: int = 0
    trivial_val_loss: float = math.log(2)


def seed_checkpoint_dir(checkpoint_dir: Path, seeds: list[int], seed: int) -> Path:
    """One seed's checkpoint folder: with a single seed, the variant's own."""
    return checkpoint_dir if len(seeds) == 1 else checkpoint_dir / f"seed-{seed}"


def fingerprint(
    variant: str,
    model_params: ModelParams,
    train_params: TrainParams,
    seed: int,
    processed_dir: Path,
    embeddings: str = "none",
) -> str:
    digest = hashlib.sha256(
        json.dumps(
            [variant, model_params.model_dump(), train_params.model_dump(), seed, embeddings],
            sort_keys=True,
        ).encode()
    )
    for name in ("train.npz", "val.npz", VOCAB_FILE):
        digest.update(sha256_file(processed_dir / name).encode())
    return digest.hexdigest()[:24]


def save_weights(model, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        keras_named = tmp.with_name(tmp.name + ".weights.h5")  # Keras insists on the suffix
        model.save_weights(keras_named)
        os.replace(keras_named, tmp)


def save_checkpoint(model, state: LoopState, checkpoint_dir: Path) -> None:
    """Weights and optimizer slots first (Keras' weights file holds both), then the loop state
    that points at them."""
    save_weights(model, checkpoint_dir / LAST_WEIGHTS)
    write_json(checkpoint_dir / STATE_FILE, asdict(state))


def resume(model, checkpoint_dir: Path, fingerprint: str) -> LoopState | None:
    """Load our own checkpoint into ``model``; None (and a clean slate) when there is none."""
    state_file, weights = checkpoint_dir / STATE_FILE, checkpoint_dir / LAST_WEIGHTS
    if not (state_file.is_file() and weights.is_file()):
        return None
    saved = read_json(state_file)
    if saved.get("fingerprint") != fingerprint:  # params or data changed: start over
        shutil.rmtree(checkpoint_dir, ignore_errors=True)
        return None
    # built first, so loading the weights file restores the slots too instead of skipping them
    model.optimizer.build(model.trainable_variables)
    try:
        model.load_weights(weights)
    except ValueError:  # written for another model shape: start over
        shutil.rmtree(checkpoint_dir, ignore_errors=True)
        return None
    return LoopState(**saved)


def finished_seed(run_dir: Path, fingerprint: str) -> tuple[dict, dict] | None:
    """The info and history of a seed that already finished with these inputs, or None."""
    result = run_dir / RESULT
    if not (result / VARIANT_FILE).is_file():
        return None
    done = read_json(result / VARIANT_FILE)
    if done.get("fingerprint") != fingerprint or done.get("status") != "ok":
        return None
    return done, read_json(result / HISTORY_FILE)


def save_finished_seed(
    run_dir: Path, model, info: dict, history: dict, processed_dir: Path
) -> None:
    """A complete model folder of the seed, so that a multi-seed run killed in its third seed
    keeps the first two."""
    with atomic_dir(run_dir / RESULT) as tmp:
        model.save(tmp / MODEL_FILE)
        shutil.copyfile(processed_dir / VOCAB_FILE, tmp / VOCAB_FILE)
        write_json(tmp / VARIANT_FILE, info)
        write_json(tmp / HISTORY_FILE, history)
