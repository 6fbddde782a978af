"""Training speed: the seed tutorial's BiLSTM (the reference) vs this project's default
variant, on the same rows, the same harness, in one process."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.data_stages import prepare
from birnn.config import load_params, parse_variant
from birnn.layout import Layout

# The seed tutorial's configuration, the reference of the training comparison
SEED_CONFIG = {
    "vocab": 4000,
    "embedding_dim": 256,
    "spatial_dropout": 0.4,
    "units": 196,
    "dropout": 0.05,
    "recurrent_dropout": 0.2,
    "batch_size": 128,
    "max_len": 35,
    "optimizer": "Adam (default learning rate 1e-3)",
    "padding": "pre (Keras pad_sequences)",
}
INFERENCE_BATCH = 1024
SPLITS = ("train", "val", "test")


def build_seed_model(max_len: int = 35, vocab: int = 4000):
    """The seed tutorial's model, in plain Keras layers: build_model cannot express the LSTM's
    own input dropout (``dropout=0.05``), which is part of the reference."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(max_len,), dtype="int32", name="token_ids")
    x = layers.Embedding(vocab, SEED_CONFIG["embedding_dim"])(inputs)
    x = layers.SpatialDropout1D(SEED_CONFIG["spatial_dropout"])(x)
    x = layers.Bidirectional(
        layers.LSTM(
            SEED_CONFIG["units"],
            dropout=SEED_CONFIG["dropout"],
            recurrent_dropout=SEED_CONFIG["recurrent_dropout"],
        )
    )(x)
    outputs = layers.Dense(1, activation="sigmoid", dtype="float32")(x)
    model = keras.Model(inputs, outputs, name="seed_tutorial_bilstm")
    model.compile(
        optimizer=keras.optimizers.Adam(), loss="binary_crossentropy", metrics=["accuracy"]
    )
    return model


def seed_encoding(tokens_path: Path, processed_dir: Path) -> dict[str, tuple[Any, Any]]:
    """The same train/val/test rows as the project's split, encoded the seed's way: the 4000
    most frequent training words (ids 2..3999, 1 = out of vocabulary), 35 tokens, pre-padded."""
    import numpy as np
    import pyarrow.parquet as pq

    from birnn.tasks.processed import load_rows, load_split
    from birnn.tasks.text.split import build_vocab, encode

    tokens = pq.read_table(tokens_path, columns=["tokens"]).column("tokens").to_pandas()
    rows = {
        name: (load_rows(processed_dir, name), load_split(processed_dir, name)[1])
        for name in SPLITS
    }
    vocab = build_vocab(tokens.iloc[rows["train"][0]], SEED_CONFIG["vocab"], 1)
    max_len = SEED_CONFIG["max_len"]
    out = {}
    for name, (row, y) in rows.items():
        x = encode(tokens.iloc[row], vocab, max_len, "pre")
        lengths = np.count_nonzero(x, axis=1)  # ids are >= 1 for every token, 0 only pads
        # right-padded -> left-padded, as Keras' pad_sequences did in the tutorial
        shift = max_len - lengths
        cols = (np.arange(max_len)[None, :] - shift[:, None]) % max_len
        out[name] = (np.take_along_axis(x, cols, axis=1), y)
    return out


def _inference_rate(model, x) -> float:
    """Texts per second of model.predict on encoded test rows (after a warm-up call)."""
    model.predict(x[:INFERENCE_BATCH], batch_size=INFERENCE_BATCH, verbose=0)
    reps, started = 0, time.perf_counter()
    while reps == 0 or time.perf_counter() - started < 2.0:
        model.predict(x, batch_size=INFERENCE_BATCH, verbose=0)
        reps += 1
    return len(x) * reps / (time.perf_counter() - started)


def fit_and_measure(
    model, data: dict[str, tuple[Any, Any]], epochs: int, batch_size: int, seed: int
) -> dict[str, Any]:
    """The same harness for both models: one ``fit`` per epoch (with validation), timed;
    final weights scored on the test rows; inference texts/s."""
    import keras
    import numpy as np

    keras.utils.set_random_seed(seed)
    epoch_seconds, history = [], []
    for _ in range(epochs):
        started = time.perf_counter()
        fit = model.fit(
            *data["train"],
            validation_data=data["val"],
            epochs=1,
            batch_size=batch_size,
            shuffle=True,
            verbose=0,
        )
        epoch_seconds.append(time.perf_counter() - started)
        history.append({k: round(float(v[-1]), 4) for k, v in fit.history.items()})
    x_test, y_test = data["test"]
    predicted = model.predict(x_test, batch_size=INFERENCE_BATCH, verbose=0).reshape(-1) >= 0.5
    steady = epoch_seconds[1:] or epoch_seconds  # the first epoch also traces/compiles the graph
    return {
        "epochs": epochs,
        "batch_size": batch_size,
        "seconds_per_epoch": round(statistics.median(steady), 3),
        "first_epoch_seconds": round(epoch_seconds[0], 3),
        "epoch_seconds": [round(s, 3) for s in epoch_seconds],
        "test_accuracy": round(float(np.mean(predicted == y_test.astype(bool))), 4),
        "texts_per_second": round(_inference_rate(model, x_test)),
        "parameters": int(model.count_params()),
        "history": history,
    }


def training_comparison(
    rows: int,
    epochs: int,
    workdir: Path,
    params_file: str | Path = "params.yaml",
    variant: str = "lstm-concat",
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The seed tutorial's BiLSTM vs this project's default ``variant`` (built by
    build_model from params.yaml) on the same rows of the builtin corpus, ``epochs``
    epochs each, same harness, in this process. The data stages are the real ones."""
    import keras

    from birnn.modeling.models import build_model
    from birnn.modeling.precision import gpu_available
    from birnn.modeling.seeding import seed_everything
    from birnn.tasks.processed import VOCAB_FILE, load_split, load_vocab

    params = load_params(
        params_file,
        {
            "data.source": "builtin",
            "data.builtin_size": rows,
            "tracking.enabled": False,
            **(overrides or {}),
        },
    )
    layout = Layout(workdir)
    split_summary = prepare(params, layout)["split"]
    vocab = load_vocab(layout.processed_dir / VOCAB_FILE)
    cell, merge_mode, direction = parse_variant(variant)
    data = {name: load_split(layout.processed_dir, name) for name in SPLITS}
    seed_everything(params.seed)
    model = build_model(
        cell,
        merge_mode,
        len(vocab["words"]) + 2,
        vocab["max_len"],
        params.model,
        direction,
        learning_rate=params.train.learning_rate,
        clipnorm=params.train.clipnorm,
    )
    default = fit_and_measure(model, data, epochs, params.train.batch_size, params.seed)
    default.update(
        variant=variant,
        max_len=vocab["max_len"],
        model=params.model.model_dump(mode="json"),
        learning_rate=params.train.learning_rate,
    )
    del model
    keras.backend.clear_session()
    seed_everything(params.seed)
    reference = build_seed_model(SEED_CONFIG["max_len"], SEED_CONFIG["vocab"])
    seed = fit_and_measure(
        reference,
        seed_encoding(layout.tokens_path, layout.processed_dir),
        epochs,
        SEED_CONFIG["batch_size"],
        params.seed,
    )
    seed["config"] = SEED_CONFIG
    return {
        "data": {
            "source": "builtin",
            "rows": rows,
            "train": split_summary["train"],
            "val": split_summary["val"],
            "test": split_summary["test"],
            "epochs_each": epochs,
        },
        "gpu": gpu_available(),
        "backend": keras.backend.backend(),
        "harness": (
            "both: one fit per epoch with validation, final weights, no early stopping; "
            "seconds per epoch = median of epochs 2.. (epoch 1 also compiles)"
        ),
        "note": (
            "on CPU recurrent_dropout makes no kernel difference (there is no cuDNN kernel "
            "to lose); the cuDNN effect of recurrent_dropout=0 only shows on a GPU"
        ),
        "seed": seed,
        "default": default,
        "epoch_speedup": round(seed["seconds_per_epoch"] / default["seconds_per_epoch"], 2),
        "inference_speedup": round(default["texts_per_second"] / seed["texts_per_second"], 2),
        "accuracy_delta": round(default["test_accuracy"] - seed["test_accuracy"], 4),
    }
