"""The initial plateau: the loss of the class prior, and no early stop before leaving it."""

import json

import numpy as np
import pytest

from conftest import tiny_params


def test_trivial_loss_is_the_loss_of_the_class_prior():
    from birnn.modeling.plateau import left_plateau, trivial_loss

    assert trivial_loss(np.array([0, 1] * 50)) == pytest.approx(np.log(2))
    assert trivial_loss(np.array([0] * 80 + [1] * 20)) == pytest.approx(0.5004, abs=1e-4)
    assert trivial_loss(np.array([0] * 80 + [1] * 20), weighted=True) == pytest.approx(np.log(2))
    assert left_plateau(0.60, np.log(2), 0.02) and not left_plateau(0.685, np.log(2), 0.02)


def test_no_early_stop_on_the_initial_plateau_and_a_variant_that_never_leaves_it_did_not_learn(
    tmp_path,
):
    """Labels that are noise: validation loss never leaves log 2. Patience 1 would have stopped
    after two epochs; on the plateau it does not count, so every epoch runs, and the variant is
    reported as not learned instead of being ranked."""
    from birnn.config import ModelParams, TrainParams
    from birnn.modeling import evaluate, plateau, train

    rng = np.random.default_rng(0)
    processed = tmp_path / "processed"
    processed.mkdir()
    for name, n in (("train", 256), ("val", 128), ("test", 128)):
        x = rng.integers(2, 30, size=(n, 6)).astype(np.int32)
        np.savez(
            processed / f"{name}.npz",
            x=x,
            y=rng.integers(0, 2, n).astype(np.int8),
            row=np.arange(n),
        )
    words = [f"w{i}" for i in range(28)]
    (processed / "vocab.json").write_text(json.dumps({"words": words, "max_len": 6}))
    summary = train.train_variant(
        processed,
        "gru-concat",
        ModelParams(embedding_dim=4, units=2, pretrained="none"),
        TrainParams(epochs=4, batch_size=64, patience=1, learning_rate=1e-4),
        tiny_params().clean,
        3,
        tmp_path / "model",
        tmp_path / "curve.csv",
        tmp_path / "checkpoints",
    )
    assert summary.epochs_run == 4 and summary.learned is False
    assert summary.trivial_val_loss == pytest.approx(
        plateau.trivial_loss(np.load(processed / "val.npz")["y"]), abs=1e-6
    )
    result = evaluate.evaluate_variant(
        tmp_path / "model", processed, tmp_path / "m.json", tmp_path / "p.npy"
    )
    assert result["status"] == "did_not_learn" and "never fell clearly below" in result["reason"]
    assert result["val_accuracy"] is not None and (tmp_path / "p.npy").is_file()


def test_patience_counts_once_the_loss_climbs_clearly_above_the_plateau():
    """A model that gets worse from the first epoch never falls below the trivial loss: it must
    still stop after ``patience`` epochs above it, not train until train.epochs."""
    from birnn.config import TrainParams
    from birnn.modeling.checkpoint import LoopState
    from birnn.modeling.epoch_loop import track_best

    params = TrainParams(epochs=1000, patience=2, plateau_margin=0.02)
    state = LoopState("f", trivial_val_loss=np.log(2))
    for val_loss in (0.70, 0.80, 0.95, 1.20, 1.50, 1.70):
        state.history.setdefault("val_loss", []).append(val_loss)
        state.epoch += 1
        track_best(state, params)
        if state.wait >= params.patience:
            break
    assert state.epoch == 3 and state.best_epoch == 1


def test_a_training_whose_validation_loss_rises_from_the_start_stops_within_patience(tmp_path):
    """Noise labels and a large learning rate: the model memorises the training rows and its
    validation loss climbs from the first epoch."""
    from birnn.config import ModelParams, TrainParams
    from birnn.modeling import train

    rng = np.random.default_rng(1)
    processed = tmp_path / "processed"
    processed.mkdir()
    for name, n in (("train", 256), ("val", 128), ("test", 64)):
        np.savez(
            processed / f"{name}.npz",
            x=rng.integers(2, 300, size=(n, 8)).astype(np.int32),
            y=rng.integers(0, 2, n).astype(np.int8),
            row=np.arange(n),
        )
    words = [f"w{i}" for i in range(298)]
    (processed / "vocab.json").write_text(json.dumps({"words": words, "max_len": 8}))
    patience, epochs = 2, 60
    summary = train.train_variant(
        processed,
        "gru-concat",
        ModelParams(embedding_dim=32, units=32, pretrained="none"),
        TrainParams(epochs=epochs, batch_size=32, patience=patience, learning_rate=0.02),
        tiny_params().clean,
        3,
        tmp_path / "model",
        tmp_path / "curve.csv",
        tmp_path / "checkpoints",
    )
    history = json.loads((tmp_path / "model" / "history.json").read_text())
    assert history["val_loss"][-1] > history["val_loss"][0]
    assert summary.epochs_run <= patience + 4 and summary.learned is False
