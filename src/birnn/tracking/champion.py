"""The registry's champion: every run's best variant is registered as a new version, and the
``champion`` alias moves to it only when it is significantly better than the current champion
on the validation rows of the same data (an exact McNemar test on the rows each gets right and
the other wrong; test scores never choose), or when tracking.promote says so.

The candidate was picked as the best of many variants on these same validation rows, so its
validation score is favoured by that selection: the test guards against promoting noise, but a
promotion is still best confirmed on the test split (reports/comparison.json)."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np

from birnn.config import Params
from birnn.files import read_json
from birnn.modeling.model_folder import VAL_PREDICTIONS_FILE
from birnn.reporting.class_metrics import predicted_classes
from birnn.reporting.stats import mcnemar_p
from birnn.tracking.store import registered_model_name

log = logging.getLogger(__name__)
CHAMPION_ALIAS = "champion"
REGISTERED_VERSION_TAG = "registered_version"
ALPHA = 0.05
# where a parent run keeps its best variant's validation probabilities
VAL_PREDICTIONS_ARTIFACT = f"champion/{VAL_PREDICTIONS_FILE}"
PAIRED_TEST = "exact McNemar test on the validation rows"


def champion_uri(params: Params) -> str:
    return f"models:/{registered_model_name(params)}@{CHAMPION_ALIAS}"


def register_champion(
    mlflow,
    params: Params,
    candidate: dict,
    model_id: str,
    parent_run_id: str,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict:
    """Register the run's best variant as a new version; move the champion alias to it only
    when :func:`champion_decision` says so. ``validation``: the candidate's validation
    probabilities and the validation labels (logged on the parent run, so the next candidate
    can pair with them). Returns where the alias points afterwards and the test that decided."""
    from mlflow.exceptions import MlflowException

    name = registered_model_name(params)
    client = mlflow.MlflowClient()
    try:
        current = client.get_model_version_by_alias(name, CHAMPION_ALIAS)
    except MlflowException:  # no registered model yet, or no champion alias on it
        current = None
    version = mlflow.register_model(
        f"models:/{model_id}",
        name,
        tags={
            "parent_run_id": parent_run_id,
            **{k: str(v) for k, v in candidate.items() if v is not None},
        },
    )
    incumbent = None if current is None else {"version": current.version, **current.tags}
    test = None
    if validation is not None:
        mlflow.log_artifact(_saved(validation[0]), "champion")
        if incumbent is not None:
            test = paired_validation_test(mlflow, incumbent, *validation)
    decision = champion_decision(incumbent, candidate, params.tracking.promote, test)
    champion = version if decision.startswith("promoted") else current
    if champion is version:
        client.set_registered_model_alias(name, CHAMPION_ALIAS, version.version)
    log.info(
        "registered %s as %s version %s; @%s: %s",
        candidate["variant"],
        name,
        version.version,
        CHAMPION_ALIAS,
        decision,
    )
    return {
        "uri": champion_uri(params),
        "version": str(champion.version),
        "registered_version": str(version.version),
        "variant": champion.tags.get("variant", candidate["variant"]),
        "decision": decision,
        "test": test,
    }


def _saved(prob: np.ndarray) -> str:
    folder = Path(tempfile.mkdtemp(prefix="birnn-champion-"))
    np.save(folder / VAL_PREDICTIONS_FILE, prob, allow_pickle=False)
    return str(folder / VAL_PREDICTIONS_FILE)


def champion_validation(mlflow, run_id: str | None) -> np.ndarray | None:
    """The champion's validation probabilities, from the parent run that registered it (None:
    registered before they were kept, or not readable)."""
    if not run_id:
        return None
    from mlflow.exceptions import MlflowException

    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=VAL_PREDICTIONS_ARTIFACT, dst_path=tmp
            )
            return np.load(path, allow_pickle=False)
    except (MlflowException, OSError, ValueError) as err:
        log.info("champion run %s has no validation predictions: %s", run_id, err)
        return None


def paired_validation_test(
    mlflow, incumbent: dict, prob: np.ndarray, y_val: np.ndarray
) -> dict | None:
    """The candidate against the champion on the same validation rows: how many rows each gets
    right that the other gets wrong, and the exact McNemar p (None: nothing to pair with)."""
    theirs = champion_validation(mlflow, incumbent.get("parent_run_id"))
    if theirs is None or theirs.shape != prob.shape:
        return None
    ours_right = predicted_classes(prob, y_val) == y_val
    theirs_right = predicted_classes(theirs, y_val) == y_val
    return {
        "test": PAIRED_TEST,
        "n": int(y_val.size),
        "candidate_only": int(np.sum(ours_right & ~theirs_right)),
        "champion_only": int(np.sum(~ours_right & theirs_right)),
        "p": mcnemar_p(ours_right.reshape(-1), theirs_right.reshape(-1)),
    }


def promote(mlflow, params: Params, version: str) -> str:
    """An already logged run's registered best becomes the champion (`birnn track --promote`)."""
    name = registered_model_name(params)
    mlflow.MlflowClient().set_registered_model_alias(name, CHAMPION_ALIAS, version)
    decision = f"promoted (tracking.promote): version {version}"
    log.info("%s @%s: %s", name, CHAMPION_ALIAS, decision)
    return decision


def champion_decision(
    current: dict | None, candidate: dict, promote: bool = False, test: dict | None = None
) -> str:
    """Whether a newly registered best variant takes the champion alias: "promoted..." or
    "kept: ...". On the same processed data only (scores on other data say nothing about which
    is better), and only when ``test`` (:func:`paired_validation_test`) finds the candidate
    significantly better on the validation rows. ``promote`` (tracking.promote, `birnn track
    --promote`) moves the alias regardless."""
    if promote:
        return "promoted (tracking.promote)"
    if current is None:
        return "promoted: no champion yet"
    who = f"version {current['version']} ({current.get('variant', '?')})"
    if current.get("data_digest") is None:  # registered before versions recorded their data
        return f"promoted: current champion {who} records no data digest to compare on"
    replace = "set tracking.promote or run `birnn track --promote` to replace it"
    if current.get("data_digest") != candidate.get("data_digest"):
        return (
            f"kept: current champion {who} was chosen on other data (digest "
            f"{str(current.get('data_digest'))[:12]} vs {str(candidate.get('data_digest'))[:12]}); "
            + replace
        )
    if test is None:
        return (
            f"kept: current champion {who} has no validation predictions to test against "
            f"(registered before they were kept); {replace}"
        )
    counts = (
        f"right on {test['candidate_only']} validation rows where {who} is wrong, against "
        f"{test['champion_only']} the other way ({test['test']}, n = {test['n']}, "
        f"p = {test['p']:.3g})"
    )
    if test["candidate_only"] > test["champion_only"] and test["p"] < ALPHA:
        return f"promoted: {counts}"
    return f"kept: not significantly better than {who}: {counts}; {replace}"


def validation_scores(metrics_file: Path) -> dict:
    metrics = read_json(metrics_file) if metrics_file.is_file() else {}
    return {k: metrics.get(k) for k in ("val_accuracy", "val_loss")}
