"""What the data is now, by content: the labeled source (a local data.path, a remote file) and
the unlabeled texts of pretrain.

The `source` stage writes these fingerprints on every run (dvc.yaml: always_changed) and
download and pretrain depend on them, so a file edited in place or a remote that changed
re-runs everything after it, while an unchanged one re-runs nothing. Pinned digests
(data.sha256, remotes' sha256) are the fingerprint as they are; an unpinned remote is known by
the validators its server sends (ETag, Last-Modified, Content-Length).
"""

from __future__ import annotations

import logging
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from birnn.config import DataParams
from birnn.data.download import describe_error, split_credentials, url_opener
from birnn.data.raw import MANIFEST, SourceError, not_a_file
from birnn.data.remote import address, reads_local_file
from birnn.data.sources import source_named
from birnn.files import sha256_file
from birnn.redact import redact

log = logging.getLogger("birnn")
VALIDATORS = ("ETag", "Last-Modified", "Content-Length")


def labeled(
    data: DataParams, previous: dict[str, Any] | None = None, hashes: dict | None = None
) -> dict[str, Any]:
    """The labeled source's fingerprint. ``previous``: the last one written (its validators
    stand in when a server cannot be asked); ``hashes``: digests of local files by path, size
    and modification time, updated in place (an unchanged file is not hashed again)."""
    if source_named(data.source).generated:
        return {"source": data.source}  # the download stage's params say it all
    if reads_local_file(data):
        return {"source": "csv", **local_file(data.path, "data.path", hashes)}
    url, pinned = address(data)
    shown = redact(url)
    if pinned:
        return {"source": data.source, "url": shown, "sha256": pinned.lower()}
    return {"source": data.source, "url": shown, **_validators(url, data.proxy, previous)}


def unlabeled(data: DataParams, hashes: dict | None = None) -> dict[str, Any]:
    if not data.unlabeled_path:
        return {"path": None}
    return local_file(data.unlabeled_path, "data.unlabeled_path", hashes)


def local_file(path: str | None, key: str, hashes: dict | None = None) -> dict[str, Any]:
    """Path, size and sha256 of a local file; not its modification time, so touching a file
    re-runs nothing."""
    file = Path(path or "")
    problem = not_a_file(file) if path else "file not found"
    if problem == "file not found":
        problem += " (relative paths are read from the folder dvc.yaml is in)"
    if problem:
        raise SourceError(
            f"{key}={path!r}: {problem}; point it at an existing CSV/TSV/parquet file"
        )
    stat = file.stat()
    hashes = {} if hashes is None else hashes
    known = hashes.get(str(file.resolve()), {})
    if not _unchanged_since_hashed(known, stat):
        known = {**_quick_check(stat), "hashed_ns": time.time_ns(), "sha256": sha256_file(file)}
        hashes[str(file.resolve())] = known
    return {"path": str(path), "bytes": stat.st_size, "sha256": known["sha256"]}


# timestamps coarser than the clock (FAT: 2 s): a change this close to the hash may not show
TIMESTAMP_SLACK_NS = 2_000_000_000


def _quick_check(stat: os.stat_result) -> dict[str, int]:
    # the inode change time moves on every write and on setting the mtime back (os.utime,
    # touch -d), so an edit that keeps size and mtime still shows
    return {
        "bytes": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "ctime_ns": stat.st_ctime_ns,
        "inode": stat.st_ino,
        "device": stat.st_dev,
    }


def _unchanged_since_hashed(known: dict[str, Any], stat: os.stat_result) -> bool:
    """The stored hash still holds: same size, times, inode and device, and no change in the
    last moments before it was taken (which a coarse timestamp would hide)."""
    if any(known.get(name) != value for name, value in _quick_check(stat).items()):
        return False
    latest_change = max(stat.st_mtime_ns, stat.st_ctime_ns)
    return known.get("hashed_ns", 0) - latest_change > TIMESTAMP_SLACK_NS


def _validators(url: str, proxy: str | None, previous: dict[str, Any] | None) -> dict[str, Any]:
    """The server's validators for ``url``; when it cannot be asked, the last ones seen (with a
    warning), so a run without network does not refetch what it already has."""
    shown = redact(url)
    request = _head(url)
    try:
        with url_opener(proxy).open(request, timeout=15) as response:
            found = {name: response.headers.get(name) for name in VALIDATORS}
    except (urllib.error.URLError, OSError, ValueError) as err:
        if previous and previous.get("url") == shown:
            log.warning(
                "source: could not check %s (%s); assuming it is unchanged since %s",
                shown,
                describe_error(err),
                previous.get("validators"),
            )
            return {"validators": previous.get("validators"), "checked": False}
        log.warning("source: could not check %s (%s)", shown, describe_error(err))
        return {"validators": None, "checked": False}
    if not any(found.values()):
        log.warning(
            "source: %s sends no ETag, Last-Modified or Content-Length: a change there is not "
            "seen; pin data.sha256 to know the exact bytes",
            shown,
        )
    return {"validators": found, "checked": True}


def _head(url: str):
    bare_url, authorization = split_credentials(url)
    request = urllib.request.Request(bare_url, method="HEAD")
    if authorization:
        request.add_header("Authorization", authorization)
    return request


DOWNLOADED_FROM = "source.json"  # in data/raw: the fingerprint the raw data was fetched at


def forget_stale_download(raw_dir: Path, labeled_path: Path) -> None:
    """Make download fetch again when the source's fingerprint moved since the raw data was
    fetched (its manifest is what lets download reuse a file)."""
    kept, current = raw_dir / DOWNLOADED_FROM, labeled_path
    if kept.is_file() and current.is_file() and kept.read_bytes() != current.read_bytes():
        (raw_dir / MANIFEST).unlink(missing_ok=True)


def remember_download(raw_dir: Path, labeled_path: Path) -> None:
    if labeled_path.is_file():
        from birnn.files import write_text

        write_text(raw_dir / DOWNLOADED_FROM, labeled_path.read_text(encoding="utf-8"))
