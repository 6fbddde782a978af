"""The Prefect side: the flow and its tasks (flow.py), cache keys from dvc.yaml (cache.py), the
fallback when a Prefect server does not answer (server.py) and the DVC record (dvc.py)."""

import os

# stage summaries are logged by the "birnn" logger; show them in Prefect's run logs. Set before
# Prefect is imported: it reads its settings once.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "birnn")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
