"""The registry's champion: every run's best variant is registered as a new version, and the
``champion`` alias moves to it only when it beats the current champion on validation scores of
the same data (test scores never choose), or when tracking.promote says so."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from birnn.config import Params
from birnn.files import read_json
from birnn.tracking.store import registered_model_name

log = logging.getLogger(__name__)
CHAMPION_ALIAS = "champion"
REGISTERED_VERSION_TAG = "registered_version"


def champion_uri(params: Params) -> str:
    return f"models:/{registered_model_name(params)}@{CHAMPION_ALIAS}"


def register_champion(
    mlflow, params: Params, candidate: dict, model_id: str, parent_run_id: str
) -> dict:
    """Register the run's best variant as a new version; move the champion alias to it only
    when :func:`champion_decision` says so. Returns where the alias points afterwards."""
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
    decision = champion_decision(incumbent, candidate, params.tracking.promote)
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
    }


def promote(mlflow, params: Params, version: str) -> str:
    """An already logged run's registered best becomes the champion (`birnn track --promote`)."""
    name = registered_model_name(params)
    mlflow.MlflowClient().set_registered_model_alias(name, CHAMPION_ALIAS, version)
    decision = f"promoted (tracking.promote): version {version}"
    log.info("%s @%s: %s", name, CHAMPION_ALIAS, decision)
    return decision


def champion_decision(current: dict | None, candidate: dict, promote: bool = False) -> str:
    """Whether a newly registered best variant takes the champion alias: "promoted..." or
    "kept: ...". Validation accuracy, then validation loss decide (test scores never choose),
    and only on the same processed data: scores on other data say nothing about which is better.
    ``promote`` (tracking.promote, `birnn track --promote`) moves the alias regardless."""
    if promote:
        return "promoted (tracking.promote)"
    if current is None:
        return "promoted: no champion yet"
    who = f"version {current['version']} ({current.get('variant', '?')})"
    if current.get("data_digest") is None:  # registered before versions recorded their data
        return f"promoted: current champion {who} records no data digest to compare on"
    if current.get("data_digest") != candidate.get("data_digest"):
        return (
            f"kept: current champion {who} was chosen on other data (digest "
            f"{str(current.get('data_digest'))[:12]} vs {str(candidate.get('data_digest'))[:12]}); "
            "set tracking.promote or run `birnn track --promote` to replace it"
        )
    ours, theirs = rank_key(candidate), rank_key(current)
    if ours > theirs:
        if ours[0] == theirs[0]:
            return (
                f"promoted: validation accuracy ties with {who} at "
                f"{_fmt(candidate.get('val_accuracy'))}; validation loss "
                f"{_fmt(candidate.get('val_loss'))} < {_fmt(current.get('val_loss'))}"
            )
        return (
            f"promoted: validation accuracy {_fmt(candidate.get('val_accuracy'))} beats "
            f"{_fmt(current.get('val_accuracy'))} of {who}"
        )
    return (
        f"kept: current champion {who} scores {_fmt(current.get('val_accuracy'))} >= "
        f"{_fmt(candidate.get('val_accuracy'))} (validation accuracy, then loss)"
    )


def rank_key(scores: dict) -> tuple[float, float]:
    """Higher is better: validation accuracy, then lower validation loss; missing scores lose."""
    accuracy, loss = _number(scores.get("val_accuracy")), _number(scores.get("val_loss"))
    return (
        -math.inf if accuracy is None else accuracy,
        -math.inf if loss is None else -loss,
    )


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _fmt(value: Any) -> str:
    number = _number(value)
    return "n/a" if number is None else f"{number:.4f}"


def validation_scores(metrics_file: Path) -> dict:
    metrics = read_json(metrics_file) if metrics_file.is_file() else {}
    return {k: metrics.get(k) for k in ("val_accuracy", "val_loss")}
