"""clean: normalise text and labels, report the rows dropped and why."""

from __future__ import annotations

from birnn.config import Params
from birnn.layout import Layout
from birnn.stages import done
from birnn.tasks import task_of


def run(params: Params, layout: Layout) -> dict:
    # before clean the data is raw bytes: its params say which task reads them
    task = task_of(params.data)
    return done(
        "clean", task.clean(layout.raw_dir, params, layout.clean_path, layout.clean_report_path)
    )
