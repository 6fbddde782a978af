"""download.fetch against a real HTTP server on 127.0.0.1 (no mocks, no internet)."""

import hashlib
import os

import pytest

from birnn.data.download import ChecksumError, DownloadError, fetch
from birnn.redact import redact
from localserver import FileServer

BODY = os.urandom(300_000)
SHA = hashlib.sha256(BODY).hexdigest()
FAST = {"backoff": 0.01, "timeout": 5, "progress": False}


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch):
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def server():
    with FileServer({"data.bin": BODY}) as srv:
        yield srv


def test_plain_download_verifies_and_renames(server, tmp_path):
    got = fetch(server.url("data.bin"), tmp_path / "data.bin", sha256=SHA, **FAST)
    assert (tmp_path / "data.bin").read_bytes() == BODY
    assert (got.bytes, got.sha256, got.attempts, got.resumed) == (len(BODY), SHA, 1, False)
    assert list(tmp_path.iterdir()) == [tmp_path / "data.bin"]  # no .part left behind


def test_interrupted_transfer_resumes_with_range(server, tmp_path):
    server.cut_once.add("data.bin")
    got = fetch(server.url("data.bin"), tmp_path / "data.bin", sha256=SHA, **FAST)
    assert (tmp_path / "data.bin").read_bytes() == BODY
    assert got.attempts == 2 and got.resumed
    ranges = [r["headers"].get("Range") for r in server.requests]
    assert ranges == [None, f"bytes={len(BODY) // 2}-"]


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    server.cut_once.add("data.bin")
    server.ignore_range = True
    got = fetch(server.url("data.bin"), tmp_path / "data.bin", sha256=SHA, **FAST)
    assert (tmp_path / "data.bin").read_bytes() == BODY and not got.resumed


def test_5xx_and_timeouts_are_retried_with_backoff(server, tmp_path):
    server.fail["data.bin"] = [503, 500]
    waits = []
    got = fetch(
        server.url("data.bin"),
        tmp_path / "a.bin",
        sleep=waits.append,
        backoff=0.5,
        progress=False,
        timeout=5,
    )
    assert got.attempts == 3 and waits == [0.5, 1.0]
    server.delay_once["data.bin"] = 1.0
    got = fetch(
        server.url("data.bin"), tmp_path / "b.bin", timeout=0.3, backoff=0.01, progress=False
    )
    assert got.attempts == 2 and (tmp_path / "b.bin").read_bytes() == BODY


def test_persistent_5xx_gives_up(server, tmp_path):
    server.fail["data.bin"] = [502] * 5
    with pytest.raises(DownloadError, match="HTTP 502.*after 3 attempts"):
        fetch(server.url("data.bin"), tmp_path / "data.bin", retries=2, **FAST)
    assert not list(tmp_path.iterdir())


def test_404_fails_at_once_naming_the_address(server, tmp_path):
    with pytest.raises(DownloadError, match=r"missing\.zip: HTTP 404"):
        fetch(server.url("missing.zip"), tmp_path / "x.zip", **FAST)
    assert len(server.requests) == 1 and not list(tmp_path.iterdir())


def test_checksum_mismatch_names_both_digests_and_keeps_nothing(server, tmp_path):
    wrong = "0" * 64
    with pytest.raises(ChecksumError) as err:
        fetch(server.url("data.bin"), tmp_path / "data.bin", sha256=wrong, **FAST)
    assert wrong in str(err.value) and SHA in str(err.value)
    assert not list(tmp_path.iterdir())


def test_connection_refused_is_a_clear_error(tmp_path):
    with FileServer() as srv:
        url = srv.url("gone.bin")
    with pytest.raises(DownloadError, match="gave up after 2 attempts"):
        fetch(url, tmp_path / "gone.bin", retries=1, **FAST)


def test_proxy_param_routes_the_request(server, tmp_path):
    # the local server plays the proxy: it receives the absolute URL of the real target
    fetch(
        "http://data.example.invalid/data.bin",
        tmp_path / "data.bin",
        proxy=f"http://127.0.0.1:{server.port}",
        sha256=SHA,
        **FAST,
    )
    assert server.requests[0]["path"] == "http://data.example.invalid/data.bin"


def test_proxy_environment_variable_is_honoured(server, tmp_path, monkeypatch):
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{server.port}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    fetch("http://data.example.invalid/data.bin", tmp_path / "data.bin", **FAST)
    assert server.requests[0]["path"].startswith("http://data.example.invalid/")


def test_redact_removes_credentials():
    assert (
        redact("https://bob:s3cret@host.io:8443/a.zip?token=abc&v=2")
        == "https://***@host.io:8443/a.zip?token=***&v=2"
    )
    assert redact("http://host/x.csv") == "http://host/x.csv"
