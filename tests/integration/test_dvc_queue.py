"""DVC's experiment queue as the docs print it: two queued experiments run side by side
(`dvc queue start -j 2`) in DVC's temporary copies of the workspace, `dvc exp show` lists their
metrics, and both land in the MLflow store of the project they were queued from."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from projects import ONE_VARIANT, TINY_PARAMS, copy_project, project_env, run

pytestmark = pytest.mark.integration

TINY = {**TINY_PARAMS, "variants": ONE_VARIANT, "tracking": {"enabled": True}}
RATES = ("0.001", "0.005")


def _experiments(shown: list[dict]) -> list[dict]:
    """The queued experiments of `dvc exp show --json` (under the baseline commit)."""
    return [
        exp["revs"][0]
        for rev in shown
        for exp in rev.get("experiments") or []
        if exp.get("revs") and exp["revs"][0].get("name")
    ]


def test_two_queued_experiments_run_at_once_and_are_tracked_in_the_projects_store(tmp_path):
    root = copy_project(tmp_path / "project", TINY)
    env = project_env(root)
    run(["git", "add", "-A"], root, env)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"], root, env)
    rates = ",".join(RATES)
    run(["dvc", "exp", "run", "--queue", "-S", f"train.learning_rate={rates}"], root, env)
    try:
        run(["dvc", "queue", "start", "-j", "2"], root, env)
        deadline = time.monotonic() + 600
        while True:
            status = run(["dvc", "queue", "status"], root, env).stdout
            if "Success" in status and not any(s in status for s in ("Queued", "Running")):
                break
            assert "Failed" not in status, status
            assert time.monotonic() < deadline, status
            time.sleep(3)
    finally:
        run(["dvc", "queue", "stop"], root, env, ok=False)
    assert status.count("Success") == 2, status

    shown = json.loads(run(["dvc", "exp", "show", "--json"], root, env).stdout)
    finished = _experiments(shown)
    assert len(finished) == 2, shown
    rates_run = set()
    for exp in finished:
        data = exp["data"]
        scores = data["metrics"]["reports/scores.json"]["data"]
        assert 0 <= scores["gru-concat"]["accuracy"] <= 1
        rates_run.add(str(data["params"]["params.yaml"]["data"]["train"]["learning_rate"]))
    assert rates_run == set(RATES)

    # the runs are in this project's store, not in the temporary copies DVC deleted
    with sqlite3.connect(root / "mlruns" / "mlflow.db") as db:
        tracked = set(
            db.execute(
                "select p.value from runs r join params p on p.run_uuid = r.run_uuid "
                "where p.key = 'train.learning_rate' and r.name = 'gru-concat' "
                "and r.status = 'FINISHED'"
            )
        )
        locations = [loc for (loc,) in db.execute("select artifact_uri from runs")]
    assert {value for (value,) in tracked} == set(RATES)
    assert locations and all(loc.startswith(f"file://{root}/mlruns/") for loc in locations)
