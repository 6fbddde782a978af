from birnn.cli import main


def test_bad_params_exit_2_and_name_the_key(tmp_path, capsys):
    path = tmp_path / "params.yaml"
    path.write_text("model:\n  unit: 3\n")
    assert main(["--params", str(path), "download"]) == 2
    assert "model.unit: unknown key" in capsys.readouterr().err


def test_variants_lists_the_matrix(tmp_path, capsys):
    path = tmp_path / "params.yaml"
    path.write_text("variants:\n  cells: [gru]\n  merge_modes: [sum, ave]\n  unidirectional: [lstm]\n")
    assert main(["--params", str(path), "variants"]) == 0
    assert capsys.readouterr().out.split() == ["gru-sum", "gru-ave", "lstm-uni"]


def test_missing_input_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\n")
    assert main(["--params", str(path), "--root", str(tmp_path), "clean"]) == 1
    assert "run the download stage first" in capsys.readouterr().err


def test_set_overrides_one_param(tmp_path, capsys):
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\n")
    assert main(["--params", str(path), "--set", "variants.cells=[lstm]", "variants"]) == 0
    assert capsys.readouterr().out.split()[0] == "lstm-concat"
