import numpy as np
import pytest

from birnn.config import ModelParams, ParamsError, parse_params
from birnn.modeling.embeddings import EmbeddingsError, load_glove


@pytest.fixture
def glove_file(tmp_path):
    path = tmp_path / "glove.tiny.4d.txt"
    path.write_text(
        "good 0.1 0.2 0.3 0.4\nbad -0.1 -0.2 -0.3 -0.4\nunused 9 9 9 9\n", encoding="utf-8"
    )
    return path


def test_vectors_are_aligned_to_the_vocabulary(glove_file):
    matrix, coverage = load_glove(glove_file, ["bad", "plot", "good"], dim=4, seed=0)
    assert matrix.shape == (5, 4) and matrix.dtype == np.float32
    assert np.all(matrix[0] == 0)  # padding
    np.testing.assert_allclose(matrix[2], [-0.1, -0.2, -0.3, -0.4])  # "bad"
    np.testing.assert_allclose(matrix[4], [0.1, 0.2, 0.3, 0.4])  # "good"
    assert np.abs(matrix[3]).max() < 0.5 and np.any(matrix[3] != 0)  # "plot": random, small
    assert coverage == pytest.approx(2 / 3)
    again, _ = load_glove(glove_file, ["bad", "plot", "good"], dim=4, seed=0)
    np.testing.assert_array_equal(matrix, again)  # OOV vectors are seeded


def test_wrong_dimension_names_line_and_fix(glove_file):
    with pytest.raises(
        EmbeddingsError, match=r"glove.tiny.4d.txt:1: 4 numbers for 'good', expected 3"
    ):
        load_glove(glove_file, ["good"], dim=3, seed=0)


def test_missing_file_and_missing_path_are_clear(tmp_path):
    with pytest.raises(EmbeddingsError, match="file not found"):
        load_glove(tmp_path / "none.txt", ["a"], dim=2, seed=0)
    with pytest.raises(ParamsError, match="embeddings_path"):
        parse_params({"model": {"embeddings": "glove"}})


def test_frozen_pretrained_embedding_in_the_model(glove_file):
    keras = pytest.importorskip("keras")
    from birnn.modeling.models import build_model

    matrix, _ = load_glove(glove_file, ["bad", "good"], dim=4, seed=0)
    params = ModelParams(
        embedding_dim=4,
        units=3,
        embeddings="glove",
        embeddings_path=str(glove_file),
        embeddings_trainable=False,
    )
    model = build_model("lstm", "concat", 4, 5, params, embedding_matrix=matrix)
    embedding = model.get_layer("embedding")
    assert not embedding.trainable
    np.testing.assert_allclose(np.asarray(embedding.embeddings), matrix)
    model.fit(np.array([[2, 3, 0, 0, 0]] * 8, dtype="int32"), np.arange(8) % 2, epochs=1, verbose=0)
    np.testing.assert_allclose(np.asarray(embedding.embeddings), matrix)  # frozen: unchanged
    assert keras.mixed_precision.global_policy().name == "float32"
