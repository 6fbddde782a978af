"""Fit one variant: seeded, early-stopped on validation loss with the best weights restored.

Writes models/<variant>/ (model.keras, vocab.json, variant.json, history.json) atomically
and the per-epoch curve reports/curves/<variant>.csv that `dvc plots` draws.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .config import CleanParams, ModelParams, TrainParams, parse_variant
from .files import atomic_dir, atomic_path, write_json
from .split import VOCAB_FILE, load_split, load_vocab

MODEL_FILE = "model.keras"
VARIANT_FILE = "variant.json"
HISTORY_FILE = "history.json"


@dataclass(frozen=True)
class TrainSummary:
    variant: str
    epochs_run: int
    best_epoch: int
    best_val_loss: float
    best_val_accuracy: float
    seconds: float
    seconds_per_epoch: float
    parameters: int
    backend: str


def seed_everything(seed: int) -> None:
    """Python, NumPy and backend seeds; deterministic kernels where the backend has them."""
    import keras

    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf  # only here: the models themselves stay backend-neutral

        tf.config.experimental.enable_op_determinism()


def train_variant(processed_dir: str | Path, variant: str, model_params: ModelParams,
                  train_params: TrainParams, clean_params: CleanParams, seed: int,
                  model_dir: str | Path, curves_path: str | Path) -> TrainSummary:
    """Stage: processed split -> models/<variant>/ + reports/curves/<variant>.csv.

    ``clean_params`` travel with the model so prediction normalises text like training did.
    """
    import keras

    from .models import build_model

    cell, merge_mode = parse_variant(variant)
    processed_dir = Path(processed_dir)
    seed_everything(seed)
    x_train, y_train = load_split(processed_dir, "train")
    x_val, y_val = load_split(processed_dir, "val")
    vocab = load_vocab(processed_dir / VOCAB_FILE)
    model = build_model(cell, merge_mode, vocab_size=len(vocab["words"]) + 2,
                        max_len=vocab["max_len"], params=model_params,
                        learning_rate=train_params.learning_rate)
    early_stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=train_params.patience,
                                               restore_best_weights=True)
    started = time.perf_counter()
    fit = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=train_params.epochs,
                    batch_size=train_params.batch_size, shuffle=True, callbacks=[early_stop],
                    verbose=2 if os.environ.get("BIRNN_VERBOSE_FIT") else 0)
    seconds = time.perf_counter() - started
    history = {k: [float(v) for v in vals] for k, vals in fit.history.items()}
    best = int(np.argmin(history["val_loss"]))
    summary = TrainSummary(
        variant=variant, epochs_run=len(history["loss"]), best_epoch=best + 1,
        best_val_loss=history["val_loss"][best], best_val_accuracy=history["val_accuracy"][best],
        seconds=round(seconds, 3), seconds_per_epoch=round(seconds / len(history["loss"]), 3),
        parameters=int(model.count_params()), backend=keras.backend.backend(),
    )
    with atomic_dir(model_dir) as tmp:
        model.save(tmp / MODEL_FILE)
        shutil.copyfile(processed_dir / VOCAB_FILE, tmp / VOCAB_FILE)
        write_json(tmp / VARIANT_FILE, {"variant": variant, "cell": cell, "merge_mode": merge_mode,
                                        "direction": "bidirectional", "seed": seed,
                                        "model": model_params.model_dump(),
                                        "train": train_params.model_dump(),
                                        "clean": clean_params.model_dump(), **asdict(summary)})
        write_json(tmp / HISTORY_FILE, history)
    curves = pd.DataFrame(history)
    curves.insert(0, "epoch", np.arange(1, len(curves) + 1))
    with atomic_path(curves_path) as tmp:
        curves.to_csv(tmp, index=False, float_format="%.6f")
    return summary


def load_variant_info(model_dir: str | Path) -> dict:
    return json.loads((Path(model_dir) / VARIANT_FILE).read_text())
