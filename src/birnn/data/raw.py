"""The raw folder (data/raw/): the one file a source put there and the manifest that names it
(source, url without credentials, bytes, sha256, time), and the error every source raises."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from birnn.config import DataParams
from birnn.files import read_json, sha256_file, write_json
from birnn.redact import redact

MANIFEST = "manifest.json"
# what a manifest says about an archive, kept when the archive is reused rather than fetched
ARCHIVE_DETAILS = ("members", "unpacked_bytes", "time")


class SourceError(RuntimeError):
    """The raw data could not be obtained or read."""


def not_a_file(path: Path) -> str | None:
    """What ``path`` is, in words, when it is not a regular file (None when it is): the data is
    read more than once (hashed, then copied), which a folder, a pipe or a device cannot give."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            return f"is a link to {os.readlink(path)!r}, which does not exist"
        return "file not found"
    except OSError as err:
        return f"cannot be looked at ({err.strerror})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a file: give the path of a file in it"
    if stat.S_ISFIFO(mode):
        return (
            "is a named pipe (FIFO), not a regular file: the data is read more than once "
            "(hashed, then copied), so save it to a file first"
        )
    return "is a device or socket, not a regular file"


@dataclass(frozen=True)
class DownloadSummary:
    source: str
    path: str
    bytes: int
    sha256: str
    fetched: bool = True  # False: verified data already there, nothing downloaded


@dataclass(frozen=True)
class Obtained:
    """What a source put in the raw folder: the file, the address it came from (may hold
    credentials: masked before it is written), and manifest entries of its own."""

    target: Path
    url: str
    fetched: bool = True
    details: dict = field(default_factory=dict)


def write_manifest(raw_dir: Path, source: str, obtained: Obtained) -> DownloadSummary:
    target = obtained.target
    summary = DownloadSummary(
        source, target.name, target.stat().st_size, sha256_file(target), obtained.fetched
    )
    write_json(
        raw_dir / MANIFEST,
        {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **obtained.details,
            **summary.__dict__,
            "url": redact(obtained.url),
        },
    )
    return summary


def raw_path(raw_dir: str | Path, data: DataParams) -> Path:
    """The raw file the manifest names, checked to come from the source params ask for."""
    raw_dir = Path(raw_dir)
    manifest_path = raw_dir / MANIFEST
    if not manifest_path.is_file():
        raise SourceError(f"{manifest_path}: no manifest; run the download stage first")
    manifest = read_json(manifest_path)
    if manifest.get("source", data.source) != data.source:
        raise SourceError(
            f"{manifest_path} holds data.source={manifest['source']!r}, params say "
            f"{data.source!r}; run the download stage again"
        )
    return raw_dir / manifest["path"]


def already_fetched(target: Path, url: str, expected: str | None) -> bool:
    """The target is there, is what the manifest says was fetched from ``url``, and matches
    the expected digest (when one is pinned)."""
    manifest = target.parent / MANIFEST
    if not (target.is_file() and manifest.is_file()):
        return False
    try:
        previous = read_json(manifest)
    except ValueError:
        return False
    if previous.get("path") != target.name or previous.get("url") != redact(url):
        return False
    actual = sha256_file(target)
    return actual == previous.get("sha256") and (expected is None or actual == expected.lower())


def kept_archive_details(raw_dir: Path) -> dict:
    return {k: v for k, v in read_json(raw_dir / MANIFEST).items() if k in ARCHIVE_DETAILS}
