"""The pipeline, declared once: the ordered stage registry that the CLI, the Prefect flow, the
benchmark and the tests iterate, and that dvc.yaml is checked against.

    source -> download -> clean -> tokenize -> split -> pretrain -> train@v -> evaluate@v
           -> baseline -> compare -> track

A per-variant stage runs once for every variant params select; dvc.yaml spells it as a
``matrix`` (bidirectional) plus a ``foreach`` named ``<stage>_uni`` (one-way references).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from birnn import stages
from birnn.config import Params, parse_variant

UNIDIRECTIONAL_SUFFIX = "_uni"


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[..., dict]
    per_variant: bool = False
    help: str = ""

    def dvc_name(self, variant: str | None = None) -> str:
        """The stage's name in dvc.yaml: 'train@lstm-concat', 'train_uni@gru', 'compare'."""
        if not self.per_variant:
            return self.name
        if variant is None:
            raise ValueError(f"stage {self.name!r} runs per variant: name the variant")
        cell, _, direction = parse_variant(variant)
        if direction == "bidirectional":
            return f"{self.name}@{variant}"
        return f"{self.name}{UNIDIRECTIONAL_SUFFIX}@{cell}"

    def dvc_definition(self, variant: str | None = None) -> str:
        """The key of the stage's definition in dvc.yaml ('train', 'train_uni', 'compare')."""
        return self.dvc_name(variant).partition("@")[0]


STAGES: tuple[Stage, ...] = (
    Stage(
        "source",
        stages.run_source,
        help="check params.yaml, fingerprint the data by content (runs every time)",
    ),
    Stage("download", stages.run_download, help="fetch or generate the raw data"),
    Stage("clean", stages.run_clean, help="normalise text and labels, report dropped rows"),
    Stage("tokenize", stages.run_tokenize, help="split texts into tokens"),
    Stage("split", stages.run_split, help="train/val/test split, vocabulary, padding"),
    Stage("pretrain", stages.run_pretrain, help="word vectors from the training texts"),
    Stage("train", stages.run_train, per_variant=True, help="train one variant"),
    Stage(
        "evaluate",
        stages.run_evaluate,
        per_variant=True,
        help="score one variant on the test split",
    ),
    Stage("baseline", stages.run_baseline, help="the non-recurrent reference"),
    Stage("compare", stages.run_compare, help="rank the variants, test the differences"),
    Stage("track", stages.run_track, help="record every variant in MLflow"),
)
BY_NAME = {stage.name: stage for stage in STAGES}


def stage(name: str) -> Stage:
    if name not in BY_NAME:
        raise KeyError(f"no stage {name!r} in the pipeline; its stages are {list(BY_NAME)}")
    return BY_NAME[name]


def dvc_stage_names(params: Params) -> list[str]:
    """Every stage `dvc repro` runs for these params, in registry order."""
    names: list[str] = []
    for s in STAGES:
        names += [s.dvc_name(v) for v in params.variant_names()] if s.per_variant else [s.name]
    return names
