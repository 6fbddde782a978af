"""The champion served by a real `mlflow models serve` (local env manager, a free loopback port,
started and stopped here by its process id): it scores the signature's column `text` and
nothing else; any other input is an HTTP 400 that names the column. (The `inputs` format is
converted to the signature's string type by MLflow before the model sees it, so there a JSON
number arrives as text.)"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from processes import free_port, start_process, stop_process, wait_http
from projects import project_env
from tracked import log_tiny_project

pytestmark = pytest.mark.integration

BIN = Path(sys.executable).parent
TEXT = "not bad at all"
# what a client may send instead of one string per row of the column `text`
REFUSED = {
    "other columns": {"dataframe_split": {"columns": ["id", "review"], "data": [["x", TEXT]]}},
    "other records": {"dataframe_records": [{"review": TEXT}]},
    "a number": {"dataframe_split": {"columns": ["text"], "data": [[5]]}},
    "null": {"dataframe_split": {"columns": ["text"], "data": [[None]]}},
    "a boolean": {"dataframe_split": {"columns": ["text"], "data": [[True]]}},
    "a nested list": {"dataframe_split": {"columns": ["text"], "data": [[["a", "b"]]]}},
    "other inputs": {"inputs": {"review": [TEXT]}},
    "other instances": {"instances": [{"review": TEXT}]},
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The URL of `mlflow models serve` on the tiny project's champion, and the project."""
    root = tmp_path_factory.mktemp("served")
    params, layout, result = log_tiny_project(root)
    port = free_port()
    log = root / "serve.log"
    env = project_env(root, MLFLOW_TRACKING_URI=params.tracking.uri)
    command = [str(BIN / "mlflow"), "models", "serve", "-m", result["champion"]]
    options = ["--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)]
    proc = start_process([*command, *options], root, env, log)
    try:
        wait_http(f"http://127.0.0.1:{port}/ping", proc, log, timeout=240)
        yield f"http://127.0.0.1:{port}/invocations", layout
    finally:
        stop_process(proc, grace=5)


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.mark.parametrize("case", list(REFUSED))
def test_input_that_is_not_text_in_column_text_is_a_400_naming_it(served, case):
    url, _ = served
    status, answer = _post(url, REFUSED[case])
    assert status == 400, answer
    assert "'text'" in answer["message"] and answer["error_code"] == "INVALID_PARAMETER_VALUE"


def test_the_column_text_is_scored_whatever_else_is_sent(served):
    from birnn.serving.predict import Predictor

    url, layout = served
    [expected] = Predictor.from_dir(layout.model_dir("gru-concat")).probabilities([TEXT])
    for body in (
        {"dataframe_split": {"columns": ["text"], "data": [[TEXT]]}},
        {"dataframe_split": {"columns": ["id", "text"], "data": [["x", TEXT]]}},
        {"dataframe_records": [{"text": TEXT}]},
        {"inputs": [TEXT]},
        {"inputs": {"text": [TEXT]}},
    ):
        status, answer = _post(url, body)
        assert status == 200, (body, answer)
        [row] = answer["predictions"]
        assert row["probability"] == pytest.approx(float(expected), abs=1e-4), body
