"""MLflow: the one package that talks to MLflow (birnn.serving.pyfunc is what MLflow loads back).

Training never depends on MLflow. While a variant trains, its run is live: created when its
training starts, its epochs logged as they finish (live, which the train stage hands to the
epoch loop as its observer). After the variants are evaluated, the `track` stage completes
those runs, or replays what the stages saved into new ones when the store was unreachable
during training (runs, variant_runs), logs each variant as a pyfunc model that reads raw text
(packaging) and registers the best one as ``<experiment or source>-sentiment`` with the alias
``champion`` (champion); `birnn predict` loads it back (loading). The store is the project's
own (store, experiment): a copied project or a DVC temporary experiment workspace never writes
into another project's files.

The names below are loaded on first use, not when the package is imported: the train stage
imports birnn.tracking.live, and its code dependencies must stay that module and the store's,
so that an edit to what `track` logs does not retrain every variant.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from birnn.tracking.champion import (
        CHAMPION_ALIAS,
        REGISTERED_VERSION_TAG,
        champion_decision,
    )
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

_HOMES = {
    "champion": ("CHAMPION_ALIAS", "REGISTERED_VERSION_TAG", "champion_decision"),
    "experiment": ("EXPERIMENT_KIND_TAG", "TRAINING_KIND", "ForeignStoreError"),
    "loading": ("champion_model", "load_model"),
    "packaging": ("NO_TEXT_MODEL",),
    "provenance": ("DATASET_DIGEST_CHARS",),
    "runs": ("FINGERPRINT_TAG", "GIT_COMMIT_TAG", "log_pipeline"),
    "stage": ("track",),
    "store": (
        "experiment_name",
        "project_root",
        "registered_model_name",
        "shown_uri",
        "store_problem",
        "tracking_uri",
    ),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}
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


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
