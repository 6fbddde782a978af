"""One child run per variant (and one per seed under it): params, per-epoch curves, test
metrics, plots, the metrics JSON and the variant as a pyfunc model. The run its training kept
live is completed (moved under the pipeline run, the epochs it missed added); without one, a
new run is logged from the saved outputs."""

from __future__ import annotations

import contextlib
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from birnn.config import Params
from birnn.files import read_json
from birnn.modeling.model_folder import HISTORY_FILE, VARIANT_FILE, seed_dir
from birnn.reporting.plots import variant_figures
from birnn.tasks import task_of
from birnn.tasks.processed import VOCAB_FILE
from birnn.tracking.completion import live_seed_run, live_variant_run, logged_steps
from birnn.tracking.live import COMPLETED_TAG
from birnn.tracking.packaging import NO_TEXT_MODEL, is_model_dir, log_model
from birnn.tracking.provenance import log_inputs

ERROR_TAG_CHARS = 4000
PARENT_TAG = "mlflow.parentRunId"  # MLflow's own: the UI nests a run under this one


@dataclass(frozen=True)
class VariantRun:
    run_id: str
    model_id: str | None  # the logged pyfunc model, None when none was logged
    model_seconds: float  # spent logging the model


def log_variant(
    mlflow,
    experiment_id: str,
    params: Params,
    name: str,
    metrics_dir: Path,
    models_dir: Path,
    curves_dir: Path,
    datasets: list[tuple[Any, str]] = (),
) -> VariantRun:
    """One child run, nested under the active pipeline run: the live one when there is."""
    metrics = read_json(metrics_dir / f"{name}.json")
    model_dir = models_dir / name
    tags = variant_tags(params, name, metrics, model_dir)
    client = mlflow.MlflowClient()
    live = live_variant_run(client, experiment_id, name, model_dir)
    with _child_run(mlflow, experiment_id, name, tags, live) as child:
        run_id = child.info.run_id
        mlflow.log_params({**params.flat(), "variant": name, **resolved_params(model_dir)})
        log_inputs(mlflow, datasets)
        history = (
            read_json(model_dir / HISTORY_FILE) if (model_dir / HISTORY_FILE).is_file() else {}
        )
        logged = logged_steps(client, run_id, list(history)) if live else {}
        log_numbers(mlflow, run_id, history, metrics, logged)
        mlflow.log_artifact(str(metrics_dir / f"{name}.json"))
        if (curves_dir / f"{name}.csv").is_file():
            mlflow.log_artifact(str(curves_dir / f"{name}.csv"))
        with tempfile.TemporaryDirectory() as tmp:
            for png in variant_figures(name, history, metrics, Path(tmp)):
                mlflow.log_artifact(str(png), "plots")
        for seed_metrics in metrics.get("seed_scores") or []:
            log_seed(mlflow, experiment_id, name, seed_metrics, model_dir, run_id if live else None)
        logged_run = VariantRun(run_id, *_log_text_model(mlflow, model_dir))
        if tags["status"] != "ok":  # ended as its live run did, when training failed
            mlflow.end_run("FAILED")
        return logged_run


@contextlib.contextmanager
def _child_run(mlflow, experiment_id: str, name: str, tags: dict[str, str], live):
    """The live run resumed under the active pipeline run, else a new nested run."""
    if live is None:
        with mlflow.start_run(
            experiment_id=experiment_id, run_name=name, nested=True, tags=tags
        ) as run:
            yield run
        return
    parent = mlflow.active_run().info.run_id
    with mlflow.start_run(run_id=live.info.run_id, nested=True) as run:
        mlflow.set_tags({**tags, PARENT_TAG: parent, COMPLETED_TAG: parent})
        yield run


def variant_tags(params: Params, name: str, metrics: dict, model_dir: Path) -> dict[str, str]:
    info = read_json(model_dir / VARIANT_FILE) if (model_dir / VARIANT_FILE).is_file() else {}
    tags = {
        "variant": name,
        "kind": metrics.get("kind", "rnn"),
        "cell": str(metrics.get("cell")),
        "merge_mode": str(metrics.get("merge_mode")),
        "direction": str(metrics.get("direction")),
        "seed": str(metrics.get("seed", info.get("seed", params.seed))),
        "status": str(metrics.get("status", "ok")),
    }
    if metrics.get("error"):
        tags["error"] = str(metrics["error"])[:ERROR_TAG_CHARS]
    return tags


def _log_text_model(mlflow, model_dir: Path) -> tuple[str | None, float]:
    """(model id, seconds) of the logged pyfunc model; (None, 0) when there is none to log."""
    if not is_model_dir(model_dir):
        return None, 0.0
    if not task_of(model_dir).serves_text:
        mlflow.set_tag("model_not_logged", NO_TEXT_MODEL)
        return None, 0.0
    started = time.perf_counter()
    model_id = log_model(mlflow, model_dir)
    mlflow.set_tag("model_uri", f"models:/{model_id}")
    return model_id, time.perf_counter() - started


def log_numbers(
    mlflow, run_id: str, history: dict, metrics: dict, logged: dict[str, set[int]] | None = None
) -> None:
    """Per-epoch curves as steps 1..n (but the steps ``logged`` already holds) and every
    numeric test metric as test_<name>, batched."""
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    logged = logged or {}
    batch = [
        Metric(key, float(values[epoch]), now, epoch + 1)
        for key, values in history.items()
        for epoch in range(len(values))
        if epoch + 1 not in logged.get(key, ())
    ]
    batch += [
        Metric(f"test_{k}", float(v), now, 0)
        for k, v in metrics.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]
    mlflow.MlflowClient().log_batch(run_id, metrics=batch)  # split into MLflow's per-call limits


def log_seed(
    mlflow,
    experiment_id: str,
    name: str,
    seed_metrics: dict,
    model_dir: Path,
    live_parent: str | None = None,
) -> None:
    """One run per seed, nested under its variant: the spread behind the variant's mean. Under
    a live variant run, the seed's own live run is completed when there is one."""
    seed = seed_metrics["seed"]
    history_file = seed_dir(model_dir, seed) / HISTORY_FILE
    history = read_json(history_file) if history_file.is_file() else {}
    tags = {"variant": name, "kind": "seed", "seed": str(seed)}
    client = mlflow.MlflowClient()
    live = live_seed_run(client, experiment_id, live_parent, seed) if live_parent else None
    if live is not None:
        tags[COMPLETED_TAG] = live_parent
    started = (
        mlflow.start_run(run_id=live.info.run_id, nested=True)
        if live is not None
        else mlflow.start_run(
            experiment_id=experiment_id, run_name=f"{name} seed {seed}", nested=True, tags=tags
        )
    )
    with started as run:
        mlflow.set_tags(tags)
        mlflow.log_param("seed", seed)
        log_numbers(
            mlflow,
            run.info.run_id,
            history,
            {k: v for k, v in seed_metrics.items() if k != "seed" and v is not None},
            logged_steps(client, run.info.run_id, list(history)) if live is not None else None,
        )


def resolved_params(model_dir: Path) -> dict[str, Any]:
    """What params only decide at run time (max_len: auto, the vocabulary size) shaped the model too."""
    vocab_file = model_dir / VOCAB_FILE
    if not vocab_file.is_file():
        return {}
    vocab = read_json(vocab_file)
    return {
        "resolved.max_len": vocab.get("max_len"),
        "resolved.vocab_words": len(vocab.get("words", [])),
    }
