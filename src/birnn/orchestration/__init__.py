"""Running the DAG: dvc.yaml generated from the stage registry (dvc_yaml.py, with each stage's
code dependencies from closure.py); the Prefect flow and its tasks (flow.py), judged up to date
like DVC judges a stage (cache.py); the fallback when a Prefect server does not answer
(server.py); the DVC record after a flow run (dvc.py); retrying failed variants (retry.py)."""

import os

# stage summaries are logged by the "birnn" logger; show them in Prefect's run logs. Set before
# Prefect is imported: it reads its settings once.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "birnn")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
