"""Adversarial training on the embeddings trains, and trains differently from plain training."""

import numpy as np
import pytest

from birnn.config import ModelParams

keras = pytest.importorskip("keras")
from birnn.modeling.adversarial import adversarial_direction, train_adversarially  # noqa: E402
from birnn.modeling.models import build_model  # noqa: E402


def _data():
    rng = np.random.default_rng(0)
    x = rng.integers(2, 20, (64, 10)).astype("int32")
    x[:, 7:] = 0
    y = (x[:, 0] > 10).astype("int32")
    return x, y


def _trained(adversarial: bool):
    keras.utils.set_random_seed(3)
    params = ModelParams(units=4, embedding_dim=6, normalize_embeddings=True)
    model = build_model("gru", "concat", 20, 10, params, word_counts=list(range(20)))
    if adversarial:
        train_adversarially(model, epsilon=2.0)
    history = model.fit(*_data(), epochs=2, batch_size=16, verbose=0, shuffle=False)
    return model, history.history


def test_adversarial_training_trains_and_differs_from_plain_training():
    plain, plain_history = _trained(False)
    adversarial, history = _trained(True)
    assert np.isfinite(history["loss"]).all() and len(history["loss"]) == 2
    differs = [
        not np.allclose(a, b)
        for a, b in zip(adversarial.get_weights(), plain.get_weights())
        if a.shape == b.shape
    ]
    assert any(differs)
    # the reported loss is the clean one, on the scale of plain training's
    assert abs(history["loss"][0] - plain_history["loss"][0]) < 0.5
    # and the model it leaves predicts like any other (no perturbation at prediction)
    x, _ = _data()
    assert np.isfinite(adversarial.predict(x, verbose=0)).all()


def test_the_perturbation_has_norm_epsilon_per_text():
    gradient = np.random.default_rng(1).normal(size=(3, 5, 4)).astype("float32")
    gradient[2] *= 1e-8  # tiny gradients (squares under float32 range) still give a full step
    r = keras.ops.convert_to_numpy(adversarial_direction(gradient, 0.5))
    np.testing.assert_allclose(np.sqrt((r**2).sum(axis=(1, 2))), 0.5, rtol=1e-3)
    assert (np.sign(r[0]) == np.sign(gradient[0])).all()


def test_a_model_without_an_embedding_is_refused_with_one_line():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs), name="numbers")
    with pytest.raises(ValueError, match="train.adversarial: fgm needs a text model"):
        train_adversarially(model, 1.0)


def test_adversarial_training_runs_on_the_jax_backend():
    import os
    import subprocess
    import sys
    import textwrap

    pytest.importorskip("jax", reason="JAX not installed: `make setup JAX=1` installs it")
    code = textwrap.dedent(
        """
        import numpy as np, keras
        from birnn.config import ModelParams
        from birnn.modeling.models import build_model
        from birnn.modeling.adversarial import train_adversarially
        from birnn.modeling.batches import BucketedBatches

        assert keras.backend.backend() == "jax"
        x = np.random.default_rng(0).integers(2, 20, (48, 10)).astype("int32")
        x[::2, 5:] = 0
        y = (x[:, 0] > 10).astype("int32")
        p = ModelParams(units=3, embedding_dim=4, normalize_embeddings=True, token_dropout=0.1)

        def fit(adversarial):
            keras.utils.set_random_seed(3)
            m = build_model("gru", "concat", 20, 10, p, word_counts=list(range(20)))
            m = train_adversarially(m, 2.0) if adversarial else m
            h = m.fit(BucketedBatches((x, y), 16, 4, seed=1), epochs=1, verbose=0)
            return m, h.history["loss"][0]

        (a, _), (b, loss) = fit(False), fit(True)
        assert np.isfinite(loss)
        assert any(not np.allclose(u, v) for u, v in zip(a.get_weights(), b.get_weights()))
        """
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={**os.environ, "KERAS_BACKEND": "jax"}
    )


def test_buckets_and_adversarial_training_resume_like_an_uninterrupted_run(tmp_path):
    """Stopped after 2 epochs and resumed to 3, the curve is the one of 3 epochs straight:
    the batch order and the adversarial step follow the epoch's seed."""
    from birnn.config import TrainParams
    from birnn.modeling.epoch_loop import fit_epochs

    x, y = _data()
    x[::2, 3:] = 0  # two lengths, so two buckets

    def new_model():
        keras.utils.set_random_seed(5)
        params = ModelParams(units=3, embedding_dim=4, normalize_embeddings=True)
        model = build_model("gru", "concat", 20, 10, params, word_counts=list(range(20)))
        return train_adversarially(model, 1.0)

    def curve(epochs, folder):
        params = TrainParams(
            epochs=epochs, batch_size=16, length_buckets=4, plateau_margin=None, patience=9
        )
        return fit_epochs(new_model, (x, y), (x, y), params, 1, tmp_path / folder, "fp")[1]

    curve(2, "resumed")
    resumed, straight = curve(3, "resumed"), curve(3, "straight")
    assert resumed.resumed_from_epoch == 2
    assert resumed.history["loss"] == straight.history["loss"]
