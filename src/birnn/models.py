"""Keras 3 models, backend-neutral: no tf.* here, so TensorFlow, JAX and PyTorch all run them.

    tokens -> Embedding(mask_zero) -> SpatialDropout1D -> [Bidirectional](cell) -> Dropout -> Dense(1)

With the defaults (tanh/sigmoid activations, recurrent_dropout=0, right padding) the LSTM
and GRU layers are eligible for the fused cuDNN kernels when a GPU is visible.
"""

from __future__ import annotations

from typing import Literal

import keras
from keras import layers

from .config import ModelParams

CELL_LAYERS = {"lstm": layers.LSTM, "gru": layers.GRU, "simple_rnn": layers.SimpleRNN}
Direction = Literal["bidirectional", "unidirectional"]


def build_model(cell: str, merge_mode: str | None, vocab_size: int, max_len: int,
                params: ModelParams, direction: Direction = "bidirectional",
                learning_rate: float = 1e-3) -> keras.Model:
    """One compiled binary classifier for a (cell, merge_mode, direction) variant."""
    if cell not in CELL_LAYERS:
        raise ValueError(f"unknown cell {cell!r}; choose one of {sorted(CELL_LAYERS)}")
    inputs = keras.Input(shape=(max_len,), dtype="int32", name="token_ids")
    x = layers.Embedding(vocab_size, params.embedding_dim, mask_zero=params.mask_zero,
                         name="embedding")(inputs)
    if params.spatial_dropout:
        x = layers.SpatialDropout1D(params.spatial_dropout)(x)
    rnn = CELL_LAYERS[cell](params.units, recurrent_dropout=params.recurrent_dropout, name=cell)
    if direction == "bidirectional":
        rnn = layers.Bidirectional(rnn, merge_mode=merge_mode, name=f"bi_{cell}_{merge_mode}")
    x = rnn(x)
    if params.dropout:
        x = layers.Dropout(params.dropout)(x)
    outputs = layers.Dense(1, activation="sigmoid", name="positive_probability")(x)
    model = keras.Model(inputs, outputs, name=f"{cell}_{merge_mode or direction}")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=1.0),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model
