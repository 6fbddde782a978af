"""Where the numbers are computed: the GPU when there is one, in mixed precision when asked."""

from __future__ import annotations


def gpu_available() -> bool:
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if keras.backend.backend() == "jax":
        import jax

        return any(d.platform == "gpu" for d in jax.devices())
    return False


def set_precision(mixed: bool) -> None:
    """Mixed float16 only on a GPU: on a CPU it is slower and no smaller."""
    import keras

    policy = "mixed_float16" if mixed and gpu_available() else "float32"
    keras.mixed_precision.set_global_policy(policy)
