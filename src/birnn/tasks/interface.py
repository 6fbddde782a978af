"""The Task interface and the names tasks share with the rest of the package. A leaf: the
task implementations import it without importing :func:`birnn.tasks.task_of`, which imports
them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import numpy as np

    from birnn.config import ModelParams, Params, SplitParams

TaskName = Literal["text", "cumsum"]
TASK_KEY = "task"  # vocab.json records the task of a processed split and of a model folder
SEQUENCE_COLUMN = "values"  # a clean/tokens table of number sequences has this column
# a text model as its caller sees it: raw texts in, the probability of the positive class out
# (multiclass: a row of class probabilities per text)
PredictTexts = Callable[[Sequence[str]], "np.ndarray"]


class Task(Protocol):
    name: TaskName
    unit: str  # what one test example is: "texts" or "sequences"
    serves_text: bool  # can `birnn predict` / the MLflow model read raw text with it?

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

    def metrics(
        self, y_true: np.ndarray, prob: np.ndarray, classes: list[str] | None = None
    ) -> dict:
        """The test scores; ``classes``: the class names of a multiclass model (None: binary)."""
        ...

    def extra_scores(
        self, predict_texts: PredictTexts | None, classes: list[str] | None = None
    ) -> dict:
        """Task-specific scores of a model; ``predict_texts`` is None for a task that does
        not serve text, ``classes`` as in :meth:`metrics`."""
        ...
