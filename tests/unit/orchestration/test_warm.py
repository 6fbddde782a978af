"""The warm-start server: real processes on a unix socket in a private temporary folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from birnn.orchestration import warm

CLIENT = (
    "import sys; from birnn.orchestration import warm; "
    "code = warm.run(sys.argv[1:], start_server=False); "
    "sys.exit(99 if code is None else code)"
)


@pytest.fixture
def server(tmp_path):
    """A server that preloads nothing heavy (the forking is what is under test)."""
    folder = tempfile.mkdtemp(prefix="bwt")
    env = {**os.environ, "BIRNN_WARM_DIR": folder, "BIRNN_WARM_PRELOAD": "json"}
    key = warm.server_key(env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "birnn.orchestration.warm", key],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sock = Path(folder) / f"{key}.sock"
    deadline = time.monotonic() + 60
    while not sock.exists():
        assert proc.poll() is None, "the server exited at start-up"
        assert time.monotonic() < deadline, "the server did not listen within 60 s"
        time.sleep(0.1)
    yield env, proc, sock
    proc.terminate()
    proc.wait(timeout=30)


def client(env, cwd: Path, *argv: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CLIENT, *argv],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_command_runs_in_a_child_with_the_callers_cwd_streams_and_exit_status(server, tmp_path):
    env, proc, _ = server
    (tmp_path / "p.yaml").write_text(
        "variants: {cells: [gru], merge_modes: [sum], unidirectional: [lstm]}\n"
    )
    done = client(env, tmp_path, "--params", "p.yaml", "variants")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["gru-sum", "lstm-uni"]
    bad = client(env, tmp_path, "--params", "missing.yaml", "variants")
    assert bad.returncode == 2
    assert "missing.yaml" in bad.stderr
    assert proc.poll() is None, "a failing command must not stop the server"


def test_ctrl_c_reaches_the_child(server, tmp_path):
    env, _, _ = server
    # `predict` with no texts reads nothing; a slow stage stands in: download of a stalled URL
    import http.server
    import threading

    class Stall(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server interface
            time.sleep(60)

        def log_message(self, *_):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stall)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/x.csv"
    (tmp_path / "p.yaml").write_text(f"data: {{source: csv, path: '{url}'}}\n")
    proc = subprocess.Popen(
        [sys.executable, "-c", CLIENT, "--params", "p.yaml", "download"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(5)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    httpd.shutdown()
    assert proc.returncode == 130, err  # the child was interrupted, not the caller
    assert not list((tmp_path / "data" / "raw").glob("*.csv")), "no partial download is kept"


def test_no_server_means_the_caller_runs_the_command_itself(tmp_path, monkeypatch):
    monkeypatch.setenv("BIRNN_WARM_DIR", tempfile.mkdtemp(prefix="bwn"))
    assert warm.run(["variants"], start_server=False) is None
    monkeypatch.setenv("BIRNN_WARM_START", "0")
    assert warm.run(["variants"]) is None
    assert not list(Path(os.environ["BIRNN_WARM_DIR"]).iterdir()), "off means no server started"


def test_an_idle_server_leaves_and_cleans_up(tmp_path):
    folder = tempfile.mkdtemp(prefix="bwi")
    env = {**os.environ, "BIRNN_WARM_DIR": folder, "BIRNN_WARM_PRELOAD": "", "BIRNN_WARM_IDLE": "1"}
    key = warm.server_key(env)
    done = subprocess.run(
        [sys.executable, "-m", "birnn.orchestration.warm", key], env=env, timeout=60
    )
    assert done.returncode == 0
    assert not list(Path(folder).glob("*.sock")) and not list(Path(folder).glob("*.pid"))


def test_the_key_changes_with_the_import_time_settings():
    base = warm.server_key({})
    assert warm.server_key({"KERAS_BACKEND": "jax"}) != base
    assert warm.server_key({"UNRELATED": "1"}) == base


def test_a_folder_others_can_read_is_refused(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    with pytest.raises(PermissionError, match="only you"):
        warm.folder({"BIRNN_WARM_DIR": str(shared)})
