"""What the pipeline learns: the Task interface and :func:`task_of`, the one place that decides
which task a piece of data or a model belongs to.

Two tasks implement the interface: ``text`` (sentiment of raw text: tasks/text/) and
``cumsum`` (a label per timestep of a number sequence: tasks/cumsum.py). Stages, training,
evaluation, serving and tracking ask the task instead of testing params, schemas or shapes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import numpy as np

    from birnn.config import DataParams, ModelParams, Params, SplitParams

TaskName = Literal["text", "cumsum"]
TASK_KEY = "task"  # vocab.json records the task of a processed split and of a model folder
SEQUENCE_COLUMN = "values"  # a clean/tokens table of number sequences has this column


class Task(Protocol):
    name: TaskName
    unit: str  # what one test example is: "texts" or "sequences"
    serves_text: bool  # can `birnn predict` / the MLflow model read raw text with it?
    baseline_label: str  # a short name of the non-recurrent reference, for the verdict

    def clean(self, raw_dir: Path, params: Params, out_path: Path, report_path: Path) -> Any: ...

    def tokenize(self, clean_path: Path, out_path: Path) -> Any: ...

    def split(self, tokens_path: Path, params: SplitParams, seed: int, out_dir: Path) -> Any: ...

    def build_model(
        self,
        cell: str,
        merge_mode: str | None,
        direction: str,
        vocab: dict,
        params: ModelParams,
        learning_rate: float,
        clipnorm: float,
        embedding_matrix: np.ndarray | None = None,
    ) -> Any: ...

    def metrics(self, y_true: np.ndarray, prob: np.ndarray) -> dict: ...

    def extra_scores(self, model_dir: Path) -> dict: ...

    def baseline(
        self,
        tokens_path: Path,
        processed_dir: Path,
        seed: int,
        metrics_path: Path,
        predictions_path: Path,
    ) -> dict: ...


def task_of(evidence: DataParams | Path | str | dict) -> Task:
    """The task of ``evidence``: the data params (before any data exists), a clean or tokens
    table (.parquet), a processed split or model folder (its vocab.json), or a vocab dict."""
    return _TASKS[_name_of(evidence)]()


def _name_of(evidence) -> TaskName:
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
