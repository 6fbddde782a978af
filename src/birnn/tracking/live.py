"""A variant's MLflow run while it trains: created when its training starts (status RUNNING),
each epoch's numbers logged as the epoch finishes, FINISHED or FAILED when the variant ends.
`track` later completes the same run (birnn.tracking.completion) with its params, test
metrics, plots and model.

This is the only tracking module the train stage imports (with the store's): an edit here
retrains the variants, an edit to what `track` logs does not. Training never waits on the
store for long and never fails because of it: calls go through one MlflowClient with short
HTTP timeouts and no retries, any error is logged once, and after a second one the run stops
being live (`track` replays what it missed). The run id lives only in the store: the run is
found again by its variant and training fingerprint tags, never through a file DVC tracks.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

from birnn.config import Params, parse_variant
from birnn.modeling.progress import NO_OBSERVER, TrainingObserver
from birnn.tracking.experiment import ensure_experiment
from birnn.tracking.store import (
    artifact_root,
    experiment_name,
    is_local,
    shown_uri,
    sqlite_path,
    store_problem,
    tracking_uri,
    writing,
)

log = logging.getLogger(__name__)

# which process trains the run: `track` marks a RUNNING run FAILED once that process is gone
HOST_TAG, PID_TAG = "birnn.live.host", "birnn.live.pid"
# the training's fingerprint (birnn.modeling.checkpoint), also in variant.json: how `track`
# finds the run of the outputs it logs. A variant run has one tag per seed (<tag>.<seed>)
FINGERPRINT_TAG = "birnn.train_fingerprint"
COMPLETED_TAG = "birnn.completed"  # set by `track`: the pipeline run that took this run in
LIVE_STATUS = "training"
HTTP_TIMEOUT_SECONDS = "5"
FAILURES_BEFORE_GIVING_UP = 2


def seed_fingerprint_tag(seed: int) -> str:
    return f"{FINGERPRINT_TAG}.{seed}"


def live_runs(params: Params, variant: str) -> TrainingObserver:
    """The observer that keeps ``variant``'s MLflow run live, or nobody when tracking is off
    or not live, or the local store cannot be written (`track` says why)."""
    if not (params.tracking.enabled and params.tracking.live):
        return NO_OBSERVER
    uri = tracking_uri(params)
    if problem := store_problem(uri):
        log.warning("no live MLflow run for %s: %s", variant, problem)
        return NO_OBSERVER
    return LiveRuns(params, variant, uri)


def owner_gone(tags: dict[str, str], own_process_counts: bool = False) -> bool:
    """Whether the process a live run's tags name has ended (known only on this host).
    ``own_process_counts``: this process is gone too (`track` never runs while it trains)."""
    if tags.get(HOST_TAG) != socket.gethostname():
        return False
    try:
        pid = int(tags.get(PID_TAG, ""))
    except ValueError:
        return False
    if pid == os.getpid():
        return own_process_counts
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def has_mlflow_schema(db) -> bool:
    """Whether the sqlite file ``db`` holds MLflow's latest schema, all migrations run (a
    read-only look; a store halfway through its migrations does not count)."""
    import sqlite3

    if not db.is_file():
        return False
    try:
        from mlflow.store.db.utils import _get_latest_schema_revision

        with contextlib.closing(
            sqlite3.connect(f"{db.absolute().as_uri()}?mode=ro", uri=True, timeout=5)
        ) as con:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return row is not None and row[0] == _get_latest_schema_revision()
    except Exception:  # noqa: BLE001 - unknown: take the lock, which is always safe
        return False


@contextlib.contextmanager
def short_timeouts() -> Iterator[None]:
    """A server that does not answer costs seconds, not MLflow's default minutes of retries.
    MLflow reads these from the environment at each request; in the Prefect flow's threads
    the trainings run one at a time (the Keras lock) and `track` only after them."""
    wanted = {
        "MLFLOW_HTTP_REQUEST_TIMEOUT": HTTP_TIMEOUT_SECONDS,
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
    }
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class LiveRuns:
    """One variant's live run (and, with several seeds, one nested run per seed)."""

    def __init__(self, params: Params, variant: str, uri: str):
        self.params, self.variant, self.uri = params, variant, uri
        self.several_seeds = len(params.training_seeds()) > 1
        self.failures = 0
        self.client: Any = None
        self.experiment_id: str | None = None
        self.variant_run: str | None = None
        self.variant_adopted = False
        self.seed_runs: dict[int, str] = {}

    # the observer

    def seed_started(self, seed: int, fingerprint: str, history: dict[str, list[float]]) -> None:
        def start() -> None:
            if self.variant_run is None:
                self.variant_run, self.variant_adopted = self._open_run(
                    self._variant_tags(), seed_fingerprint_tag(seed), fingerprint, None
                )
            else:
                self.client.set_tag(self.variant_run, seed_fingerprint_tag(seed), fingerprint)
            if self.several_seeds:
                tags = {"variant": self.variant, "kind": "seed", "seed": str(seed)}
                self.seed_runs[seed], adopted = self._open_run(
                    tags, FINGERPRINT_TAG, fingerprint, self.variant_run
                )
            else:
                self.seed_runs[seed], adopted = self.variant_run, self.variant_adopted
            if not adopted:  # an adopted run has the epochs its killed training logged
                self._log_history(self.seed_runs[seed], history)

        self._safely(f"start the run of {self.variant} seed {seed}", start)

    def epoch_finished(self, seed: int, epoch: int, metrics: dict[str, float]) -> None:
        run_id = self.seed_runs.get(seed)
        if run_id is not None:
            self._safely(
                f"log epoch {epoch} of {self.variant}",
                lambda: self._log_metrics(run_id, {k: [v] for k, v in metrics.items()}, epoch),
            )

    def seed_finished(self, seed: int, status: str, error: str | None) -> None:
        run_id = self.seed_runs.get(seed)
        if self.several_seeds and run_id is not None:
            self._safely(
                f"end {self.variant} seed {seed}", lambda: self._end(run_id, status, error)
            )

    def variant_finished(self, status: str, error: str | None) -> None:
        run_id = self.variant_run
        if run_id is not None:
            self._safely(f"end {self.variant}", lambda: self._end(run_id, status, error))

    # talking to the store

    def _safely(self, what: str, call: Callable[[], None]) -> None:
        if self.failures >= FAILURES_BEFORE_GIVING_UP:
            return
        try:
            with short_timeouts():
                if self.client is None:
                    self._connect()
                call()
        except Exception as err:  # noqa: BLE001 - the store being down must not stop training
            self.failures += 1
            gave_up = self.failures >= FAILURES_BEFORE_GIVING_UP
            log.warning(
                "MLflow at %s: could not %s (%s: %s)%s",
                shown_uri(self.uri),
                what,
                type(err).__name__,
                str(err).splitlines()[0][:300] if str(err) else "",
                "; this variant is no longer logged live, `track` logs it when it ends"
                if gave_up
                else "",
            )

    def _connect(self) -> None:
        with self._creating_the_store():
            self._open_client()

    def _creating_the_store(self) -> contextlib.AbstractContextManager:
        """The store's writer lock while a new sqlite store gets its tables: two trainings
        that start at once (`dvc queue start -j 2`) would otherwise both run MLflow's schema
        migrations and leave a broken database. A store that has them needs no lock, so a
        `track` holding it for minutes never delays a training."""
        db = sqlite_path(self.uri)
        if db is None or has_mlflow_schema(db):
            return contextlib.nullcontext()
        return writing(self.uri)

    def _open_client(self) -> None:
        from mlflow import MlflowClient

        client = MlflowClient(tracking_uri=self.uri)
        mlflow_like = SimpleNamespace(
            get_experiment_by_name=client.get_experiment_by_name,
            create_experiment=client.create_experiment,
            MlflowClient=lambda: client,
        )
        name = experiment_name(self.params)
        root = artifact_root(self.params) if is_local(self.uri) else None
        try:
            self.experiment_id = ensure_experiment(mlflow_like, name, self.uri, root)
        except Exception:
            # another variant's training created it a moment ago
            found = client.get_experiment_by_name(name)
            if found is None:
                raise
            self.experiment_id = found.experiment_id
        self.client = client

    def _variant_tags(self) -> dict[str, str]:
        cell, merge_mode, direction = parse_variant(self.variant)
        return {
            "variant": self.variant,
            "kind": "rnn",
            "cell": cell,
            "merge_mode": str(merge_mode),
            "direction": direction,
            "seed": str(self.params.training_seeds()[0]),
        }

    def _open_run(
        self, tags: dict[str, str], key_tag: str, fingerprint: str, parent: str | None
    ) -> tuple[str, bool]:
        """(run id, adopted): the run a killed training of the same inputs left behind,
        running again, else a new one."""
        owner = {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}
        found = self._abandoned_run(key_tag, fingerprint, tags, parent)
        if found is not None:
            self.client.update_run(found, status="RUNNING")
            self.client.set_tag(found, PID_TAG, owner[PID_TAG])
            self.client.set_tag(found, "status", LIVE_STATUS)
            return found, True
        all_tags = {**tags, **owner, key_tag: fingerprint, "status": LIVE_STATUS}
        if parent:
            all_tags["mlflow.parentRunId"] = parent
        name = self.variant if parent is None else f"{self.variant} seed {tags['seed']}"
        run = self.client.create_run(self.experiment_id, tags=all_tags, run_name=name)
        return run.info.run_id, False

    def _abandoned_run(
        self, key_tag: str, fingerprint: str, tags: dict[str, str], parent: str | None
    ) -> str | None:
        query = f"tags.`{key_tag}` = '{fingerprint}' and tags.variant = '{self.variant}'"
        if parent:
            query += f" and tags.`mlflow.parentRunId` = '{parent}'"
        for run in self.client.search_runs([self.experiment_id], query, max_results=20):
            if COMPLETED_TAG not in run.data.tags and owner_gone(run.data.tags):
                return run.info.run_id
        return None

    def _log_history(self, run_id: str, history: dict[str, list[float]]) -> None:
        if any(history.values()):
            self._log_metrics(run_id, history, 1)

    def _log_metrics(self, run_id: str, series: dict[str, list[float]], first_step: int) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        batch = [
            Metric(key, float(value), now, first_step + i)
            for key, values in series.items()
            for i, value in enumerate(values)
        ]
        self.client.log_batch(run_id, metrics=batch)

    def _end(self, run_id: str, status: str, error: str | None) -> None:
        self.client.set_tag(run_id, "status", status)
        if error:
            self.client.set_tag(run_id, "error", error[:4000])
        self.client.set_terminated(run_id, "FINISHED" if status == "ok" else "FAILED")
