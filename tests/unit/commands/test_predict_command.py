"""`birnn predict`: one answer per input, in order; blank texts answered as empty; a missing
or unknown model is one line, never a traceback."""

import json

import pytest

from birnn.cli import main
from birnn.files import write_json

# a line break for str.splitlines, text inside one line for a text file
ODD_SEPARATORS = "good film\u2028truly|not\x85bad|form\x0cfeed|sep\x1carated|para\u2029graph"


def _cli(tmp_path, root) -> list[str]:
    (tmp_path / "params.yaml").write_text("tracking:\n  enabled: false\n")
    return ["--params", str(tmp_path / "params.yaml"), "--root", str(root), "predict"]


def _texts_file(tmp_path):
    """Eight lines: odd separators inside lines, a CRLF line, two blank lines."""
    path = tmp_path / "texts.txt"
    lines = [*ODD_SEPARATORS.split("|"), "", "windows line\r", "   "]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path, [line.removesuffix("\r") for line in lines]


def test_a_file_gives_one_answer_per_line_and_answers_blank_lines_empty(trained, tmp_path, capsys):
    _, layout, _ = trained
    path, lines = _texts_file(tmp_path)
    cli = [*_cli(tmp_path, layout.root), "--model", str(layout.model_dir("gru-concat"))]

    assert main([*cli, "--json", "--file", str(path)]) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["text"] for row in rows] == lines
    assert [row["empty"] for row in rows] == [not line.strip() for line in lines]
    assert all(row["label"] is None and row["probability"] is None for row in rows[5::2])
    assert all(row["label"] in (0, 1) for row in rows if not row["empty"])
    assert "2 of 8 text(s) empty" in err

    assert main([*cli, "--file", str(path)]) == 0
    tab_rows = capsys.readouterr().out.splitlines()  # splitlines: the echo escapes U+2028 & co
    assert len(tab_rows) == len(lines)
    assert [row.split("\t")[0] == "(empty)" for row in tab_rows] == [r["empty"] for r in rows]
    assert tab_rows[0].endswith("good film\\u2028truly")


def test_an_empty_argument_is_answered_empty_not_labelled(trained, tmp_path, capsys):
    _, layout, _ = trained
    cli = [*_cli(tmp_path, layout.root), "--model", str(layout.model_dir("gru-concat"))]
    assert main([*cli, ""]) == 0
    out, err = capsys.readouterr()
    assert out == "(empty)\t\t\n" and "1 of 1 text(s) empty" in err
    assert main([*cli, "--json", " ", "great"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first == {
        "label": None,
        "label_name": None,
        "probability": None,
        "empty": True,
        "text": " ",
    }
    assert second["empty"] is False and second["label"] in (0, 1)


def test_an_empty_file_says_so(tmp_path, capsys):
    empty = tmp_path / "none.txt"
    empty.write_bytes(b"")
    assert main([*_cli(tmp_path, tmp_path), "--file", str(empty)]) == 2
    assert f"--file {empty} has no lines" in capsys.readouterr().err


@pytest.mark.parametrize("comparison", [{"best_variant": None, "best_accuracy": None}, {}])
def test_no_learned_variant_and_no_model_is_one_line(tmp_path, capsys, comparison):
    write_json(tmp_path / "reports" / "comparison.json", comparison)
    assert main([*_cli(tmp_path, tmp_path), "great film"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "names no best variant" in err and "--model" in err


def test_a_corrupt_store_and_no_learned_variant_is_one_line_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (tmp_path / "mlruns").mkdir()
    (tmp_path / "mlruns" / "mlflow.db").write_bytes(b"not sqlite" * 500)
    write_json(tmp_path / "reports" / "comparison.json", {"best_variant": None})
    (tmp_path / "params.yaml").write_text(
        f"tracking:\n  uri: sqlite:///{tmp_path}/mlruns/mlflow.db\n"
    )
    cli = ["--params", str(tmp_path / "params.yaml"), "--root", str(tmp_path), "predict"]
    assert main([*cli, "great film"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "names no best variant" in err
    assert (tmp_path / "mlruns" / "mlflow.db").read_bytes() == b"not sqlite" * 500
