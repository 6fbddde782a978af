"""MLflow: the one package that talks to MLflow (birnn.serving.pyfunc is what MLflow loads back).

Training never depends on MLflow. After the variants are evaluated, the `track` stage replays
what the stages saved into MLflow runs (runs, variant_runs), logs each variant as a pyfunc
model that reads raw text (packaging) and registers the best one as ``<experiment or
source>-sentiment`` with the alias ``champion`` (champion); `birnn predict` loads it back
(loading). The store is the project's own (store, experiment): a copied project or a DVC
temporary experiment workspace never writes into another project's files.
"""

from birnn.tracking.champion import CHAMPION_ALIAS, REGISTERED_VERSION_TAG, champion_decision
from birnn.tracking.experiment import EXPERIMENT_KIND_TAG, TRAINING_KIND, ForeignStoreError
from birnn.tracking.loading import champion_model, load_model
from birnn.tracking.packaging import NO_TEXT_MODEL
from birnn.tracking.provenance import DATASET_DIGEST_CHARS
from birnn.tracking.runs import FINGERPRINT_TAG, GIT_COMMIT_TAG, log_pipeline
from birnn.tracking.stage import track
from birnn.tracking.store import (
    experiment_name,
    project_root,
    registered_model_name,
    shown_uri,
    store_problem,
    tracking_uri,
)

__all__ = [
    "CHAMPION_ALIAS",
    "DATASET_DIGEST_CHARS",
    "EXPERIMENT_KIND_TAG",
    "FINGERPRINT_TAG",
    "GIT_COMMIT_TAG",
    "NO_TEXT_MODEL",
    "REGISTERED_VERSION_TAG",
    "TRAINING_KIND",
    "ForeignStoreError",
    "champion_decision",
    "champion_model",
    "experiment_name",
    "load_model",
    "log_pipeline",
    "project_root",
    "registered_model_name",
    "shown_uri",
    "store_problem",
    "track",
    "tracking_uri",
]
