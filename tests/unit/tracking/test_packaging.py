"""Each variant as a pyfunc model that reads raw text."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from birnn.tracking.packaging import MODEL_REQUIREMENTS, requirements

mlflow = pytest.importorskip("mlflow")


def test_each_variant_is_a_pyfunc_model_reading_raw_text(logged):
    from birnn.serving.predict import Predictor

    params, layout, result = logged
    mlflow.set_tracking_uri(params.tracking.uri)  # models:/<id> is looked up in that store
    model = mlflow.pyfunc.load_model(f"models:/{result['models']['gru-concat']}")
    assert [c.name for c in model.metadata.get_output_schema().inputs] == [
        "label",
        "probability",
        "label_name",
    ]  # binary: no per-class probabilities
    texts = ["I do not recommend this product", "<b>Great</b> movie!!", ""]
    as_series = model.predict(pd.Series(texts, name="text"))
    as_frame = model.predict(pd.DataFrame({"text": texts}))
    expected = Predictor.from_dir(layout.model_dir("gru-concat")).probabilities(texts)
    np.testing.assert_allclose(as_series["probability"], expected, rtol=1e-5)
    np.testing.assert_allclose(as_frame["probability"], expected, rtol=1e-5)
    assert list(as_series["label"]) == [int(p >= 0.5) for p in expected]
    assert list(as_series["label_name"]) == [
        ["negative", "positive"][y] for y in as_series["label"]
    ]  # builtin: numbers only, answered as negative / positive
    local = Path(mlflow.artifacts.download_artifacts(f"models:/{result['models']['gru-concat']}"))
    assert (local / "input_example.json").is_file() and (
        local / "code" / "birnn" / "serving" / "predict.py"
    ).is_file()
    assert not list(local.rglob("seeds"))  # only the selected seed's model is shipped


def test_requirements_pin_the_installed_versions():
    pinned = dict(line.split("==") for line in requirements())
    assert {"mlflow", "keras", "numpy"} <= set(pinned) <= set(MODEL_REQUIREMENTS)
    assert pinned["mlflow"] == mlflow.__version__


@pytest.mark.parametrize(
    "request_input, says",
    [
        (pd.DataFrame({"id": ["x"], "review": ["not bad"]}), "expected a column 'text'"),
        (pd.DataFrame({"text": ["ok", None]}), "row 1 of column 'text' is null"),
        (pd.DataFrame({"text": [float("nan")]}), "row 0 of column 'text' is null"),
        (pd.DataFrame({"text": [5]}), "is int 5"),
        (pd.DataFrame({"text": [True]}), "is bool True"),
        (pd.DataFrame({"text": [["a", "b"]]}), "is list ['a', 'b']"),
        (pd.DataFrame({"text": [b"bytes"]}), "is bytes"),
        ({"review": ["x"]}, "expected the key 'text'"),
        ([1.5], "is float 1.5"),
        (42, "expected texts as a DataFrame column 'text'"),
    ],
)
def test_pyfunc_input_that_is_not_text_is_refused_as_a_bad_request(request_input, says):
    from mlflow.exceptions import MlflowException

    from birnn.serving.pyfunc import texts_from_input

    with pytest.raises(MlflowException, match=re.escape(says)) as refused:
        texts_from_input(request_input)
    assert refused.value.error_code == "INVALID_PARAMETER_VALUE"


def test_the_logged_signature_requires_the_column_text(logged):
    from mlflow.exceptions import MlflowException

    params, _, result = logged
    mlflow.set_tracking_uri(params.tracking.uri)
    model = mlflow.pyfunc.load_model(f"models:/{result['models']['gru-concat']}")
    [column] = model.metadata.get_input_schema().inputs
    assert (column.name, column.required) == ("text", True)
    with pytest.raises(MlflowException, match="missing inputs \\['text'\\]"):
        model.predict(pd.DataFrame({"id": ["x"], "review": ["not bad at all"]}))
