"""The pipeline as a Prefect flow: the same stage functions as dvc.yaml, the same files.

* Tasks are the registry's stages (birnn.pipeline), one per DVC stage and named like them
  (download, clean, ..., "train lstm-concat", "baseline tfidf-logreg"). A task is Cached the
  way `dvc repro` skips a stage (cache.py): its inputs (deps, code, params) hash to a key it
  ran with before AND its outputs on disk hash to what that run wrote; anything else runs it
  again. Results, keys and output records persist under `orchestration.results_dir`.
* Variants fan out in the subflow "variants" on the task runner `orchestration` picks:
  threads (default), a temporary local Dask cluster, or the Dask cluster at `dask_address`.
* A failed variant fails its own train task; the flow still compares the others, records
  them, and ends Failed with a message naming the failed variants.
* Afterwards `dvc commit` (and `dvc push` when a remote is set) records the outputs (dvc.py).
* Runs in one project folder take turns (an OS lock, .checkpoints/run.lock): they share its
  outputs, checkpoints and cache records. A second run waits, says for whom, then finds the
  first one's results cached. The kernel drops the lock of a dead run, so it never blocks.
* PREFECT_API_URL set but its server does not answer: the run degrades (server.py) and
  :func:`main` exits 3 instead of 0.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.logging.handlers import APILogHandler
from prefect.settings import PREFECT_API_URL
from prefect.states import Failed, State
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.transactions import get_transaction

from birnn import pipeline as registry
from birnn.config import (
    OrchestrationParams,
    Params,
    ParamsError,
    add_override_option,
    load_params,
    parse_overrides,
)
from birnn.files import exclusive_lock
from birnn.layout import Layout
from birnn.orchestration import cache, dvc
from birnn.orchestration.artifacts import VariantProgress, publish_comparison
from birnn.orchestration.server import api_problem, prefect_api
from birnn.redact import redact_text

logging.getLogger("birnn").setLevel(logging.INFO)

FLOW_NAME = "birnn-pipeline"
EXIT_DEGRADED = 3  # every output written, but not on the Prefect server PREFECT_API_URL names
PREPARE_STAGES = registry.PREPARE_STAGES

# Training seeds Python/NumPy/the backend through process-global state
# (keras.utils.set_random_seed), and building or loading a model draws from it: two Keras tasks
# interleaving in threads would change each other's weights. So one Keras task at a time per
# process; parallel training takes processes (Dask), each of which imports this module once.
KERAS_LOCK = threading.Lock()
# looks at the data as it is now / must retry after an unreachable store: never a cached answer
UNCACHED = {"source", "track"}


class VariantFailed(RuntimeError):
    """Training a variant failed; its model folder records why (status 'failed')."""


def _forward_stage_logs() -> None:
    # a Dask worker process never ran this flow's logging set-up: hand the stage summaries of
    # the "birnn" logger to Prefect here
    logger = logging.getLogger("birnn")
    logger.setLevel(logging.INFO)
    if not any(isinstance(h, APILogHandler) for h in logger.handlers):
        logger.addHandler(APILogHandler())


def _run_and_record(name: str, params: Params, layout: Layout, *args) -> dict:
    """Run the stage, then record its outputs under its input key: what a later cache hit
    is checked against."""
    stage = registry.stage(name)
    summary = stage.run(params, layout, *args)
    item = args[0] if stage.fans_out else None
    # the task runs in the transaction of its cache key (computed once, in _run_options): its
    # inputs have not changed since, so hashing them again would only repeat that work
    transaction = get_transaction()
    key = transaction.key if transaction else cache.input_key(name, params, layout, item)
    cache.record_outputs(results_dir(params.orchestration, layout), key, layout, name, item)
    return summary


def _stage_function(name: str):
    def run_stage(params: Params, layout: Layout) -> dict:
        return _run_and_record(name, params, layout)

    def run_baseline(params: Params, layout: Layout, baseline: str) -> dict:
        return _run_and_record(name, params, layout, baseline)

    function = run_baseline if registry.stage(name).per_baseline else run_stage
    function.__name__ = name
    return function


def train_variant(params: Params, layout: Layout, variant: str) -> dict:
    """Fit and score one variant; a failed training fails the task after its failure record
    is written (compare lists it)."""
    _forward_stage_logs()
    with KERAS_LOCK:
        summary = _run_and_record("train", params, layout, variant)
    if summary.get("status") == "failed":
        raise VariantFailed(f"{variant}: {summary.get('error') or 'training failed'}")
    return summary


def _stage_task(name: str):
    if name in UNCACHED:
        fn = registry.stage(name).run
        return task(fn, name=name, cache_policy=NO_CACHE)
    fn = train_variant if name == "train" else _stage_function(name)
    return task(fn, name=name, cache_key_fn=cache.stage_cache_key(name), persist_result=True)


TASKS = {s.name: _stage_task(s.name) for s in registry.STAGES}


def _run_options(
    o: OrchestrationParams, layout: Layout, params: Params, stage: str, variant: str | None = None
) -> dict:
    """Per-run options: project-local result storage; a cached result counts only when the
    outputs on disk are the ones it wrote."""
    options: dict[str, Any] = {
        "result_storage": results_dir(o, layout),  # a Path: a local folder, no saved block needed
    }
    if stage not in UNCACHED:
        key = cache.input_key(stage, params, layout, variant)
        fresh = cache.outputs_match(results_dir(o, layout), key, layout, stage, variant)
        options["refresh_cache"] = not fresh
        options["cache_key_fn"] = lambda context, inputs: key  # the key just computed
    if variant:
        options["task_run_name"] = f"{stage} {variant}"
    # download has no task retries: the downloader retries what is worth retrying (timeouts,
    # 429/5xx, with resume) under `dvc repro` too; retrying it here as well multiplied attempts
    # and repeated errors that cannot pass (404, checksum)
    if stage == "train":
        options["retries"] = o.train_retries
    return options


def _task(params: Params, layout: Layout, stage: str, variant: str | None = None):
    o = params.orchestration
    return TASKS[stage].with_options(**_run_options(o, layout, params, stage, variant))


def results_dir(o: OrchestrationParams, layout: Layout) -> Path:
    path = (layout.root / o.results_dir).resolve()
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)
        (path / ".gitignore").write_text("*\n", encoding="utf-8")  # never committed
    return path


def task_runner(o: OrchestrationParams):
    """threads (default); Dask when dask_address is set or task_runner is 'dask'."""
    if not (o.dask_address or o.task_runner == "dask"):
        return ThreadPoolTaskRunner(max_workers=o.max_workers)
    from prefect_dask import DaskTaskRunner

    if o.dask_address:
        return DaskTaskRunner(address=o.dask_address)
    # one thread per worker process: each training gets its own process-global seeds
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": o.max_workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )


@flow(name="variants", log_prints=True)
def variants_flow(params: Params, root: str, names: list[str]) -> dict[str, str]:
    """train (fit, then score) every variant, in parallel on this flow's task runner."""
    layout = Layout(Path(root))
    progress = VariantProgress(names)
    trained = {_task(params, layout, "train", v).submit(params, layout, v): v for v in names}
    outcome = {}
    # the progress artifact moves as each variant finishes, not only at the end
    for future in as_completed(list(trained)):
        v = trained[future]
        future.wait()  # returns at once; makes .state final (a Dask future's is only fetched then)
        completed = future.state.is_completed()
        outcome[v] = "ok" if completed else f"failed: {future.state.message or future.state.name}"
        progress.finished(v, outcome[v])
    return {v: outcome[v] for v in names}


@flow(name=FLOW_NAME, log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=2))
def pipeline(
    params_file: str = "params.yaml",
    root: str = ".",
    source: str | None = None,
    cells: list[str] | None = None,
    merge_modes: list[str] | None = None,
    epochs: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """download -> clean -> tokenize -> split -> train/evaluate per variant -> each baseline
    -> compare -> track -> dvc commit

    source, cells, merge_modes, epochs and overrides ({"dotted.key": value}) change params.yaml's
    values for this run only; MLflow logs the values the run used.
    """
    logger = get_run_logger()
    named = {
        "data.source": source,
        "variants.cells": cells,
        "variants.merge_modes": merge_modes,
        "train.epochs": epochs,
    }
    changes = {**{k: v for k, v in named.items() if v is not None}, **(overrides or {})}
    params: Params = load_params(params_file, changes)
    if changes:
        logger.info("params overridden for this run: %s", changes)
    lock = Layout(Path(root)).run_lock

    def waiting(holder: str) -> None:
        logger.warning(
            "another pipeline run in this folder holds %s (%s): waiting for it to finish. "
            "Runs in one folder write the same outputs and checkpoints, so they take turns; "
            "what it finishes is cached for this run",
            lock,
            holder,
        )

    with exclusive_lock(lock, on_wait=waiting) as waited:
        if waited:
            logger.info("waited %.1f s for the other run; going on", waited)
        summary, outcome = _stages_and_record(params, params_file, root)
    summary["waited_for_other_run_s"] = round(waited, 1)
    if failed := _failed(outcome):
        lines = "; ".join(f"{v} ({why})" for v, why in failed.items())
        logger.error("%d of %d variants failed: %s", len(failed), len(outcome), lines)
        return Failed(
            message=f"{len(failed)} of {len(outcome)} variants failed: {lines}", data=summary
        )
    return summary


def _failed(outcome: dict[str, str]) -> dict[str, str]:
    return {v: why for v, why in outcome.items() if why != "ok"}


def _stages_and_record(
    params: Params, params_file: str, root: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every stage, then the DVC record; returns (summary, {variant: "ok" or why it failed})."""
    logger = get_run_logger()
    o, layout = params.orchestration, Layout(Path(root))
    for stage in PREPARE_STAGES:
        _task(params, layout, stage)(params, layout)
    bases = [
        _task(params, layout, "baseline", name).submit(params, layout, name)
        for name in params.variants.baselines
    ]
    runner = task_runner(o)
    if not isinstance(runner, ThreadPoolTaskRunner) and not PREFECT_API_URL.value():
        logger.warning(
            "Dask without PREFECT_API_URL: each worker records its task runs in a temporary "
            "Prefect server of its own; set PREFECT_API_URL to a `prefect server start` to see them"
        )
    # a Dask worker resolves paths against its own working directory: give it absolute ones
    variant_root = str(Path(root).resolve()) if o.dask_address or o.task_runner == "dask" else root
    outcome = variants_flow.with_options(task_runner=runner)(
        params, variant_root, params.variant_names()
    )
    for base in bases:
        base.result()
    summary = _task(params, layout, "compare")(params, layout)
    publish_comparison(layout)  # every run, also when compare itself was cached
    TASKS["track"](params, layout, Path(params_file))
    failed = _failed(outcome)
    summary = {
        **summary,
        "failed_variants": sorted(failed),
        "dvc": dvc.record(params, params_file, root, sorted(failed)),
    }
    return summary, outcome


def run_pipeline(**parameters: Any) -> tuple[State, str | None]:
    """The flow's final state, on the configured Prefect API, or on a temporary local one when that
    server does not answer: at the start, or when it stops answering during the run (then the flow
    runs again, and finds every task the first attempt finished cached). Also returns the warning
    that says so, or None."""
    degraded = None
    try:
        with prefect_api() as degraded:
            return pipeline(**parameters, return_state=True), degraded
    except httpx.HTTPError as err:  # raised by Prefect's client once its own retries are spent
        if degraded or api_problem() is None:
            raise
        print(
            redact_text(
                f"warning: the Prefect API stopped answering during the run ({type(err).__name__}: "
                f"{err}); running the flow again on a temporary local API"
            ),
            file=sys.stderr,
            flush=True,
        )
    with prefect_api() as degraded:
        return pipeline(**parameters, return_state=True), degraded


def _best_line(summary: dict, layout: Layout) -> str:
    if summary.get("best_variant") is None:
        return (
            "best variant: none, no recurrent variant learned or finished (why: "
            f"{layout.comparison_path.with_suffix('.md')})"
        )
    return f"best variant: {summary['best_variant']} (test accuracy {summary['best_accuracy']:.4f})"


def main(argv: list[str] | None = None) -> int:
    """0: done; 1: failed (a variant, a stage, params); 3 (EXIT_DEGRADED): done, every output
    written, but on a temporary Prefect API because PREFECT_API_URL's server did not answer."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--root", default=".")
    add_override_option(parser)
    args = parser.parse_args(argv)
    try:
        overrides = parse_overrides(args.set)
    except ParamsError as err:
        parser.error(str(err))
    state, degraded = run_pipeline(
        params_file=args.params, root=args.root, overrides=overrides or None
    )
    if state.is_completed():
        print(_best_line(state.result(), Layout(Path(args.root))))
        code = EXIT_DEGRADED if degraded else 0
    else:
        print(f"flow {state.name}: {state.message}", file=sys.stderr)
        code = 1
    if degraded:  # the last words, so a scheduler's log shows it next to the result
        print(f"degraded: {degraded}", file=sys.stderr)
    return code
