"""tokenize: split texts into tokens."""

from __future__ import annotations

from birnn.config import Params
from birnn.layout import Layout
from birnn.stages import done
from birnn.tasks import task_of


def run(params: Params, layout: Layout) -> dict:
    task = task_of(layout.clean_path)
    return done("tokenize", task.tokenize(layout.clean_path, layout.tokens_path))
