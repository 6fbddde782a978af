"""MLflow: the one module that talks to MLflow.

Training never depends on MLflow. After the variants are evaluated, ``log_pipeline`` replays
what the stages saved (params, per-epoch history, test metrics, curves, models) into one
parent run per pipeline run with one nested child run per variant. The parent is tagged
with a fingerprint of everything logged, so replaying unchanged outputs finds the existing
run instead of creating a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from .config import Params
from .files import read_json, sha256_file, sha256_tree, write_json

log = logging.getLogger(__name__)
FINGERPRINT_TAG = "birnn.fingerprint"


def tracking_uri(params: Params) -> str:
    """MLFLOW_TRACKING_URI wins over params, so a team points every run at a shared server."""
    return os.environ.get("MLFLOW_TRACKING_URI") or params.tracking.uri


def experiment_name(params: Params) -> str:
    return params.tracking.experiment or f"birnn-{params.data.source}"


def log_pipeline(params: Params, names: list[str], *, metrics_dir: Path, models_dir: Path,
                 curves_dir: Path, reports_dir: Path, processed_dir: Path,
                 params_file: Path | None = None) -> dict[str, Any]:
    """Log the finished pipeline run; return {parent_run_id, children, created, ...}."""
    import mlflow

    uri = tracking_uri(params)
    mlflow.set_tracking_uri(uri)
    experiment_id = _ensure_experiment(mlflow, experiment_name(params), params.tracking.artifact_root)
    fingerprint = _fingerprint(params, [metrics_dir / f"{n}.json" for n in names])
    existing = mlflow.search_runs([experiment_id], filter_string=f"tags.`{FINGERPRINT_TAG}` = '{fingerprint}'",
                                  output_format="list", max_results=1)
    if existing:
        run = existing[0]
        return {"status": "logged", "created": False, "uri": _redact(uri), "experiment_id": experiment_id,
                "parent_run_id": run.info.run_id, "fingerprint": fingerprint}
    tags = {
        FINGERPRINT_TAG: fingerprint,
        "git_commit": _git_commit(),
        "data_sha256": sha256_tree(processed_dir) if processed_dir.exists() else "missing",
        "params_sha256": sha256_file(params_file) if params_file and params_file.is_file() else "n/a",
        "source": params.data.source,
    }
    children: dict[str, str] = {}
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"pipeline-{params.data.source}",
                          tags=tags) as parent:
        mlflow.log_params(params.flat())
        for name in ("comparison.json", "comparison.md", "clean_report.json"):
            if (reports_dir / name).is_file():
                mlflow.log_artifact(str(reports_dir / name))
        heatmap = reports_dir / "figures" / "accuracy_heatmap.png"
        if heatmap.is_file():
            mlflow.log_artifact(str(heatmap), "figures")
        comparison = reports_dir / "comparison.json"
        if comparison.is_file():
            best = read_json(comparison)
            if best.get("best_accuracy") is not None:
                mlflow.log_metric("best_accuracy", best["best_accuracy"])
                mlflow.set_tag("best_variant", best["best_variant"])
        for name in names:
            children[name] = _log_variant(mlflow, experiment_id, params, name, metrics_dir,
                                          models_dir, curves_dir)
    return {"status": "logged", "created": True, "uri": _redact(uri), "experiment_id": experiment_id,
            "parent_run_id": parent.info.run_id, "children": children, "fingerprint": fingerprint}


def _log_variant(mlflow, experiment_id: str, params: Params, name: str, metrics_dir: Path,
                 models_dir: Path, curves_dir: Path) -> str:
    metrics = read_json(metrics_dir / f"{name}.json")
    tags = {"variant": name, "kind": metrics.get("kind", "rnn"), "cell": str(metrics.get("cell")),
            "merge_mode": str(metrics.get("merge_mode")), "direction": str(metrics.get("direction")),
            "seed": str(params.seed)}
    with mlflow.start_run(experiment_id=experiment_id, run_name=name, nested=True, tags=tags) as child:
        mlflow.log_params({**params.flat(), "variant": name})
        history_file = models_dir / name / "history.json"
        if history_file.is_file():
            history = read_json(history_file)
            for epoch in range(len(history.get("loss", []))):
                mlflow.log_metrics({k: v[epoch] for k, v in history.items()}, step=epoch + 1)
        mlflow.log_metrics({f"test_{k}": float(v) for k, v in metrics.items()
                            if isinstance(v, (int, float)) and not isinstance(v, bool)})
        mlflow.log_artifact(str(metrics_dir / f"{name}.json"))
        if (curves_dir / f"{name}.csv").is_file():
            mlflow.log_artifact(str(curves_dir / f"{name}.csv"))
        if (models_dir / name).is_dir():
            mlflow.log_artifacts(str(models_dir / name), "model")
    return child.info.run_id


def track(params: Params, names: list[str], out_path: Path, **paths: Path) -> dict[str, Any]:
    """Stage wrapper: log, and never fail the pipeline because tracking failed.

    The outcome goes to ``out_path``; on failure it says how to replay (`birnn log-runs`).
    """
    if not params.tracking.enabled:
        result: dict[str, Any] = {"status": "disabled"}
    else:
        try:
            result = log_pipeline(params, names, **paths)
        except Exception as err:  # noqa: BLE001 - any tracking failure must not lose the outputs
            result = {"status": "failed", "uri": _redact(tracking_uri(params)),
                      "error": _redact(f"{type(err).__name__}: {err}")[:2000],
                      "fix": "outputs are saved; once the tracking store is reachable run "
                             "`birnn log-runs` to replay them into MLflow"}
            log.error("MLflow tracking failed (%s). %s", result["error"], result["fix"])
    write_json(out_path, result)
    return result


def _ensure_experiment(mlflow, name: str, artifact_root: str) -> str:
    found = mlflow.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    location = None
    if "://" not in artifact_root:
        location = Path(artifact_root).resolve().as_uri()
    return mlflow.create_experiment(name, artifact_location=location)


def _fingerprint(params: Params, files: list[Path]) -> str:
    digest = hashlib.sha256(json.dumps(params.model_dump(mode="json"), sort_keys=True).encode())
    for path in files:
        digest.update(path.name.encode())
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()[:32]


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _redact(text: str) -> str:
    """Hide credentials in URIs such as https://user:token@host/, wherever they appear."""
    return re.sub(r"://[^/@\s]+@", "://***@", text)
