"""Keras 3 models, backend-neutral: keras APIs only, so TensorFlow, JAX and PyTorch all run them.

    token ids -> Embedding(mask_zero; token/type dropout, normalisation) -> [perturbation]
              -> SpatialDropout1D -> [Bidirectional(merge_mode)](cell) x layers
              -> masked pooling -> Dropout
              -> [Dense(relu)] -> Dense(1, sigmoid)   (multiclass: Dense(K, softmax))

The cumsum task (one label per timestep) gets :func:`build_sequence_model`: the same
recurrent block with return_sequences and a TimeDistributed head instead of embedding/pooling.

With the defaults (tanh/sigmoid activations, recurrent_dropout=0, right padding) the LSTM
and GRU layers are eligible for the fused cuDNN kernels when a GPU is visible.
"""

from __future__ import annotations

from typing import Literal

import keras
from keras import layers

from birnn.config import ModelParams
from birnn.modeling.layers import EmbeddingPerturbation, MaskedPooling, RegularizedEmbedding

CELL_LAYERS = {"lstm": layers.LSTM, "gru": layers.GRU, "simple_rnn": layers.SimpleRNN}
Direction = Literal["bidirectional", "unidirectional"]
PERTURBATION_LAYER = "embedding_perturbation"  # where adversarial training adds its noise


def build_model(
    cell: str,
    merge_mode: str | None,
    vocab_size: int,
    max_len: int,
    params: ModelParams,
    direction: Direction = "bidirectional",
    learning_rate: float = 1e-3,
    clipnorm: float = 1.0,
    embedding_matrix=None,
    word_counts=None,
    classes: int | None = None,
) -> keras.Model:
    """One compiled classifier for a (cell, merge_mode, direction) variant: binary (a sigmoid,
    the probability of class 1) or, with ``classes`` = K, a softmax over K classes.

    ``embedding_matrix`` (vocab_size x embedding_dim) initialises the embedding, e.g. GloVe;
    ``params.embeddings_trainable`` decides whether it is fine-tuned or frozen.
    ``word_counts`` (training counts by id) weigh the embedding's normalisation
    (``params.normalize_embeddings``). ``max_len`` is the longest sequence the model is fed;
    the input itself takes any length.
    """
    if cell not in CELL_LAYERS:
        raise ValueError(f"unknown cell {cell!r}; choose one of {sorted(CELL_LAYERS)}")
    # any length: batches of a few fixed lengths (length buckets) and prediction at max_len
    inputs = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    pretrained = embedding_matrix is not None
    x = RegularizedEmbedding(
        vocab_size,
        params.embedding_dim,
        token_dropout=params.token_dropout,
        type_dropout=params.embedding_dropout,
        normalize=params.normalize_embeddings,
        word_counts=word_counts,
        mask_zero=params.mask_zero,
        name="embedding",
        embeddings_initializer=keras.initializers.Constant(embedding_matrix)
        if pretrained
        else "uniform",
        trainable=params.embeddings_trainable or not pretrained,
    )(inputs)
    x = EmbeddingPerturbation(name=PERTURBATION_LAYER)(x)
    if params.spatial_dropout:
        x = layers.SpatialDropout1D(params.spatial_dropout)(x)
    for depth in range(params.layers):
        keep_sequence = depth < params.layers - 1 or params.pooling != "last"
        x = _recurrent(cell, merge_mode, direction, params, keep_sequence, depth)(x)
    if params.pooling in ("max", "mean"):
        x = MaskedPooling(params.pooling, name=f"{params.pooling}_over_time")(x)
    if params.dropout:
        x = layers.Dropout(params.dropout)(x)
    if params.dense_units:
        x = layers.Dense(params.dense_units, activation="relu", name="hidden")(x)
    # float32 output even under a mixed-precision policy: a float16 sigmoid saturates
    if classes is None:
        head = layers.Dense(1, activation="sigmoid", dtype="float32", name="positive_probability")
    else:
        head = layers.Dense(classes, activation="softmax", dtype="float32", name="probabilities")
    return _compiled(
        keras.Model(inputs, head(x), name=f"{cell}_{merge_mode or 'uni'}"),
        learning_rate,
        clipnorm,
        "binary_crossentropy" if classes is None else "sparse_categorical_crossentropy",
    )


def build_sequence_model(
    cell: str,
    merge_mode: str | None,
    timesteps: int,
    params: ModelParams,
    direction: Direction = "bidirectional",
    learning_rate: float = 1e-3,
    clipnorm: float = 1.0,
) -> keras.Model:
    """One compiled per-timestep classifier (the cumsum task): a probability for every step.

        floats (T, 1) -> [Bidirectional(merge_mode)](cell, return_sequences) x layers -> Dropout
                      -> TimeDistributed(Dense(1, sigmoid))

    No embedding and no pooling: numbers go straight in and every step keeps its own output.
    The embedding, masking and pooling params do not apply.
    """
    if cell not in CELL_LAYERS:
        raise ValueError(f"unknown cell {cell!r}; choose one of {sorted(CELL_LAYERS)}")
    inputs = keras.Input(shape=(timesteps, 1), dtype="float32", name="values")
    x = inputs
    for depth in range(params.layers):
        x = _recurrent(cell, merge_mode, direction, params, True, depth)(x)
    if params.dropout:
        x = layers.Dropout(params.dropout)(x)
    # float32 output even under a mixed-precision policy: a float16 sigmoid saturates
    step = layers.Dense(1, activation="sigmoid", dtype="float32", name="step_dense")
    outputs = layers.TimeDistributed(step, dtype="float32", name="step_probability")(x)
    return _compiled(
        keras.Model(inputs, outputs, name=f"{cell}_{merge_mode or 'uni'}_steps"),
        learning_rate,
        clipnorm,
    )


def _compiled(
    model: keras.Model, learning_rate: float, clipnorm: float, loss: str = "binary_crossentropy"
) -> keras.Model:
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=clipnorm),
        loss=loss,
        metrics=["accuracy"],
    )
    return model


def _recurrent(
    cell: str,
    merge_mode: str | None,
    direction: Direction,
    params: ModelParams,
    return_sequences: bool,
    depth: int,
) -> layers.Layer:
    suffix = f"_{depth + 1}" if depth else ""
    rnn = CELL_LAYERS[cell](
        params.units,
        recurrent_dropout=params.recurrent_dropout,
        return_sequences=return_sequences,
        name=f"{cell}{suffix}",
    )
    if direction == "unidirectional":
        return rnn
    return layers.Bidirectional(rnn, merge_mode=merge_mode, name=f"bi_{cell}_{merge_mode}{suffix}")
