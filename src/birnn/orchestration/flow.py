"""The pipeline as a Prefect flow: the same stage functions as dvc.yaml, the same files.

* Tasks are the registry's stages (birnn.pipeline), named like the DVC stages (download, clean,
  ..., "train lstm-concat"); cache keys hash what dvc.yaml says each stage reads (cache.py).
  Results and keys persist under `orchestration.results_dir`, so a re-run with unchanged inputs
  skips finished tasks; a task whose outputs are missing runs again.
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
from birnn.orchestration import dvc
from birnn.orchestration.artifacts import VariantProgress, publish_comparison
from birnn.orchestration.cache import outputs_present, stage_cache_key
from birnn.orchestration.server import api_problem, prefect_api
from birnn.redact import redact_text

logging.getLogger("birnn").setLevel(logging.INFO)

FLOW_NAME = "birnn-pipeline"
EXIT_DEGRADED = 3  # every output written, but not on the Prefect server PREFECT_API_URL names
# the stages before the variants fan out, in registry order
PREPARE_STAGES = tuple(
    s.name
    for s in registry.STAGES[: next(i for i, s in enumerate(registry.STAGES) if s.per_variant)]
)

# Training seeds Python/NumPy/the backend through process-global state
# (keras.utils.set_random_seed), and building or loading a model draws from it: two Keras tasks
# interleaving in threads would change each other's weights. So one Keras task at a time per
# process; parallel training takes processes (Dask), each of which imports this module once.
KERAS_LOCK = threading.Lock()


class VariantFailed(RuntimeError):
    """Training a variant failed; its model folder records why (status 'failed')."""


def _forward_stage_logs() -> None:
    # a Dask worker process never ran this flow's logging set-up: hand the stage summaries of
    # the "birnn" logger to Prefect here
    logger = logging.getLogger("birnn")
    logger.setLevel(logging.INFO)
    if not any(isinstance(h, APILogHandler) for h in logger.handlers):
        logger.addHandler(APILogHandler())


def train_variant(params: Params, layout: Layout, variant: str) -> dict:
    _forward_stage_logs()
    with KERAS_LOCK:
        summary = registry.stage("train").run(params, layout, variant)
    if summary.get("status") == "failed":
        raise VariantFailed(f"{variant}: {summary.get('error') or 'training failed'}")
    return summary


def evaluate_variant(params: Params, layout: Layout, variant: str) -> dict:
    # also runs for a failed variant: it writes the failed metrics record compare lists
    _forward_stage_logs()
    with KERAS_LOCK:
        return registry.stage("evaluate").run(params, layout, variant)


def _stage_task(name: str, fn=None, cached: bool = True):
    fn = fn or registry.stage(name).run
    if not cached:
        return task(fn, name=name, cache_policy=NO_CACHE)
    return task(fn, name=name, cache_key_fn=stage_cache_key(name), persist_result=True)


# MLflow logging is idempotent (unchanged outputs are not logged twice) and must retry after an
# unreachable store, which a cached "failed" summary would prevent: track is never cached
TASKS = {
    **{name: _stage_task(name) for name in (*PREPARE_STAGES, "baseline", "compare")},
    # looks at the data as it is now: never a cached answer
    "source": _stage_task("source", cached=False),
    "train": _stage_task("train", train_variant),
    "evaluate": _stage_task("evaluate", evaluate_variant),
    "track": _stage_task("track", cached=False),
}
assert set(TASKS) == set(registry.BY_NAME), "every registered stage is a flow task"


def _run_options(
    o: OrchestrationParams, layout: Layout, stage: str, variant: str | None = None
) -> dict:
    """Per-run options: project-local result storage; refresh the cache if outputs are missing."""
    options: dict[str, Any] = {
        "result_storage": results_dir(o, layout),  # a Path: a local folder, no saved block needed
        "refresh_cache": not outputs_present(layout, stage, variant),
    }
    if variant:
        options["task_run_name"] = f"{stage} {variant}"
    # download has no task retries: the downloader retries what is worth retrying (timeouts,
    # 429/5xx, with resume) under `dvc repro` too; retrying it here as well multiplied attempts
    # and repeated errors that cannot pass (404, checksum)
    if stage == "train":
        options["retries"] = o.train_retries
    return options


def _task(o: OrchestrationParams, layout: Layout, stage: str, variant: str | None = None):
    return TASKS[stage].with_options(**_run_options(o, layout, stage, variant))


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
    """train -> evaluate for every variant, in parallel on this flow's task runner."""
    o, layout = params.orchestration, Layout(Path(root))
    progress = VariantProgress(names)
    trained = {_task(o, layout, "train", v).submit(params, layout, v): v for v in names}
    evaluated, outcome = {}, {}

    def settle(future, v: str) -> None:
        future.wait()  # final already: returns at once and fetches a Dask future's state
        if v not in outcome and not future.state.is_completed():
            outcome[v] = f"failed: evaluate: {future.state.message or future.state.name}"
        outcome.setdefault(v, "ok")
        progress.finished(v, outcome[v])

    # evaluate each variant as soon as its training ends, failed or not: a failed variant's
    # evaluate writes the failure record that compare lists
    for future in as_completed(list(trained)):
        v = trained[future]
        future.wait()  # returns at once; makes .state final (a Dask future's is only fetched then)
        if not future.state.is_completed():
            outcome[v] = f"failed: {future.state.message or future.state.name}"
        evaluated[_task(o, layout, "evaluate", v).submit(params, layout, v)] = v
        # the progress artifact moves while variants still train, not only at the end
        for done in [f for f in evaluated if f.wrapped_future.done()]:  # no API call
            settle(done, evaluated.pop(done))
    for future in as_completed(list(evaluated)):
        settle(future, evaluated[future])
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
    """download -> clean -> tokenize -> split -> train/evaluate per variant -> baseline
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
        _task(o, layout, stage)(params, layout)
    base = _task(o, layout, "baseline").submit(params, layout)
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
    base.result()
    summary = _task(o, layout, "compare")(params, layout)
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
        summary = state.result()
        print(
            f"best variant: {summary['best_variant']} (test accuracy {summary['best_accuracy']:.4f})"
        )
        code = EXIT_DEGRADED if degraded else 0
    else:
        print(f"flow {state.name}: {state.message}", file=sys.stderr)
        code = 1
    if degraded:  # the last words, so a scheduler's log shows it next to the result
        print(f"degraded: {degraded}", file=sys.stderr)
    return code
