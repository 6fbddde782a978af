from birnn.cli import main


def test_bad_params_exit_2_and_name_the_key(tmp_path, capsys):
    path = tmp_path / "params.yaml"
    path.write_text("model:\n  unit: 3\n")
    assert main(["--params", str(path), "download"]) == 2
    assert "model.unit: unknown key" in capsys.readouterr().err


def test_variants_lists_the_matrix(tmp_path, capsys):
    path = tmp_path / "params.yaml"
    path.write_text(
        "variants:\n  cells: [gru]\n  merge_modes: [sum, ave]\n  unidirectional: [lstm]\n"
    )
    assert main(["--params", str(path), "variants"]) == 0
    assert capsys.readouterr().out.split() == ["gru-sum", "gru-ave", "lstm-uni"]


def test_missing_input_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\n")
    assert main(["--params", str(path), "--root", str(tmp_path), "clean"]) == 1
    assert "run the download stage first" in capsys.readouterr().err


def test_track_promote_sets_the_param_for_this_run(tmp_path):
    from birnn.cli import _parser

    path = tmp_path / "params.yaml"
    path.write_text("tracking:\n  enabled: false\n")
    assert _parser().parse_args(["track", "--promote"]).promote is True
    assert _parser().parse_args(["log-runs"]).promote is False
    # tracking disabled: the outcome file says so, the flag was accepted
    assert main(["--params", str(path), "--root", str(tmp_path), "track", "--promote"]) == 0
    assert '"disabled"' in (tmp_path / "reports" / "tracking.json").read_text()


def test_set_overrides_one_param(tmp_path, capsys):
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\n")
    assert main(["--params", str(path), "--set", "variants.cells=[lstm]", "variants"]) == 0
    assert capsys.readouterr().out.split()[0] == "lstm-concat"


def test_a_stage_waits_its_turn_while_another_run_holds_the_folder(tmp_path, caplog):
    # a Prefect flow holds .checkpoints/run.lock for its whole run; a `dvc repro` stage waits
    import subprocess
    import sys
    import time

    lock = tmp_path / ".checkpoints" / "run.lock"
    hold = (
        "import sys, time\nfrom birnn.files import exclusive_lock\n"
        "with exclusive_lock(sys.argv[1]):\n    print('held', flush=True)\n    time.sleep(3)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", hold, str(lock)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        (tmp_path / "params.yaml").write_text("seed: 7\ndata: {builtin_size: 300}\n")
        started = time.monotonic()
        assert (
            main(["--params", str(tmp_path / "params.yaml"), "--root", str(tmp_path), "download"])
            == 0
        )
        assert time.monotonic() - started >= 1.5
        assert "waiting for it to finish" in caplog.text and f"pid {holder.pid}" in caplog.text
        assert (tmp_path / "data" / "raw" / "builtin.csv").is_file()
    finally:
        holder.kill()
        holder.wait()


def test_ctrl_c_is_one_line_and_exit_130(tmp_path, capsys, monkeypatch):
    from birnn import pipeline

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "stage", lambda name: _Stage(interrupted))
    assert main(["--root", str(tmp_path), "download"]) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "run the same command again" in err.lower()


class _Stage:
    per_variant = False

    def __init__(self, run):
        self.run = run


def test_an_empty_params_file_warns_that_everything_is_default(tmp_path, caplog, capsys):
    path = tmp_path / "params.yaml"
    path.write_text("# nothing here\n")
    assert main(["--params", str(path), "variants"]) == 0
    assert "is empty: every param takes its default" in caplog.text


def test_a_huge_value_gives_a_short_error(tmp_path, capsys):
    assert main(["--set", "seed=" + "9" * 50_000 + "x", "variants"]) == 2
    err = capsys.readouterr().err
    assert "seed" in err and len(err) < 1000


def test_a_one_line_50mb_file_gives_a_short_error(tmp_path, capsys):
    big = tmp_path / "one-line.csv"
    with open(big, "w") as fh:
        fh.write("y" * 50_000_000 + "\n")
    root = ["--root", str(tmp_path), "--set", "data.source=csv", "--set", f"data.path={big}"]
    assert main([*root, "download"]) == 0
    assert main([*root, "clean"]) == 1
    err = capsys.readouterr().err
    assert len(err) < 2500 and str(big) in err and "missing column" in err


def test_predict_file_with_undecodable_bytes_names_the_file(tmp_path, capsys):
    bad = tmp_path / "texts.txt"
    bad.write_bytes("great film\n".encode() + b"caf\xe9 awful\n")
    assert main(["--root", str(tmp_path), "predict", "--file", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"--file {bad}: not UTF-8 text (byte 0xe9 at offset 14)" in err


def test_predict_echoes_a_capped_excerpt_of_a_huge_input(tmp_path, capsys, monkeypatch):
    import json

    from birnn.commands import predict

    monkeypatch.setattr(
        predict, "_label", lambda model, texts, *a: [(1, 0.9, "positive", t, None) for t in texts]
    )
    huge = "word " * 1_000_000
    assert main(["--root", str(tmp_path), "predict", "--json", huge, "short one"]) == 0
    lines = capsys.readouterr().out.splitlines()
    first, second = (json.loads(line) for line in lines)
    assert len(lines[0]) < 400 and "characters" in first["text"]
    assert second["text"] == "short one"
