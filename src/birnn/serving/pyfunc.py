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

ARTIFACT_KEY = "variant_dir"
TEXT_COLUMN = "text"


def texts_from_input(model_input: Any) -> list[Any]:
    """DataFrame (column ``text``, else its only column), Series, list/array of str, or one str.

    Values are passed on as they are: the Predictor turns None/NaN/bytes into text itself.
    """
    if isinstance(model_input, pd.DataFrame):
        if TEXT_COLUMN in model_input.columns:
            column = model_input[TEXT_COLUMN]
        elif model_input.shape[1] == 1:
            column = model_input.iloc[:, 0]
        else:
            raise ValueError(f"expected a column {TEXT_COLUMN!r}, got {list(model_input.columns)}")
        return column.tolist()
    if isinstance(model_input, dict) and TEXT_COLUMN in model_input:
        return texts_from_input(model_input[TEXT_COLUMN])
    if isinstance(model_input, str):
        return [model_input]
    if isinstance(model_input, (pd.Series, np.ndarray, list, tuple)):
        return list(np.asarray(model_input, dtype=object).reshape(-1))
    raise TypeError(
        f"expected texts as a DataFrame column {TEXT_COLUMN!r} or a list of str, "
        f"got {type(model_input).__name__}"
    )


class SentimentModel(mlflow.pyfunc.PythonModel):
    """Raw text -> DataFrame(label: int 0/1, probability: float of the positive class,
    label_name: the label as the training data named it)."""

    # the signature is logged explicitly and texts_from_input checks the input: MLflow's
    # type-hint wrapping of predict (and its warning that asks for hints) is not wanted
    _skip_type_hint_validation = True

    def load_context(self, context) -> None:
        from birnn.serving.predict import Predictor

        self.predictor = Predictor.from_dir(context.artifacts[ARTIFACT_KEY])

    def predict(self, context, model_input, params=None) -> pd.DataFrame:
        predictions = self.predictor.predict(texts_from_input(model_input))
        return pd.DataFrame(
            {
                "label": np.array([p.label for p in predictions], dtype=np.int64),
                "probability": np.array([p.probability for p in predictions], dtype=np.float64),
                "label_name": [p.label_name for p in predictions],
            }
        )
