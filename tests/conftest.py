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
