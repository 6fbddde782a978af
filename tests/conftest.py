"""Shared fixtures: tiny datasets and params, built in the test, never downloaded."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from birnn.config import Params, parse_params  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def tiny_params(**sections) -> Params:
    """Params small enough to train every variant in seconds."""
    raw = {
        "seed": 7,
        "data": {"builtin_size": 400},
        "split": {"min_count": 1},
        "model": {"embedding_dim": 8, "units": 4, "pretrained": "none"},
        "train": {"epochs": 2, "batch_size": 64, "patience": 1, "plateau_margin": None},
        "pretrain": {"workers": 1},  # one thread: bit-identical vectors
    }
    for section, values in sections.items():
        if isinstance(values, dict):
            raw.setdefault(section, {}).update(values)
        else:
            raw[section] = values
    # no live MLflow run unless a test asks: a stage trained here must not write the repo's store
    raw.setdefault("tracking", {}).setdefault("live", False)
    return parse_params(raw)


@pytest.fixture
def params() -> Params:
    return tiny_params()


@pytest.fixture
def reviews() -> pd.DataFrame:
    """A hand-written table with the awkward cases cleaning has to handle."""
    return pd.DataFrame(
        {
            "text": [
                "Great<br />movie!",
                "great movie!",
                "  Awful   plot  ",
                "not bad at all",
                "ambiguous one",
                "ambiguous one",
                "",
                "fine &amp; fun",
                "dull",
                "  ",
            ],
            "label": ["1", "1", "0", "1", "1", "0", "1", "positive", "neg", "0"],
        }
    )


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """A tiny project split and trained once (gru-concat): the train, evaluate and predict
    tests read it."""
    from birnn import stages
    from birnn.layout import Layout

    root = tmp_path_factory.mktemp("project")
    params = tiny_params(
        variants={"cells": ["gru"], "merge_modes": ["concat"], "unidirectional": ["lstm"]}
    )
    layout = Layout(root)
    for step in (stages.run_download, stages.run_clean, stages.run_tokenize, stages.run_split):
        step(params, layout)
    summary = stages.run_train(params, layout, "gru-concat")
    return params, layout, summary


# words that say each class of the tiny three-class table (and words every class shares)
THREE_CLASS_WORDS = {
    "negative": ["awful", "late", "rude", "lost", "worst", "delayed", "never"],
    "neutral": ["gate", "monday", "ticket", "seat", "schedule", "boston", "terminal"],
    "positive": ["great", "friendly", "thanks", "smooth", "love", "best", "helpful"],
}
_SHARED_WORDS = ["the", "flight", "my", "crew", "was", "today", "a", "on", "to"]


def write_three_class_csv(
    path: Path, counts: tuple[int, int, int] = (180, 90, 60), seed: int = 0
) -> Path:
    """A tiny, learnable table of three classes (negative / neutral / positive by default in
    the ratio 3:1.5:1, so imbalanced): column ``text`` and ``sentiment``, rows shuffled."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows = []
    for name, n in zip(THREE_CLASS_WORDS, counts):
        for _ in range(n):
            words = list(rng.choice(THREE_CLASS_WORDS[name], size=2)) + list(
                rng.choice(_SHARED_WORDS, size=int(rng.integers(3, 7)))
            )
            rng.shuffle(words)
            rows.append((" ".join(words), name))
    order = rng.permutation(len(rows))
    table = pd.DataFrame([rows[i] for i in order], columns=["text", "sentiment"])
    table.to_csv(path, index=False)
    return path


def three_class_params(path: Path, **sections) -> Params:
    """tiny_params on the three-class table at ``path`` (data.classes: multiclass)."""
    data = {"source": "csv", "path": str(path), "label_column": "sentiment"}
    return tiny_params(
        **{
            **sections,
            "data": {**data, "classes": "multiclass", **sections.get("data", {})},
            "variants": sections.get(
                "variants", {"cells": ["gru"], "merge_modes": ["concat"], "unidirectional": []}
            ),
        }
    )


@pytest.fixture(scope="session")
def trained_three(tmp_path_factory):
    """A tiny three-class project split, fitted (gru-concat, TF-IDF) and compared once."""
    from birnn import stages
    from birnn.layout import Layout

    root = tmp_path_factory.mktemp("three-class")
    params = three_class_params(
        write_three_class_csv(root / "three.csv"), train={"epochs": 3, "learning_rate": 0.02}
    )
    layout = Layout(root)
    fit_gru_concat_and_baselines(params, layout)
    stages.run_compare(params, layout)
    return params, layout


def fit_gru_concat_and_baselines(params: Params, layout) -> None:
    """The data stages, the baselines and gru-concat (fitted and scored) of a tiny project."""
    from birnn import stages

    for step in (
        stages.run_download,
        stages.run_clean,
        stages.run_tokenize,
        stages.run_split,
        stages.run_baseline,
    ):
        step(params, layout)
    stages.run_train(params, layout, "gru-concat")
