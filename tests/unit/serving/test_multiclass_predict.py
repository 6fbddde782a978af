"""A three-class model answers the class name with every class's probability: `birnn
predict` (text and JSON) and the served MLflow pyfunc model."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from birnn.cli import main
from birnn.serving.predict import Predictor

THREE = ["negative", "neutral", "positive"]


def test_the_predictor_answers_a_class_name_and_every_class_probability(trained_three):
    _, layout = trained_three
    predictor = Predictor.from_dir(layout.model_dir("gru-concat"))
    texts = ["awful rude crew", "the gate on monday", "great friendly crew"]
    prob = predictor.probabilities(texts)
    assert prob.shape == (3, 3) and np.allclose(prob.sum(axis=1), 1, atol=1e-5)
    for p, row in zip(predictor.predict(texts), prob):
        assert list(p.probabilities) == THREE and p.label_name == THREE[p.label]
        assert p.label == int(row.argmax()) and p.probability == pytest.approx(row.max())
    assert predictor.probabilities([]).shape == (0, 3)


def test_birnn_predict_prints_the_name_and_every_class(trained_three, tmp_path, capsys):
    _, layout = trained_three
    params_file = tmp_path / "params.yaml"
    params_file.write_text("tracking:\n  enabled: false\n")
    cli = ["--params", str(params_file), "--root", str(layout.root), "predict"]
    folder = str(layout.model_dir("gru-concat"))
    assert main([*cli, "--model", folder, "great friendly crew"]) == 0
    name, probability, every, text = capsys.readouterr().out.rstrip("\n").split("\t")
    assert name in THREE and text == "great friendly crew"
    shown = dict(part.split("=") for part in every.split(", "))
    assert list(shown) == THREE and shown[name] == probability
    assert main([*cli, "--model", folder, "--json", "great friendly crew", " "]) == 0
    row, empty = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert row["label_name"] == THREE[row["label"]] and list(row["probabilities"]) == THREE
    assert row["probability"] == max(row["probabilities"].values())
    assert empty["empty"] and "probabilities" not in empty


def test_the_served_model_answers_class_names_and_probabilities(trained_three):
    pytest.importorskip("mlflow")
    from birnn.serving.pyfunc import ARTIFACT_KEY, SentimentModel
    from birnn.tracking.packaging import text_signature

    _, layout = trained_three
    model = SentimentModel()
    model.load_context(
        SimpleNamespace(artifacts={ARTIFACT_KEY: str(layout.model_dir("gru-concat"))})
    )
    out = model.predict(None, {"text": ["awful rude crew", "great friendly crew"]})
    assert list(out.columns) == ["label", "probability", "label_name", "probabilities"]
    assert [c.name for c in text_signature(multiclass=True).outputs.inputs] == list(out.columns)
    for _, row in out.iterrows():
        assert list(row["probabilities"]) == THREE and row["label_name"] == THREE[row["label"]]
        assert row["probability"] == pytest.approx(row["probabilities"][row["label_name"]])
    assert [c.name for c in text_signature().outputs.inputs] == [
        "label",
        "probability",
        "label_name",
    ]
