"""The `track` stage: log the finished pipeline, and never fail it because tracking failed."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from birnn.config import Params
from birnn.files import write_json
from birnn.redact import redact_text
from birnn.tracking.runs import log_pipeline
from birnn.tracking.store import shown_uri, store_problem, tracking_uri

log = logging.getLogger(__name__)
ERROR_CHARS = 2000
REPLAY_HINT = "`birnn log-runs` to replay them into MLflow"


def track(params: Params, names: list[str], out_path: Path, **paths: Path) -> dict[str, Any]:
    """Log, and write the outcome to ``out_path``; on failure it says how to replay."""
    if not params.tracking.enabled:
        result: dict[str, Any] = {"status": "disabled"}
    elif problem := store_problem(tracking_uri(params)):
        result = _failed(params, problem, f"outputs are saved; then run {REPLAY_HINT}")
        result["not_writable"] = True
        log.error("MLflow tracking failed: %s. %s", problem, result["fix"])
    else:
        try:
            result = log_pipeline(params, names, **paths)
        except Exception as err:  # noqa: BLE001 - any tracking failure must not lose the outputs
            result = _failed(
                params,
                redact_text(f"{type(err).__name__}: {err}")[:ERROR_CHARS],
                f"outputs are saved; once the tracking store is reachable run {REPLAY_HINT}",
            )
            log.error("MLflow tracking failed (%s). %s", result["error"], result["fix"])
    write_json(out_path, result)
    return result


def _failed(params: Params, error: str, fix: str) -> dict[str, Any]:
    return {"status": "failed", "uri": shown_uri(tracking_uri(params)), "error": error, "fix": fix}
