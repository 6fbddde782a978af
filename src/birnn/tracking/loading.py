"""Logged models loaded back: the registry's champion for `birnn predict`, or any model URI."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from birnn.config import Params
from birnn.messages import excerpt
from birnn.redact import redact_text
from birnn.tracking.champion import CHAMPION_ALIAS, champion_uri
from birnn.tracking.store import (
    registered_model_name,
    shown_uri,
    sqlite_path,
    store_problem,
    tracking_uri,
)

log = logging.getLogger(__name__)


def champion_model(params: Params):
    """The registry's champion as a loaded pyfunc model, or None when there is none (or no store).

    For `birnn predict`: an embedded store that was never created is not created here, and a
    server that does not answer is reported and skipped instead of retried for minutes.
    """
    uri = tracking_uri(params)
    if not _store_exists(uri):
        return None
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow

    mlflow.set_tracking_uri(uri)
    version = _champion_version(mlflow, registered_model_name(params), uri)
    if version is None:
        return None
    log.info(
        "predicting with %s (version %s, variant %s)",
        champion_uri(params),
        version.version,
        version.tags.get("variant", "?"),
    )
    return load_model(champion_uri(params), params)


def _store_exists(uri: str) -> bool:
    db = sqlite_path(uri)
    if db is not None:
        return db.is_file()
    return "://" in uri or Path(uri).exists()


def _champion_version(mlflow, name: str, uri: str):
    """The model version the champion alias points at, or None (logged why when unexpected)."""
    from mlflow.exceptions import MlflowException

    try:
        return mlflow.MlflowClient().get_model_version_by_alias(name, CHAMPION_ALIAS)
    except MlflowException as err:
        if (
            "RESOURCE_DOES_NOT_EXIST" not in str(err.error_code)
            and "not found" not in str(err).lower()
        ):
            log.warning("model registry at %s: %s", redact_text(uri), redact_text(str(err))[:300])
        return None
    except Exception as err:  # noqa: BLE001 - an unreachable server must not stop predict
        if problem := store_problem(uri):
            log.warning("%s; using the local model", problem)
            return None
        log.warning(
            "model registry at %s unreachable (%s); using the local model",
            redact_text(uri),
            type(err).__name__,
        )
        return None


def load_model(model_uri: str, params: Params | None = None):
    """Any logged variant model (models:/..., runs:/...) as a pyfunc model; a URI the store
    does not know is a ValueError that names it and says where the registered ones are listed."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow
    from mlflow.exceptions import MlflowException

    uri = tracking_uri(params) if params is not None else mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(uri)
    try:
        return mlflow.pyfunc.load_model(model_uri)
    except MlflowException as err:
        reason = redact_text(str(err.message)).splitlines()[0] if str(err.message) else "unknown"
        raise ValueError(
            f"--model {model_uri}: not loadable from {shown_uri(uri)} ({excerpt(reason, 300)}); "
            "the registered models and versions are in the MLflow UI (`make ui`, Models tab), "
            "or pass --model models/<variant>"
        ) from None
