"""The flow's `dvc commit` while another DVC process runs in the project: one line saying what
to do, outputs untouched, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
import zc.lockfile

from birnn.orchestration import dvc


@pytest.fixture
def dvc_project(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "dvc", "init", "--no-scm", "-q"], cwd=tmp_path, check=True
    )
    (tmp_path / "dvc.yaml").write_text("stages:\n  hello:\n    cmd: echo hello\n")
    return tmp_path


def test_commit_while_another_dvc_process_holds_the_lock_says_what_to_do(dvc_project):
    # what a running `dvc repro` holds: DVC's own lock of the project
    held = zc.lockfile.LockFile(str(dvc_project / ".dvc" / "tmp" / "lock"))
    try:
        with pytest.raises(dvc.DvcBusy) as busy:
            dvc.commit(dvc_project, [])
    finally:
        held.close()
    message = str(busy.value)
    assert "\n" not in message and "run `dvc commit`" in message and "dvc repro" in message
    assert dvc.commit(dvc_project, []) == ["hello"], "free again: the commit goes through"


def test_the_commit_task_turns_busy_into_a_warning_not_a_failure(dvc_project, monkeypatch):
    from prefect.logging import disable_run_logger

    def busy(*_):
        raise dvc.DvcBusy("dvc: not recorded: busy")

    monkeypatch.setattr(dvc, "commit", busy)
    with disable_run_logger():
        assert dvc.dvc_commit.fn(str(dvc_project), []) is None
