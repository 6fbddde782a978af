"""MLflow as people use it, for real: a tracking server on a free loopback port (temporary
sqlite store and artifact folder), a tiny `dvc repro` logging to it through
MLFLOW_TRACKING_URI, checks through the REST API, the champion served by `mlflow models
serve`, `birnn predict` with the champion, and the experiment page in headless Chromium.

Every process is started here and stopped here, by its process id. No mocks.
The browser is Debian's /usr/bin/chromium (`.ci/run` installs it); Playwright never
downloads one. Without it the browser test fails, saying how to install it.
"""

from __future__ import annotations

import json
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import yaml

from browser import chromium_page
from conftest import REPO
from integration.test_pipeline import _copy_project, _env, _run
from processes import free_port as _free_port
from processes import start_process, stop_process
from processes import wait_http as _wait_http

pytestmark = pytest.mark.integration

VARIANTS = ["lstm-concat", "gru-concat"]
EXPERIMENT = "birnn-builtin"
REGISTERED = "builtin-sentiment"
BIN = Path(sys.executable).parent
ROW_TEXT = """(name) => {
  const link = [...document.querySelectorAll('a')].find((a) => a.textContent.trim() === name);
  const index = link.closest('[role=row]').getAttribute('row-index');
  return [...document.querySelectorAll(`[role=row][row-index="${index}"]`)]
    .map((part) => part.innerText).join(' ');
}"""


def _api(base: str, endpoint: str, body: dict | None = None, **query) -> dict:
    url = f"{base}/api/2.0/mlflow/{endpoint}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("mlflow-server")
    port = _free_port()
    env = _env(home)
    log = home / "server.log"
    proc = start_process(
        [
            str(BIN / "mlflow"),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{home}/mlflow.db",
            "--artifacts-destination",
            str(home / "artifacts"),
            "--workers",
            "1",
        ],
        home,
        env,
        log,
    )
    try:
        seconds = _wait_http(f"http://127.0.0.1:{port}/health", proc, log, timeout=180)
        print(f"mlflow server up in {seconds:.1f}s")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc, grace=5)


@pytest.fixture(scope="module")
def project(server, tmp_path_factory):
    """A tiny `dvc repro` (2 variants, 1 epoch) that logs to the server."""
    root = _copy_project(tmp_path_factory.mktemp("ui") / "project")
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["data"]["builtin_size"] = 400
    params["train"]["epochs"] = 1
    params["variants"].update(cells=["lstm", "gru"], merge_modes=["concat"])
    if "unidirectional" in params["variants"]:
        params["variants"]["unidirectional"] = []
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = {**_env(root), "MLFLOW_TRACKING_URI": server}
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost"]
    _run([*git, "add", "-A"], root, env)
    _run([*git, "commit", "-q", "-m", "tiny project"], root, env)
    _run(["dvc", "repro"], root, env)
    tracking = json.loads((root / "reports" / "tracking.json").read_text())
    assert tracking["status"] == "logged", tracking
    return root, env, tracking


def test_rest_api_has_the_parent_children_metrics_plots_and_champion(server, project):
    root, _, tracking = project
    experiment = _api(server, "experiments/get-by-name", experiment_name=EXPERIMENT)["experiment"]
    runs = _api(
        server, "runs/search", {"experiment_ids": [experiment["experiment_id"]], "max_results": 100}
    )["runs"]
    tags = {
        r["info"]["run_id"]: {t["key"]: t["value"] for t in r["data"].get("tags", [])} for r in runs
    }
    parents = [r for r in runs if "mlflow.parentRunId" not in tags[r["info"]["run_id"]]]
    assert [p["info"]["run_id"] for p in parents] == [tracking["parent_run_id"]]
    parent_tags = tags[tracking["parent_run_id"]]
    head = _run(["git", "rev-parse", "HEAD"], root, _env(root)).stdout.strip()
    assert parent_tags["mlflow.source.git.commit"] == head and parent_tags["source"] == "builtin"
    for key in ("data_sha256", "params_sha256", "birnn.fingerprint"):
        assert parent_tags[key] not in ("", "n/a", "missing"), key
    assert len(parent_tags["dvc_data_md5"]) == 36 and parent_tags["dvc_data_md5"].endswith(".dir")
    children = {
        tags[r["info"]["run_id"]]["variant"]: r
        for r in runs
        if tags[r["info"]["run_id"]].get("mlflow.parentRunId") == tracking["parent_run_id"]
    }
    assert set(children) == {*VARIANTS, "tfidf-logreg"}
    for name in VARIANTS:
        run = children[name]
        run_id = run["info"]["run_id"]
        assert tags[run_id]["cell"] == name.split("-")[0] and tags[run_id]["merge_mode"] == "concat"
        assert {"direction", "seed"} <= set(tags[run_id])
        metrics = {m["key"] for m in run["data"]["metrics"]}
        assert {
            "test_accuracy",
            "test_f1",
            "test_roc_auc",
            "loss",
            "val_loss",
            "accuracy",
            "val_accuracy",
        } <= metrics
        params = {p["key"]: p["value"] for p in run["data"]["params"]}
        assert params["train.epochs"] == "1" and params["variant"] == name
        history = _api(server, "metrics/get-history", run_id=run_id, metric_key="val_loss")[
            "metrics"
        ]
        assert [m["step"] for m in history] == [1]
        plots = {
            f["path"] for f in _api(server, "artifacts/list", run_id=run_id, path="plots")["files"]
        }
        assert plots == {"plots/curves.png", "plots/confusion_matrix.png"}
        top = {f["path"] for f in _api(server, "artifacts/list", run_id=run_id)["files"]}
        assert f"{name}.json" in top and f"{name}.csv" in top
    parent_files = {
        f["path"] for f in _api(server, "artifacts/list", run_id=tracking["parent_run_id"])["files"]
    }
    assert {"clean_report.json", "comparison.json", "comparison.md"} <= parent_files
    best = json.loads((root / "reports" / "comparison.json").read_text())["best_variant"]
    version = _api(server, "registered-models/alias", name=REGISTERED, alias="champion")[
        "model_version"
    ]
    assert version["tags"] and {t["key"]: t["value"] for t in version["tags"]}["variant"] == best


def test_replaying_creates_no_duplicate_run(server, project):
    root, env, tracking = project
    _run([str(BIN / "birnn"), "log-runs"], root, env)
    again = json.loads((root / "reports" / "tracking.json").read_text())
    assert again["created"] is False and again["parent_run_id"] == tracking["parent_run_id"]


def test_champion_is_served_over_http_with_the_same_predictions(server, project, tmp_path):
    root, env, _ = project
    best = json.loads((root / "reports" / "comparison.json").read_text())["best_variant"]
    probes = json.loads((root / "reports" / "metrics" / f"{best}.json").read_text())["probes"]
    port = _free_port()
    log = tmp_path / "serve.log"
    proc = start_process(
        [
            str(BIN / "mlflow"),
            "models",
            "serve",
            "-m",
            f"models:/{REGISTERED}@champion",
            "--env-manager",
            "local",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        tmp_path,
        env,
        log,
    )
    try:
        seconds = _wait_http(f"http://127.0.0.1:{port}/ping", proc, log, timeout=240)
        print(f"mlflow models serve answered /ping after {seconds:.1f}s")
        for body in (
            {"dataframe_split": {"columns": ["text"], "data": [[p["text"]] for p in probes]}},
            {"inputs": [p["text"] for p in probes]},
        ):
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/invocations",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(req, timeout=60) as resp:
                predictions = json.loads(resp.read())["predictions"]
            assert len(predictions) == len(probes)
            for got, probe in zip(predictions, probes):
                # same cleaning, vocabulary and weights as the evaluate stage used
                assert got["probability"] == pytest.approx(probe["probability"], abs=1e-3)
                assert got["label"] == int(got["probability"] >= 0.5)
    finally:
        stop_process(proc, grace=5)


def test_birnn_predict_uses_the_champion_and_reads_a_file(server, project, tmp_path):
    root, env, _ = project
    texts = tmp_path / "texts.txt"
    texts.write_text("I do not recommend this product\n\nthe acting was great\n")
    proc = _run(
        [str(BIN / "birnn"), "predict", "--json", "--file", str(texts), "not bad at all"], root, env
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert [r["text"] for r in rows] == [
        "not bad at all",
        "I do not recommend this product",
        "",
        "the acting was great",
    ]
    assert [r["empty"] for r in rows] == [False, False, True, False]  # answered, not dropped
    labelled = [r for r in rows if not r["empty"]]
    assert all(r["label"] in (0, 1) and 0 <= r["probability"] <= 1 for r in labelled)
    # the builtin corpus names no labels: class 0 / 1 answer as negative / positive
    assert all(r["label_name"] == ["negative", "positive"][r["label"]] for r in labelled)
    assert f"models:/{REGISTERED}@champion" in proc.stderr


def test_experiment_page_lists_the_variant_runs_in_chromium(server, project):
    experiment = _api(server, "experiments/get-by-name", experiment_name=EXPERIMENT)["experiment"]
    shots = REPO / "reports" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with chromium_page() as page:
        page.goto(f"{server}/#/experiments/{experiment['experiment_id']}/runs")
        parent = page.get_by_role("link", name="pipeline-builtin")
        parent.wait_for(timeout=120_000)
        # child runs are folded under their parent: unfold them like a person would
        row = page.locator('[role="row"]', has=parent).first
        row.locator('button[data-component-id*="runnamecellrenderer"]').click()
        for name in [*VARIANTS, "tfidf-logreg"]:
            page.get_by_role("link", name=name, exact=True).wait_for(timeout=60_000)
        page.screenshot(path=str(shots / "mlflow-experiment-runs.png"), full_page=True)
    assert (shots / "mlflow-experiment-runs.png").stat().st_size > 10_000


def test_the_link_track_gives_lands_on_the_variants_with_cell_merge_mode_and_champion(
    server, project
):
    """A fresh browser (MLflow's GenAI pages by default) following the link in tracking.json
    sees the training runs table: the variants as rows, their columns and the champion."""
    root, _, tracking = project
    best = json.loads((root / "reports" / "comparison.json").read_text())["best_variant"]
    assert tracking["ui"].startswith(f"{server}/#/experiments/{tracking['experiment_id']}/runs")
    shots = REPO / "reports" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with chromium_page(width=2000) as page:
        page.goto(tracking["ui"])
        for name in [*VARIANTS, "tfidf-logreg"]:  # rows of their own: no click to unfold
            page.get_by_role("link", name=name, exact=True).wait_for(timeout=120_000)
        headers = {h.strip() for h in page.locator('[role="columnheader"]').all_inner_texts()}
        assert {"cell", "merge_mode", "champion", "test_accuracy"} <= headers, headers
        # the table draws a row in parts (pinned name, scrolling cells) sharing a row-index
        assert "@champion" in page.evaluate(ROW_TEXT, best)
        assert "@champion" not in page.evaluate(ROW_TEXT, next(v for v in VARIANTS if v != best))
        assert page.get_by_text("Token Usage").count() == 0  # not the GenAI overview
        page.screenshot(path=str(shots / "mlflow-variants-view.png"), full_page=True)
