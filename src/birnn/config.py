"""The params schema: params.yaml is loaded and validated here, once, by the CLI or the flow.

Every knob of the pipeline lives in one typed tree. Unknown keys and wrong types stop the
run with a message that names the offending key, so a typo never silently falls back to
a default.
"""

from __future__ import annotations

import codecs
import logging
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from birnn.params_file import ParamsError, read_yaml

CELLS = ("lstm", "gru", "simple_rnn")
UNIDIRECTIONAL = "uni"  # the variant-name suffix of one-way reference models
MERGE_MODES = ("concat", "sum", "mul", "ave")
MAX_SEED = 2**32 - 1
# a generated corpus is built in memory: past this a typo (1e20) would be a MemoryError
MAX_GENERATED_ROWS = 10_000_000

Cell = Literal["lstm", "gru", "simple_rnn"]
MergeMode = Literal["concat", "sum", "mul", "ave"]
# the names of the baseline registry (birnn.tasks.baselines; a test keeps the two equal): a
# Literal here, so params are checked without importing the tasks
BaselineName = Literal["tfidf-logreg", "position-logreg"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_as_number(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic reads `epochs: true` as 1; a yes/no where a number belongs is a mistake
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and field.annotation is not bool:
            raise ValueError(f"expected a number or text, got the boolean {value}")
        return value


SOURCES = ("builtin", "csv", "sentiment140-subset", "sentiment140", "imdb", "cumsum")
Source = Literal["builtin", "csv", "sentiment140-subset", "sentiment140", "imdb", "cumsum"]
_SHA256 = r"^[0-9a-fA-F]{64}$"


class RemoteParams(_Strict):
    url: str = Field(min_length=1, description="http(s) address of the archive")
    sha256: str | None = Field(
        None, pattern=_SHA256, description="expected digest of the download; null = not checked"
    )


class RemotesParams(_Strict):
    """Where each real source is fetched from (the real addresses by default)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    sentiment140_subset: RemoteParams = Field(
        RemoteParams(
            url="https://nyc3.digitaloceanspaces.com/ml-files-distro/v1/sentiment-analysis-is-bad/"
            "data/sentiment140-subset.csv.zip"
        ),
        alias="sentiment140-subset",
    )
    sentiment140: RemoteParams = RemoteParams(
        url="http://cs.stanford.edu/people/alecmgo/trainingandtestdata.zip",
        sha256="004a3772c8a7ff9bbfeb875880f47f0679d93fc63e5cf9cff72d54a8a6162e57",
    )
    imdb: RemoteParams = RemoteParams(
        url="https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
        sha256="c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
    )

    def of(self, source: str) -> RemoteParams:
        return getattr(self, source.replace("-", "_"))


class DataParams(_Strict):
    source: Source = "builtin"
    builtin_size: int = Field(
        12_000, gt=0, le=MAX_GENERATED_ROWS, description="rows of the generated corpus"
    )
    builtin_label_noise: float = Field(0.05, ge=0, lt=0.5, description="share of flipped labels")
    # cumsum (cumsum.py): per-timestep labels of random sequences, threshold = length / 4
    cumsum_rows: int = Field(
        6_000, gt=0, le=MAX_GENERATED_ROWS, description="sequences generated (cumsum only)"
    )
    cumsum_length: int = Field(
        10, ge=2, le=1000, description="timesteps per sequence (cumsum only)"
    )
    remotes: RemotesParams = RemotesParams()
    path: str | None = Field(
        None,
        description="csv source: local path or http(s) URL of a CSV/TSV/parquet file (.gz/.zip ok)",
    )
    sha256: str | None = Field(
        None, pattern=_SHA256, description="csv source: optional digest of data.path"
    )
    text_column: str = "text"
    label_column: str = "label"
    classes: Literal["binary", "multiclass"] = Field(
        "binary",
        description="binary: negative (0) vs positive (1), a sigmoid head; multiclass: every "
        "label value (or those data.label_map names) is a class of its own, a softmax head",
    )
    label_map: dict[str, int | str | None] | None = Field(
        None,
        description="binary: raw label -> 0/1, or null to drop it, e.g. {negative: 0, positive: "
        "1, neutral: null}; multiclass: raw label -> class name (the map's order is the class "
        "order; two raw values may name one class), or null to drop it",
    )
    split_column: str | None = Field(
        None,
        description="csv: a column of train / test (optionally val) that split.strategy: given "
        "keeps as the split",
    )
    unlabeled_path: str | None = Field(
        None,
        description="a local CSV/TSV/parquet of unlabeled texts (column data.text_column; .gz or "
        "a one-table .zip ok) that the pretrain stage learns from besides the training split "
        "(the imdb source adds its own unlabeled reviews)",
    )
    encoding: str = Field(
        "auto",
        description="csv, sentiment140-subset: the text encoding; auto = a byte-order mark, UTF-16, else UTF-8 (a "
        "file that is not stops with the codec to set, e.g. latin-1 or cp1252)",
    )
    sep: str = Field(
        "auto",
        description="csv, sentiment140-subset: the column separator (',', ';', tab, '|'); auto = tab for .tsv, else "
        "sniffed from the first rows",
    )
    max_rows: int | None = Field(
        None, gt=0, description="keep a stratified, seeded sample of this many rows"
    )
    proxy: str | None = Field(
        None, description="http(s) proxy for downloads; default: *_proxy variables"
    )

    @field_validator("label_map", mode="before")
    @classmethod
    def _label_keys_as_text(cls, value: Any) -> Any:
        # YAML reads `{0: 0, 4: 1}` with int keys; raw labels are compared as text
        return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value

    @field_validator("encoding")
    @classmethod
    def _known_codec(cls, value: str) -> str:
        if value == "auto":
            return value
        try:
            return codecs.lookup(value).name
        except LookupError:
            raise ValueError(
                f"unknown encoding {value!r}: use auto or a codec name such as utf-8, "
                "latin-1, cp1252 or utf-16"
            ) from None

    @field_validator("sep")
    @classmethod
    def _one_character(cls, value: str) -> str:
        value = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}.get(
            value, value
        )
        if value != "auto" and len(value) != 1:
            raise ValueError(
                f"expected auto, tab or one character such as ',' or ';', got {value!r}"
            )
        return value

    @field_validator("label_map")
    @classmethod
    def _label_values(cls, value: dict | None, info: ValidationInfo) -> dict | None:
        if not value:
            return value
        if info.data.get("classes", "binary") == "binary":
            bad = [k for k, v in value.items() if v not in (0, 1, None) or isinstance(v, bool)]
            if bad:
                got = ", ".join(f"data.label_map.{k} is {value[k]!r}" for k in bad)
                raise ValueError(
                    f"with data.classes: binary a label maps to 0, 1 or null (drop), but {got}; "
                    "to name classes of your own set data.classes: multiclass"
                )
            return value
        # multiclass: class names; a number (a star rating) names its class too
        named = {k: None if v is None else str(v).strip() for k, v in value.items()}
        if empty := [k for k, v in named.items() if v == ""]:
            raise ValueError(f"empty class name for {empty}: name the class or map it to null")
        if len({v for v in named.values() if v is not None}) < 2:
            raise ValueError("data.label_map names fewer than two classes: a classifier needs two")
        return named

    @model_validator(mode="after")
    def _csv_needs_path(self) -> "DataParams":
        if self.source == "csv" and not self.path:
            raise ValueError(
                "data.source is 'csv' but data.path is empty: set data.path to the file"
            )
        if self.proxy and not self.proxy.startswith(("http://", "https://")):
            raise ValueError(f"data.proxy must be an http(s):// address, got {self.proxy!r}")
        return self


class CleanParams(_Strict):
    lowercase: bool = True
    strip_html: bool = True
    min_tokens: int = Field(1, ge=1, description="drop texts with fewer tokens after cleaning")
    max_chars: int | None = Field(
        20_000, gt=0, description="drop texts longer than this after cleaning"
    )
    drop_duplicates: bool = True
    placeholders: bool = Field(True, description="@mentions -> xxuser, URLs -> xxurl")
    squeeze_repeats: bool = Field(True, description="letters repeated 3+ times -> 2: sooooo -> soo")


class SplitParams(_Strict):
    strategy: Literal["stratified", "given"] = Field(
        "stratified",
        description="given = keep the data's own split (imdb, or data.split_column of a csv); "
        "val from train when it has none",
    )
    test_size: float = Field(0.15, gt=0, lt=1)
    val_size: float = Field(0.15, gt=0, lt=1)
    vocab_size: int = Field(20_000, gt=2, description="max vocabulary incl. padding and OOV ids")
    min_count: int = Field(2, ge=1, description="keep words seen at least this often in train")
    max_len: int | Literal["auto"] = Field(
        "auto", description="tokens per sequence; auto = max_len_quantile of training lengths"
    )
    max_len_quantile: float = Field(0.95, gt=0, le=1)
    max_len_cap: int = Field(256, gt=0, description="upper bound for max_len: auto")
    truncating: Literal["pre", "post", "head_tail"] = Field(
        "pre",
        description="'pre' keeps the last max_len tokens, 'post' the first, 'head_tail' the "
        "first head_tokens and the last max_len - head_tokens",
    )
    head_tokens: int = Field(
        128, ge=0, description="truncating: head_tail: tokens kept from the start of a long text"
    )

    @model_validator(mode="after")
    def _ratios_leave_training_rows(self) -> "SplitParams":
        if isinstance(self.max_len, int) and self.max_len <= 0:
            raise ValueError(
                f"split.max_len must be a positive integer or 'auto', got {self.max_len}"
            )
        if self.test_size + self.val_size >= 1:
            raise ValueError(
                f"split.test_size + split.val_size = {self.test_size + self.val_size:g} leaves no "
                "training rows: make their sum < 1"
            )
        return self


class ModelParams(_Strict):
    embedding_dim: int = Field(100, gt=0)
    units: int = Field(32, gt=0)
    spatial_dropout: float = Field(0.1, ge=0, lt=1)
    dropout: float = Field(0.2, ge=0, lt=1)
    # >0 disables the fused cuDNN kernels on GPU; kept available, off by default
    recurrent_dropout: float = Field(0.0, ge=0, lt=1)
    token_dropout: float = Field(
        0.0, ge=0, lt=1, description="share of tokens read as the unknown word in training"
    )
    embedding_dropout: float = Field(
        0.0, ge=0, lt=1, description="share of word types dropped (zero vectors) per batch"
    )
    normalize_embeddings: bool = Field(
        False, description="standardise the vectors by training word frequency (Miyato et al.)"
    )
    mask_zero: bool = True
    layers: int = Field(1, ge=1, le=4, description="stacked recurrent layers")
    pooling: Literal["last", "max", "mean"] = Field(
        "max", description="max/mean over time of the sequence output, or the last state"
    )
    dense_units: int = Field(0, ge=0, description="hidden dense layer before the output; 0 = none")
    embeddings: Literal["none", "glove"] = Field(
        "none", description="glove: initialise from a GloVe-format text file (embeddings_path)"
    )
    embeddings_path: str | None = Field(None, description="e.g. glove.twitter.27B.200d.txt")
    embeddings_trainable: bool = Field(
        True, description="fine-tune pretrained vectors (False: frozen)"
    )
    pretrained: Literal["auto", "none", "word2vec"] = Field(
        "auto",
        description="word2vec: every variant starts from word vectors the pretrain stage learns "
        "on the training texts and the unlabeled ones (data.unlabeled_path, the imdb source's "
        "reviews); auto: word2vec when there is unlabeled text, else none; none: random "
        "initial embeddings",
    )

    @model_validator(mode="after")
    def _glove_needs_path(self) -> "ModelParams":
        if self.embeddings == "glove" and not self.embeddings_path:
            raise ValueError(
                "model.embeddings is 'glove' but model.embeddings_path is empty: "
                "point it at a GloVe text file (word v1 v2 ... per line)"
            )
        return self


MAX_EPOCHS = 1000  # far beyond what early stopping lets any variant here use


class TrainParams(_Strict):
    epochs: int = Field(
        6, gt=0, le=MAX_EPOCHS, description="at most this many; early stopping usually ends sooner"
    )
    batch_size: int = Field(256, gt=0)
    patience: int = Field(2, ge=0, description="early stopping on val_loss, best weights restored")
    min_delta: float = Field(1e-4, ge=0, description="smallest val_loss drop that counts")
    learning_rate: float = Field(5e-3, gt=0)
    lr_patience: int = Field(
        2, ge=0, description="epochs without improvement before lr *= lr_factor"
    )
    lr_factor: float = Field(0.5, gt=0, lt=1)
    min_learning_rate: float = Field(1e-5, gt=0)
    clipnorm: float = Field(1.0, gt=0, description="gradient clipping by norm")
    class_weight: Literal["auto", "balanced", "none"] = Field(
        "auto",
        description="auto: balanced weights when the largest class has more than 1.5 times the "
        "rows of the smallest (two classes: the minority under 40%)",
    )
    mixed_precision: bool = Field(
        False, description="float16 compute on a GPU (ignored on CPU, where it only slows down)"
    )
    adversarial: Literal["none", "fgm"] = Field(
        "none",
        description="fgm: adversarial training on the embeddings (fast gradient method, "
        "Miyato et al.): each batch also trains on its worst-case perturbation of norm "
        "adversarial_epsilon",
    )
    adversarial_epsilon: float = Field(
        5.0, gt=0, description="L2 norm of a text's adversarial perturbation (fgm)"
    )
    length_buckets: int = Field(
        1,
        ge=1,
        le=16,
        description="batches of this many fixed lengths (texts padded to the shortest that "
        "holds them), e.g. 4; 1 = every batch at max_len",
    )
    plateau_margin: float | None = Field(
        0.02,
        ge=0,
        lt=1,
        description="validation loss must fall this share below the trivial loss (predicting "
        "the class prior) before patience counts (or rise this share above it: a model getting "
        "worse); a variant that never falls below did not learn. "
        "null: no such rule (patience counts from the first epoch, every variant is ranked)",
    )


class PretrainParams(_Strict):
    """The pretrain stage: word vectors every variant starts from (model.pretrained)."""

    window: int = Field(5, ge=1, description="word2vec context window")
    epochs: int = Field(10, ge=1, le=MAX_EPOCHS, description="passes over the texts")
    min_count: int = Field(1, ge=1, description="words seen fewer times keep random vectors")
    skip_gram: bool = Field(True, description="skip-gram (true) or CBOW (false)")
    workers: Literal["auto"] | Annotated[int, Field(ge=1, le=256)] = Field(
        "auto",
        description="word2vec threads; auto: every core this process may use. Only 1 gives "
        "bit-identical vectors run to run (threads see the texts in varying order)",
    )


class VariantParams(_Strict):
    cells: list[Cell] = Field(default_factory=lambda: list(CELLS), min_length=1)
    merge_modes: list[MergeMode] = Field(default_factory=lambda: list(MERGE_MODES), min_length=1)
    unidirectional: list[Cell] = Field(
        default_factory=lambda: ["lstm"], description="cells also trained one-way, as references"
    )
    seeds: list[Annotated[int, Field(ge=0, le=MAX_SEED)]] | None = Field(
        None,
        min_length=1,
        max_length=20,
        description="train every variant once per seed and compare mean +- std; null = [seed]",
    )
    baselines: list[BaselineName] = Field(
        default_factory=lambda: ["tfidf-logreg"],
        description="non-recurrent references fitted beside the variants (each of the data's "
        "task: tfidf-logreg for text, position-logreg for cumsum); [] for none",
    )

    @field_validator("cells", "merge_modes", "unidirectional", "seeds", "baselines")
    @classmethod
    def _no_repeats(cls, value: list | None) -> list | None:
        if value is None:
            return value
        repeated = sorted({v for v in value if value.count(v) > 1})
        if repeated:
            raise ValueError(f"{repeated} listed more than once: each value is used once")
        return value


class CompareParams(_Strict):
    metric: Literal["auto", "accuracy", "balanced_accuracy", "macro_f1"] = Field(
        "auto",
        description="validation score the variants are ranked by; auto = accuracy when the "
        "classes are balanced, else balanced_accuracy (binary) or macro_f1 (multiclass); "
        "imbalanced: the largest class has more than 1.5 times the rows of the smallest",
    )


class TrackingParams(_Strict):
    enabled: bool = True
    live: bool = Field(
        True,
        description="each variant's run is created when its training starts and gets its "
        "epochs as they finish; false: runs appear only when `track` logs the finished outputs",
    )
    uri: str = Field(
        "sqlite:///mlruns/mlflow.db", description="overridden by the MLFLOW_TRACKING_URI variable"
    )
    artifact_root: str = "mlruns/artifacts"
    experiment: str | None = Field(None, description="default: named after data.source")
    promote: bool = Field(
        False,
        description="move the champion alias to this run's best even if it does not beat the "
        "current champion on the same data",
    )


class OrchestrationParams(_Strict):
    """How the Prefect flow (flows/) runs the stages; no DVC stage reads these."""

    cron: str = Field("0 2 * * *", min_length=1, description="schedule of the served deployment")
    timezone: str = Field("UTC", description="IANA zone the cron is read in")
    deployment: str = Field("nightly", min_length=1, description="name of the served deployment")
    task_runner: Literal["threads", "dask"] = Field(
        "threads", description="variant fan-out: threads in the flow process, or a Dask cluster"
    )
    max_workers: int = Field(
        2, ge=1, description="threads, or workers of a temporary local Dask cluster"
    )
    dask_address: str | None = Field(
        None,
        description="scheduler of a running Dask cluster, e.g. tcp://10.0.0.5:8786 (implies dask)",
    )
    train_retries: int = Field(
        0, ge=0, description="train task retries (a NaN loss recurs: default none)"
    )
    results_dir: str = Field(
        ".prefect-results",
        min_length=1,
        description="task results and cache keys, relative to the project root",
    )
    dvc_commit: bool = Field(
        True, description="record the outputs with dvc commit (+ dvc push to a remote)"
    )


class Params(_Strict):
    # numpy and scikit-learn take seeds in [0, 2**32): fail here, naming the key, not inside them
    seed: int = Field(42, ge=0, le=MAX_SEED)
    data: DataParams = DataParams()
    clean: CleanParams = CleanParams()
    split: SplitParams = SplitParams()
    model: ModelParams = ModelParams()
    train: TrainParams = TrainParams()
    pretrain: PretrainParams = PretrainParams()
    variants: VariantParams = VariantParams()
    compare: CompareParams = CompareParams()
    tracking: TrackingParams = TrackingParams()
    orchestration: OrchestrationParams = OrchestrationParams()

    def variant_names(self) -> list[str]:
        """Bidirectional variants (cell x merge mode), then the unidirectional references."""
        bidirectional = [
            variant_name(c, m) for c in self.variants.cells for m in self.variants.merge_modes
        ]
        return bidirectional + [
            variant_name(c, UNIDIRECTIONAL) for c in self.variants.unidirectional
        ]

    def training_seeds(self) -> list[int]:
        """The seeds each variant is trained with: variants.seeds, else the one global seed."""
        return list(self.variants.seeds) if self.variants.seeds else [self.seed]

    def flat(self) -> dict[str, Any]:
        """Params as flat dotted keys, the form MLflow and reports use; credentials in URLs
        (data.path, data.proxy, data.remotes) are masked."""
        from birnn.redact import redact

        flat = _flatten(self.model_dump(mode="json"))
        return {k: redact(v) if isinstance(v, str) and "://" in v else v for k, v in flat.items()}


def variant_name(cell: str, merge_mode: str) -> str:
    return f"{cell}-{merge_mode}"


def parse_variant(name: str) -> tuple[str, str | None, str]:
    """'lstm-concat' -> ('lstm', 'concat', 'bidirectional'); 'gru-uni' -> ('gru', None, 'unidirectional')."""
    cell, _, merge_mode = name.rpartition("-")
    if cell in CELLS and merge_mode == UNIDIRECTIONAL:
        return cell, None, "unidirectional"
    if cell not in CELLS or merge_mode not in MERGE_MODES:
        raise ParamsError(
            f"unknown variant {name!r}: expected '<cell>-<merge_mode>' or '<cell>-uni' with cell in "
            f"{CELLS} and merge_mode in {MERGE_MODES}"
        )
    return cell, merge_mode, "bidirectional"


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


def add_override_option(parser) -> None:
    """`--set KEY=VALUE` (repeatable) on an argparse parser; read it with parse_overrides."""
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one param for this run, e.g. --set train.epochs=2",
    )


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """`--set KEY=VALUE` pairs -> {dotted key: YAML value}, for load_params(overrides=...)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ParamsError(f"--set expects KEY=VALUE, got {pair!r}")
        out[key.strip()] = read_yaml(value, f"--set {key.strip()}")
    return out


def load_params(
    path: str | Path = "params.yaml", overrides: dict[str, Any] | None = None
) -> Params:
    """Read, merge dotted overrides ({'train.epochs': 2}) and validate params.yaml."""
    path = Path(path)
    try:
        raw = read_yaml(path.read_text(encoding="utf-8"), str(path))
    except FileNotFoundError:
        raise ParamsError(f"{path}: params file not found (run from the project root)") from None
    if not raw:
        logging.getLogger("birnn").warning(
            "%s is empty: every param takes its default (the builtin corpus); copy the "
            "project's params.yaml to choose them",
            path,
        )
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
    from birnn.messages import excerpt

    lines = [f"{origin}: {err.error_count()} invalid param(s):"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        if e["type"] == "extra_forbidden":
            lines.append(f"  - {key}: unknown key (typo? see params.yaml for the valid keys)")
        else:
            got = e.get("input")
            shown = "" if isinstance(got, dict) else f" (got {excerpt(repr(got))})"
            lines.append(f"  - {key}: {e['msg']}{shown}")
    return "\n".join(lines)
