import os
import subprocess
import sys

import numpy as np
import pytest

from birnn.config import CELLS, MERGE_MODES, ModelParams
from conftest import REPO

keras = pytest.importorskip("keras")
from birnn.modeling.models import build_model  # noqa: E402


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("merge_mode", MERGE_MODES)
def test_every_variant_builds_and_outputs_one_probability(cell, merge_mode):
    model = build_model(
        cell, merge_mode, vocab_size=30, max_len=9, params=ModelParams(units=4, embedding_dim=6)
    )
    out = model.predict(np.array([[2, 3, 4, 0, 0, 0, 0, 0, 0]], dtype="int32"), verbose=0)
    assert out.shape == (1, 1) and 0.0 <= float(out[0, 0]) <= 1.0
    rnn = model.get_layer(f"bi_{cell}_{merge_mode}")
    assert rnn.merge_mode == merge_mode
    # concat doubles the features the head sees; sum/mul/ave keep them
    head_inputs = model.get_layer("positive_probability").kernel.shape[0]
    assert head_inputs == (8 if merge_mode == "concat" else 4)


def test_unidirectional_reference_has_fewer_parameters():
    params = ModelParams(units=4, embedding_dim=6)
    uni = build_model("gru", None, 30, 9, params, direction="unidirectional")
    bi = build_model("gru", "sum", 30, 9, params)
    assert uni.count_params() < bi.count_params()


def test_default_layers_are_cudnn_eligible():
    """recurrent_dropout=0 and default activations keep LSTM/GRU on the fused GPU kernels."""
    model = build_model("lstm", "concat", 30, 9, ModelParams())
    lstm = model.get_layer("bi_lstm_concat").forward_layer
    assert lstm.recurrent_dropout == 0 and lstm.activation.__name__ == "tanh"
    assert model.get_layer("embedding").mask_zero


def test_model_code_is_backend_neutral():
    """models.py imports keras only: no TensorFlow, JAX or PyTorch calls inside models."""
    import ast

    tree = ast.parse((REPO / "src" / "birnn" / "modeling" / "models.py").read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    }
    assert imported <= {"__future__", "typing", "keras", "birnn"}  # birnn: its params schema


def test_models_run_on_the_jax_backend():
    pytest.importorskip("jax", reason="JAX not installed: `make setup JAX=1` installs it")
    code = (
        "from birnn.modeling.models import build_model; from birnn.config import ModelParams;"
        "import numpy as np, keras;"
        "m = build_model('lstm', 'ave', 30, 5, ModelParams(units=3, embedding_dim=4));"
        "m.fit(np.ones((8, 5), 'int32'), np.ones(8), epochs=1, verbose=0);"
        "assert keras.backend.backend() == 'jax'"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={**os.environ, "KERAS_BACKEND": "jax"}
    )


@pytest.mark.parametrize("pooling", ["last", "max", "mean"])
def test_stacked_layers_pooling_and_dense_head_build(pooling):
    params = ModelParams(units=3, embedding_dim=4, layers=2, pooling=pooling, dense_units=5)
    model = build_model("gru", "ave", 20, 7, params)
    assert model.get_layer("bi_gru_ave_2") is not None and model.get_layer("hidden").units == 5
    out = model.predict(np.array([[2, 3, 4, 0, 0, 0, 0]], dtype="int32"), verbose=0)
    assert out.shape == (1, 1)


def test_mixed_precision_is_ignored_without_a_gpu():
    from birnn.modeling.precision import gpu_available, set_precision

    set_precision(True)
    try:
        expected = "mixed_float16" if gpu_available() else "float32"
        assert keras.mixed_precision.global_policy().name == expected
        model = build_model("lstm", "sum", 20, 5, ModelParams(units=3, embedding_dim=4))
        assert model.get_layer("positive_probability").dtype_policy.compute_dtype == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


# --- the cumsum task: a probability per timestep ------------------------------------------------


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("merge_mode", [*MERGE_MODES, None])
def test_every_sequence_variant_outputs_one_probability_per_timestep(cell, merge_mode):
    from birnn.modeling.models import build_sequence_model

    direction = "unidirectional" if merge_mode is None else "bidirectional"
    model = build_sequence_model(
        cell, merge_mode, timesteps=6, params=ModelParams(units=4), direction=direction
    )
    out = model.predict(np.random.default_rng(0).random((3, 6, 1), dtype=np.float32), verbose=0)
    assert out.shape == (3, 6, 1) and ((out >= 0) & (out <= 1)).all()
    assert model.get_layer("step_probability").dtype_policy.compute_dtype == "float32"
    assert not any(
        isinstance(layer, (keras.layers.Embedding, keras.layers.GlobalMaxPooling1D))
        for layer in model.layers
    )
    if merge_mode is not None:
        assert model.get_layer(f"bi_{cell}_{merge_mode}").merge_mode == merge_mode


def test_a_sequence_model_takes_a_training_step_on_per_timestep_labels():
    from birnn.data.sequences import generate_sequences
    from birnn.modeling.models import build_sequence_model

    x, y = generate_sequences(32, 6, seed=0)
    model = build_sequence_model(
        "lstm", "ave", 6, ModelParams(units=4, layers=2), learning_rate=0.01
    )
    history = model.fit(x[..., None], y, epochs=2, batch_size=16, verbose=0).history
    assert len(history["loss"]) == 2 and all(np.isfinite(history["loss"]))
    assert 0.0 <= history["accuracy"][-1] <= 1.0  # per-timestep accuracy against (N, T) labels
