"""`birnn predict` with the registry's champion, and without a registry."""

import json

import pytest

from birnn.cli import main

mlflow = pytest.importorskip("mlflow")


def _predict(tmp_path, root) -> list[str]:
    """`birnn predict --json` on the project at ``root``, with params of its own."""
    (tmp_path / "params.yaml").write_text("seed: 7\n")
    return ["--params", str(tmp_path / "params.yaml"), "--root", str(root), "predict", "--json"]


def test_best_variant_is_the_champion_and_predict_uses_it(logged, tmp_path, capsys, monkeypatch):
    params, layout, result = logged
    client = mlflow.MlflowClient(params.tracking.uri)
    version = client.get_model_version_by_alias("builtin-sentiment", "champion")
    assert (
        version.tags["variant"] == "gru-concat"
        and result["champion"] == "models:/builtin-sentiment@champion"
    )
    monkeypatch.setenv("MLFLOW_TRACKING_URI", params.tracking.uri)
    cli = _predict(tmp_path, layout.root)
    texts = tmp_path / "texts.txt"
    texts.write_text("not bad at all\n\nawful\n")
    assert main([*cli, "--file", str(texts)]) == 0
    from_champion = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main([*cli, "--model", str(layout.model_dir("gru-concat")), "--file", str(texts)]) == 0
    from_folder = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in from_champion] == ["not bad at all", "", "awful"]
    assert [r["empty"] for r in from_champion] == [False, True, False]
    assert from_champion == from_folder


def test_predict_without_a_registry_falls_back_to_the_best_folder(
    logged, tmp_path, capsys, monkeypatch
):
    _, layout, _ = logged
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path}/none.db")
    assert main([*_predict(tmp_path, layout.root), "great acting"]) == 0
    assert json.loads(capsys.readouterr().out)["label"] in (0, 1)
    assert not (tmp_path / "none.db").exists()  # looking for a champion creates no store


@pytest.mark.parametrize(
    "uri", ["models:/builtin-sentiment/999", "models:/no-such-model@champion", "runs:/0123/model"]
)
def test_a_model_uri_the_store_does_not_know_is_one_line(
    logged, tmp_path, capsys, monkeypatch, uri
):
    params, layout, _ = logged
    monkeypatch.setenv("MLFLOW_TRACKING_URI", params.tracking.uri)
    assert main([*_predict(tmp_path, layout.root), "--model", uri, "great"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: predict: --model {uri}: not loadable from ")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
