"""Archives are untrusted input: read and unpack zip / tar(.gz) files safely.

Every member is checked before any byte of it is used:

* its path must stay inside the target: no absolute paths, drive letters or ``..`` parts;
* symbolic and hard links must point inside the archive's tree (they are never followed
  when reading; :func:`extract` writes regular files only);
* devices, FIFOs and other special members are refused;
* the member count and the total unpacked size are capped (decompression bombs), counting
  the bytes actually decompressed, not only what the headers claim;
* a truncated or corrupt archive is reported as such, with the file name.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import posixpath
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

CHUNK = 1 << 20


class ArchiveError(RuntimeError):
    """The archive is unsafe, too large, truncated or corrupt."""


@dataclass(frozen=True)
class Limits:
    max_members: int = 200_000
    max_bytes: int = 4 << 30  # unpacked, all members together


@dataclass(frozen=True)
class Member:
    name: str  # normalised, relative, '/'-separated
    size: int


def kind(path: str | Path) -> str | None:
    """'zip', 'tar' or None, from the file's first bytes (not its name)."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        return "zip"
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head[:2] == b"PK":  # a zip signature without a readable central directory: corrupt zip
        return "zip"
    opener = {b"\x1f\x8b": gzip.open, b"BZ": bz2.open, b"\xfd7": lzma.open}.get(head[:2])
    if opener is not None:  # compressed: a tar inside, or just one compressed file (csv.gz)?
        try:
            with opener(path, "rb") as fh:
                head = fh.read(512)
        except (OSError, EOFError, lzma.LZMAError):
            return "tar" if _tar_name(path) else None  # truncated: let the reader say so
    return "tar" if head[257:262] == b"ustar" else None


def _tar_name(path: Path) -> bool:
    return path.name.lower().endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz"))


def safe_name(name: str, archive: str | Path = "archive") -> str:
    """``name`` normalised to a relative path inside the target, or ArchiveError."""
    clean = name.replace("\\", "/")
    if clean.startswith("/") or (len(clean) > 1 and clean[1] == ":"):
        raise ArchiveError(
            f"{Path(archive).name}: member {name!r} has an absolute path; refusing to unpack"
        )
    norm = posixpath.normpath(clean)
    if norm == ".." or norm.startswith("../") or "/../" in f"/{clean}/":
        raise ArchiveError(
            f"{Path(archive).name}: member {name!r} escapes the target folder (..); refusing to unpack"
        )
    return "" if norm == "." else norm


def members(path: str | Path, limits: Limits = Limits()) -> list[Member]:
    """Check the whole archive (paths, links, counts, sizes, every byte's integrity)."""
    found = []
    for member, _ in _walk(path, limits, want=lambda name: True, read=True):
        found.append(member)
    return found


def iter_files(
    path: str | Path, want: Callable[[str], bool], limits: Limits = Limits()
) -> Iterator[tuple[str, bytes]]:
    """(name, content) of each regular file for which ``want(name)`` is true, in archive order.

    Members not wanted are still checked (and, in a tar, decompressed past): the limits
    cover the whole archive.
    """
    for member, data in _walk(path, limits, want=want, read=False):
        if data is not None:
            yield member.name, data


@contextmanager
def open_member(path: str | Path, name: str, limits: Limits = Limits()) -> Iterator[IO[bytes]]:
    """A readable stream of one regular member, after checking the whole member list (the
    declared sizes are capped there, and zipfile/tarfile never read past a declared size)."""
    path = Path(path)
    listed = {m.name for m in _list(path, limits)}
    if name not in listed:
        raise ArchiveError(f"{path.name}: no member {name!r}; found {sorted(listed)[:10]}")
    try:
        if kind(path) == "zip":
            with zipfile.ZipFile(path) as zf, zf.open(_zip_names(zf)[name]) as fh:
                yield fh
        else:
            with tarfile.open(path, "r:*") as tf:
                yield tf.extractfile(_tar_names(tf)[name])
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError) as err:
        raise _corrupt(path, err) from err


def extract(path: str | Path, dest: str | Path, limits: Limits = Limits()) -> list[Member]:
    """Unpack the regular files of ``path`` under ``dest`` (links and folders are not created
    as such: folders appear as needed). Refuses the whole archive if any member is unsafe."""
    dest = Path(dest)
    _list(path, limits)  # refuse before writing anything
    out = []
    for member, data in _walk(path, limits, want=lambda name: True, read=False):
        if data is None:
            continue
        file = dest / member.name
        if not file.resolve().is_relative_to(dest.resolve()):  # belt and braces
            raise ArchiveError(f"{Path(path).name}: member {member.name!r} escapes {dest}")
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)
        out.append(member)
    return out


# --- internals -----------------------------------------------------------------------------


def _walk(path: str | Path, limits: Limits, want: Callable[[str], bool], read: bool):
    """Yield (Member, bytes | None) for every regular file; checks everything on the way."""
    path = Path(path)
    what = kind(path)
    if what is None:
        raise ArchiveError(
            f"{path.name}: not a zip or tar archive (or truncated before its header)"
        )
    counted = {"members": 0, "bytes": 0}

    def count(n_bytes: int) -> None:
        counted["bytes"] += n_bytes
        if counted["bytes"] > limits.max_bytes:
            raise ArchiveError(
                f"{path.name}: unpacks to more than {limits.max_bytes:,} bytes "
                "(decompression bomb or wrong file?); refusing"
            )

    def one_more() -> None:
        counted["members"] += 1
        if counted["members"] > limits.max_members:
            raise ArchiveError(f"{path.name}: more than {limits.max_members:,} members; refusing")

    try:
        if what == "zip":
            _list(path, limits)  # zip has its directory up front: refuse before reading
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    one_more()
                    if info.is_dir() or _zip_is_link(info):
                        continue
                    name = safe_name(info.filename, path)
                    wanted = want(name)
                    with zf.open(info) as fh:
                        data = _read_counted(fh, count, keep=wanted)
                    yield Member(name, info.file_size), (data if wanted else None)
        else:
            with tarfile.open(path, "r:*") as tf:
                for info in tf:
                    one_more()
                    name = _check_tar_member(info, path)
                    if not info.isfile():
                        continue
                    wanted = want(name)
                    if wanted or read:
                        data = _read_counted(tf.extractfile(info), count, keep=wanted)
                    else:
                        count(info.size)  # the tar stream decompresses it anyway
                        data = None
                    yield Member(name, info.size), data
                if read:  # to the end of the compressed stream: its trailer and checksum
                    while tf.fileobj.read(CHUNK):
                        pass
    except ArchiveError:
        raise
    except (
        zipfile.BadZipFile,
        tarfile.TarError,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
    ) as err:
        raise _corrupt(path, err) from err


def _list(path: str | Path, limits: Limits) -> list[Member]:
    """Check the member list (names, links, declared sizes, count) without reading data."""
    path = Path(path)
    try:
        if kind(path) == "zip":
            with zipfile.ZipFile(path) as zf:
                infos = zf.infolist()
                _cap_count(len(infos), limits, path)
                listed = []
                for info in infos:
                    name = safe_name(info.filename, path)
                    if _zip_is_link(info):
                        target = zf.read(info).decode("utf-8", "replace")
                        _check_link(name, target, path, hard=False)
                    elif not info.is_dir():
                        listed.append(Member(name, info.file_size))
        else:
            with tarfile.open(path, "r:*") as tf:
                listed = []
                for i, info in enumerate(tf):
                    _cap_count(i + 1, limits, path)
                    name = _check_tar_member(info, path)
                    if info.isfile():
                        listed.append(Member(name, info.size))
    except ArchiveError:
        raise
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError) as err:
        raise _corrupt(path, err) from err
    declared = sum(m.size for m in listed)
    if declared > limits.max_bytes:
        raise ArchiveError(
            f"{path.name}: unpacks to {declared:,} bytes, more than the cap of "
            f"{limits.max_bytes:,} (decompression bomb or wrong file?); refusing"
        )
    return listed


def _cap_count(n: int, limits: Limits, path: Path) -> None:
    if n > limits.max_members:
        raise ArchiveError(f"{path.name}: more than {limits.max_members:,} members; refusing")


def _check_tar_member(info: tarfile.TarInfo, path: Path) -> str:
    name = safe_name(info.name, path)
    if info.issym() or info.islnk():
        _check_link(name, info.linkname, path, hard=info.islnk())
    elif not (info.isfile() or info.isdir()):
        raise ArchiveError(
            f"{path.name}: member {info.name!r} is a device or FIFO; refusing to unpack"
        )
    return name


def _check_link(name: str, target: str, path: Path, hard: bool) -> None:
    what = "hard link" if hard else "symlink"
    if target.startswith("/") or (len(target) > 1 and target[1] == ":"):
        raise ArchiveError(
            f"{path.name}: {what} {name!r} -> {target!r} points outside the target folder"
        )
    # a symlink resolves from its own folder, a hard link from the archive root
    base = "" if hard else posixpath.dirname(name)
    resolved = posixpath.normpath(posixpath.join(base, target.replace("\\", "/")))
    if resolved == ".." or resolved.startswith("../"):
        raise ArchiveError(
            f"{path.name}: {what} {name!r} -> {target!r} points outside the target folder"
        )


def _zip_is_link(info: zipfile.ZipInfo) -> bool:
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _zip_names(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    return {safe_name(i.filename): i for i in zf.infolist() if not i.is_dir()}


def _tar_names(tf: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    return {safe_name(i.name): i for i in tf.getmembers() if i.isfile()}


def _read_counted(fh: IO[bytes], count: Callable[[int], None], keep: bool) -> bytes | None:
    parts = []
    while block := fh.read(CHUNK):
        count(len(block))
        if keep:
            parts.append(block)
    return b"".join(parts) if keep else None


def _corrupt(path: Path, err: BaseException) -> ArchiveError:
    return ArchiveError(
        f"{path.name}: truncated or corrupt archive ({type(err).__name__}: {err}); "
        "delete it and download again"
    )
