"""The baseline registry: every name params accept has an entry, and a baseline of another
task than the data's stops the run at the source stage, naming the value to use."""

from typing import get_args

import pytest

from birnn import stages
from birnn.config import BaselineName, ParamsError
from birnn.layout import Layout
from birnn.tasks.baselines import BASELINES, baseline, check_task
from conftest import tiny_params


def test_the_registry_has_exactly_the_names_the_schema_allows():
    assert set(BASELINES) == set(get_args(BaselineName))
    assert all(b.name == name and b.label and callable(b.fit) for name, b in BASELINES.items())
    assert {b.task for b in BASELINES.values()} == {"text", "cumsum"}


def test_an_unknown_baseline_name_says_which_exist():
    with pytest.raises(KeyError, match="tfidf-logreg"):
        baseline("nb-svm")


def test_a_baseline_of_another_task_is_one_line_naming_the_key_and_the_right_value():
    with pytest.raises(ParamsError) as err:
        check_task(["tfidf-logreg"], "cumsum", "data.source cumsum")
    assert str(err.value) == (
        "variants.baselines: tfidf-logreg is a baseline of the text task; data.source cumsum "
        "is the cumsum task: use variants.baselines=[position-logreg]"
    )
    check_task(["position-logreg"], "cumsum", "data.source cumsum")
    check_task([], "cumsum", "data.source cumsum")


def test_the_source_stage_stops_before_writing_anything(tmp_path):
    params = tiny_params(data={"source": "cumsum"})  # the default baseline is tfidf-logreg
    with pytest.raises(ParamsError, match=r"use variants\.baselines=\[position-logreg\]"):
        stages.run_source(params, Layout(tmp_path))
    assert not any(tmp_path.iterdir())


def test_unknown_and_repeated_names_are_rejected_by_the_schema():
    with pytest.raises(ParamsError, match="baselines"):
        tiny_params(variants={"baselines": ["nb-svm"]})
    with pytest.raises(ParamsError, match="more than once"):
        tiny_params(variants={"baselines": ["tfidf-logreg", "tfidf-logreg"]})
