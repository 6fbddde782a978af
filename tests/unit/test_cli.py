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
