"""Warm start for `birnn` commands: one process imports the heavy libraries once and forks a
child per command.

Under `dvc repro` every stage is a new process, and importing Keras with TensorFlow costs
10-20 s of CPU on a small machine: more than the work of most stages, paid once per stage. The
first stage command starts a server that imports those libraries (never birnn's own stage
code, so an edit takes effect at the very next command) and listens on a unix socket in a
private folder. Later commands hand it their arguments, working directory, environment and
standard streams; it forks a child that runs the command exactly as a fresh process would and
reports the exit status, which the command exits with. Signals (Ctrl-C) are passed on to the
child, and a child whose command process dies is stopped.

The server is keyed by the interpreter, its installed packages and the environment variables
read at import time, so a changed environment gets a server of its own. It leaves after
``BIRNN_WARM_IDLE`` seconds (default 120) without a command. ``BIRNN_WARM_START=0`` turns warm
starts off; ``BIRNN_WARM_DIR`` moves the folder of sockets, pid files and logs.
Verified on CPU with TensorFlow; the server never touches a GPU (it only imports), so a child
initialises CUDA as a fresh process would.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

# imported by the server before it forks; what the stages spend their start-up on
PRELOAD = (
    "keras",
    "pandas",
    "pyarrow.parquet",
    "sklearn.linear_model",
    "sklearn.metrics",
    "pydantic",
    "yaml",
    "mlflow",  # track: seconds of its own
)
# read when those libraries are imported, so a server only serves commands that agree on them
KEY_VARIABLES = (
    "KERAS_BACKEND",
    "KERAS_HOME",
    "PYTHONHASHSEED",
    "PYTHONPATH",
    "TF_CPP_MIN_LOG_LEVEL",
    "TF_ENABLE_ONEDNN_OPTS",
    "CUDA_VISIBLE_DEVICES",
    "XLA_FLAGS",
)
DEFAULT_IDLE_SECONDS = 120.0
MAX_MESSAGE = 1 << 20


def enabled(environ: dict[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    return environ.get("BIRNN_WARM_START", "1").strip().lower() not in ("0", "false", "no", "off")


def folder(environ: dict[str, str] | None = None) -> Path:
    """The private folder of the servers' sockets, pid files and logs."""
    environ = os.environ if environ is None else environ
    default = Path(tempfile.gettempdir()) / f"birnn-warm-{os.getuid()}"
    path = Path(environ.get("BIRNN_WARM_DIR") or default)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_uid != os.getuid() or path.stat().st_mode & 0o077:
        raise PermissionError(f"{path} must be a folder only you can read and write")
    return path


def server_key(environ: dict[str, str] | None = None) -> str:
    """Which server may run a command: same interpreter, same installed packages (the
    site-packages folder changes when one is installed or removed), same import-time settings."""
    environ = os.environ if environ is None else environ
    site = Path(sysconfig.get_paths()["purelib"])
    parts = [sys.executable, sys.version, str(site), str(_mtime(site))]
    parts += [f"{name}={environ.get(name, '')}" for name in KEY_VARIABLES]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def socket_path(key: str, environ: dict[str, str] | None = None) -> Path:
    return folder(environ) / f"{key}.sock"


def pid_path(key: str, environ: dict[str, str] | None = None) -> Path:
    return folder(environ) / f"{key}.pid"


# -- the command's side -------------------------------------------------------------------


def run(argv: list[str], start_server: bool = True) -> int | None:
    """Run ``birnn argv`` in a warm child and return its exit status; None when no server is
    ready (the caller runs the command itself), after starting one when ``start_server``."""
    if not enabled():
        return None
    try:
        key = server_key()
        path = socket_path(key)
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(str(path))
    except OSError:
        if start_server:
            with contextlib.suppress(OSError):
                _start_server(key)
        return None
    with conn:
        return _delegate(conn, argv)


def _delegate(conn: socket.socket, argv: list[str]) -> int | None:
    request = json.dumps({"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
    try:
        socket.send_fds(conn, [request + b"\n"], [_open_fd(fd) for fd in (0, 1, 2)])
    except OSError:
        return None
    reader = conn.makefile("rb")
    child = _message(reader)
    if child is None or "pid" not in child:
        return None  # no child started the command: the caller runs it itself
    pid = int(child["pid"])
    previous = {sig: signal.signal(sig, _forward(pid)) for sig in _FORWARDED}
    try:
        done = _message(reader)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if done is None or "exit" not in done:
        print(
            f"error: the command's warm-start process {pid} ended without an exit status; "
            "run it again with BIRNN_WARM_START=0 to see it fail in this process",
            file=sys.stderr,
        )
        return 1
    return int(done["exit"])


_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _forward(pid: int):
    def handler(signum, _frame) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    return handler


def _open_fd(fd: int) -> int:
    """``fd`` if it is open, else /dev/null (a stage may run without a stdin)."""
    try:
        os.fstat(fd)
        return fd
    except OSError:
        return os.open(os.devnull, os.O_RDWR)


def _message(reader) -> dict | None:
    line = reader.readline(MAX_MESSAGE)
    if not line:
        return None
    try:
        return json.loads(line)
    except ValueError:
        return None


def _start_server(key: str) -> None:
    """Start a server unless one is starting already (its pid file names a live process)."""
    pid_file = pid_path(key)
    if _alive(pid_file):
        return
    pid_file.unlink(missing_ok=True)
    log = open(folder() / f"{key}.log", "ab")  # noqa: SIM115 - the server keeps it
    with log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "birnn.orchestration.warm", key],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    _write_pid(pid_file, proc.pid)


def _alive(pid_file: Path) -> bool:
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def _write_pid(pid_file: Path, pid: int) -> None:
    tmp = pid_file.with_name(f"{pid_file.name}.{os.getpid()}")
    tmp.write_text(f"{pid}\n")
    os.replace(tmp, pid_file)


def stop(environ: dict[str, str] | None = None) -> list[int]:
    """Stop every server of the folder (tests, and `make clean`-like chores); their pids."""
    stopped = []
    for pid_file in folder(environ).glob("*.pid"):
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text().strip())
            os.kill(pid, signal.SIGTERM)
            stopped.append(pid)
    return stopped


# -- the server's side --------------------------------------------------------------------


def serve(key: str, idle_seconds: float | None = None) -> None:
    """Import PRELOAD, then fork a child per connection until idle for ``idle_seconds``."""
    idle = idle_seconds or float(os.environ.get("BIRNN_WARM_IDLE", DEFAULT_IDLE_SECONDS))
    started = time.perf_counter()
    preload = os.environ.get("BIRNN_WARM_PRELOAD")  # a comma-separated list, for tests
    for name in PRELOAD if preload is None else [n for n in preload.split(",") if n]:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    _say(f"server {os.getpid()} for {key}: imports took {time.perf_counter() - started:.1f} s")
    path = socket_path(key)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # bound under a temporary name and renamed: a command never meets a half-ready socket
    tmp = path.with_name(f"{path.name}.{os.getpid()}")
    tmp.unlink(missing_ok=True)
    listener.bind(str(tmp))
    listener.listen(16)
    os.replace(tmp, path)
    _write_pid(pid_path(key), os.getpid())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    children: set[int] = set()
    try:
        _accept_loop(listener, idle, children)
    finally:
        listener.close()
        for stale in (path, pid_path(key)):
            stale.unlink(missing_ok=True)
        _say(f"server {os.getpid()} stopped")


def _accept_loop(listener: socket.socket, idle: float, children: set[int]) -> None:
    last_activity = time.monotonic()
    listener.settimeout(1.0)
    while True:
        _reap(children)
        if children:
            last_activity = time.monotonic()
        elif time.monotonic() - last_activity > idle:
            return
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        last_activity = time.monotonic()
        with conn:
            try:
                request, fds = _receive(conn)
            except (OSError, ValueError) as err:
                _say(f"bad request: {err}")
                continue
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                listener.close()
                _child(conn, request, fds)  # never returns
            children.add(pid)
            for fd in fds:
                os.close(fd)


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    conn.settimeout(10.0)
    data, fds, _, _ = socket.recv_fds(conn, MAX_MESSAGE, 3)
    while not data.endswith(b"\n"):
        more = conn.recv(MAX_MESSAGE)
        if not more:
            break
        data += more
    conn.settimeout(None)
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        raise ValueError(f"expected the command's 3 standard streams, got {len(fds)}")
    return json.loads(data), fds


def _reap(children: set[int]) -> None:
    for pid in list(children):
        with contextlib.suppress(ChildProcessError):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if not done:
                continue
        children.discard(pid)


def _child(conn: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: become the command's process, run it, report its exit status."""
    code = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        for stream in (sys.stdout, sys.stderr):
            stream.reconfigure(line_buffering=stream.isatty())
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["birnn", *request["argv"]]
        conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
        threading.Thread(target=_stop_when_orphaned, args=(conn,), daemon=True).start()
        from birnn.cli import main

        code = main(request["argv"])
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # noqa: BLE001 - report every failure as the command's own
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
        os._exit(code if isinstance(code, int) else 1)


def _stop_when_orphaned(conn: socket.socket) -> None:
    """The command process sends nothing after the request: end of stream means it died
    (killed by DVC or the user), and its child must not go on writing outputs."""
    with contextlib.suppress(OSError):
        while conn.recv(1024):
            pass
    os.kill(os.getpid(), signal.SIGTERM)


def _say(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}", flush=True)


if __name__ == "__main__":
    serve(sys.argv[1])
