"""The project's MLflow experiment, with its artifacts kept inside the project.

MLflow's sqlite store records an absolute artifact location when it creates an experiment, so
a copied or moved project (or a second checkout handed a copy of mlruns/) would go on writing
artifacts into the original's folder. Such a location is re-pointed at this project's artifact
root, with a warning: the copy just works, and the original is never written again.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlparse

from birnn.tracking.store import sqlite_path

log = logging.getLogger(__name__)
# without it MLflow 3's UI opens a new experiment on its GenAI overview, not on the runs table
EXPERIMENT_KIND_TAG, TRAINING_KIND = "mlflow.experimentKind", "custom_model_development"
# every column in which MLflow's sqlite schema stores a location under an experiment's artifacts
ARTIFACT_COLUMNS = (
    ("experiments", "artifact_location"),
    ("runs", "artifact_uri"),
    ("logged_models", "artifact_location"),
    ("model_versions", "source"),
    ("model_versions", "storage_location"),
)
SQLITE_BUSY_SECONDS = 60


class ForeignStoreError(RuntimeError):
    """The store's experiment keeps artifacts in another project and cannot be re-pointed."""


def ensure_experiment(mlflow, name: str, uri: str, artifact_root: str | None) -> str:
    """The experiment's id, created as a model-training one so the UI opens on its runs table;
    an existing one writing artifacts outside this project is re-pointed into it first."""
    found = mlflow.get_experiment_by_name(name)
    if found is None:
        return mlflow.create_experiment(
            name, artifact_location=artifact_root, tags={EXPERIMENT_KIND_TAG: TRAINING_KIND}
        )
    if EXPERIMENT_KIND_TAG not in found.tags:
        mlflow.MlflowClient().set_experiment_tag(
            found.experiment_id, EXPERIMENT_KIND_TAG, TRAINING_KIND
        )
    db = sqlite_path(uri)
    if db is not None and artifact_root and is_foreign(found.artifact_location, artifact_root, db):
        repoint_artifacts(db, found.artifact_location, artifact_root)
    return found.experiment_id


def local_path(location: str) -> Path | None:
    """The folder a file: URI or a plain path names; None for a remote location (s3:, ...)."""
    if location.startswith("file:"):
        return Path(unquote(urlparse(location).path))
    return None if "://" in location else Path(location)


def is_foreign(recorded: str, artifact_root: str, db: Path) -> bool:
    """Whether a recorded local artifact location lies outside this project's store: neither
    under the configured artifact root nor in the database's own folder."""
    recorded_path, own_root = local_path(recorded), local_path(artifact_root)
    if recorded_path is None or own_root is None:
        return False
    homes = (own_root.resolve(), db.resolve().parent)
    return not any(recorded_path.resolve().is_relative_to(home) for home in homes)


def repoint_artifacts(db: Path, old: str, new: str) -> None:
    """Make every location under ``old`` one under ``new`` in the store at ``db``: new runs
    write here, and the runs copied along read the artifacts copied along."""
    log.warning(
        "%s records artifacts under %s, outside this project (copied or moved?): "
        "they now go to %s; the original project's files are left as they are",
        db,
        local_path(old),
        local_path(new),
    )
    old, new = old.rstrip("/"), new.rstrip("/")
    try:
        with sqlite3.connect(db, timeout=SQLITE_BUSY_SECONDS) as connection:
            for table, column in ARTIFACT_COLUMNS:
                connection.execute(
                    f"UPDATE {table} SET {column} = ? || substr({column}, ?) "  # noqa: S608
                    f"WHERE {column} = ? OR substr({column}, 1, ?) = ?",
                    (new, len(old) + 1, old, len(old) + 1, old + "/"),
                )
    except sqlite3.Error as err:
        raise ForeignStoreError(
            f"{db} records artifacts under {local_path(old)}, outside this project (copied or "
            f"moved?), and could not be re-pointed ({err}): delete {db.parent} here to start a "
            "fresh store, or set tracking.uri (or MLFLOW_TRACKING_URI) to another store"
        ) from err
