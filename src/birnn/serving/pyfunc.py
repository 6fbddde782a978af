"""The MLflow pyfunc face of a trained variant: raw text in, label and probability out.

A thin adapter over :class:`birnn.serving.predict.Predictor` (cleaning, tokenization, vocabulary and
the Keras model loaded with ``safe_mode``), so serving and ``birnn predict`` share one code
path. The variant folder (models/<variant>/) travels with the MLflow model as an artifact.
Only birnn.tracking logs these models; this module is what MLflow loads back.
"""

from __future__ import annotations

from typing import Any

import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException

from birnn.messages import excerpt, excerpts

ARTIFACT_KEY = "variant_dir"
TEXT_COLUMN = "text"
PROBABILITIES_COLUMN = "probabilities"  # multiclass: {class name: probability} per text


def texts_from_input(model_input: Any) -> list[str]:
    """The texts of a request: a DataFrame's column ``text`` (other columns are not read), a
    dict with the key ``text``, a Series/list/array of str, or one str.

    Anything else (no ``text`` column, a number, null, a boolean, a list in a cell) is refused
    with MLflow's INVALID_PARAMETER_VALUE, which the scoring server answers with HTTP 400:
    scoring it would answer for a text nobody sent.
    """
    values = _values_from_input(model_input)
    for row, value in enumerate(values):
        if not isinstance(value, str):
            raise _refused(
                f"row {row} of column {TEXT_COLUMN!r} is {_described(value)}, not text; send "
                f"one string per row"
            )
    return values


def _values_from_input(model_input: Any) -> list[Any]:
    if isinstance(model_input, pd.DataFrame):
        if TEXT_COLUMN not in model_input.columns:
            raise _refused(
                f"expected a column {TEXT_COLUMN!r}, got {excerpts(list(model_input.columns))}"
            )
        return model_input[TEXT_COLUMN].tolist()
    if isinstance(model_input, dict):
        if TEXT_COLUMN not in model_input:
            raise _refused(f"expected the key {TEXT_COLUMN!r}, got {excerpts(list(model_input))}")
        return _values_from_input(model_input[TEXT_COLUMN])
    if isinstance(model_input, str):
        return [model_input]
    if isinstance(model_input, (pd.Series, np.ndarray, list, tuple)):
        return list(model_input.tolist() if hasattr(model_input, "tolist") else model_input)
    raise _refused(
        f"expected texts as a DataFrame column {TEXT_COLUMN!r} or a list of str, "
        f"got {type(model_input).__name__}"
    )


def _described(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "null"
    return f"{type(value).__name__} {excerpt(value, 40)}"


def _refused(message: str) -> MlflowException:
    return MlflowException.invalid_parameter_value(f"model input: {message}")


class SentimentModel(mlflow.pyfunc.PythonModel):
    """Raw text -> DataFrame(label: int 0/1, probability: float of the positive class,
    label_name: the label as the training data named it). A multiclass model answers the class
    index, the answered class's probability and name, and ``probabilities``: every class's
    probability by name."""

    # the signature is logged explicitly and texts_from_input checks the input: MLflow's
    # type-hint wrapping of predict (and its warning that asks for hints) is not wanted
    _skip_type_hint_validation = True

    def load_context(self, context) -> None:
        from birnn.serving.predict import Predictor

        self.predictor = Predictor.from_dir(context.artifacts[ARTIFACT_KEY])

    def predict(self, context, model_input, params=None) -> pd.DataFrame:
        predictions = self.predictor.predict(texts_from_input(model_input))
        columns = {
            "label": np.array([p.label for p in predictions], dtype=np.int64),
            "probability": np.array([p.probability for p in predictions], dtype=np.float64),
            "label_name": [p.label_name for p in predictions],
        }
        if self.predictor.multiclass:
            columns[PROBABILITIES_COLUMN] = [p.probabilities for p in predictions]
        return pd.DataFrame(columns)
