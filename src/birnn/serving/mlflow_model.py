"""Models-from-code entry point: MLflow runs this file to rebuild a logged variant model.

Logging the model as code (not a cloudpickle of an object) keeps arbitrary deserialisation
out of loading; the logic lives in birnn.serving.pyfunc, shipped with the model as code.
"""

import mlflow

from birnn.serving.pyfunc import SentimentModel

mlflow.models.set_model(SentimentModel())
