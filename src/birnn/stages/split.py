"""split: train/val/test split, vocabulary fitted on train only, padding."""

from __future__ import annotations

from birnn.config import Params
from birnn.layout import Layout
from birnn.stages import done
from birnn.tasks import task_of


def run(params: Params, layout: Layout) -> dict:
    task = task_of(layout.tokens_path)
    return done(
        "split", task.split(layout.tokens_path, params.split, params.seed, layout.processed_dir)
    )
