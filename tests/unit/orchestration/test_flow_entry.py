"""flows/pipeline.py, the flow's command line."""

import runpy
from pathlib import Path

import pytest

ENTRY = Path(__file__).resolve().parents[3] / "flows" / "pipeline.py"


def test_ctrl_c_in_the_flow_is_one_line_and_exit_130(monkeypatch, capsys):
    from birnn.orchestration import flow

    def interrupted(argv=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(flow, "main", interrupted)
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(ENTRY), run_name="__main__")
    assert done.value.code == 130
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("interrupted: the flow stopped")


def test_the_last_line_says_so_when_no_variant_learned(monkeypatch, capsys, tmp_path):
    from prefect.states import Completed

    from birnn.orchestration import flow

    summary = {"best_variant": None, "best_accuracy": None, "rows": 1, "failed": 0}
    monkeypatch.setattr(flow, "run_pipeline", lambda **kwargs: (Completed(data=summary), None))
    assert flow.main(["--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1].startswith("best variant: none, no recurrent variant")
    assert str(tmp_path / "reports" / "comparison.md") in out
