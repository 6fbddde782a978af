"""A finished pipeline replayed into MLflow: one parent run per pipeline run with one nested
child run per variant (birnn.tracking.variant_runs), the best variant registered as the
champion candidate (birnn.tracking.champion).

The parent gets a fingerprint of everything logged as its last step, so replaying unchanged
outputs finds the finished run instead of creating a duplicate, and a replay after a
half-finished attempt logs everything again.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import birnn.tracking.provenance as provenance
from birnn.config import Params
from birnn.files import read_json, sha256_file
from birnn.modeling.model_folder import VAL_PREDICTIONS_FILE
from birnn.redact import redact_text
from birnn.tasks import task_of
from birnn.tracking.answer import answer_metrics, answer_tags, variant_sides
from birnn.tracking.champion import (
    CHAMPION_ALIAS,
    REGISTERED_VERSION_TAG,
    promote,
    register_champion,
    validation_scores,
)
from birnn.tracking.completion import fail_abandoned
from birnn.tracking.experiment import ensure_experiment
from birnn.tracking.packaging import NO_TEXT_MODEL
from birnn.tracking.store import (
    artifact_root,
    experiment_name,
    is_local,
    registered_model_name,
    tracking_uri,
    writing,
)
from birnn.tracking.variant_runs import log_variant
from birnn.tracking.views import mark_champion, runs_page_url, save_runs_view

log = logging.getLogger(__name__)
FINGERPRINT_TAG = "birnn.fingerprint"
GIT_COMMIT_TAG = "mlflow.source.git.commit"  # MLflow's own: the UI links the run to it
PARENT_REPORTS = ("comparison.json", "comparison.md", "clean_report.json")


@dataclass(frozen=True)
class Outputs:
    """The folders a finished pipeline run left its results in."""

    metrics_dir: Path
    models_dir: Path
    curves_dir: Path
    reports_dir: Path
    processed_dir: Path

    def metrics_files(self, names: list[str]) -> list[Path]:
        return [self.metrics_dir / f"{n}.json" for n in names]

    def comparison(self) -> dict:
        path = self.reports_dir / "comparison.json"
        return read_json(path) if path.is_file() else {}


def log_pipeline(
    params: Params,
    names: list[str],
    *,
    metrics_dir: Path,
    models_dir: Path,
    curves_dir: Path,
    reports_dir: Path,
    processed_dir: Path,
    params_file: Path | None = None,
) -> dict[str, Any]:
    """Log the finished pipeline run; return {parent_run_id, children, created, champion, ...}."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow

    outputs = Outputs(metrics_dir, models_dir, curves_dir, reports_dir, processed_dir)
    uri = tracking_uri(params)
    mlflow.set_tracking_uri(uri)
    with writing(uri):  # one writer at a time, the check for a logged run included
        # a local store gets artifacts under params' artifact_root; a server keeps its own
        root = artifact_root(params) if is_local(uri) else None
        experiment_id = ensure_experiment(mlflow, experiment_name(params), uri, root)
        abandoned = fail_abandoned(mlflow.MlflowClient(), experiment_id)
        fingerprint = provenance.fingerprint(params, outputs.metrics_files(names))
        summary = {"status": "logged", "uri": redact_text(uri), "experiment_id": experiment_id}
        if abandoned:
            summary["marked_failed"] = abandoned  # live runs whose training was killed
        logged = _logged_run(mlflow, experiment_id, fingerprint)
        if logged is not None:
            result = {**summary, **_replayed(mlflow, params, logged), "fingerprint": fingerprint}
        else:
            created = _log_parent(
                mlflow, params, names, outputs, experiment_id, params_file, fingerprint
            )
            result = {**summary, **created, "fingerprint": fingerprint}
        return {**result, "ui": _land_on_runs(mlflow, params, uri, experiment_id)}


def _land_on_runs(mlflow, params: Params, uri: str, experiment_id: str) -> str:
    """Refresh the runs view and the champion mark; return the link that opens them."""
    client = mlflow.MlflowClient()
    save_runs_view(client, experiment_id)
    mark_champion(client, experiment_id, _champion_run(client, params))
    url = redact_text(runs_page_url(uri, experiment_id))
    log.info("the variants in MLflow's UI: %s", url)
    return url


def _champion_run(client, params: Params) -> str | None:
    """The variant run whose model holds the champion alias, None without a champion."""
    from mlflow.exceptions import MlflowException

    try:
        version = client.get_model_version_by_alias(registered_model_name(params), CHAMPION_ALIAS)
    except MlflowException:
        return None
    return version.run_id or None


def _logged_run(mlflow, experiment_id: str, fingerprint: str):
    found = mlflow.search_runs(
        [experiment_id],
        filter_string=f"tags.`{FINGERPRINT_TAG}` = '{fingerprint}'",
        output_format="list",
        max_results=1,
    )
    return found[0] if found else None


def _replayed(mlflow, params: Params, run) -> dict[str, Any]:
    """The summary of a run logged before; its registered best is promoted when asked to."""
    decision = "unchanged: these outputs were logged before"
    if params.tracking.promote and run.data.tags.get(REGISTERED_VERSION_TAG):
        decision = promote(mlflow, params, run.data.tags[REGISTERED_VERSION_TAG])
    return {
        "created": False,
        "parent_run_id": run.info.run_id,
        "champion": run.data.tags.get("champion"),
        "champion_decision": decision,
    }


def parent_tags(params: Params, processed_dir: Path, params_file: Path | None) -> dict[str, str]:
    return {
        GIT_COMMIT_TAG: provenance.git_commit(),
        "data_sha256": provenance.data_digest(processed_dir),
        "dvc_data_md5": provenance.dvc_hash(processed_dir),
        "params_sha256": sha256_file(params_file)
        if params_file and params_file.is_file()
        else "n/a",
        "source": params.data.source,
    }


def _log_parent(
    mlflow,
    params: Params,
    names: list[str],
    outputs: Outputs,
    experiment_id: str,
    params_file: Path | None,
    fingerprint: str,
) -> dict[str, Any]:
    started = time.perf_counter()
    datasets = provenance.datasets(params, outputs.processed_dir)
    tags = parent_tags(params, outputs.processed_dir, params_file)
    comparison = outputs.comparison()
    best = comparison.get("best_variant")
    with mlflow.start_run(
        experiment_id=experiment_id, run_name=f"pipeline-{params.data.source}", tags=tags
    ) as parent:
        mlflow.log_params(params.flat())
        provenance.log_inputs(mlflow, datasets)
        _log_reports(mlflow, outputs.reports_dir, comparison)
        variants = {
            name: log_variant(
                mlflow,
                experiment_id,
                params,
                name,
                outputs.metrics_dir,
                outputs.models_dir,
                outputs.curves_dir,
                datasets,
            )
            for name in names
        }
        client = mlflow.MlflowClient()
        for name, side in variant_sides(comparison).items():
            if name in variants:
                client.set_tag(variants[name].run_id, "vs_chosen", side)
        model_ids = {n: v.model_id for n, v in variants.items() if v.model_id}
        champion = None
        if best in model_ids:
            candidate = {
                "variant": best,
                "data_digest": tags["data_sha256"],
                **validation_scores(outputs.metrics_dir / f"{best}.json"),
            }
            champion = register_champion(
                mlflow,
                params,
                candidate,
                model_ids[best],
                parent.info.run_id,
                validation_predictions(outputs, best),
            )
            mlflow.set_tags(_champion_tags(champion))
        elif best and not task_of(outputs.models_dir / best).serves_text:
            mlflow.set_tag("champion_not_registered", NO_TEXT_MODEL)
        _log_timings(mlflow, started, [v.model_seconds for v in variants.values() if v.model_id])
        mlflow.set_tag(FINGERPRINT_TAG, fingerprint)  # last: only a complete run is found again
    return {
        "created": True,
        "parent_run_id": parent.info.run_id,
        "children": {n: v.run_id for n, v in variants.items()},
        "models": model_ids,
        "champion": champion["uri"] if champion else None,
        **(_champion_summary(champion) if champion else {}),
        "seconds": round(time.perf_counter() - started, 2),
    }


def validation_predictions(outputs: Outputs, best: str) -> tuple | None:
    """The best variant's validation probabilities and the validation labels (None: a model
    folder from before they were kept, or no validation split)."""
    import numpy as np

    prob_path = outputs.models_dir / best / VAL_PREDICTIONS_FILE
    labels = outputs.processed_dir / "val.npz"
    if not (prob_path.is_file() and labels.is_file()):
        return None
    with np.load(labels, allow_pickle=False) as data:
        y_val = data["y"].astype(np.int64)
    prob = np.load(prob_path, allow_pickle=False)
    return (prob, y_val) if prob.shape[: y_val.ndim] == y_val.shape else None


def _log_reports(mlflow, reports_dir: Path, comparison: dict) -> None:
    for name in PARENT_REPORTS:
        if (reports_dir / name).is_file():
            mlflow.log_artifact(str(reports_dir / name))
    if (reports_dir / "figures").is_dir():
        mlflow.log_artifacts(str(reports_dir / "figures"), "figures")
    if comparison.get("best_accuracy") is not None:
        mlflow.log_metric("best_accuracy", comparison["best_accuracy"])
    if comparison.get("best_variant"):
        mlflow.set_tag("best_variant", comparison["best_variant"])
    mlflow.set_tags(answer_tags(comparison))
    mlflow.log_metrics(answer_metrics(comparison))


def _champion_tags(champion: dict) -> dict[str, str]:
    return {
        "champion": champion["uri"],
        "champion_version": champion["version"],
        REGISTERED_VERSION_TAG: champion["registered_version"],
        "champion_decision": champion["decision"],
    }


def _champion_summary(champion: dict) -> dict[str, Any]:
    """What tracking.json says about the champion, the test that decided included."""
    return {
        "champion_version": champion["version"],
        "registered_version": champion["registered_version"],
        "champion_decision": champion["decision"],
        "champion_test": champion["test"],
    }


def _log_timings(mlflow, started: float, model_seconds: list[float]) -> None:
    mlflow.log_metric("tracking_seconds", round(time.perf_counter() - started, 2))
    if model_seconds:
        mlflow.log_metric(
            "model_log_seconds_mean", round(sum(model_seconds) / len(model_seconds), 3)
        )
