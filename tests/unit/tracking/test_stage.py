"""The `track` stage never fails the pipeline: what it reports when the store is not there."""

import json
import socket

from birnn.files import read_json
from birnn.tracking import track

from .conftest import NAMES


def test_unreachable_server_is_reported_and_outputs_stay(outputs, tmp_path, monkeypatch):
    params, paths = outputs
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"http://user:secret@127.0.0.1:{port}")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "3")
    result = track(params, NAMES, tmp_path / "tracking.json", **paths)
    assert result["status"] == "failed" and "birnn log-runs" in result["fix"]
    saved = read_json(tmp_path / "tracking.json")
    assert saved["status"] == "failed" and "secret" not in json.dumps(saved)
    assert (paths["metrics_dir"] / "gru-ave.json").is_file()


def test_a_store_that_cannot_be_written_says_so_without_a_traceback(
    outputs, tmp_path, caplog, monkeypatch
):
    params, paths = outputs
    # /proc refuses new files even to root, where a chmod-ed folder would not
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////proc/birnn-store/mlflow.db")
    result = track(params, NAMES, tmp_path / "tracking.json", **paths)
    assert result["status"] == "failed" and result["not_writable"] is True
    assert "not writable" in result["error"] and "/proc/birnn-store" in result["error"]
    assert "Traceback" not in caplog.text and "sqlalchemy" not in caplog.text.lower()


def test_a_corrupt_store_file_says_so_and_how_to_start_afresh(outputs, tmp_path, monkeypatch):
    params, paths = outputs
    db = tmp_path / "mlruns" / "mlflow.db"
    db.parent.mkdir()
    db.write_bytes(b"\x00garbage" * 500)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{db}")
    result = track(params, NAMES, tmp_path / "tracking.json", **paths)
    assert result["status"] == "failed" and result["not_writable"] is True
    assert "not a valid MLflow sqlite database" in result["error"] and "aside" in result["error"]
    assert "reachable" not in result["fix"] and db.read_bytes() == b"\x00garbage" * 500
    assert (paths["metrics_dir"] / "gru-ave.json").is_file()


def test_disabled_tracking_writes_only_its_status(outputs, tmp_path):
    params, paths = outputs
    params = params.model_copy(
        update={"tracking": params.tracking.model_copy(update={"enabled": False})}
    )
    assert track(params, NAMES, tmp_path / "tracking.json", **paths) == {"status": "disabled"}
    assert read_json(tmp_path / "tracking.json") == {"status": "disabled"}
    assert not (tmp_path / "mlflow.db").exists()


def test_redaction_masks_userinfo_and_token_query_values():
    from birnn.redact import redact_text

    text = "failed: https://bob:pw@host:5000/api?token=abc&x=1 and http://plain/ok"
    out = redact_text(text)
    assert "pw" not in out and "abc" not in out and "x=1" in out and "http://plain/ok" in out
