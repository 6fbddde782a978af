"""A variant as an MLflow pyfunc model that reads raw text (birnn.serving.pyfunc is what MLflow
loads back), with the requirements pinned to what logged it."""

from __future__ import annotations

import importlib.metadata
import shutil
import tempfile
from pathlib import Path

from birnn.files import read_json
from birnn.modeling.model_folder import MODEL_FILE, PARTS, VARIANT_FILE
from birnn.tasks.classes import class_names
from birnn.tasks.processed import VOCAB_FILE

# the logged pyfunc model reads raw text; a cumsum model reads number sequences
NO_TEXT_MODEL = (
    "cumsum task: the model takes number sequences, not text, so it is not logged "
    "as the text pyfunc model nor registered; models/<variant>/model.keras has it"
)
# what the logged model needs to import (pinned to what logged it); found, not inferred:
# MLflow's inference would load every model in a subprocess
MODEL_REQUIREMENTS = (
    "mlflow",
    "keras",
    "tensorflow-cpu",
    "tensorflow",
    "jax",
    "numpy",
    "pandas",
    "pyarrow",
    "pydantic",
    "pyyaml",
)
EXAMPLE_TEXTS = ["the acting was great", "great acting but a boring plot"]


def is_model_dir(model_dir: Path) -> bool:
    return all((model_dir / f).is_file() for f in (MODEL_FILE, VOCAB_FILE, VARIANT_FILE))


def requirements() -> list[str]:
    found = []
    for dist in MODEL_REQUIREMENTS:
        try:
            found.append(f"{dist}=={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def text_signature(multiclass: bool = False):
    """A required string column `text` in: MLflow itself refuses a request without it (an
    unnamed column would let it score whatever column comes first); label, probability and
    label name out, and (multiclass) every class's probability by name."""
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, DataType, Schema
    from mlflow.types.schema import Map

    from birnn.serving.pyfunc import PROBABILITIES_COLUMN, TEXT_COLUMN

    outputs = [
        ColSpec("long", "label"),
        ColSpec("double", "probability"),
        ColSpec("string", "label_name"),
    ]
    if multiclass:
        outputs.append(ColSpec(Map(DataType.double), PROBABILITIES_COLUMN))
    return ModelSignature(
        inputs=Schema([ColSpec("string", TEXT_COLUMN, required=True)]), outputs=Schema(outputs)
    )


def log_model(mlflow, model_dir: Path) -> str:
    """The variant as a pyfunc model: raw text in, label + probability (+ every class's, for a
    multiclass model) out; returns its id."""
    import pandas as pd

    import birnn
    from birnn.serving import pyfunc

    package = Path(birnn.__file__).parent  # shipped whole: the pyfunc model reads text with it
    example = pd.DataFrame({pyfunc.TEXT_COLUMN: EXAMPLE_TEXTS})
    with tempfile.TemporaryDirectory() as staged:  # the selected model only, not every seed's
        for part in PARTS:
            if (model_dir / part).is_file():
                shutil.copyfile(model_dir / part, Path(staged) / part)
        info = mlflow.pyfunc.log_model(
            name="model",
            # models from code, no pickle
            python_model=str(package / "serving" / "mlflow_model.py"),
            artifacts={pyfunc.ARTIFACT_KEY: staged},
            code_paths=[str(package)],
            signature=text_signature(class_names(read_json(model_dir / VOCAB_FILE)) is not None),
            input_example=example,
            pip_requirements=requirements(),
        )
    return info.model_id
