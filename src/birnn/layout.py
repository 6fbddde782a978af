"""Every standard path of a project folder, in one leaf module: stages, the CLI, the flow,
tracking and the benchmark ask the Layout instead of joining paths themselves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Layout:
    """Where every stage reads and writes, relative to the project root."""

    root: Path = Path(".")

    @property
    def source_dir(self) -> Path:
        return self.root / "data" / "source"

    @property
    def labeled_source_path(self) -> Path:
        return self.source_dir / "labeled.json"

    @property
    def unlabeled_source_path(self) -> Path:
        return self.source_dir / "unlabeled.json"

    @property
    def attempts_dir(self) -> Path:
        return self.source_dir / "attempts"

    @property
    def raw_dir(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def clean_path(self) -> Path:
        return self.root / "data" / "interim" / "clean.parquet"

    @property
    def tokens_path(self) -> Path:
        return self.root / "data" / "interim" / "tokens.parquet"

    @property
    def processed_dir(self) -> Path:
        return self.root / "data" / "processed"

    @property
    def test_split_path(self) -> Path:
        return self.processed_dir / "test.npz"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def pretrained_dir(self) -> Path:
        return self.models_dir / "pretrained"

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @property
    def clean_report_path(self) -> Path:
        return self.reports_dir / "clean_report.json"

    @property
    def comparison_path(self) -> Path:
        return self.reports_dir / "comparison.json"

    @property
    def tracking_path(self) -> Path:
        return self.reports_dir / "tracking.json"

    @property
    def metrics_dir(self) -> Path:
        return self.reports_dir / "metrics"

    @property
    def curves_dir(self) -> Path:
        return self.reports_dir / "curves"

    @property
    def predictions_dir(self) -> Path:
        return self.reports_dir / "predictions"

    @property
    def checkpoints_dir(self) -> Path:
        return self.root / ".checkpoints"

    @property
    def file_hashes_path(self) -> Path:
        return self.checkpoints_dir / "file_hashes.json"

    @property
    def run_lock(self) -> Path:
        return self.checkpoints_dir / "run.lock"

    def model_dir(self, variant: str) -> Path:
        return self.models_dir / variant

    def checkpoint_dir(self, variant: str) -> Path:
        return self.checkpoints_dir / variant

    def predictions_path(self, name: str) -> Path:
        return self.predictions_dir / f"{name}.npy"

    def metrics_path(self, name: str) -> Path:
        return self.metrics_dir / f"{name}.json"

    def curve_path(self, variant: str) -> Path:
        return self.curves_dir / f"{variant}.csv"
