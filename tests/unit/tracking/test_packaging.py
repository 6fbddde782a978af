"""Each variant as a pyfunc model that reads raw text."""

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
    ]
    texts = ["I do not recommend this product", "<b>Great</b> movie!!", ""]
    as_list = model.predict(texts)
    as_frame = model.predict(pd.DataFrame({"text": texts}))
    expected = Predictor.from_dir(layout.model_dir("gru-concat")).probabilities(texts)
    np.testing.assert_allclose(as_list["probability"], expected, rtol=1e-5)
    np.testing.assert_allclose(as_frame["probability"], expected, rtol=1e-5)
    assert list(as_list["label"]) == [int(p >= 0.5) for p in expected]
    assert list(as_list["label_name"]) == [str(y) for y in as_list["label"]]  # builtin: no names
    local = Path(mlflow.artifacts.download_artifacts(f"models:/{result['models']['gru-concat']}"))
    assert (local / "input_example.json").is_file() and (
        local / "code" / "birnn" / "serving" / "predict.py"
    ).is_file()
    assert not list(local.rglob("seeds"))  # only the selected seed's model is shipped


def test_requirements_pin_the_installed_versions():
    pinned = dict(line.split("==") for line in requirements())
    assert {"mlflow", "keras", "numpy"} <= set(pinned) <= set(MODEL_REQUIREMENTS)
    assert pinned["mlflow"] == mlflow.__version__


def test_pyfunc_input_keeps_raw_values_for_the_predictor():
    from birnn.serving.pyfunc import texts_from_input

    raw = texts_from_input(pd.DataFrame({"text": ["ok", None, float("nan"), b"bytes"]}))
    assert raw[0] == "ok" and raw[1] is None and raw[3] == b"bytes"
