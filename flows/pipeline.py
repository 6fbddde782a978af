"""The pipeline as a Prefect flow: the same stage functions as dvc.yaml, the same files.

    python flows/pipeline.py                        # ephemeral Prefect, no server needed
    python flows/pipeline.py --set train.epochs=2   # override params for this run only
    python flows/pipeline.py --set orchestration.dask_address=tcp://10.0.0.5:8786

* Tasks are named after the DVC stages (download, clean, ..., "train lstm-concat").
* Cache keys hash what a stage reads: the files of its dvc.yaml `deps` and the values of its
  dvc.yaml `params` (dvc.yaml stays the one list of what each stage depends on). Results and
  keys persist under `orchestration.results_dir`, so a re-run with unchanged inputs skips
  finished tasks; a task whose outputs are missing runs again.
* Variants fan out in the subflow "variants" on the task runner `orchestration` picks:
  threads (default), a temporary local Dask cluster, or the Dask cluster at `dask_address`.
* A failed variant fails its own train task; the flow still compares the others, records
  them, and ends Failed with a message naming the failed variants.
* Afterwards `dvc commit` (and `dvc push` when a remote is set) records the outputs, so
  `dvc status` is clean and `dvc repro` has nothing to do; skipped when the run's params
  differ from params.yaml (dvc.lock would then describe outputs made from other params).
* Runs in one project folder take turns (an OS lock, .checkpoints/run.lock): they share its
  outputs, checkpoints and cache records. A second run waits, says for whom, then finds the
  first one's results cached. The kernel drops the lock of a dead run, so it never blocks.
* PREFECT_API_URL set but its server does not answer: `main` warns, runs on a temporary local
  Prefect API instead (every output is still written) and exits 3 instead of 0.
"""


import argparse
import contextlib
import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# stage summaries are logged by the "birnn" logger; show them in Prefect's run logs
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "birnn")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import httpx  # noqa: E402
import yaml  # noqa: E402
from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.logging.handlers import APILogHandler  # noqa: E402
from prefect.states import Failed, State  # noqa: E402
from prefect.settings import (PREFECT_API_URL, PREFECT_CLIENT_MAX_RETRIES, PREFECT_HOME,  # noqa: E402
                               PREFECT_SERVER_EPHEMERAL_ENABLED,
                               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings)
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402
from prefect.tasks import exponential_backoff  # noqa: E402

from birnn import stages  # noqa: E402
from birnn.config import OrchestrationParams, Params, ParamsError, load_params, parse_overrides, parse_variant  # noqa: E402
from birnn.download import redact_text  # noqa: E402
from birnn.files import exclusive_lock  # noqa: E402

Layout = stages.Layout
logging.getLogger("birnn").setLevel(logging.INFO)

FLOW_NAME = "birnn-pipeline"
EXIT_DEGRADED = 3  # every output written, but not on the Prefect server PREFECT_API_URL names
API_CHECK_TIMEOUT_S = 5


# ---------------------------------------------------------------- what each stage reads

def dvc_stage(root: str | Path, stage: str, variant: str | None = None) -> dict[str, list[str]]:
    """deps, params and outs of one stage of ROOT/dvc.yaml, with ${item...} filled in."""
    definitions = (yaml.safe_load((Path(root) / "dvc.yaml").read_text(encoding="utf-8")) or {})["stages"]
    name, item = stage, None
    if variant is not None:
        cell, merge_mode, direction = parse_variant(variant)
        if direction == "bidirectional":
            item = {"item.cell": cell, "item.merge_mode": merge_mode}
        else:
            name, item = f"{stage}_uni", {"item": cell}
    if name not in definitions:
        raise KeyError(f"dvc.yaml has no stage {name!r}")
    definition = definitions[name].get("do", definitions[name])

    def fill(text: str) -> str:
        for key, value in (item or {}).items():
            text = text.replace("${" + key + "}", value)
        return text

    def paths(entries) -> list[str]:
        return [fill(next(iter(e)) if isinstance(e, dict) else e) for e in entries or []]

    params: list[str] = []
    for entry in definition.get("params", []):
        params += [entry] if isinstance(entry, str) else [k for keys in entry.values() for k in keys]
    outs = [p for kind in ("outs", "metrics", "plots") for p in paths(definition.get(kind))]
    return {"deps": paths(definition.get("deps")), "params": params, "outs": outs}


def hash_path(path: Path) -> str:
    """sha256 of a file, or of a folder's relative names and file contents; 'missing' if absent."""
    if path.is_file():
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    if path.is_dir():
        digest = hashlib.sha256()
        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{child.relative_to(path).as_posix()}\0{hash_path(child)}\0".encode())
        return digest.hexdigest()
    return "missing"


def _param_value(params: Params, dotted: str) -> Any:
    node: Any = params.model_dump(mode="json", by_alias=True)
    for key in dotted.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def stage_cache_key(stage: str):
    """A Prefect cache-key function: stage + variant + its dvc.yaml params' values + deps' hashes."""

    def key(context, inputs: dict[str, Any]) -> str:
        params, layout, variant = inputs["params"], inputs["layout"], inputs.get("variant")
        spec = dvc_stage(layout.root, stage, variant)
        payload = {
            "stage": stage, "variant": variant,
            "params": {k: _param_value(params, k) for k in spec["params"]},
            "deps": {d: hash_path(layout.root / d) for d in spec["deps"]},
        }
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
        return f"{stage}{'-' + variant if variant else ''}-{digest[:40]}"

    key.__name__ = f"{stage}_cache_key"
    return key


def outputs_present(layout: Layout, stage: str, variant: str | None = None) -> bool:
    return all((layout.root / out).exists() for out in dvc_stage(layout.root, stage, variant)["outs"])


# ---------------------------------------------------------------- tasks

class VariantFailed(RuntimeError):
    """Training a variant failed; its model folder records why (status 'failed')."""


def _keras_lock() -> threading.Lock:
    # Training seeds Python/NumPy/TensorFlow through process-global state
    # (keras.utils.set_random_seed), and building or loading a model draws from it: two Keras
    # tasks interleaving in threads would change each other's weights. So one Keras task at a
    # time per process; parallel training takes processes (Dask). The lock lives on an importable
    # module so that this file, pickled by value to a Dask worker, finds that worker's one lock.
    return stages.__dict__.setdefault("_flow_keras_lock", threading.Lock())


def _forward_stage_logs() -> None:
    # on a Dask worker this module arrives pickled: its PREFECT_LOGGING_EXTRA_LOGGERS line never
    # ran there, so hand the stage summaries of the "birnn" logger to Prefect here
    logger = logging.getLogger("birnn")
    logger.setLevel(logging.INFO)
    if not any(isinstance(h, APILogHandler) for h in logger.handlers):
        logger.addHandler(APILogHandler())


def train_variant(params: Params, layout: Layout, variant: str) -> dict:
    _forward_stage_logs()
    with _keras_lock():
        summary = stages.run_train(params, layout, variant)
    if summary.get("status") == "failed":
        raise VariantFailed(f"{variant}: {summary.get('error') or 'training failed'}")
    return summary


def evaluate_variant(params: Params, layout: Layout, variant: str) -> dict:
    # also runs for a failed variant: it writes the failed metrics record compare lists
    _forward_stage_logs()
    with _keras_lock():
        return stages.run_evaluate(params, layout, variant)


def _stage_task(fn, name: str, cached: bool = True):
    if not cached:
        return task(fn, name=name, cache_policy=NO_CACHE)
    return task(fn, name=name, cache_key_fn=stage_cache_key(name), persist_result=True)


download = _stage_task(stages.run_download, "download")
clean = _stage_task(stages.run_clean, "clean")
tokenize = _stage_task(stages.run_tokenize, "tokenize")
split = _stage_task(stages.run_split, "split")
train = _stage_task(train_variant, "train")
evaluate = _stage_task(evaluate_variant, "evaluate")
baseline = _stage_task(stages.run_baseline, "baseline")
compare = _stage_task(stages.run_compare, "compare")
# MLflow logging is idempotent (unchanged outputs are not logged twice) and must retry after an
# unreachable store, which a cached "failed" summary would prevent: never cached
track = _stage_task(stages.run_track, "track", cached=False)


def _run_options(o: OrchestrationParams, layout: Layout, stage: str, variant: str | None = None) -> dict:
    """Per-run options: project-local result storage; refresh the cache if outputs are missing."""
    options: dict[str, Any] = {
        "result_storage": results_dir(o, layout),  # a Path: a local folder, no saved block needed
        "refresh_cache": not outputs_present(layout, stage, variant),
    }
    if variant:
        options["task_run_name"] = f"{stage} {variant}"
    if stage == "download":
        options.update(retries=o.download_retries, retry_delay_seconds=exponential_backoff(backoff_factor=5),
                       retry_jitter_factor=0.5)
    if stage == "train":
        options["retries"] = o.train_retries
    return options


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
    import cloudpickle
    from prefect_dask import DaskTaskRunner

    if __name__ != "__main__" and __name__ in sys.modules:
        # workers need not import flows/ (__main__ is shipped by value anyway): ship this code
        cloudpickle.register_pickle_by_value(sys.modules[__name__])
    if o.dask_address:
        return DaskTaskRunner(address=o.dask_address)
    # one thread per worker process: each training gets its own process-global seeds
    return DaskTaskRunner(cluster_kwargs={"n_workers": o.max_workers, "threads_per_worker": 1,
                                          "processes": True, "dashboard_address": None})


# ---------------------------------------------------------------- DVC

def _dvc(root: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "dvc", *args], cwd=root, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"dvc {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc


@task(name="dvc commit", cache_policy=NO_CACHE)
def dvc_commit(root: str, failed_variants: list[str]) -> list[str]:
    """Record the outputs in dvc.lock. A failed variant's train and evaluate stages stay
    unrecorded (its evaluate has no predictions to record), so `dvc repro` retries them."""
    path = Path(root)
    skip = set()
    for variant in failed_variants:
        cell, _, direction = parse_variant(variant)
        suffix = f"@{variant}" if direction == "bidirectional" else f"_uni@{cell}"
        skip |= {f"train{suffix}", f"evaluate{suffix}"}
    names = _dvc(path, "stage", "list", "--name-only").stdout.split()
    targets = [n for n in names if n not in skip]
    _dvc(path, "commit", "--force", *(targets if skip else []))
    get_run_logger().info("dvc commit: %d stages recorded%s", len(targets),
                          f", not {sorted(skip)}" if skip else "")
    return targets


@task(name="dvc push", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[5, 30])
def dvc_push(root: str) -> bool:
    if not _dvc(Path(root), "remote", "list").stdout.strip():
        get_run_logger().info("dvc push: no remote configured, skipped")
        return False
    get_run_logger().info("dvc push: %s", _dvc(Path(root), "push").stdout.strip().splitlines()[-1:])
    return True


def _dvc_relevant(params: Params) -> dict:
    return params.model_dump(mode="json", exclude={"orchestration"})


# ---------------------------------------------------------------- flows

@flow(name="variants", log_prints=True)
def variants_flow(params: Params, root: str, names: list[str]) -> dict[str, str]:
    """train -> evaluate for every variant, in parallel on this flow's task runner."""
    o, layout = params.orchestration, Layout(Path(root))
    trained = {train.with_options(**_run_options(o, layout, "train", v)).submit(params, layout, v): v
               for v in names}
    evaluated, outcome = {}, {}
    # evaluate each variant as soon as its training ends, failed or not: a failed variant's
    # evaluate writes the failure record that compare lists
    for future in as_completed(list(trained)):
        v = trained[future]
        future.wait()  # returns at once; makes .state final (a Dask future's is only fetched then)
        if not future.state.is_completed():
            outcome[v] = f"failed: {future.state.message or future.state.name}"
        evaluated[v] = evaluate.with_options(**_run_options(o, layout, "evaluate", v)).submit(params, layout, v)
    for v, future in evaluated.items():
        future.wait()
        if v not in outcome and not future.state.is_completed():
            outcome[v] = f"failed: evaluate: {future.state.message or future.state.name}"
        outcome.setdefault(v, "ok")
    return {v: outcome[v] for v in names}


@flow(name=FLOW_NAME, log_prints=True, task_runner=ThreadPoolTaskRunner(max_workers=2))
def pipeline(params_file: str = "params.yaml", root: str = ".", source: str | None = None,
             cells: list[str] | None = None, merge_modes: list[str] | None = None,
             epochs: int | None = None, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """download -> clean -> tokenize -> split -> train/evaluate per variant -> baseline -> compare -> track -> dvc commit

    source, cells, merge_modes, epochs and overrides ({"dotted.key": value}) change params.yaml's
    values for this run only; MLflow logs the values the run used.
    """
    logger = get_run_logger()
    named = {"data.source": source, "variants.cells": cells, "variants.merge_modes": merge_modes,
             "train.epochs": epochs}
    changes = {**{k: v for k, v in named.items() if v is not None}, **(overrides or {})}
    params: Params = load_params(params_file, changes)
    if changes:
        logger.info("params overridden for this run: %s", changes)
    lock = Layout(Path(root)).run_lock

    def waiting(holder: str) -> None:
        logger.warning("another pipeline run in this folder holds %s (%s): waiting for it to finish. "
                       "Runs in one folder write the same outputs and checkpoints, so they take turns; "
                       "what it finishes is cached for this run", lock, holder)

    with exclusive_lock(lock, on_wait=waiting) as waited:
        if waited:
            logger.info("waited %.1f s for the other run; going on", waited)
        summary, outcome = _stages_and_record(params, params_file, root)
    summary["waited_for_other_run_s"] = round(waited, 1)
    if failed := _failed(outcome):
        lines = "; ".join(f"{v} ({why})" for v, why in failed.items())
        logger.error("%d of %d variants failed: %s", len(failed), len(outcome), lines)
        return Failed(message=f"{len(failed)} of {len(outcome)} variants failed: {lines}", data=summary)
    return summary


def _failed(outcome: dict[str, str]) -> dict[str, str]:
    return {v: why for v, why in outcome.items() if why != "ok"}


def _stages_and_record(params: Params, params_file: str, root: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Every stage, then the DVC record; returns (summary, {variant: "ok" or why it failed})."""
    logger = get_run_logger()
    o, layout = params.orchestration, Layout(Path(root))
    for stage, stage_task in (("download", download), ("clean", clean), ("tokenize", tokenize),
                              ("split", split)):
        stage_task.with_options(**_run_options(o, layout, stage))(params, layout)
    base = baseline.with_options(**_run_options(o, layout, "baseline")).submit(params, layout)
    runner = task_runner(o)
    if not isinstance(runner, ThreadPoolTaskRunner) and not PREFECT_API_URL.value():
        logger.warning("Dask without PREFECT_API_URL: each worker records its task runs in a temporary "
                       "Prefect server of its own; set PREFECT_API_URL to a `prefect server start` to see them")
    # a Dask worker resolves paths against its own working directory: give it absolute ones
    variant_root = str(Path(root).resolve()) if o.dask_address or o.task_runner == "dask" else root
    outcome = variants_flow.with_options(task_runner=runner)(params, variant_root, params.variant_names())
    base.result()
    summary = compare.with_options(**_run_options(o, layout, "compare"))(params, layout)
    track(params, layout, Path(params_file))

    failed = _failed(outcome)
    summary = {**summary, "failed_variants": sorted(failed), "dvc": "not recorded"}
    if not o.dvc_commit:
        logger.info("dvc: not recorded (orchestration.dvc_commit is false)")
    elif not (Path(root) / ".dvc").is_dir():
        logger.info("dvc: not recorded (%s is not a DVC project)", Path(root).resolve())
    elif _dvc_relevant(params) != _dvc_relevant(load_params(params_file)):
        logger.warning("dvc: not recorded: this run's params differ from %s, so dvc.lock would "
                       "describe other outputs (commit the params, or use dvc exp run)", params_file)
    else:
        dvc_commit(root, sorted(failed))
        summary["dvc"] = "pushed" if dvc_push(root) else "committed"
    return summary, outcome


# ---------------------------------------------------------------- an unreachable Prefect server

def api_problem(timeout: float = API_CHECK_TIMEOUT_S) -> str | None:
    """Why the server PREFECT_API_URL names cannot be used, or None (also when it is unset:
    then Prefect starts a temporary local API itself). One request, no retries: Prefect's own
    client would retry for minutes before the flow even starts."""
    if not PREFECT_API_URL.value():
        return None
    from prefect.client.orchestration import get_client

    with temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 0}):
        with get_client(sync_client=True, httpx_settings={"timeout": timeout}) as client:
            error = client.api_healthcheck()
    return None if error is None else redact_text(f"{type(error).__name__}: {error}")


@contextlib.contextmanager
def prefect_api() -> Iterator[str | None]:
    """The configured Prefect API if it answers; else a temporary local one (Prefect's ephemeral
    mode, as with PREFECT_API_URL unset). Yields the warning that says so, or None."""
    url, problem = PREFECT_API_URL.value(), api_problem()
    if problem is None:
        if not url:
            start_temporary_api()
        yield None
        return
    warning = redact_text(
        f"the Prefect API at {url} does not answer ({problem}). Running on a temporary local Prefect "
        f"API instead: every output is still written, but this run is not recorded on that server. "
        f"To record runs there, start it (`prefect server start`) and run again; to run without a "
        f"server, unset PREFECT_API_URL.")
    print(f"warning: {warning}", file=sys.stderr, flush=True)
    saved = os.environ.pop("PREFECT_API_URL", None)  # local Dask workers inherit the environment
    try:
        with temporary_settings(updates={PREFECT_SERVER_EPHEMERAL_ENABLED: True},
                                restore_defaults={PREFECT_API_URL}):
            start_temporary_api()
            yield warning
    finally:
        if saved is not None:
            os.environ["PREFECT_API_URL"] = saved


def start_temporary_api() -> None:
    """Start the temporary local API now, one process at a time per PREFECT_HOME. Its database
    lives there, and two runs starting at once on a new one race on its migrations: one server
    dies ("no such table") and its flow with it. Prefect reuses this server for the run."""
    if not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return  # Prefect itself will say that PREFECT_API_URL is needed
    from prefect.server.api.server import SubprocessASGIServer

    # Prefect's default 20 s start-up budget ran out on a busy 2-core machine; waiting longer beats a crash
    timeout = max(60, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
    with exclusive_lock(Path(PREFECT_HOME.value()) / "birnn-temporary-api.lock"):
        SubprocessASGIServer().start(timeout=timeout)


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
        print(redact_text(f"warning: the Prefect API stopped answering during the run ({type(err).__name__}: "
                          f"{err}); running the flow again on a temporary local API"), file=sys.stderr, flush=True)
    with prefect_api() as degraded:
        return pipeline(**parameters, return_state=True), degraded


def main(argv: list[str] | None = None) -> int:
    """0: done; 1: failed (a variant, a stage, params); 3 (EXIT_DEGRADED): done, every output
    written, but on a temporary Prefect API because PREFECT_API_URL's server did not answer."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--root", default=".")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override one param for this run, e.g. --set train.epochs=2")
    args = parser.parse_args(argv)
    try:
        overrides = parse_overrides(args.set)
    except ParamsError as err:
        parser.error(str(err))
    state, degraded = run_pipeline(params_file=args.params, root=args.root, overrides=overrides or None)
    if state.is_completed():
        summary = state.result()
        print(f"best variant: {summary['best_variant']} (test accuracy {summary['best_accuracy']:.4f})")
        code = EXIT_DEGRADED if degraded else 0
    else:
        print(f"flow {state.name}: {state.message}", file=sys.stderr)
        code = 1
    if degraded:  # the last words, so a scheduler's log shows it next to the result
        print(f"degraded: {degraded}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
