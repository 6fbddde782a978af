"""The stage registry is the one list of stages: dvc.yaml, the CLI and the flow agree with it."""

from __future__ import annotations

import yaml

from birnn.config import load_params
from birnn.pipeline import STAGES, dvc_stage_names, stage
from conftest import REPO, tiny_params


def _dvc_definitions() -> dict:
    return yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]


def test_every_registered_stage_is_a_dvc_stage_calling_its_cli_command():
    definitions = _dvc_definitions()
    expected = {s.name for s in STAGES} | {f"{s.name}_uni" for s in STAGES if s.per_variant}
    assert set(definitions) == expected
    for s in STAGES:
        for name in [s.name, f"{s.name}_uni"] if s.per_variant else [s.name]:
            body = definitions[name].get("do", definitions[name])
            assert body["cmd"].split()[:2] == ["bin/birnn", s.name], name


def test_dvc_names_follow_the_matrix_and_foreach_spelling():
    assert stage("train").dvc_name("lstm-concat") == "train@lstm-concat"
    assert stage("evaluate").dvc_name("gru-uni") == "evaluate_uni@gru"
    assert stage("compare").dvc_name() == "compare"
    params = tiny_params(variants={"cells": ["gru"], "merge_modes": ["sum"], "unidirectional": []})
    assert dvc_stage_names(params) == [
        "source",
        "download",
        "clean",
        "tokenize",
        "split",
        "pretrain",
        "train@gru-sum",
        "evaluate@gru-sum",
        "baseline",
        "compare",
        "track",
    ]


def test_the_flow_has_one_task_per_registered_stage():
    from birnn.orchestration.flow import TASKS

    assert list(TASKS) != [] and set(TASKS) == {s.name for s in STAGES}


def test_the_cli_offers_every_stage():
    from birnn.cli import _parser

    commands = _parser()._subparsers._group_actions[0].choices
    assert {s.name for s in STAGES} <= set(commands)
    assert len(dvc_stage_names(load_params(REPO / "params.yaml"))) > len(STAGES)
