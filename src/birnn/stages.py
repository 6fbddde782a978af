"""Wiring: each stage with the project's standard paths. The CLI (and so dvc.yaml) and the
Prefect flow both call these, so both write exactly the same files.

Stage modules are imported inside each runner: every `birnn <stage>` is its own process
under DVC, and a train process should not pay for importing scikit-learn or MLflow.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .config import Params

log = logging.getLogger("birnn")


@dataclass(frozen=True)
class Layout:
    """Where every stage reads and writes, relative to the project root."""

    root: Path = Path(".")

    @property
    def raw_dir(self) -> Path: return self.root / "data" / "raw"
    @property
    def clean_path(self) -> Path: return self.root / "data" / "interim" / "clean.parquet"
    @property
    def tokens_path(self) -> Path: return self.root / "data" / "interim" / "tokens.parquet"
    @property
    def processed_dir(self) -> Path: return self.root / "data" / "processed"
    @property
    def models_dir(self) -> Path: return self.root / "models"
    @property
    def reports_dir(self) -> Path: return self.root / "reports"
    @property
    def metrics_dir(self) -> Path: return self.reports_dir / "metrics"
    @property
    def curves_dir(self) -> Path: return self.reports_dir / "curves"

    @property
    def predictions_dir(self) -> Path: return self.reports_dir / "predictions"
    @property
    def checkpoints_dir(self) -> Path: return self.root / ".checkpoints"
    @property
    def run_lock(self) -> Path: return self.checkpoints_dir / "run.lock"

    def model_dir(self, variant: str) -> Path: return self.models_dir / variant
    def predictions_path(self, name: str) -> Path: return self.predictions_dir / f"{name}.npy"
    def metrics_path(self, name: str) -> Path: return self.metrics_dir / f"{name}.json"
    def curve_path(self, variant: str) -> Path: return self.curves_dir / f"{variant}.csv"


def _done(stage: str, summary: Any) -> dict[str, Any]:
    data = asdict(summary) if hasattr(summary, "__dataclass_fields__") else dict(summary)
    log.info("%s: %s", stage, ", ".join(f"{k}={_short(v)}" for k, v in data.items()))
    return data


def _short(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


BASELINE_NAME = "tfidf-logreg"


def run_download(params: Params, layout: Layout) -> dict:
    from . import sources

    return _done("download", sources.download(params.data, layout.raw_dir, params.seed))


def run_clean(params: Params, layout: Layout) -> dict:
    from . import clean, sources

    if params.data.source == "cumsum":  # numbers with per-timestep labels: cumsum.py checks them
        from . import cumsum

        return _done("clean", cumsum.clean(sources.raw_path(layout.raw_dir, params.data),
                                           layout.clean_path, layout.reports_dir / "clean_report.json"))
    raw = sources.read_raw(layout.raw_dir, params.data)
    report = clean.clean(raw, params.clean, sources.label_map(params.data), layout.clean_path,
                         layout.reports_dir / "clean_report.json", params.data.max_rows, params.seed)
    return _done("clean", report)


def run_tokenize(params: Params, layout: Layout) -> dict:
    from . import cumsum, tokenize

    if cumsum.holds_sequences(layout.clean_path):  # told by the data: tokenize has no params
        return _done("tokenize", cumsum.tokenize(layout.clean_path, layout.tokens_path))
    return _done("tokenize", tokenize.tokenize(layout.clean_path, layout.tokens_path))


def run_split(params: Params, layout: Layout) -> dict:
    from . import cumsum, split

    if cumsum.holds_sequences(layout.tokens_path):
        return _done("split", cumsum.split(layout.tokens_path, params.split, params.seed, layout.processed_dir))
    return _done("split", split.split(layout.tokens_path, params.split, params.seed, layout.processed_dir))


def run_train(params: Params, layout: Layout, variant: str) -> dict:
    from . import train

    summary = train.train_variant(layout.processed_dir, variant, params.model, params.train,
                                  params.clean, params.training_seeds(), layout.model_dir(variant),
                                  layout.curve_path(variant), layout.checkpoints_dir / variant)
    return _done(f"train {variant}", summary)


def run_evaluate(params: Params, layout: Layout, variant: str) -> dict:
    from . import evaluate

    result = evaluate.evaluate_variant(layout.model_dir(variant), layout.processed_dir,
                                       layout.metrics_path(variant), layout.predictions_path(variant))
    keys = ("status", "error", "accuracy", "f1", "roc_auc", "probe_accuracy", "sequence_accuracy")
    return _done(f"evaluate {variant}", {k: result[k] for k in keys if k in result})


def run_baseline(params: Params, layout: Layout) -> dict:
    from . import baseline, cumsum

    if cumsum.holds_sequences(layout.tokens_path):  # no text for TF-IDF: a memoryless reference
        result = cumsum.train_baseline(layout.processed_dir, params.seed, BASELINE_NAME,
                                       layout.metrics_path(BASELINE_NAME),
                                       layout.predictions_path(BASELINE_NAME))
        return _done("baseline", {k: result[k] for k in ("accuracy", "f1", "roc_auc", "sequence_accuracy")})
    result = baseline.train_baseline(layout.tokens_path, layout.processed_dir, params.seed,
                                     layout.metrics_path(BASELINE_NAME),
                                     layout.predictions_path(BASELINE_NAME))
    return _done("baseline", {k: result[k] for k in ("accuracy", "f1", "roc_auc")})


def compared_names(params: Params) -> list[str]:
    return [*params.variant_names(), BASELINE_NAME]


def run_compare(params: Params, layout: Layout) -> dict:
    from . import compare

    summary = compare.compare(layout.metrics_dir, compared_names(params), layout.reports_dir,
                              predictions_dir=layout.predictions_dir,
                              y_test_path=layout.processed_dir / "test.npz",
                              curves_dir=layout.curves_dir)
    return _done("compare", summary)


def run_track(params: Params, layout: Layout, params_file: Path | None = None) -> dict:
    from . import tracking

    result = tracking.track(
        params, compared_names(params), layout.reports_dir / "tracking.json",
        metrics_dir=layout.metrics_dir, models_dir=layout.models_dir, curves_dir=layout.curves_dir,
        reports_dir=layout.reports_dir, processed_dir=layout.processed_dir, params_file=params_file)
    return _done("track", {k: v for k, v in result.items() if k != "children"})
