import errno
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from birnn.files import (
    atomic_dir,
    atomic_path,
    exclusive_lock,
    filesystem_of,
    sha256_tree,
    write_json,
)


def test_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "out.json"
    write_json(target, {"v": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text().strip().endswith("}") and '"v": 1' in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_failed_folder_write_keeps_the_previous_folder(tmp_path):
    target = tmp_path / "model"
    with atomic_dir(target) as tmp:
        (tmp / "a").write_text("good")
    with pytest.raises(RuntimeError):
        with atomic_dir(target) as tmp:
            (tmp / "a").write_text("bad")
            raise RuntimeError("killed")
    assert (target / "a").read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")  # as write() on an open file says


def test_a_full_disk_names_the_output_being_written_not_its_temp_name(tmp_path, monkeypatch):
    target = write_json(tmp_path / "out" / "m.json", {"v": 1})
    monkeypatch.setattr(os, "write", _no_space)
    with pytest.raises(OSError) as err:
        with atomic_path(target) as tmp:
            fd = os.open(tmp, os.O_WRONLY)
            try:
                os.write(fd, b"half")
            finally:
                os.close(fd)
    assert err.value.errno == errno.ENOSPC and err.value.filename == str(target)
    with pytest.raises(OSError) as err:
        with atomic_dir(tmp_path / "model") as tmp:
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp / "weights.h5"))
    assert err.value.filename == str(tmp_path / "model" / "weights.h5")
    monkeypatch.undo()
    assert '"v": 1' in target.read_text() and sorted(p.name for p in target.parent.iterdir()) == [
        "m.json"
    ]
    assert filesystem_of(target).startswith("the filesystem mounted at /")


def test_other_write_errors_keep_their_own_name(tmp_path):
    with pytest.raises(OSError) as err:
        with atomic_path(tmp_path / "m.json"):
            raise OSError(errno.ENOSPC, "No space left on device", "/elsewhere/cache.bin")
    assert err.value.filename == "/elsewhere/cache.bin"  # another file: its name is right
    with pytest.raises(PermissionError) as err:
        with atomic_path(tmp_path / "m.json") as tmp:
            raise PermissionError(errno.EACCES, "Permission denied", str(tmp))
    assert err.value.__cause__ is None


def test_tree_hash_changes_with_content(tmp_path):
    (tmp_path / "x").write_text("1")
    first = sha256_tree(tmp_path)
    (tmp_path / "x").write_text("2")
    assert sha256_tree(tmp_path) != first


HOLD = (
    "import sys; from birnn.files import exclusive_lock\n"
    "with exclusive_lock(sys.argv[1]):\n    print('held', flush=True); sys.stdin.read()"
)


def test_a_run_lock_waits_for_a_live_holder_and_a_killed_holder_frees_it(tmp_path):
    lock = tmp_path / "run.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(lock)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        told = []

        def kill_holder_soon(description: str) -> None:  # kill -9: no finally, no cleanup runs
            told.append(description)
            threading.Timer(0.5, os.kill, (holder.pid, signal.SIGKILL)).start()

        started = time.monotonic()
        with exclusive_lock(lock, on_wait=kill_holder_soon) as waited:
            assert holder.wait(timeout=10) == -signal.SIGKILL
        assert told and told[0].startswith(
            f"pid {holder.pid} ("
        )  # the waiter learns whom it waits for
        assert 0.4 < waited <= time.monotonic() - started < 10
        with exclusive_lock(lock, on_wait=told.append) as waited:  # free now: no wait
            assert waited == 0.0 and len(told) == 1
    finally:
        holder.kill()
        holder.wait(timeout=10)


@pytest.mark.parametrize(
    "umask, file_mode, dir_mode", [(0o022, 0o644, 0o755), (0o077, 0o600, 0o700)]
)
def test_outputs_follow_the_umask_not_a_private_temp_mode(tmp_path, umask, file_mode, dir_mode):
    old = os.umask(umask)
    try:
        write_json(tmp_path / "out.json", {"a": 1})
        with atomic_dir(tmp_path / "folder") as tmp:
            (tmp / "inner.txt").write_text("x")
    finally:
        os.umask(old)
    assert (tmp_path / "out.json").stat().st_mode & 0o777 == file_mode
    assert (tmp_path / "folder").stat().st_mode & 0o777 == dir_mode
