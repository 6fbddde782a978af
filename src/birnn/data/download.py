"""HTTP download the way a careful tool does it.

* streamed to ``<target>.part`` and renamed onto the target only once complete and verified;
* an interrupted transfer is resumed with an HTTP ``Range`` request (a server that ignores
  the range gets a fresh start);
* timeouts, dropped connections, 429 and 5xx are retried with exponential backoff; other
  HTTP errors (404, 403, ...) fail at once with the status and the address;
* a sha256 mismatch is an error naming both digests, and nothing is kept;
* ``data.proxy`` or the standard ``http_proxy``/``https_proxy``/``no_proxy`` variables pick
  the proxy; a progress line (bytes and rate) is drawn on a terminal only.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from birnn.files import sha256_file
from birnn.redact import redact

CHUNK = 1 << 20
USER_AGENT = "birnn-sentiment/0.1 (python urllib)"
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class DownloadError(RuntimeError):
    """The file could not be fetched."""


class ChecksumError(DownloadError):
    """The fetched bytes are not the expected ones."""


@dataclass(frozen=True)
class Fetched:
    path: Path
    url: str  # redacted
    bytes: int
    sha256: str
    attempts: int
    resumed: bool
    seconds: float


def fetch(
    url: str,
    target: str | Path,
    *,
    sha256: str | None = None,
    proxy: str | None = None,
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 30.0,
    progress: bool | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Fetched:
    """Download ``url`` to ``target``; returns what was fetched (url redacted)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    meta = _PartMeta(part, url)
    if part.exists() and not meta.matches():  # left by a run that fetched another address
        part.unlink()
    opener = url_opener(proxy)
    shown = redact(url)
    show = _show_progress() if progress is None else progress
    started, attempt, resumed = time.monotonic(), 0, False
    try:
        while True:
            attempt += 1
            try:
                resumed |= _transfer(opener, url, part, timeout, show, meta)
                break
            except urllib.error.HTTPError as err:
                if err.code not in _RETRY_STATUS or attempt > retries:
                    raise DownloadError(
                        f"{shown}: HTTP {err.code} {err.reason}"
                        + (f" after {attempt} attempts" if attempt > 1 else "")
                    ) from None
                reason = f"HTTP {err.code}"
            except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
                if attempt > retries:
                    raise DownloadError(
                        f"{shown}: {describe_error(err)} (gave up after {attempt} attempts)"
                    ) from None
                reason = describe_error(err)
            delay = backoff * 2 ** (attempt - 1)
            print(
                f"download: {shown}: {reason}; retry {attempt}/{retries} in {delay:g}s",
                file=sys.stderr,
                flush=True,
            )
            sleep(delay)
        actual = sha256_file(part)
        if sha256 and actual.lower() != sha256.lower():
            raise ChecksumError(
                f"{shown}: sha256 mismatch: expected {sha256.lower()}, got {actual}; the download was "
                "deleted. If the file changed upstream on purpose, update the sha256 in params.yaml"
            )
        size = part.stat().st_size
        os.replace(part, target)
        meta.path.unlink(missing_ok=True)
    except BaseException:
        # keep a partial file only when it can be resumed by the next run
        if sys.exc_info()[0] is not KeyboardInterrupt:
            part.unlink(missing_ok=True)
            meta.path.unlink(missing_ok=True)
        raise
    return Fetched(target, shown, size, actual, attempt, resumed, time.monotonic() - started)


class _PartMeta:
    """``<target>.part.json`` next to a partial download: which address it came from (as a
    digest: no credentials on disk) and the server's ETag/Last-Modified, so a resume never
    glues bytes of another file, or of a changed one, onto the part (If-Range)."""

    def __init__(self, part: Path, url: str):
        self.path = part.with_name(part.name + ".json")
        self.url_id = hashlib.sha256(url.encode()).hexdigest()

    def _read(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def matches(self) -> bool:
        return self._read().get("url") == self.url_id

    def validator(self) -> str | None:
        return self._read().get("validator")

    def write(self, headers) -> None:
        validator = headers.get("ETag") or headers.get("Last-Modified")
        self.path.write_text(json.dumps({"url": self.url_id, "validator": validator}))


def _transfer(
    opener: urllib.request.OpenerDirector,
    url: str,
    part: Path,
    timeout: float,
    show: bool,
    meta: _PartMeta | None = None,
) -> bool:
    """One attempt: continue ``part`` from where it stops. Returns whether it resumed."""
    have = part.stat().st_size if part.exists() else 0
    url, auth = split_credentials(url)
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
    )
    if auth:  # not forwarded if the server redirects elsewhere
        request.add_unredirected_header("Authorization", auth)
    if have:
        request.add_header("Range", f"bytes={have}-")
        if meta is not None and (validator := meta.validator()):
            request.add_header("If-Range", validator)  # changed upstream: 200 and a fresh start
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # our partial file is not a prefix of theirs: start over
            part.unlink()
        raise
    with response:
        resuming = have > 0 and response.status == 206 and _range_start(response) == have
        if not resuming:
            have = 0
            if meta is not None:
                meta.write(response.headers)
        length = response.headers.get("Content-Length")
        total = have + int(length) if length and length.isdigit() else None
        done, last_draw, t0 = have, 0.0, time.monotonic()
        with open(part, "ab" if resuming else "wb") as out:
            while block := response.read1(CHUNK):  # what arrived: a kill loses no received byte
                out.write(block)
                done += len(block)
                if show and time.monotonic() - last_draw > 0.5:
                    last_draw = time.monotonic()
                    _draw(done, total, (done - have) / max(last_draw - t0, 1e-6))
        if show:
            _draw(done, total, (done - have) / max(time.monotonic() - t0, 1e-6), end="\n")
        if total is not None and done < total:
            raise http.client.IncompleteRead(b"", total - done)
    return resuming


def split_credentials(url: str) -> tuple[str, str | None]:
    """``https://user:pw@host/x`` -> (``https://host/x``, a Basic Authorization value).
    urllib would take ``user:pw@host`` for a host name and fail to resolve it."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    netloc = parts.hostname or ""
    if ":" in netloc:  # IPv6
        netloc = f"[{netloc}]"
    if parts.port:
        netloc += f":{parts.port}"
    token = base64.b64encode(
        f"{unquote(parts.username or '')}:{unquote(parts.password or '')}".encode()
    )
    return urlunsplit(parts._replace(netloc=netloc)), f"Basic {token.decode()}"


def _range_start(response) -> int | None:
    match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
    return int(match.group(1)) if match else None


def url_opener(proxy: str | None) -> urllib.request.OpenerDirector:
    # ProxyHandler() with no argument reads http_proxy/https_proxy/no_proxy from the environment
    handler = urllib.request.ProxyHandler({"http": proxy, "https": proxy} if proxy else None)
    return urllib.request.build_opener(handler)


def describe_error(err: BaseException) -> str:
    if isinstance(err, urllib.error.URLError) and not isinstance(err, urllib.error.HTTPError):
        err = err.reason if isinstance(err.reason, BaseException) else err
    if isinstance(err, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(err, http.client.IncompleteRead):
        return f"connection closed early ({err.expected} bytes missing)"
    return f"{type(err).__name__}: {err}"


def _show_progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def _draw(done: int, total: int | None, rate: float, end: str = "") -> None:
    of = f" / {total / 1e6:,.1f} MB ({100 * done / total:.0f}%)" if total else " MB"
    sys.stderr.write(f"\rdownload: {done / 1e6:,.1f}{of} at {rate / 1e6:,.1f} MB/s{end}")
    sys.stderr.flush()
