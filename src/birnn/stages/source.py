"""source: check params, fingerprint the data by content, mark failed variants for a retry."""

from __future__ import annotations

from pathlib import Path

from birnn.config import Params
from birnn.data import fingerprint
from birnn.files import read_json, write_json
from birnn.layout import Layout
from birnn.orchestration import retry
from birnn.stages import done, log
from birnn.tasks import baselines, task_name


def _last(path: Path) -> dict:
    return read_json(path) if path.is_file() else {}


def run(params: Params, layout: Layout) -> dict:
    # before any stage runs (and DVC deletes its outputs): a baseline of another task would
    # only fail after the data is prepared
    baselines.check_task(
        params.variants.baselines, task_name(params.data), f"data.source {params.data.source}"
    )
    hashes = _last(layout.file_hashes_path)
    labeled = fingerprint.labeled(params.data, _last(layout.labeled_source_path), hashes)
    unlabeled = fingerprint.unlabeled(params.data, hashes)
    write_json(layout.file_hashes_path, hashes)
    for path, record in (
        (layout.labeled_source_path, labeled),
        (layout.unlabeled_source_path, unlabeled),
    ):
        if _last(path) != record:  # unchanged: leave the file (and its modification time) alone
            write_json(path, record)
    retried = retry.update_attempts(
        layout.attempts_dir, {v: layout.model_dir(v) for v in params.variant_names()}
    )
    if retried:
        log.info("source: %s failed last time and will be trained again", ", ".join(retried))
    return done("source", {"labeled": labeled, "unlabeled": unlabeled, "retried": retried})
