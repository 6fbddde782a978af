"""The pipeline, declared once: the ordered stage registry. dvc.yaml is generated from it
(`birnn dvc-yaml`), the Prefect flow makes one task of each entry, and the CLI offers each as a
command.

    source -> download -> clean -> tokenize -> split -> pretrain -> train@v -> baseline@b
           -> compare -> track

Each entry says what its stage reads (``deps``: files and folders; ``params``: params.yaml keys)
and writes (``outs``). Its code dependencies are not listed: they are the import closure of its
entry module ``birnn.stages.<name>`` (birnn.orchestration.closure). A per-variant stage runs
once for every variant params select; dvc.yaml spells it as a ``matrix`` (bidirectional) plus a
``foreach`` named ``<stage>_uni`` (one-way references). ``{variant}`` in a path is the variant.
A per-baseline stage runs once for every name in ``variants.baselines``: a ``foreach`` over that
list, ``{baseline}`` in a path is the name.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from birnn.config import parse_variant

if TYPE_CHECKING:
    from birnn.config import Params

UNIDIRECTIONAL_SUFFIX = "_uni"
VARIANT = "{variant}"
BASELINE = "{baseline}"


@dataclass(frozen=True)
class Output:
    path: str
    cache: bool = True  # False: DVC records its hash but keeps no copy (small reports)
    persist: bool = False  # True: kept until the stage writes its replacement
    section: Literal["outs", "metrics", "plots"] = "outs"


def report(path: str, section: Literal["outs", "metrics", "plots"] = "outs") -> Output:
    """A small report a failed run must not delete: uncached, kept until replaced."""
    return Output(path, cache=False, persist=True, section=section)


@dataclass(frozen=True)
class Stage:
    name: str
    help: str
    deps: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    outs: tuple[Output, ...] = ()
    per_variant: bool = False
    per_baseline: bool = False
    always_changed: bool = False
    # for dvc.yaml's readers: a comment above the stage, and one above any dep/param/out
    comment: str = ""
    notes: tuple[tuple[str, str], ...] = ()

    @property
    def entry(self) -> str:
        return f"birnn.stages.{self.name}"

    def run(self, params: Params, layout, *args):
        return importlib.import_module(self.entry).run(params, layout, *args)

    @property
    def fans_out(self) -> bool:
        """Runs once per item (variant or baseline), which its command names."""
        return self.per_variant or self.per_baseline

    def items(self, params: Params) -> list[str | None]:
        """What it runs for: the variants, the baselines, or [None] for a stage that runs once."""
        if self.per_variant:
            return params.variant_names()
        if self.per_baseline:
            return list(params.variants.baselines)
        return [None]

    def dvc_name(self, item: str | None = None) -> str:
        """The stage's name in dvc.yaml: 'train@lstm-concat', 'train_uni@gru',
        'baseline@tfidf-logreg', 'compare'."""
        if not self.fans_out:
            return self.name
        if item is None:
            what = "variant" if self.per_variant else "baseline"
            raise ValueError(f"stage {self.name!r} runs per {what}: name the {what}")
        if self.per_baseline:
            return f"{self.name}@{item}"
        cell, _, direction = parse_variant(item)
        if direction == "bidirectional":
            return f"{self.name}@{item}"
        return f"{self.name}{UNIDIRECTIONAL_SUFFIX}@{cell}"

    def paths(self, entries: tuple[str, ...], item: str | None) -> list[str]:
        """The entries for one item: its name in place of {variant} or {baseline}."""
        placeholder = BASELINE if self.per_baseline else VARIANT
        return [e.replace(placeholder, item) if item else e for e in entries]


STAGES: tuple[Stage, ...] = (
    Stage(
        "source",
        "check params.yaml, fingerprint the data by content (runs every time)",
        outs=(Output("data/source", cache=False, persist=True),),
        always_changed=True,
        comment=(
            "runs first, every time, in a second: checks all of params.yaml (a bad value stops\n"
            "the run before any stage deletes its outputs); fingerprints the data by content, so\n"
            "a data.path edited in place re-runs download and everything after it, and an\n"
            "unchanged one nothing (DVC's own record misses a same-size edit with its mtime\n"
            "restored); marks the variants that failed last time, so only they train again"
        ),
    ),
    Stage(
        "download",
        "fetch or generate the raw data",
        deps=("data/source/labeled.json",),
        params=(
            "seed",
            "data.source",
            "data.builtin_size",
            "data.builtin_label_noise",
            "data.cumsum_rows",
            "data.cumsum_length",
            "data.remotes",
            "data.path",
            "data.sha256",
        ),
        outs=(Output("data/raw"),),
        notes=(
            (
                "seed",
                "data.proxy is read but left out on purpose: it changes the route, not the bytes\n"
                "(like the http_proxy variables), so switching it must not refetch gigabytes",
            ),
        ),
    ),
    Stage(
        "clean",
        "normalise text and labels, report dropped rows",
        deps=("data/raw",),
        params=(
            "seed",
            "data.source",
            "data.text_column",
            "data.label_column",
            "data.classes",
            "data.label_map",
            "data.split_column",
            "data.encoding",
            "data.sep",
            "data.max_rows",
            "split.test_size",
            "clean",
        ),
        outs=(Output("data/interim/clean.parquet"), report("reports/clean_report.json")),
    ),
    Stage(
        "tokenize",
        "split texts into tokens",
        deps=("data/interim/clean.parquet",),
        outs=(Output("data/interim/tokens.parquet"),),
    ),
    Stage(
        "split",
        "train/val/test split, vocabulary, padding",
        deps=("data/interim/tokens.parquet",),
        params=("seed", "split"),
        outs=(Output("data/processed"),),
    ),
    Stage(
        "pretrain",
        "word vectors from the training texts",
        deps=(
            "data/source/unlabeled.json",
            "data/raw",
            "data/processed/train.npz",
            "data/processed/vocab.json",
            "data/processed/heldout_digests.npy",
        ),
        params=(
            "seed",
            "model.pretrained",
            "model.embedding_dim",
            "pretrain",
            "data.source",
            "data.unlabeled_path",
            "data.text_column",
            "clean",
        ),
        outs=(Output("models/pretrained"),),
        comment=(
            "word vectors every variant starts from, learned on the training texts and the\n"
            "unlabeled ones (the imdb source's reviews, data.unlabeled_path), never on val/test"
        ),
        notes=(
            ("data/raw", "the imdb archive's unlabeled reviews"),
            (
                "data/processed/heldout_digests.npy",
                "one digest per val/test text: copies among the unlabeled texts are dropped",
            ),
        ),
    ),
    Stage(
        "train",
        "train one variant, then score it on the validation and test splits",
        deps=(
            "data/source/attempts/{variant}.json",
            "data/processed",
            "reports/clean_report.json",
            "models/pretrained",
        ),
        params=("seed", "variants.seeds", "model", "train", "clean"),
        outs=(
            Output("models/{variant}"),
            Output("reports/curves/{variant}.csv", cache=False),
            report("reports/predictions/{variant}.npy"),
            report("reports/metrics/{variant}.json"),
        ),
        per_variant=True,
        comment=(
            "one variant: fit, then score (one process, so one Keras start-up per variant);\n"
            "the numbers for `dvc exp show` are in compare's reports/scores.json"
        ),
        notes=(
            (
                "data/source/attempts/{variant}.json",
                "rewritten by source when this variant failed last time: the next repro retries it",
            ),
            ("reports/clean_report.json", "the label names the model answers with"),
        ),
    ),
    Stage(
        "baseline",
        "fit a non-recurrent reference: one of variants.baselines (default: each of them)",
        deps=("data/interim/tokens.parquet", "data/processed"),
        params=("seed",),
        outs=(
            report("reports/predictions/{baseline}.npy"),
            report("reports/metrics/{baseline}.json"),
        ),
        per_baseline=True,
        comment="one reference of the data's task (src/birnn/tasks/baselines.py)",
    ),
    Stage(
        "compare",
        "rank the variants, test the differences",
        deps=(
            "reports/metrics",
            "reports/predictions",
            "reports/curves",
            "reports/clean_report.json",
            "data/processed/test.npz",
        ),
        params=("variants", "compare"),
        outs=(
            report("reports/comparison.md"),
            report("reports/comparison.json"),
            report("reports/plots"),
            report("reports/scores.json", "metrics"),
            report("reports/figures", "plots"),
        ),
        notes=(
            (
                "reports/scores.json",
                "one number per variant and metric: the columns of dvc exp show",
            ),
            ("reports/figures", "images for people (dvc plots show/diff renders them too)"),
        ),
    ),
    Stage(
        "track",
        "record every variant in MLflow",
        deps=("reports/comparison.json", "models"),
        params=("tracking",),
        outs=(report("reports/tracking.json"),),
    ),
)
BY_NAME = {stage.name: stage for stage in STAGES}
# the stages before the variants fan out, in registry order
PREPARE_STAGES = tuple(
    s.name for s in STAGES[: next(i for i, s in enumerate(STAGES) if s.per_variant)]
)


def stage(name: str) -> Stage:
    if name not in BY_NAME:
        raise KeyError(f"no stage {name!r} in the pipeline; its stages are {list(BY_NAME)}")
    return BY_NAME[name]


def dvc_stage_names(params: Params) -> list[str]:
    """Every stage `dvc repro` runs for these params, in registry order."""
    names: list[str] = []
    for s in STAGES:
        names += [s.dvc_name(item) for item in s.items(params)]
    return names
