"""Seeds: the whole process from one seed, and each epoch from its own so that a resumed run
replays the epochs an uninterrupted one would have run."""

from __future__ import annotations

import numpy as np


def seed_everything(seed: int) -> None:
    """Python, NumPy and backend seeds; deterministic kernels where the backend has them."""
    import keras

    keras.utils.set_random_seed(seed)
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf  # only here: the models themselves stay backend-neutral

        tf.config.experimental.enable_op_determinism()


def epoch_seed(seed: int, epoch: int) -> int:
    return seed * 10_007 + epoch


def reseed_epoch(model, seed: int) -> None:
    # Global seeds drive shuffling; dropout masks come from per-layer generators whose state
    # is not in the weights, so they are reset too: the epoch then depends only on its seed.
    import keras

    keras.utils.set_random_seed(seed)
    for i, generator in enumerate(seed_generators(model)):
        state = np.zeros(tuple(generator.state.shape), dtype=generator.state.dtype)
        state.flat[0] = (seed * 31 + i) % (2**31 - 1)
        generator.state.assign(state)


def seed_generators(model) -> list:
    """Every SeedGenerator in the model (dropout layers, RNN cells), in a stable order."""
    layers = model._flatten_layers(include_self=False, recursive=True)
    return [
        layer.seed_generator
        for layer in layers
        if getattr(layer, "seed_generator", None) is not None
    ]
