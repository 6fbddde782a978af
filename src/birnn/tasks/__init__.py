"""What the pipeline learns: the Task interface and :func:`task_of`, the one place that decides
which task a piece of data or a model belongs to.

Two tasks implement the interface: ``text`` (sentiment of raw text: tasks/text/) and
``cumsum`` (a label per timestep of a number sequence: tasks/cumsum.py). Stages, training,
evaluation, serving and tracking ask the task instead of testing params, schemas or shapes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from birnn.tasks.interface import (
    SEQUENCE_COLUMN,
    TASK_KEY,
    PredictTexts,
    Task,
    TaskName,
)

if TYPE_CHECKING:
    from birnn.config import DataParams

__all__ = [
    "SEQUENCE_COLUMN",
    "TASK_KEY",
    "PredictTexts",
    "Task",
    "TaskName",
    "task_name",
    "task_of",
]


def task_of(evidence: DataParams | Path | str | dict) -> Task:
    """The task of ``evidence``: the data params (before any data exists), a clean or tokens
    table (.parquet), a processed split or model folder (its vocab.json), or a vocab dict."""
    return _TASKS[task_name(evidence)]()


def task_name(evidence: DataParams | Path | str | dict) -> TaskName:
    """The name of :func:`task_of`'s task, without importing its implementation."""
    if isinstance(evidence, dict):
        return evidence.get(TASK_KEY, "text")
    if isinstance(evidence, (str, Path)):
        path = Path(evidence)
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return "cumsum" if SEQUENCE_COLUMN in pq.read_schema(path).names else "text"
        from birnn.files import read_json
        from birnn.tasks.processed import VOCAB_FILE

        vocab = path / VOCAB_FILE
        return read_json(vocab).get(TASK_KEY, "text") if vocab.is_file() else "text"
    return "cumsum" if evidence.source == "cumsum" else "text"


def _text() -> Task:
    from birnn.tasks.text import TextTask

    return TextTask()


def _cumsum() -> Task:
    from birnn.tasks.cumsum import CumsumTask

    return CumsumTask()


_TASKS = {"text": _text, "cumsum": _cumsum}
