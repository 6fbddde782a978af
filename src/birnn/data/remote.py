"""Sources fetched over http(s): which address params name, and the fetch into data/raw/ that
reuses a verified earlier download and keeps no archive that is unsafe to read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from birnn.config import DataParams
from birnn.data import archives
from birnn.data.download import fetch
from birnn.data.raw import Obtained, already_fetched, kept_archive_details


@dataclass(frozen=True)
class FetchOptions:
    """How hard a download tries, and the limits an archive it brings must keep."""

    limits: archives.Limits = archives.Limits()
    retries: int = 4
    backoff: float = 1.0
    timeout: float = 30.0


# a source's download: (data params, raw folder, seed, options) -> the file it put there
Obtain = Callable[[DataParams, Path, int, FetchOptions], Obtained]


def is_url(path: str | None) -> bool:
    return bool(path) and str(path).lower().startswith(("http://", "https://"))


def reads_local_file(data: DataParams) -> bool:
    """The csv source points at a file on this machine rather than at an http(s) address."""
    return data.source == "csv" and not is_url(data.path)


def address(data: DataParams) -> tuple[str, str | None]:
    """The url a remote source is fetched from and the sha256 pinned for it (or None)."""
    if data.source == "csv":
        return str(data.path), data.sha256
    remote = data.remotes.of(data.source)
    return remote.url, remote.sha256


def url_file_name(url: str) -> str:
    return PurePosixPath(unquote(urlsplit(url).path)).name


def fetch_into(
    url: str, expected: str | None, target: Path, proxy: str | None, options: FetchOptions
) -> Obtained:
    """``url`` as ``target``: the file already there when it is the verified earlier download
    of the same address, else fetched (and, for an archive, listed within the limits)."""
    if already_fetched(target, url, expected):
        return Obtained(target, url, fetched=False, details=kept_archive_details(target.parent))
    target.unlink(missing_ok=True)
    fetch(
        url,
        target,
        sha256=expected,
        proxy=proxy,
        retries=options.retries,
        backoff=options.backoff,
        timeout=options.timeout,
    )
    return Obtained(target, url, details=_archive_details(target, options.limits))


def _archive_details(target: Path, limits: archives.Limits) -> dict:
    if archives.kind(target) is None:
        return {}
    try:
        members = archives.members(target, limits)
    except archives.ArchiveError:
        target.unlink(missing_ok=True)  # keep nothing unsafe or broken
        raise
    return {"members": len(members), "unpacked_bytes": sum(m.size for m in members)}
