"""Wiring: each stage with the project's standard paths (Layout) and its task. The CLI (and so
dvc.yaml) and the Prefect flow both call these, so both write exactly the same files.

Stage modules are imported inside each runner: every `birnn <stage>` is its own process
under DVC, and a train process should not pay for importing scikit-learn or MLflow.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

from birnn.config import Params
from birnn.layout import BASELINE_NAME, Layout
from birnn.tasks import task_of

log = logging.getLogger("birnn")


def _done(stage: str, summary: Any) -> dict[str, Any]:
    data = asdict(summary) if hasattr(summary, "__dataclass_fields__") else dict(summary)
    log.info("%s: %s", stage, ", ".join(f"{k}={_short(v)}" for k, v in data.items()))
    return data


def _short(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _some(result: dict, keys: tuple[str, ...]) -> dict:
    return {k: result[k] for k in keys if k in result}


def run_source(params: Params, layout: Layout) -> dict:
    from birnn.data import fingerprint
    from birnn.files import read_json, write_json
    from birnn.orchestration import retry

    def last(path: Path) -> dict:
        return read_json(path) if path.is_file() else {}

    hashes = last(layout.file_hashes_path)
    labeled = fingerprint.labeled(params.data, last(layout.labeled_source_path), hashes)
    unlabeled = fingerprint.unlabeled(params.data, hashes)
    write_json(layout.file_hashes_path, hashes)
    for path, record in (
        (layout.labeled_source_path, labeled),
        (layout.unlabeled_source_path, unlabeled),
    ):
        if last(path) != record:  # unchanged: leave the file (and its modification time) alone
            write_json(path, record)
    retried = retry.update_attempts(
        layout.attempts_dir, {v: layout.model_dir(v) for v in params.variant_names()}
    )
    if retried:
        log.info("source: %s failed last time and will be trained again", ", ".join(retried))
    return _done("source", {"labeled": labeled, "unlabeled": unlabeled, "retried": retried})


def run_download(params: Params, layout: Layout) -> dict:
    from birnn.data import fingerprint, sources

    # a remote that changed under the same address is fetched again, not reused
    fingerprint.forget_stale_download(layout.raw_dir, layout.labeled_source_path)
    summary = sources.download(params.data, layout.raw_dir, params.seed)
    fingerprint.remember_download(layout.raw_dir, layout.labeled_source_path)
    return _done("download", summary)


def run_clean(params: Params, layout: Layout) -> dict:
    # before clean the data is raw bytes: its params say which task reads them
    task = task_of(params.data)
    return _done(
        "clean", task.clean(layout.raw_dir, params, layout.clean_path, layout.clean_report_path)
    )


def run_tokenize(params: Params, layout: Layout) -> dict:
    task = task_of(layout.clean_path)
    return _done("tokenize", task.tokenize(layout.clean_path, layout.tokens_path))


def run_split(params: Params, layout: Layout) -> dict:
    task = task_of(layout.tokens_path)
    return _done(
        "split", task.split(layout.tokens_path, params.split, params.seed, layout.processed_dir)
    )


def run_pretrain(params: Params, layout: Layout) -> dict:
    from birnn.modeling import pretrain

    unlabeled = []
    if params.data.unlabeled_path and params.model.pretrained != "none":
        unlabeled = pretrain.unlabeled_tokens(
            params.data.unlabeled_path, params.data.text_column, params.clean
        )
    summary = pretrain.pretrain(
        layout.processed_dir,
        params.model,
        params.pretrain,
        params.seed,
        layout.pretrained_dir,
        unlabeled,
    )
    return _done("pretrain", summary)


def run_train(params: Params, layout: Layout, variant: str) -> dict:
    from birnn.modeling import train

    summary = train.train_variant(
        layout.processed_dir,
        variant,
        params.model,
        params.train,
        params.clean,
        params.training_seeds(),
        layout.model_dir(variant),
        layout.curve_path(variant),
        layout.checkpoint_dir(variant),
        layout.pretrained_dir,
    )
    return _done(f"train {variant}", summary)


def run_evaluate(params: Params, layout: Layout, variant: str) -> dict:
    from birnn.modeling import evaluate

    result = evaluate.evaluate_variant(
        layout.model_dir(variant),
        layout.processed_dir,
        layout.metrics_path(variant),
        layout.predictions_path(variant),
    )
    keys = (
        "status",
        "error",
        "reason",
        "val_accuracy",
        "accuracy",
        "f1",
        "roc_auc",
        "probe_accuracy",
        "sequence_accuracy",
    )
    return _done(f"evaluate {variant}", _some(result, keys))


def run_baseline(params: Params, layout: Layout) -> dict:
    task = task_of(layout.tokens_path)
    result = task.baseline(
        layout.tokens_path,
        layout.processed_dir,
        params.seed,
        layout.metrics_path(BASELINE_NAME),
        layout.predictions_path(BASELINE_NAME),
    )
    return _done("baseline", _some(result, ("accuracy", "f1", "roc_auc", "sequence_accuracy")))


def compared_names(params: Params) -> list[str]:
    return [*params.variant_names(), BASELINE_NAME]


def run_compare(params: Params, layout: Layout) -> dict:
    from birnn.reporting import compare

    summary = compare.compare(
        layout.metrics_dir,
        compared_names(params),
        layout.reports_dir,
        predictions_dir=layout.predictions_dir,
        y_test_path=layout.test_split_path,
        curves_dir=layout.curves_dir,
        unit=task_of(layout.processed_dir).unit,
        metric=params.compare.metric,
        clean_report_path=layout.clean_report_path,
    )
    return _done("compare", summary)


def run_track(params: Params, layout: Layout, params_file: Path | None = None) -> dict:
    from birnn import tracking

    result = tracking.track(
        params,
        compared_names(params),
        layout.tracking_path,
        metrics_dir=layout.metrics_dir,
        models_dir=layout.models_dir,
        curves_dir=layout.curves_dir,
        reports_dir=layout.reports_dir,
        processed_dir=layout.processed_dir,
        params_file=params_file,
    )
    return _done("track", {k: v for k, v in result.items() if k != "children"})
