"""MLflow: the one module that logs to MLflow (birnn.serving.pyfunc is what MLflow loads back).

Training never depends on MLflow. After the variants are evaluated, ``log_pipeline`` replays
what the stages saved into one parent run per pipeline run with one nested child run per
variant: flat params, per-epoch curves, test metrics, curve and confusion-matrix PNGs, the
metrics JSON and each variant as a pyfunc model that reads raw text. The best variant is
registered as ``<experiment or source>-sentiment`` with the alias ``champion``.

The parent gets a fingerprint of everything logged as its last step, so replaying unchanged
outputs finds the finished run instead of creating a duplicate, and a replay after a
half-finished attempt logs everything again.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import math
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from birnn.config import Params
from birnn.files import read_json, sha256_file, sha256_tree, write_json
from birnn.modeling.model_folder import HISTORY_FILE, MODEL_FILE, PARTS, VARIANT_FILE, seed_dir
from birnn.redact import redact_text as _redact
from birnn.reporting.plots import variant_figures
from birnn.tasks import task_of
from birnn.tasks.processed import VOCAB_FILE

log = logging.getLogger(__name__)
FINGERPRINT_TAG = "birnn.fingerprint"
CHAMPION_ALIAS = "champion"
GIT_COMMIT_TAG = "mlflow.source.git.commit"  # MLflow's own: the UI links the run to it
REGISTERED_VERSION_TAG = "registered_version"
DATASET_DIGEST_CHARS = 16  # MLflow stores at most 36
# the logged pyfunc model reads raw text; a cumsum model reads number sequences
NO_TEXT_MODEL = (
    "cumsum task: the model takes number sequences, not text, so it is not logged "
    "as the text pyfunc model nor registered; models/<variant>/model.keras has it"
)
# without it MLflow 3's UI opens a new experiment on its GenAI overview, not on the runs table
EXPERIMENT_KIND_TAG, TRAINING_KIND = "mlflow.experimentKind", "custom_model_development"
# what the logged model needs to import (pinned to what logged it); found, not inferred:
# MLflow's inference would load every model in a subprocess
_MODEL_REQUIREMENTS = (
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


def tracking_uri(params: Params) -> str:
    """MLFLOW_TRACKING_URI wins over params, so a team points every run at a shared server."""
    return os.environ.get("MLFLOW_TRACKING_URI") or params.tracking.uri


def shown_uri(uri: str) -> str:
    """The URI as people should read it: credentials masked, a relative sqlite path absolute
    (sqlite:///abs/path), so it can be pasted into `mlflow ui --backend-store-uri`."""
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        return "sqlite:///" + str(Path(uri.removeprefix("sqlite:///")).resolve())
    return _redact(uri)


def store_problem(uri: str) -> str | None:
    """Why a local sqlite store cannot be written, or None. Checked by writing, since MLflow
    otherwise fails deep inside SQLAlchemy with a page of traceback."""
    if not uri.startswith("sqlite:///"):
        return None
    db = Path(uri.removeprefix("sqlite:///"))
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        if db.exists():
            with open(db, "r+b"):
                pass
        with tempfile.TemporaryFile(dir=db.parent):
            pass
    except OSError as err:
        return (
            f"the tracking store {shown_uri(uri)} is not writable ({err.strerror}): make "
            f"{db.parent} writable, or point tracking.uri (or MLFLOW_TRACKING_URI) elsewhere"
        )
    return None


def experiment_name(params: Params) -> str:
    return params.tracking.experiment or f"birnn-{params.data.source}"


def registered_model_name(params: Params) -> str:
    return f"{params.tracking.experiment or params.data.source}-sentiment"


def log_pipeline(
    params: Params,
    names: list[str],
    *,
    metrics_dir: Path,
    models_dir: Path,
    curves_dir: Path,
    reports_dir: Path,
    processed_dir: Path,
    params_file: Path | None = None,
) -> dict[str, Any]:
    """Log the finished pipeline run; return {parent_run_id, children, created, champion, ...}."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow

    uri = tracking_uri(params)
    mlflow.set_tracking_uri(uri)
    # a local store gets artifacts under params' artifact_root; a server keeps its own
    artifact_root = params.tracking.artifact_root if _is_local(uri) else None
    experiment_id = _ensure_experiment(mlflow, experiment_name(params), artifact_root)
    fingerprint = _fingerprint(params, [metrics_dir / f"{n}.json" for n in names])
    existing = mlflow.search_runs(
        [experiment_id],
        filter_string=f"tags.`{FINGERPRINT_TAG}` = '{fingerprint}'",
        output_format="list",
        max_results=1,
    )
    if existing:
        run = existing[0]
        decision = "unchanged: these outputs were logged before"
        if params.tracking.promote and run.data.tags.get(REGISTERED_VERSION_TAG):
            decision = _promote(mlflow, params, run.data.tags[REGISTERED_VERSION_TAG])
        return {
            "status": "logged",
            "created": False,
            "uri": _redact(uri),
            "experiment_id": experiment_id,
            "parent_run_id": run.info.run_id,
            "fingerprint": fingerprint,
            "champion": run.data.tags.get("champion"),
            "champion_decision": decision,
        }
    started = time.perf_counter()
    data_digest = sha256_tree(processed_dir) if processed_dir.exists() else "missing"
    datasets = _datasets(params, processed_dir)
    tags = {
        GIT_COMMIT_TAG: _git_commit(),
        "data_sha256": data_digest,
        "dvc_data_md5": _dvc_hash(processed_dir),
        "params_sha256": sha256_file(params_file)
        if params_file and params_file.is_file()
        else "n/a",
        "source": params.data.source,
    }
    comparison = (
        read_json(reports_dir / "comparison.json")
        if (reports_dir / "comparison.json").is_file()
        else {}
    )
    best = comparison.get("best_variant")
    children: dict[str, str] = {}
    model_ids: dict[str, str] = {}
    champion = None
    with mlflow.start_run(
        experiment_id=experiment_id, run_name=f"pipeline-{params.data.source}", tags=tags
    ) as parent:
        mlflow.log_params(params.flat())
        _log_inputs(mlflow, datasets)
        for name in ("comparison.json", "comparison.md", "clean_report.json"):
            if (reports_dir / name).is_file():
                mlflow.log_artifact(str(reports_dir / name))
        if (reports_dir / "figures").is_dir():
            mlflow.log_artifacts(str(reports_dir / "figures"), "figures")
        if comparison.get("best_accuracy") is not None:
            mlflow.log_metric("best_accuracy", comparison["best_accuracy"])
        if best:
            mlflow.set_tag("best_variant", best)
        model_seconds = []
        for name in names:
            children[name], model_id, seconds = _log_variant(
                mlflow, experiment_id, params, name, metrics_dir, models_dir, curves_dir, datasets
            )
            if model_id:
                model_ids[name] = model_id
                model_seconds.append(seconds)
        if best in model_ids:
            candidate = {
                "variant": best,
                "data_digest": data_digest,
                **_validation_scores(metrics_dir / f"{best}.json"),
            }
            champion = _register_champion(
                mlflow, params, candidate, model_ids[best], parent.info.run_id
            )
            mlflow.set_tags(
                {
                    "champion": champion["uri"],
                    "champion_version": champion["version"],
                    REGISTERED_VERSION_TAG: champion["registered_version"],
                    "champion_decision": champion["decision"],
                }
            )
        elif best and not task_of(models_dir / best).serves_text:
            mlflow.set_tag("champion_not_registered", NO_TEXT_MODEL)
        mlflow.log_metric("tracking_seconds", round(time.perf_counter() - started, 2))
        if model_seconds:
            mlflow.log_metric(
                "model_log_seconds_mean", round(sum(model_seconds) / len(model_seconds), 3)
            )
        mlflow.set_tag(FINGERPRINT_TAG, fingerprint)  # last: only a complete run is found again
    return {
        "status": "logged",
        "created": True,
        "uri": _redact(uri),
        "experiment_id": experiment_id,
        "parent_run_id": parent.info.run_id,
        "children": children,
        "models": model_ids,
        "champion": champion["uri"] if champion else None,
        **(
            {
                "champion_version": champion["version"],
                "registered_version": champion["registered_version"],
                "champion_decision": champion["decision"],
            }
            if champion
            else {}
        ),
        "fingerprint": fingerprint,
        "seconds": round(time.perf_counter() - started, 2),
    }


def _log_variant(
    mlflow,
    experiment_id: str,
    params: Params,
    name: str,
    metrics_dir: Path,
    models_dir: Path,
    curves_dir: Path,
    datasets: list[tuple[Any, str]] = (),
) -> tuple[str, str | None, float]:
    """One child run; returns (run id, logged model id or None, seconds spent logging the model)."""
    metrics = read_json(metrics_dir / f"{name}.json")
    model_dir = models_dir / name
    info = read_json(model_dir / VARIANT_FILE) if (model_dir / VARIANT_FILE).is_file() else {}
    tags = {
        "variant": name,
        "kind": metrics.get("kind", "rnn"),
        "cell": str(metrics.get("cell")),
        "merge_mode": str(metrics.get("merge_mode")),
        "direction": str(metrics.get("direction")),
        "seed": str(metrics.get("seed", info.get("seed", params.seed))),
        "status": str(metrics.get("status", "ok")),
    }
    if metrics.get("error"):
        tags["error"] = str(metrics["error"])[:4000]
    model_id, seconds = None, 0.0
    with mlflow.start_run(
        experiment_id=experiment_id, run_name=name, nested=True, tags=tags
    ) as child:
        run_id = child.info.run_id
        mlflow.log_params({**params.flat(), "variant": name, **_resolved_params(model_dir)})
        _log_inputs(mlflow, datasets)
        history = (
            read_json(model_dir / HISTORY_FILE) if (model_dir / HISTORY_FILE).is_file() else {}
        )
        _log_numbers(mlflow, run_id, history, metrics)
        mlflow.log_artifact(str(metrics_dir / f"{name}.json"))
        if (curves_dir / f"{name}.csv").is_file():
            mlflow.log_artifact(str(curves_dir / f"{name}.csv"))
        with tempfile.TemporaryDirectory() as tmp:
            for png in variant_figures(name, history, metrics, Path(tmp)):
                mlflow.log_artifact(str(png), "plots")
        for seed_metrics in metrics.get("seed_scores") or []:
            _log_seed(mlflow, experiment_id, name, seed_metrics, model_dir)
        if _is_model_dir(model_dir) and not task_of(model_dir).serves_text:
            mlflow.set_tag("model_not_logged", NO_TEXT_MODEL)
        elif _is_model_dir(model_dir):
            started = time.perf_counter()
            model_id = _log_model(mlflow, model_dir)
            seconds = time.perf_counter() - started
            mlflow.set_tag("model_uri", f"models:/{model_id}")
    return run_id, model_id, seconds


def _log_numbers(mlflow, run_id: str, history: dict, metrics: dict) -> None:
    """Per-epoch curves as steps 1..n and every numeric test metric as test_<name>, batched."""
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    batch = [
        Metric(key, float(values[epoch]), now, epoch + 1)
        for key, values in history.items()
        for epoch in range(len(values))
    ]
    batch += [
        Metric(f"test_{k}", float(v), now, 0)
        for k, v in metrics.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]
    mlflow.MlflowClient().log_batch(run_id, metrics=batch)  # split into MLflow's per-call limits


def _log_seed(mlflow, experiment_id: str, name: str, seed_metrics: dict, model_dir: Path) -> None:
    """One run per seed, nested under its variant: the spread behind the variant's mean."""
    seed = seed_metrics["seed"]
    history_file = seed_dir(model_dir, seed) / HISTORY_FILE
    tags = {"variant": name, "kind": "seed", "seed": str(seed)}
    with mlflow.start_run(
        experiment_id=experiment_id, run_name=f"{name} seed {seed}", nested=True, tags=tags
    ) as run:
        mlflow.log_param("seed", seed)
        _log_numbers(
            mlflow,
            run.info.run_id,
            read_json(history_file) if history_file.is_file() else {},
            {k: v for k, v in seed_metrics.items() if k != "seed" and v is not None},
        )


def _log_model(mlflow, model_dir: Path) -> str:
    """The variant as a pyfunc model: raw text in, label + probability out."""
    import pandas as pd
    from mlflow.models import ModelSignature
    from mlflow.types import ColSpec, Schema

    import birnn
    from birnn.serving import pyfunc

    package = Path(birnn.__file__).parent  # shipped whole: the pyfunc model reads text with it
    # one unnamed string column: accepts a DataFrame column `text` and a plain list of texts
    signature = ModelSignature(
        inputs=Schema([ColSpec("string")]),
        outputs=Schema(
            [
                ColSpec("long", "label"),
                ColSpec("double", "probability"),
                ColSpec("string", "label_name"),
            ]
        ),
    )
    example = pd.DataFrame(
        {pyfunc.TEXT_COLUMN: ["the acting was great", "great acting but a boring plot"]}
    )
    with tempfile.TemporaryDirectory() as staged:  # the selected model only, not every seed's
        for part in PARTS:
            if (model_dir / part).is_file():
                shutil.copyfile(model_dir / part, Path(staged) / part)
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(
                package / "serving" / "mlflow_model.py"
            ),  # models from code, no pickle
            artifacts={pyfunc.ARTIFACT_KEY: staged},
            code_paths=[str(package)],
            signature=signature,
            input_example=example,
            pip_requirements=_requirements(),
        )
    return info.model_id


def _register_champion(
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
        "uri": f"models:/{name}@{CHAMPION_ALIAS}",
        "version": str(champion.version),
        "registered_version": str(version.version),
        "variant": champion.tags.get("variant", candidate["variant"]),
        "decision": decision,
    }


def _promote(mlflow, params: Params, version: str) -> str:
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
    ours, theirs = _rank_key(candidate), _rank_key(current)
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


def _rank_key(scores: dict) -> tuple[float, float]:
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


def _validation_scores(metrics_file: Path) -> dict:
    metrics = read_json(metrics_file) if metrics_file.is_file() else {}
    return {k: metrics.get(k) for k in ("val_accuracy", "val_loss")}


def _datasets(params: Params, processed_dir: Path) -> list[tuple[Any, str]]:
    """The processed splits as MLflow datasets (source file, digest, rows, schema), each with
    the context it was used in; a split that is missing or not readable is left out."""
    import warnings

    import mlflow.data

    from birnn.tasks.processed import load_split

    found = []
    for split, context in (("train", "training"), ("val", "validation"), ("test", "testing")):
        path = processed_dir / f"{split}.npz"
        try:
            x, y = load_split(processed_dir, split)
        except (OSError, ValueError, KeyError):
            continue
        with warnings.catch_warnings():
            # MLflow registers its local-file source twice and warns that a path is ambiguous
            warnings.filterwarnings("ignore", "The specified dataset source can be interpreted")
            dataset = mlflow.data.from_numpy(
                x,
                source=str(path.resolve()),
                targets=y,
                name=f"{params.data.source}-{split}",
                digest=sha256_file(path)[:DATASET_DIGEST_CHARS],
            )
        found.append((dataset, context))
    return found


def _log_inputs(mlflow, datasets: list[tuple[Any, str]]) -> None:
    for dataset, context in datasets:
        mlflow.log_input(dataset, context=context)


def champion_model(params: Params):
    """The registry's champion as a loaded pyfunc model, or None when there is none (or no store).

    For `birnn predict`: an embedded store that was never created is not created here, and a
    server that does not answer is reported and skipped instead of retried for minutes.
    """
    uri = tracking_uri(params)
    if uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).is_file():
        return None
    if "://" not in uri and not Path(uri).exists():
        return None
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow
    from mlflow.exceptions import MlflowException

    mlflow.set_tracking_uri(uri)
    name = registered_model_name(params)
    try:
        version = mlflow.MlflowClient().get_model_version_by_alias(name, CHAMPION_ALIAS)
    except MlflowException as err:
        if (
            "RESOURCE_DOES_NOT_EXIST" not in str(err.error_code)
            and "not found" not in str(err).lower()
        ):
            log.warning("model registry at %s: %s", _redact(uri), _redact(str(err))[:300])
        return None
    except Exception as err:  # noqa: BLE001 - an unreachable server must not stop predict
        if problem := store_problem(uri):
            log.warning("%s; using the local model", problem)
            return None
        log.warning(
            "model registry at %s unreachable (%s); using the local model",
            _redact(uri),
            type(err).__name__,
        )
        return None
    model_uri = f"models:/{name}@{CHAMPION_ALIAS}"
    log.info(
        "predicting with %s (version %s, variant %s)",
        model_uri,
        version.version,
        version.tags.get("variant", "?"),
    )
    return load_model(model_uri, params)


def load_model(model_uri: str, params: Params | None = None):
    """Any logged variant model (models:/..., runs:/...) as a pyfunc model."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    import mlflow

    if params is not None:
        mlflow.set_tracking_uri(tracking_uri(params))
    return mlflow.pyfunc.load_model(model_uri)


def track(params: Params, names: list[str], out_path: Path, **paths: Path) -> dict[str, Any]:
    """Stage wrapper: log, and never fail the pipeline because tracking failed.

    The outcome goes to ``out_path``; on failure it says how to replay (`birnn log-runs`).
    """
    if not params.tracking.enabled:
        result: dict[str, Any] = {"status": "disabled"}
    elif problem := store_problem(tracking_uri(params)):
        result = {
            "status": "failed",
            "not_writable": True,
            "uri": shown_uri(tracking_uri(params)),
            "error": problem,
            "fix": "outputs are saved; then run `birnn log-runs` to replay them into MLflow",
        }
        log.error("MLflow tracking failed: %s. %s", problem, result["fix"])
    else:
        try:
            result = log_pipeline(params, names, **paths)
        except Exception as err:  # noqa: BLE001 - any tracking failure must not lose the outputs
            result = {
                "status": "failed",
                "uri": shown_uri(tracking_uri(params)),
                "error": _redact(f"{type(err).__name__}: {err}")[:2000],
                "fix": "outputs are saved; once the tracking store is reachable run "
                "`birnn log-runs` to replay them into MLflow",
            }
            log.error("MLflow tracking failed (%s). %s", result["error"], result["fix"])
    write_json(out_path, result)
    return result


def _resolved_params(model_dir: Path) -> dict[str, Any]:
    """What params only decide at run time (max_len: auto, the vocabulary size) shaped the model too."""
    vocab_file = model_dir / VOCAB_FILE
    if not vocab_file.is_file():
        return {}
    vocab = read_json(vocab_file)
    return {
        "resolved.max_len": vocab.get("max_len"),
        "resolved.vocab_words": len(vocab.get("words", [])),
    }


def _is_model_dir(model_dir: Path) -> bool:
    return all((model_dir / f).is_file() for f in (MODEL_FILE, VOCAB_FILE, VARIANT_FILE))


def _requirements() -> list[str]:
    found = []
    for dist in _MODEL_REQUIREMENTS:
        try:
            found.append(f"{dist}=={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def _is_local(uri: str) -> bool:
    return not uri.startswith(("http://", "https://", "databricks"))


def _ensure_experiment(mlflow, name: str, artifact_root: str | None) -> str:
    """The experiment, created as a model-training one so the UI opens on its runs table."""
    found = mlflow.get_experiment_by_name(name)
    if found is not None:
        if EXPERIMENT_KIND_TAG not in found.tags:
            mlflow.MlflowClient().set_experiment_tag(
                found.experiment_id, EXPERIMENT_KIND_TAG, TRAINING_KIND
            )
        return found.experiment_id
    location = None
    if artifact_root and "://" not in artifact_root:
        location = Path(artifact_root).resolve().as_uri()
    elif artifact_root:
        location = artifact_root
    return mlflow.create_experiment(
        name, artifact_location=location, tags={EXPERIMENT_KIND_TAG: TRAINING_KIND}
    )


def _dvc_hash(processed_dir: Path) -> str:
    """DVC's md5 of the processed split from dvc.lock, when the lock describes this very folder."""
    lock = processed_dir.parent.parent / "dvc.lock"
    if not lock.is_file():
        return "n/a"
    import yaml

    try:
        stage = (yaml.safe_load(lock.read_text()) or {}).get("stages", {}).get("split", {})
        out = next(o for o in stage.get("outs", []) if o.get("path") == "data/processed")
    except (yaml.YAMLError, StopIteration, AttributeError):
        return "n/a"
    files = [p for p in processed_dir.rglob("*") if p.is_file()]
    if out.get("nfiles") != len(files) or out.get("size") != sum(p.stat().st_size for p in files):
        return "stale"  # e.g. the Prefect flow rewrote the split after the last `dvc repro`
    return str(out.get("md5", "n/a"))


def _fingerprint(params: Params, files: list[Path]) -> str:
    # promoting decides where the alias points, not what is logged: a replay with
    # tracking.promote finds the logged run and promotes its version instead of logging it again
    values = params.model_dump(mode="json", exclude={"tracking": {"promote"}})
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode())
    for path in files:
        digest.update(path.name.encode())
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()[:32]


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"
