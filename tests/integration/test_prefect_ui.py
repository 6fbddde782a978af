"""The Prefect side as people see it, for real: a `prefect server start` on a free loopback port,
one tiny flow run against it (`python flows/pipeline.py`), the run's artifacts and logs through
the REST API, and the comparison artifact's page in headless Chromium.

Every process is started here and stopped here, by its process id. No mocks.
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browser import chromium_page
from conftest import REPO
from integration.test_mlflow_ui import _wait_http
from processes import free_port, start_process, stop_process
from projects import copy_project, project_env, run

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
TINY = {
    "seed": 11,
    "data": {"builtin_size": 400},
    "split": {"min_count": 1},
    "model": {"embedding_dim": 8, "units": 4},
    "train": {"epochs": 2, "batch_size": 64, "patience": 2, "plateau_margin": None},
    "variants": {"cells": ["gru"], "merge_modes": ["concat", "sum"], "unidirectional": []},
    "tracking": {"enabled": False},
    "orchestration": {"dvc_commit": False},
}


def _post(api: str, endpoint: str, body: dict) -> list | dict:
    req = urllib.request.Request(
        f"{api}/{endpoint}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def flow_run(tmp_path_factory):
    """A real server and one finished flow run on it; yields (api, ui, project root)."""
    base = tmp_path_factory.mktemp("prefect-ui")
    root = copy_project(base / "project", TINY)
    port = free_port()
    ui, api = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/api"
    env = project_env(root, PREFECT_API_URL=api)
    log = base / "server.log"
    server = start_process(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        root,
        env,
        log,
    )
    try:
        _wait_http(f"{api}/health", server, log, timeout=180)
        started = time.monotonic()
        proc = run([sys.executable, "flows/pipeline.py"], root, env, timeout=600)
        print(f"flow run on the server: {time.monotonic() - started:.1f}s")
        yield api, ui, root, proc.stdout + proc.stderr
    finally:
        stop_process(server, grace=10)


def _artifacts(api: str, key: str) -> list[dict]:
    return _post(api, "artifacts/filter", {"artifacts": {"key": {"any_": [key]}}})


def test_the_run_publishes_the_comparison_the_ranking_and_a_finished_progress_bar(flow_run):
    api, _, root, _ = flow_run
    [markdown] = _artifacts(api, "birnn-comparison")
    assert markdown["type"] == "markdown" and markdown["flow_run_id"]
    assert markdown["data"] == (root / "reports" / "comparison.md").read_text(encoding="utf-8")
    [table] = _artifacts(api, "birnn-ranking")
    rows = json.loads(table["data"]) if isinstance(table["data"], str) else table["data"]
    comparison = json.loads((root / "reports" / "comparison.json").read_text())
    assert [r["variant"] for r in rows] == [v["variant"] for v in comparison["variants"]]
    assert rows[0]["rank"] == 1 and {"accuracy", "val_accuracy", "p_holm"} <= set(rows[0])
    assert rows[0]["vs_best"] == "chosen" and {r["vs_best"] for r in rows[1:]} <= {
        "better",
        "tie",
        "worse",
    }
    # gru-concat and gru-sum: one cell, two merge modes, so the merge mode's effect is tested
    [effects] = _artifacts(api, "birnn-effects")
    effect_rows = (
        json.loads(effects["data"]) if isinstance(effects["data"], str) else effects["data"]
    )
    assert [(r["factor"], r["contrast"]) for r in effect_rows] == [
        ("merge_mode", "concat vs the others"),
        ("merge_mode", "sum vs the others"),
        ("merge_mode", "concat vs sum"),
    ]
    assert comparison["effects"]["sentences"][0] in effects["description"]
    [progress] = _artifacts(api, "birnn-variants-progress")
    assert progress["type"] == "progress" and float(progress["data"]) == 100.0
    assert progress["description"].startswith("2 of 2 variants")


def test_per_epoch_lines_reach_the_runs_logs_on_the_server(flow_run):
    api, _, _, output = flow_run
    messages = [
        entry["message"]
        for offset in range(0, 2000, 200)
        for entry in _post(api, "logs/filter", {"limit": 200, "offset": offset})
    ]
    for variant in ("gru-concat", "gru-sum"):
        for epoch in (1, 2):
            line = re.compile(
                rf"^train {variant}: epoch {epoch}/2 loss \S+ val_loss \S+ val_accuracy \S+ "
                r"\S+s ETA \d+s$"
            )
            assert any(line.match(m) for m in messages), (variant, epoch, messages[-20:])
            # and on the console of the flow process
            assert f"train {variant}: epoch {epoch}/2 loss" in output


def test_the_comparison_artifact_opens_in_the_prefect_ui(flow_run):
    api, ui, root, _ = flow_run
    [markdown] = _artifacts(api, "birnn-comparison")
    best = json.loads((root / "reports" / "comparison.json").read_text())["best_variant"]
    shots = REPO / "reports" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with chromium_page() as page:
        page.goto(f"{ui}/artifacts/artifact/{markdown['id']}")
        # the markdown is rendered: its title is a heading, the ranked table a table
        page.get_by_role("heading", name="Variant comparison").wait_for(timeout=120_000)
        page.get_by_role("cell", name=best, exact=True).first.wait_for(timeout=30_000)
        page.screenshot(path=str(shots / "prefect-comparison-artifact.png"), full_page=True)
    assert (shots / "prefect-comparison-artifact.png").stat().st_size > 10_000
