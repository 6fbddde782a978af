"""What `track` does with the runs the trainings kept live (birnn.tracking.live): finds the one
of the outputs it logs, says which epochs it already holds, and marks FAILED the runs whose
training was killed before it could end them.

A live run is found by its variant and the training fingerprint variant.json records, never by
a run id in a file: DVC's outputs stay free of store state, and a store that was down during
training simply has no such run, so `track` logs a new one as it always did.
"""

from __future__ import annotations

import socket
from pathlib import Path

from birnn.files import read_json
from birnn.modeling.model_folder import VARIANT_FILE
from birnn.tracking.live import (
    COMPLETED_TAG,
    FINGERPRINT_TAG,
    HOST_TAG,
    owner_gone,
    seed_fingerprint_tag,
)

KILLED = (
    "its training stopped before it ended (killed or crashed): run the pipeline again, it "
    "resumes from the last checkpoint"
)
SEARCH_LIMIT = 200


def fail_abandoned(client, experiment_id: str) -> list[str]:
    """Mark FAILED every live run of this host still RUNNING whose training process is gone;
    return their ids. A run another process is training right now is left alone."""
    query = f"attributes.status = 'RUNNING' and tags.`{HOST_TAG}` = '{socket.gethostname()}'"
    failed = []
    for run in client.search_runs([experiment_id], query, max_results=SEARCH_LIMIT):
        if owner_gone(run.data.tags, own_process_counts=True):
            client.set_tag(run.info.run_id, "status", "failed")
            client.set_tag(run.info.run_id, "error", KILLED)
            client.set_terminated(run.info.run_id, "FAILED")
            failed.append(run.info.run_id)
    return failed


def live_variant_run(client, experiment_id: str, name: str, model_dir: Path):
    """The run that watched the training of the model in ``model_dir``, if `track` has not
    taken it in yet; None when the store missed that training."""
    info_file = model_dir / VARIANT_FILE
    if not info_file.is_file():
        return None
    info = read_json(info_file)
    if not info.get("fingerprint") or info.get("seed") is None:
        return None
    query = (
        f"tags.variant = '{name}' and "
        f"tags.`{seed_fingerprint_tag(int(info['seed']))}` = '{info['fingerprint']}'"
    )
    return _newest_untaken(client, experiment_id, query)


def live_seed_run(client, experiment_id: str, variant_run_id: str, seed: int):
    """The nested run that watched one seed of a live variant run, if any."""
    query = f"tags.`mlflow.parentRunId` = '{variant_run_id}' and tags.seed = '{seed}'"
    query += f" and tags.kind = 'seed' and tags.`{FINGERPRINT_TAG}` != ''"
    return _newest_untaken(client, experiment_id, query)


def _newest_untaken(client, experiment_id: str, query: str):
    runs = client.search_runs(
        [experiment_id], query, max_results=SEARCH_LIMIT, order_by=["attributes.start_time DESC"]
    )
    return next((run for run in runs if COMPLETED_TAG not in run.data.tags), None)


def logged_steps(client, run_id: str, keys: list[str]) -> dict[str, set[int]]:
    """The steps each metric already has in the run: the epochs logged while it trained."""
    return {key: {m.step for m in client.get_metric_history(run_id, key)} for key in keys}
