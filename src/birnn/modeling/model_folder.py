"""The files of a trained variant, models/<variant>/: the one definition that train writes and
evaluate, predict, serving and tracking read.

    model.keras    the Keras model (loaded with safe_mode: no code from the file runs)
    vocab.json     the processed split's vocabulary and sequence length (and the task)
    variant.json   identity, params, status, epochs, validation scores, seeds
    history.json   per-epoch loss/accuracy
    seeds/seed-<n>/  one such folder per seed when several were trained
"""

from __future__ import annotations

import json
from pathlib import Path

from birnn.tasks.processed import VOCAB_FILE

MODEL_FILE = "model.keras"
VARIANT_FILE = "variant.json"
HISTORY_FILE = "history.json"
PARTS = (MODEL_FILE, VOCAB_FILE, VARIANT_FILE, HISTORY_FILE)
RETRAIN = (
    "written by another version of birnn, or damaged? Train it again "
    "(`dvc repro` or `birnn train <variant>`)"
)


class ModelFolderError(FileNotFoundError):
    """The folder is not a model written by this project."""


def seed_dir(model_dir: str | Path, seed: int) -> Path:
    """Where one seed's model lives inside a variant's folder trained with several seeds."""
    return Path(model_dir) / "seeds" / f"seed-{seed}"


def load_variant_info(model_dir: str | Path) -> dict:
    return json.loads((Path(model_dir) / VARIANT_FILE).read_text())


def is_complete(model_dir: str | Path) -> bool:
    return all((Path(model_dir) / name).is_file() for name in PARTS)


def load_keras_model(path: str | Path):
    """A model.keras of this project; safe_mode refuses lambda layers / arbitrary code in it."""
    import keras

    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as err:  # noqa: BLE001 - Keras raises many types for a foreign file
        raise ModelFolderError(
            f"{path}: cannot be loaded ({type(err).__name__}: {str(err)[:300]}); {RETRAIN}"
        ) from None
