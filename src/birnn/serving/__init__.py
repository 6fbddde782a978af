"""Serving: predicting from raw text with a model folder, and as an MLflow pyfunc model."""
