"""The params schema: params.yaml is loaded and validated here, once, by the CLI or the flow.

Every knob of the pipeline lives in one typed tree. Unknown keys and wrong types stop the
run with a message that names the offending key, so a typo never silently falls back to
a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CELLS = ("lstm", "gru", "simple_rnn")
MERGE_MODES = ("concat", "sum", "mul", "ave")

Cell = Literal["lstm", "gru", "simple_rnn"]
MergeMode = Literal["concat", "sum", "mul", "ave"]


class ParamsError(ValueError):
    """params.yaml is missing, unreadable or does not match the schema."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataParams(_Strict):
    source: Literal["builtin", "csv"] = "builtin"
    builtin_size: int = Field(15_000, gt=0, description="rows of the generated corpus")
    builtin_label_noise: float = Field(0.05, ge=0, lt=0.5, description="share of flipped labels")
    path: str | None = Field(None, description="csv source: local path of a CSV/TSV/parquet file")
    text_column: str = "text"
    label_column: str = "label"
    label_map: dict[str, int] | None = Field(
        None, description="raw label -> 0/1, e.g. {'negative': 0, 'positive': 1}"
    )

    @model_validator(mode="after")
    def _csv_needs_path(self) -> "DataParams":
        if self.source == "csv" and not self.path:
            raise ValueError("data.source is 'csv' but data.path is empty: set data.path to the file")
        return self


class CleanParams(_Strict):
    lowercase: bool = True
    strip_html: bool = True
    min_tokens: int = Field(1, ge=1, description="drop texts with fewer tokens after cleaning")
    drop_duplicates: bool = True


class SplitParams(_Strict):
    test_size: float = Field(0.15, gt=0, lt=1)
    val_size: float = Field(0.15, gt=0, lt=1)
    vocab_size: int = Field(20_000, gt=2, description="max vocabulary incl. padding and OOV ids")
    min_count: int = Field(2, ge=1, description="keep words seen at least this often in train")
    max_len: int | Literal["auto"] = Field(
        "auto", description="tokens per sequence; auto = max_len_quantile of training lengths")
    max_len_quantile: float = Field(0.95, gt=0, le=1)
    max_len_cap: int = Field(256, gt=0, description="upper bound for max_len: auto")
    truncating: Literal["pre", "post"] = Field(
        "pre", description="'pre' keeps the last max_len tokens, 'post' the first"
    )

    @model_validator(mode="after")
    def _ratios_leave_training_rows(self) -> "SplitParams":
        if isinstance(self.max_len, int) and self.max_len <= 0:
            raise ValueError(f"split.max_len must be a positive integer or 'auto', got {self.max_len}")
        if self.test_size + self.val_size >= 1:
            raise ValueError(
                f"split.test_size + split.val_size = {self.test_size + self.val_size:g} leaves no "
                "training rows: make their sum < 1"
            )
        return self


class ModelParams(_Strict):
    embedding_dim: int = Field(64, gt=0)
    units: int = Field(32, gt=0)
    spatial_dropout: float = Field(0.1, ge=0, lt=1)
    dropout: float = Field(0.2, ge=0, lt=1)
    # >0 disables the fused cuDNN kernels on GPU; kept available, off by default
    recurrent_dropout: float = Field(0.0, ge=0, lt=1)
    mask_zero: bool = True


class TrainParams(_Strict):
    epochs: int = Field(8, gt=0)
    batch_size: int = Field(256, gt=0)
    patience: int = Field(3, ge=0, description="early stopping on val_loss, best weights restored")
    learning_rate: float = Field(5e-3, gt=0)


class VariantParams(_Strict):
    cells: list[Cell] = Field(default_factory=lambda: list(CELLS), min_length=1)
    merge_modes: list[MergeMode] = Field(default_factory=lambda: list(MERGE_MODES), min_length=1)


class TrackingParams(_Strict):
    enabled: bool = True
    uri: str = Field(
        "sqlite:///mlruns/mlflow.db", description="overridden by the MLFLOW_TRACKING_URI variable"
    )
    artifact_root: str = "mlruns/artifacts"
    experiment: str | None = Field(None, description="default: named after data.source")


class Params(_Strict):
    seed: int = 42
    data: DataParams = DataParams()
    clean: CleanParams = CleanParams()
    split: SplitParams = SplitParams()
    model: ModelParams = ModelParams()
    train: TrainParams = TrainParams()
    variants: VariantParams = VariantParams()
    tracking: TrackingParams = TrackingParams()

    def variant_names(self) -> list[str]:
        return [variant_name(c, m) for c in self.variants.cells for m in self.variants.merge_modes]

    def flat(self) -> dict[str, Any]:
        """Params as flat dotted keys, the form MLflow and reports use."""
        return _flatten(self.model_dump(mode="json"))


def variant_name(cell: str, merge_mode: str) -> str:
    return f"{cell}-{merge_mode}"


def parse_variant(name: str) -> tuple[str, str]:
    cell, _, merge_mode = name.rpartition("-")
    if cell not in CELLS or merge_mode not in MERGE_MODES:
        raise ParamsError(
            f"unknown variant {name!r}: expected '<cell>-<merge_mode>' with cell in {CELLS} "
            f"and merge_mode in {MERGE_MODES}"
        )
    return cell, merge_mode


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def parse_params(raw: Any, origin: str = "params") -> Params:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ParamsError(f"{origin}: expected a mapping of sections, got {type(raw).__name__}")
    try:
        return Params.model_validate(raw)
    except ValidationError as err:
        raise ParamsError(_describe(err, origin)) from None


def load_params(path: str | Path = "params.yaml", overrides: dict[str, Any] | None = None) -> Params:
    """Read, merge dotted overrides ({'train.epochs': 2}) and validate params.yaml."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParamsError(f"{path}: params file not found (run from the project root)") from None
    except yaml.YAMLError as err:
        raise ParamsError(f"{path}: not valid YAML: {err}") from None
    raw = raw or {}
    for dotted, value in (overrides or {}).items():
        _set_dotted(raw, dotted, value)
    return parse_params(raw, origin=str(path))


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = tree
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value


def _describe(err: ValidationError, origin: str) -> str:
    lines = [f"{origin}: {err.error_count()} invalid param(s):"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        if e["type"] == "extra_forbidden":
            lines.append(f"  - {key}: unknown key (typo? see params.yaml for the valid keys)")
        else:
            got = e.get("input")
            shown = "" if isinstance(got, dict) else f" (got {got!r})"
            lines.append(f"  - {key}: {e['msg']}{shown}")
    return "\n".join(lines)
