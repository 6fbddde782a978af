"""K classes in the model and its scores: a softmax head on the same cells and merge modes,
sparse categorical cross-entropy, the K-class trivial loss and class weights, and the metrics
every variant and baseline reports."""

import math

import numpy as np
import pytest

from birnn.config import ModelParams
from birnn.modeling.epoch_loop import class_weights, classes_of
from birnn.modeling.plateau import trivial_loss
from birnn.modeling.scoring import classification_metrics, validation_scores

keras = pytest.importorskip("keras")
from birnn.modeling.models import build_model  # noqa: E402


@pytest.mark.parametrize(
    "cell, merge_mode", [("lstm", "concat"), ("gru", "mul"), ("simple_rnn", "ave")]
)
def test_a_softmax_head_answers_a_probability_per_class(cell, merge_mode):
    params = ModelParams(units=4, embedding_dim=6)
    model = build_model(cell, merge_mode, 30, 9, params, classes=4)
    out = model.predict(np.array([[2, 3, 4, 0, 0, 0, 0, 0, 0]], dtype="int32"), verbose=0)
    assert out.shape == (1, 4) and np.isclose(out.sum(), 1.0, atol=1e-5)
    assert model.loss == "sparse_categorical_crossentropy" and classes_of(model) == 4
    assert model.get_layer(f"bi_{cell}_{merge_mode}").merge_mode == merge_mode
    binary = build_model(cell, merge_mode, 30, 9, params)  # the default: unchanged
    assert binary.loss == "binary_crossentropy" and binary.output_shape == (None, 1)
    assert classes_of(binary) == 2


def test_a_softmax_model_trains_on_integer_labels():
    params = ModelParams(units=4, embedding_dim=6, dropout=0, spatial_dropout=0)
    model = build_model("gru", "concat", 12, 4, params, learning_rate=0.05, classes=3)
    x = np.array([[2, 2, 0, 0], [5, 5, 0, 0], [8, 8, 0, 0]] * 20, dtype="int32")
    y = np.array([0, 1, 2] * 20, dtype="int8")
    history = model.fit(x, y, epochs=8, verbose=0, class_weight={0: 1.0, 1: 1.0, 2: 2.0})
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert 0 <= history.history["accuracy"][-1] <= 1  # sparse categorical accuracy
    assert (model.predict(x[:3], verbose=0).argmax(axis=1) == [0, 1, 2]).all()


def test_the_trivial_loss_is_the_entropy_of_the_class_prior():
    labels = np.array([0] * 50 + [1] * 30 + [2] * 20)
    prior = np.array([0.5, 0.3, 0.2])
    assert trivial_loss(labels, n_classes=3) == pytest.approx(-(prior * np.log(prior)).sum())
    assert trivial_loss(labels, weighted=True, n_classes=3) == pytest.approx(math.log(3))
    two = np.array([0] * 70 + [1] * 30)  # binary: as before
    assert trivial_loss(two) == pytest.approx(-(0.7 * math.log(0.7) + 0.3 * math.log(0.3)))


def test_auto_class_weights_follow_the_largest_over_the_smallest_class():
    assert class_weights(np.array([0] * 40 + [1] * 30 + [2] * 27), "auto", 3) is None  # 1.48
    weights = class_weights(np.array([0] * 40 + [1] * 30 + [2] * 26), "auto", 3)  # 1.54
    assert weights is not None and weights[2] > weights[1] > weights[0]
    assert class_weights(np.array([0] * 59 + [1] * 41), "auto") is None  # binary: minority >= 40%
    assert class_weights(np.array([0] * 61 + [1] * 39), "auto") is not None
    assert class_weights(np.array([0] * 40 + [1] * 30 + [2] * 27), "balanced", 3) is not None


def test_multiclass_metrics_per_class_confusion_log_loss_and_one_vs_rest_auc():
    y = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    prob = np.array(
        [
            [0.8, 0.1, 0.1],
            [0.6, 0.3, 0.1],
            [0.2, 0.7, 0.1],  # a negative taken for neutral
            [0.1, 0.8, 0.1],
            [0.1, 0.5, 0.4],
            [0.1, 0.2, 0.7],
            [0.3, 0.1, 0.6],
            [0.5, 0.1, 0.4],  # a positive taken for negative
        ]
    )
    m = classification_metrics(y, prob, classes=["negative", "neutral", "positive"])
    assert m["accuracy"] == pytest.approx(6 / 8)
    assert m["confusion_matrix"] == [[2, 1, 0], [0, 2, 0], [1, 0, 2]]
    assert m["per_class"]["neutral"] == {
        "precision": pytest.approx(2 / 3),
        "recall": 1.0,
        "f1": pytest.approx(0.8),
        "support": 2,
    }
    f1 = [2 / 3, 0.8, 0.8]
    assert m["macro_f1"] == pytest.approx(np.mean(f1)) == m["f1"]
    assert m["balanced_accuracy"] == pytest.approx(np.mean([2 / 3, 1, 2 / 3]))
    assert m["log_loss"] == pytest.approx(-np.mean(np.log(prob[np.arange(8), y])))
    assert 0.5 < m["roc_auc"] <= 1 and m["classes"] == ["negative", "neutral", "positive"]
    assert "grade_mae" not in m and m["n_test"] == 8
    val = validation_scores(y, prob)
    assert val["val_accuracy"] == m["accuracy"] and val["val_macro_f1"] == m["macro_f1"]
    assert val["val_loss"] == pytest.approx(m["log_loss"])


def test_grades_get_a_mean_absolute_error_and_a_missing_class_no_auc():
    y = np.array([0, 1, 2, 3, 4])
    prob = np.eye(5)[[0, 1, 4, 3, 3]]  # 3 stars taken for 5, 5 for 4
    m = classification_metrics(y, prob, classes=["1", "2", "3", "4", "5"])
    assert m["grade_mae"] == pytest.approx((2 + 1) / 5)
    m = classification_metrics(np.array([0, 1, 1]), np.eye(3)[[0, 1, 2]], classes=["a", "b", "c"])
    assert m["roc_auc"] is None and "grade_mae" not in m  # no "c" among the labels
