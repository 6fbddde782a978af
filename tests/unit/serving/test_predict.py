"""`birnn predict` answers in the words of the training data (real Keras, a tiny csv project)."""

import json

import pytest

from birnn import stages
from birnn.cli import main
from birnn.data.corpus import generate_corpus
from birnn.layout import Layout
from birnn.modeling.model_folder import ModelFolderError, label_names, label_names_of
from birnn.serving.predict import Predictor
from conftest import tiny_params


def test_label_names_come_from_the_applied_label_map():
    assert label_names_of({"negative": 0, "positive": 1, "neutral": None}) == [
        "negative",
        "positive",
    ]
    assert label_names_of({"neg": 0, "negative": 0, "pos": 1}) == ["neg", "pos"]
    # numbers are not names: the builtin corpus' 0/1 and sentiment140's 0/4 answer in words
    assert label_names_of({"0": 0, "1": 1}) == ["negative", "positive"]
    assert label_names_of({"0": 0, "4": 1, "2": None}) == ["negative", "positive"]
    assert label_names_of({"1": 0, "good": 1}) == ["1", "good"]
    assert label_names_of({"positive": 1}) is None
    assert label_names({}) == ["0", "1"]  # a model trained before names were kept
    assert label_names({"label_names": ["bad", "good"]}) == ["bad", "good"]


@pytest.fixture(scope="module")
def csv_project(tmp_path_factory):
    root = tmp_path_factory.mktemp("csv-project")
    table = generate_corpus(300, seed=3)[["text", "label"]]
    table["label"] = table["label"].map({0: "negative", 1: "positive"})
    path = root / "reviews.csv"
    table.to_csv(path, index=False)
    params = tiny_params(
        data={
            "source": "csv",
            "path": str(path),
            "label_map": {"negative": 0, "positive": 1},
        },
        train={"epochs": 1},
    )
    layout = Layout(root)
    for step in (stages.run_download, stages.run_clean, stages.run_tokenize, stages.run_split):
        step(params, layout)
    stages.run_train(params, layout, "gru-concat")
    return params, layout


def test_a_model_trained_on_named_labels_answers_with_the_names(csv_project, tmp_path, capsys):
    params, layout = csv_project
    folder = layout.model_dir("gru-concat")
    info = json.loads((folder / "variant.json").read_text())
    assert info["label_names"] == ["negative", "positive"]
    predictions = Predictor.from_dir(folder).predict(["not bad at all", "awful"])
    assert all(p.label_name == ["negative", "positive"][p.label] for p in predictions)

    params_file = tmp_path / "params.yaml"
    params_file.write_text("tracking:\n  enabled: false\n")
    cli = ["--params", str(params_file), "--root", str(layout.root), "predict"]
    assert main([*cli, "--model", str(folder), "not bad at all", "awful"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[2] for line in lines] == ["not bad at all", "awful"]
    assert [line.split("\t")[0] for line in lines] == [p.label_name for p in predictions]

    assert main([*cli, "--model", str(folder), "--json", "not bad at all"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert set(row) == {"label", "label_name", "probability", "empty", "text"}
    assert row["label_name"] == ["negative", "positive"][row["label"]]


def test_builtin_data_names_no_labels_and_answers_negative_or_positive(trained, tmp_path, capsys):
    _, layout, _ = trained  # the builtin corpus: labels 0 and 1
    folder = layout.model_dir("gru-concat")
    predictions = Predictor.from_dir(folder).predict(["great", "awful", "not bad at all"])
    assert [p.label_name for p in predictions] == [
        ["negative", "positive"][p.label] for p in predictions
    ]
    assert all(p.probabilities is None for p in predictions)  # binary: as before
    params_file = tmp_path / "params.yaml"
    params_file.write_text("tracking:\n  enabled: false\n")
    cli = ["--params", str(params_file), "--root", str(layout.root), "predict", "--model"]
    assert main([*cli, str(folder), "great", "awful"]) == 0
    names = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert names == [p.label_name for p in predictions[:2]] and set(names) <= {
        "negative",
        "positive",
    }


def test_predictor_reads_raw_text_including_odd_input(trained):
    _, layout, _ = trained
    predictor = Predictor.from_dir(layout.model_dir("gru-concat"))
    odd = ["The plot was NOT good<br />", "", "😀😀", "שלום עולם", "word " * 5000, None]
    results = predictor.predict(odd)
    assert [r.label for r in results] == [int(r.probability >= 0.5) for r in results]
    assert all(0.0 <= r.probability <= 1.0 for r in results)


def test_predictor_rejects_a_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(ModelFolderError, match="missing model.keras"):
        Predictor.from_dir(tmp_path)


def test_prediction_truncates_like_training_head_and_tail():
    """The served encoding is the split stage's: a head_tail model reads a long text's start
    and end, not only its end."""
    from birnn.config import CleanParams

    words = [f"w{i}" for i in range(10)]
    vocab = {"words": words, "max_len": 5, "truncating": "head_tail", "head_tokens": 2}
    predictor = Predictor(None, vocab, CleanParams())
    assert predictor.encode([" ".join(words)]).tolist() == [[2, 3, 9, 10, 11]]
