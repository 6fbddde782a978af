"""The project's layers: masked pooling, the regularised embedding, the perturbation point."""

import logging
import warnings

import numpy as np
import pytest

from birnn.config import ModelParams

keras = pytest.importorskip("keras")
from birnn.modeling.layers import (  # noqa: E402
    UNKNOWN_ID,
    EmbeddingPerturbation,
    MaskedPooling,
    RegularizedEmbedding,
)
from birnn.modeling.model_folder import load_keras_model  # noqa: E402
from birnn.modeling.models import build_model  # noqa: E402

TEXT = [5, 9, 3, 7, 2]


@pytest.mark.parametrize("pooling", ["max", "mean", "last"])
@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_a_padded_and_an_unpadded_copy_of_a_text_score_the_same(pooling, cell):
    keras.utils.set_random_seed(1)
    model = build_model(
        cell, "concat", 12, 20, ModelParams(units=4, embedding_dim=6, pooling=pooling)
    )
    unpadded = np.array([TEXT], dtype="int32")
    padded = np.array([TEXT + [0] * 15], dtype="int32")
    once, again = model.predict(unpadded, verbose=0), model.predict(padded, verbose=0)
    np.testing.assert_allclose(once, again, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["max", "mean"])
def test_padded_steps_never_enter_the_pooling(mode):
    values = np.array([[[-3.0], [-1.0], [0.0], [0.0]]], dtype="float32")  # 2 real steps
    mask = np.array([[True, True, False, False]])
    out = keras.ops.convert_to_numpy(MaskedPooling(mode)(values, mask=mask))
    # the padded zeros would win a max and halve a mean
    assert out.tolist() == ([[-1.0]] if mode == "max" else [[-2.0]])


@pytest.mark.parametrize("mode", ["max", "mean"])
def test_an_all_padding_row_pools_to_zeros(mode):
    values = np.array([[[1.0, -2.0]] * 3, [[4.0, 5.0]] * 3], dtype="float32")
    mask = np.array([[False] * 3, [True] * 3])
    out = keras.ops.convert_to_numpy(MaskedPooling(mode)(values, mask=mask))
    assert np.isfinite(out).all() and out[0].tolist() == [0.0, 0.0]
    assert out[1].tolist() == [4.0, 5.0]
    model = build_model("gru", "sum", 12, 6, ModelParams(units=3, embedding_dim=4))
    assert np.isfinite(model.predict(np.zeros((2, 6), "int32"), verbose=0)).all()


def test_no_mask_warning_when_training_or_predicting(caplog):
    keras.utils.set_random_seed(0)
    model = build_model("lstm", "ave", 12, 8, ModelParams(units=3, embedding_dim=4))
    x = np.array([TEXT + [0, 0, 0]] * 8, dtype="int32")
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        model.fit(x, np.arange(8) % 2, epochs=1, batch_size=4, verbose=0)
        model.predict(x, verbose=0)
    said = [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]
    assert not [s for s in said if "mask" in s.lower()], said


def _identity_embedding(**kwargs) -> RegularizedEmbedding:
    """A 1-d embedding whose vector for id i is i: its output shows the ids it read."""
    layer = RegularizedEmbedding(
        40,
        1,
        mask_zero=True,
        embeddings_initializer=keras.initializers.Constant(np.arange(40.0)[:, None]),
        **kwargs,
    )
    layer.build((None, None))
    return layer


def test_token_dropout_reads_the_unknown_word_never_padding_and_only_in_training():
    ids = np.tile(np.array([[2, 3, 4, 5, 6, 7, 8, 9, 0, 0]], dtype="int32"), (200, 1))
    layer = _identity_embedding(token_dropout=0.3, seed=3)
    read = keras.ops.convert_to_numpy(layer(ids, training=True))[..., 0].astype(int)
    padding = ids == 0
    assert (read[padding] == 0).all()  # padding stays padding
    assert (read[~padding] != 0).all()  # a dropped token is never read as padding
    dropped = read[~padding] != ids[~padding]
    assert (read[~padding][dropped] == UNKNOWN_ID).all() and 0.2 < dropped.mean() < 0.4
    unchanged = keras.ops.convert_to_numpy(layer(ids, training=False))[..., 0]
    assert (unchanged == ids).all()
    # the mask (the text's length) is the same whatever was dropped
    assert (keras.ops.convert_to_numpy(layer.compute_mask(ids)) == ~padding).all()


def test_embedding_dropout_drops_whole_word_types_for_a_batch():
    ids = np.tile(np.arange(2, 40, dtype="int32"), (50, 1))  # every word in every row
    layer = _identity_embedding(type_dropout=0.5, seed=5)
    read = keras.ops.convert_to_numpy(layer(ids, training=True))[..., 0]
    dropped = read == 0
    # a word is dropped in every row or in none, and kept words are scaled up
    assert (dropped == dropped[0]).all() and 0 < dropped[0].mean() < 1
    np.testing.assert_allclose(read[~dropped], (ids * 2.0)[~dropped])
    assert (keras.ops.convert_to_numpy(layer(ids, training=False))[..., 0] == ids).all()


def test_normalised_embeddings_have_frequency_weighted_zero_mean_and_unit_variance():
    counts = [0, 5, 40, 20, 10, 5]
    layer = RegularizedEmbedding(6, 3, normalize=True, word_counts=counts)
    layer.build((None, None))
    table = keras.ops.convert_to_numpy(layer(np.arange(6)[None, :], training=False))[0]
    weights = np.array(counts, dtype=float) / sum(counts)
    mean = weights @ table
    np.testing.assert_allclose(mean, 0, atol=1e-5)
    np.testing.assert_allclose(weights @ (table - mean) ** 2, 1, rtol=1e-2)


def test_a_saved_model_with_every_option_loads_back_and_predicts_the_same(tmp_path):
    params = ModelParams(
        units=3,
        embedding_dim=4,
        token_dropout=0.1,
        embedding_dropout=0.1,
        normalize_embeddings=True,
    )
    model = build_model("gru", "concat", 12, 8, params, word_counts=list(range(12)))
    x = np.array([TEXT + [0, 0, 0]], dtype="int32")
    model.save(tmp_path / "model.keras")
    loaded = load_keras_model(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    assert isinstance(loaded.get_layer("embedding_perturbation"), EmbeddingPerturbation)
