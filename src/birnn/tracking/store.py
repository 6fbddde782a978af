"""Where a project's MLflow store is: the tracking URI, why it cannot be written, the project it
belongs to (a DVC temporary experiment workspace belongs to the workspace it was queued from)
and the lock that lets two writers share one sqlite file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from birnn.config import Params
from birnn.files import exclusive_lock
from birnn.redact import redact_text

SQLITE_PREFIX = "sqlite:///"
MLFLOW_TABLES = {"experiments", "alembic_version"}  # either one: the file is MLflow's
# DVC runs `dvc exp run --queue` / `--temp` in <project>/.dvc/tmp/exps/[standalone/]tmpXXXX
DVC_EXPERIMENTS_TMP = (".dvc", "tmp", "exps")


def project_root(root: Path) -> Path:
    """The project ``root`` belongs to: the workspace a DVC temporary experiment was queued
    from when ``root`` lies inside one (DVC deletes the temp copy, and its store with it),
    else ``root`` itself, resolved."""
    root = root.resolve()
    parts = root.parts
    depth = len(DVC_EXPERIMENTS_TMP)
    for start in range(len(parts) - depth, 0, -1):
        if parts[start : start + depth] == DVC_EXPERIMENTS_TMP:
            return Path(*parts[:start])
    return root


def tracking_uri(params: Params) -> str:
    """MLFLOW_TRACKING_URI wins over params, so a team points every run at a shared server.
    A relative sqlite path is the project's own: resolved against :func:`project_root`."""
    uri = os.environ.get("MLFLOW_TRACKING_URI") or params.tracking.uri
    db = sqlite_path(uri)
    if db is None or db.is_absolute():
        return uri
    return SQLITE_PREFIX + str(project_root(Path.cwd()) / db)


def artifact_root(params: Params) -> str:
    """Where a local store's new experiments keep artifacts, as MLflow records it: an absolute
    file URI inside the project for a path, any other URI as given."""
    root = params.tracking.artifact_root
    if "://" in root:
        return root
    path = Path(root)
    if not path.is_absolute():
        path = project_root(Path.cwd()) / path
    return path.resolve().as_uri()


def sqlite_path(uri: str) -> Path | None:
    """The database file of a local sqlite store, or None for any other store."""
    return Path(uri.removeprefix(SQLITE_PREFIX)) if uri.startswith(SQLITE_PREFIX) else None


def is_local(uri: str) -> bool:
    return not uri.startswith(("http://", "https://", "databricks"))


def shown_uri(uri: str) -> str:
    """The URI as people should read it: credentials masked, a relative sqlite path absolute
    (sqlite:///abs/path), so it can be pasted into `mlflow ui --backend-store-uri`."""
    db = sqlite_path(uri)
    if db is not None and not db.is_absolute():
        return SQLITE_PREFIX + str(db.resolve())
    return redact_text(uri)


def store_problem(uri: str) -> str | None:
    """Why a local sqlite store cannot be written, or None. Checked by writing, since MLflow
    otherwise fails deep inside SQLAlchemy with a page of traceback."""
    db = sqlite_path(uri)
    if db is None:
        return None
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        if db.exists():
            with open(db, "r+b"):
                pass
        with tempfile.TemporaryFile(dir=db.parent):
            pass
    except OSError as err:
        return (
            f"the tracking store {shown_uri(uri)} is not writable ({err.strerror}): make "
            f"{db.parent} writable, or point tracking.uri (or MLFLOW_TRACKING_URI) elsewhere"
        )
    if why := not_an_mlflow_database(db):
        return (
            f"the tracking store {shown_uri(uri)} is not a valid MLflow sqlite database "
            f"({why}): move {db} aside to start a fresh store there (`birnn log-runs` then "
            "replays this project's runs into it), or point tracking.uri (or "
            "MLFLOW_TRACKING_URI) elsewhere"
        )
    return None


def not_an_mlflow_database(db: Path) -> str | None:
    """Why an existing store file is no MLflow database (overwritten, truncated, another
    program's), or None; an empty or missing file is one MLflow creates."""
    import sqlite3

    if not db.is_file() or db.stat().st_size == 0:
        return None
    try:
        with contextlib.closing(
            sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True)
        ) as con:
            tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
    except sqlite3.OperationalError:
        return None  # locked or busy: a writer holds it, which says nothing against it
    except sqlite3.DatabaseError as err:
        return str(err)
    if tables and not tables & MLFLOW_TABLES:
        return f"an sqlite database without MLflow's tables: {sorted(tables)[:5]}"
    return None


def store_lock_path(db: Path) -> Path:
    return db.with_name(f"{db.name}.lock")


@contextlib.contextmanager
def writing(uri: str) -> Iterator[None]:
    """Hold the store for one writer: `dvc queue start -j 2` runs two `track` stages at once,
    and sqlite answers a second writer with "database is locked" instead of waiting for long.
    A server orders its writers itself."""
    db = sqlite_path(uri)
    if db is None:
        yield
        return
    with exclusive_lock(store_lock_path(db)):
        yield


def experiment_name(params: Params) -> str:
    return params.tracking.experiment or f"birnn-{params.data.source}"


def registered_model_name(params: Params) -> str:
    return f"{params.tracking.experiment or params.data.source}-sentiment"
