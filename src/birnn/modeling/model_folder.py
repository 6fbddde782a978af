"""The files of a trained variant, models/<variant>/: the one definition that train writes and
evaluate, predict, serving and tracking read.

    model.keras    the Keras model (loaded with safe_mode: no code from the file runs)
    vocab.json     the processed split's vocabulary and sequence length (and the task)
    variant.json   identity, params, status, epochs, validation scores, seeds, and the names
                   of its classes (0 and 1, or the K of a multiclass model) (label_names)
    history.json   per-epoch loss/accuracy
    seeds/seed-<n>/  one such folder per seed when several were trained
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from birnn.tasks.processed import VOCAB_FILE

MODEL_FILE = "model.keras"
VARIANT_FILE = "variant.json"
HISTORY_FILE = "history.json"
# the selected seed's probabilities on the validation rows: the champion rule pairs on them
VAL_PREDICTIONS_FILE = "val_predictions.npy"
PARTS = (MODEL_FILE, VOCAB_FILE, VARIANT_FILE, HISTORY_FILE)
RETRAIN = (
    "written by another version of birnn, or damaged? Train it again "
    "(`dvc repro` or `birnn train <variant>`)"
)


LABEL_NAMES = "label_names"  # the key in variant.json


class ModelFolderError(FileNotFoundError):
    """The folder is not a model written by this project."""


def seed_dir(model_dir: str | Path, seed: int) -> Path:
    """Where one seed's model lives inside a variant's folder trained with several seeds."""
    return Path(model_dir) / "seeds" / f"seed-{seed}"


BINARY_NAMES = ["negative", "positive"]  # what classes 0 and 1 are when the data names neither
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def label_names_of(label_map: dict) -> list[str] | None:
    """["negative", "positive"] from the binary label map clean applied ({"negative": 0,
    "positive": 1, "neutral": None}); a class several raw values map to is named by the first of
    them. Classes the data names by numbers only (the builtin corpus' 0/1, sentiment140's 0/4)
    are named negative and positive: a number is not a name. None when the map does not name
    both classes."""
    names = [next((str(k) for k, v in label_map.items() if v == c), None) for c in (0, 1)]
    if not all(names):
        return None
    return list(BINARY_NAMES) if all(_NUMBER.fullmatch(n) for n in names) else names


def label_names(info: dict) -> list[str]:
    """The class names a model answers with; "0" and "1" for a binary model trained before
    names were kept."""
    names = info.get(LABEL_NAMES)
    if isinstance(names, list) and len(names) >= 2 and all(isinstance(n, str) for n in names):
        return names
    return ["0", "1"]


def load_variant_info(model_dir: str | Path) -> dict:
    return json.loads((Path(model_dir) / VARIANT_FILE).read_text())


def is_complete(model_dir: str | Path) -> bool:
    return all((Path(model_dir) / name).is_file() for name in PARTS)


def load_keras_model(path: str | Path):
    """A model.keras of this project; safe_mode refuses lambda layers / arbitrary code in it."""
    import keras

    import birnn.modeling.layers  # noqa: F401 - registers the project's layers with Keras

    try:
        return keras.saving.load_model(path, safe_mode=True, compile=False)
    except Exception as err:  # noqa: BLE001 - Keras raises many types for a foreign file
        raise ModelFolderError(
            f"{path}: cannot be loaded ({type(err).__name__}: {str(err)[:300]}); {RETRAIN}"
        ) from None
