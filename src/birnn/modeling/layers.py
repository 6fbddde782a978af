"""The project's own Keras layers, backend-neutral (keras.ops only): an embedding that
regularises and normalises itself, the point adversarial training perturbs, and pooling over
time that honours the padding mask.

Each is registered with Keras so that a saved model.keras loads back (``safe_mode`` too)
wherever this module has been imported: :func:`birnn.modeling.model_folder.load_keras_model`
imports it.
"""

from __future__ import annotations

import keras
from keras import layers, ops

PACKAGE = "birnn"
UNKNOWN_ID = 1  # the out-of-vocabulary id of tasks/text/split.py; 0 is padding


@keras.saving.register_keras_serializable(package=PACKAGE)
class RegularizedEmbedding(layers.Embedding):
    """An Embedding with three training-time options, all off by default:

    * ``token_dropout``: each token is replaced by the unknown-word id with this probability
      (never by 0, which is padding: the mask, and so the text's length, stays the same);
    * ``type_dropout``: each word *type* is dropped for a whole batch with this probability,
      every occurrence of it then reads a zero vector (embedding dropout, Gal & Ghahramani);
    * ``normalize``: the vectors the model reads are standardised per dimension with the
      training words' frequencies as weights (Miyato et al. 2016), so that an adversarial
      perturbation of a fixed norm means the same whatever the embedding's scale.

    Prediction (``training=False``) reads every token, normalised when ``normalize`` is on.
    """

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        token_dropout: float = 0.0,
        type_dropout: float = 0.0,
        normalize: bool = False,
        word_counts=None,
        seed: int | None = None,
        **kwargs,
    ):
        super().__init__(input_dim, output_dim, **kwargs)
        self.token_dropout = float(token_dropout)
        self.type_dropout = float(type_dropout)
        self.normalize = bool(normalize)
        self._word_counts = word_counts
        # the attribute name seeding.seed_generators looks for: reseeded every epoch
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape=None):
        super().build(input_shape)
        if self.normalize:
            counts = self._word_counts
            initializer = (
                keras.initializers.Constant(_frequencies(counts, self.input_dim))
                if counts is not None
                else keras.initializers.Constant(1.0 / self.input_dim)
            )
            # a weight, not a constant: it travels with the saved model and its weights file
            self.frequencies = self.add_weight(
                shape=(self.input_dim,),
                initializer=initializer,
                trainable=False,
                name="frequencies",
            )

    def call(self, inputs, training=False):
        ids = ops.cast(inputs, "int32")
        if training and self.token_dropout:
            dropped = keras.random.uniform(ops.shape(ids), seed=self.seed_generator)
            ids = ops.where((dropped < self.token_dropout) & (ids != 0), UNKNOWN_ID, ids)
        table = self._normalized(self.embeddings) if self.normalize else self.embeddings
        out = ops.take(table, ids, axis=0)
        if training and self.type_dropout:
            kept = keras.random.uniform((self.input_dim,), seed=self.seed_generator)
            scale = ops.cast(kept >= self.type_dropout, out.dtype) / (1.0 - self.type_dropout)
            out = out * ops.expand_dims(ops.take(scale, ids, axis=0), -1)
        return ops.cast(out, self.compute_dtype)

    # the table and the frequencies; Keras' Embedding saves only its (optionally quantised)
    # table, which this layer does not quantise
    def save_own_variables(self, store):
        if not self.built:
            return
        store["0"] = self.embeddings
        if self.normalize:
            store["1"] = self.frequencies

    def load_own_variables(self, store):
        if not self.built:
            return
        self.embeddings.assign(store["0"])
        if self.normalize:
            self.frequencies.assign(store["1"])

    def compute_output_spec(self, inputs, training=False):
        return super().compute_output_spec(inputs)

    def _normalized(self, table):
        weights = ops.expand_dims(ops.cast(self.frequencies, table.dtype), -1)
        mean = ops.sum(weights * table, axis=0, keepdims=True)
        variance = ops.sum(weights * ops.square(table - mean), axis=0, keepdims=True)
        return (table - mean) / ops.sqrt(variance + 1e-6)

    def get_config(self):
        config = super().get_config()
        config.update(
            token_dropout=self.token_dropout,
            type_dropout=self.type_dropout,
            normalize=self.normalize,
        )
        return config


def _frequencies(counts, size: int):
    """Relative frequencies for ids 0..size-1: padding 0, the unknown word and the words as
    counted in training (a word never counted still weighs a little)."""
    import numpy as np

    freq = np.zeros(size, dtype="float32")
    counts = np.asarray(counts, dtype="float64")[:size]
    freq[: len(counts)] = counts
    freq[1:] = np.maximum(freq[1:], 1.0)
    return freq / freq.sum()


@keras.saving.register_keras_serializable(package=PACKAGE)
class EmbeddingPerturbation(layers.Layer):
    """Identity, except while adversarial training sets ``perturbation``: then it adds it to
    the embedded sequence (:mod:`birnn.modeling.adversarial`). A saved model holds no
    perturbation, so prediction never sees one."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.perturbation = None

    def call(self, inputs):
        if self.perturbation is None:
            return inputs
        return inputs + ops.cast(self.perturbation, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package=PACKAGE)
class MaskedPooling(layers.Layer):
    """Max or mean over time of the steps the mask keeps: padded steps never enter.

    A row with no kept step (all padding) gives zeros, never -inf or NaN. The mask ends here,
    so the layers after it get none (and Keras has nothing to warn about).
    """

    def __init__(self, mode: str = "max", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("max", "mean"):
            raise ValueError(f"MaskedPooling: mode must be 'max' or 'mean', got {mode!r}")
        self.mode = mode
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1) if self.mode == "max" else ops.mean(inputs, axis=1)
        kept = ops.expand_dims(ops.cast(mask, "bool"), -1)
        weights = ops.cast(kept, inputs.dtype)
        steps = ops.sum(weights, axis=1)
        if self.mode == "mean":
            return ops.sum(inputs * weights, axis=1) / ops.maximum(steps, 1.0)
        # padded steps take the row's smallest value, which cannot beat a kept one
        floor = ops.min(inputs, axis=1, keepdims=True)
        highest = ops.max(ops.where(kept, inputs, floor), axis=1)
        return ops.where(steps > 0, highest, ops.zeros_like(highest))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}
