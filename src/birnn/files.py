"""Atomic file output, hashing and a process lock: no stage ever leaves a half-written file
behind, and two pipeline runs in one folder take turns."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it onto ``target`` only on success.

    The temp name lives in the same folder so the final ``os.replace`` is atomic; a failed
    or killed writer leaves the previous ``target`` untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(target)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent)
    # mkstemp makes the file private (0600); outputs are shared like any file the user writes
    os.fchmod(fd, 0o666 & ~current_umask())
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        _fsync(tmp_path)  # the bytes are on disk before the name points at them
        os.replace(tmp_path, target)
    except OSError as err:
        if renamed := _named_after_target(err, tmp_path, target):
            raise renamed from err
        raise
    finally:
        tmp_path.unlink(missing_ok=True)


NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


def _named_after_target(err: OSError, tmp: Path, target: Path) -> OSError | None:
    """A full disk reported against the temp name, or against no name (a write() on an open
    file), as reported against the output being written: the temp name is gone once the error
    is read, and the output is the path the user knows. None for any other error."""
    if err.errno not in NO_SPACE:
        return None
    written = Path(err.filename) if isinstance(err.filename, (str, os.PathLike)) else tmp
    try:
        inside = written.relative_to(tmp)
    except ValueError:
        return None  # another file than this output: its own name is the right one
    return OSError(err.errno, err.strerror, str(target / inside if inside.parts else target))


def filesystem_of(path: str | Path) -> str:
    """Where ``path`` is stored, for a full-disk message: the mount point and its free space."""
    folder = Path(path).absolute()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    while not os.path.ismount(folder):
        folder = folder.parent
    return f"the filesystem mounted at {folder} ({free / 2**20:,.0f} MiB free)"


def current_umask() -> int:
    """The process umask, read without changing it where Linux shows it (/proc); elsewhere
    set and restored at once."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temp_prefix(target: Path) -> str:
    # the writer's pid in the name: a later writer can tell a dead writer's leftovers
    # (kill -9 skips every finally) from a concurrent writer's file in progress
    return f".{target.name}.{os.getpid()}."


def _remove_orphans(target: Path) -> None:
    """Delete temp files/folders of ``target`` left by writers that no longer run."""
    for orphan in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        pid = orphan.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            if orphan.is_dir():
                shutil.rmtree(orphan, ignore_errors=True)
            else:
                orphan.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _fsync(path: Path) -> None:
    if path.is_file():
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())


@contextlib.contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Like :func:`atomic_path` for a whole folder: build it aside, then swap it in."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".{target.name}.old")
    if old.is_dir() and not target.exists():  # killed between the two renames below
        os.replace(old, target)
    _remove_orphans(target)
    tmp = Path(tempfile.mkdtemp(prefix=_temp_prefix(target), suffix=".tmp", dir=target.parent))
    tmp.chmod(0o777 & ~current_umask())  # mkdtemp makes it private (0700), like mkstemp
    try:
        yield tmp
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as err:
        if renamed := _named_after_target(err, tmp, target):
            raise renamed from err
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def exclusive_lock(
    path: str | Path, on_wait: Callable[[str], None] | None = None
) -> Iterator[float]:
    """Hold an OS lock on ``path`` for the block, waiting while another process holds it;
    yield the seconds waited.

    flock, not a lock file that merely exists: the kernel releases it when the holder's process
    ends, kill -9 and power cuts included, so a dead holder never blocks anyone. ``on_wait`` gets
    a description of the holder (pid, command, since when) before the wait starts.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        waited = 0.0
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                fh.seek(0)
                on_wait(fh.read().strip() or "another process")
            started = time.monotonic()
            fcntl.flock(fh, fcntl.LOCK_EX)
            waited = time.monotonic() - started
        fh.seek(0)
        fh.truncate()  # who holds it now, for the next waiter's message
        fh.write(
            f"pid {os.getpid()} ({' '.join(sys.argv)[:200]}), since {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
        )
        fh.flush()
        yield waited  # closing the file at the end releases the lock


def write_json(path: str | Path, payload: Any) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=True, default=_jsonable) + "\n")
    return Path(path)


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_text(path: str | Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def sha256_file(path: str | Path) -> str:
    """The one content hash of the project (downloads, fingerprints, cache keys)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def sha256_tree(root: str | Path) -> str:
    """One digest over a file or every file under a folder (names and contents); 'missing'
    when there is neither."""
    root = Path(root)
    if root.is_file():
        return sha256_file(root)
    if not root.is_dir():
        return "missing"
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()


def _jsonable(value: Any) -> Any:
    # numpy scalars and arrays show up in metrics; JSON wants plain Python
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return value.as_posix()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
