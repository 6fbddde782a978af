"""The stage registry is the one declaration of the DAG: dvc.yaml is generated from it, the CLI
and the flow offer its stages, and every stage is named the way dvc.yaml spells it."""

from __future__ import annotations

import yaml

from birnn.config import load_params
from birnn.orchestration.dvc_yaml import render
from birnn.pipeline import STAGES, dvc_stage_names, stage
from conftest import REPO, tiny_params


def test_checked_in_dvc_yaml_is_what_the_registry_generates():
    assert (REPO / "dvc.yaml").read_text() == render(REPO), (
        "dvc.yaml differs from the stage registry: run `birnn dvc-yaml` and commit dvc.yaml"
    )


def test_every_registered_stage_is_a_dvc_stage_calling_its_cli_command():
    definitions = yaml.safe_load(render(REPO))["stages"]
    expected = {s.name for s in STAGES} | {f"{s.name}_uni" for s in STAGES if s.per_variant}
    assert set(definitions) == expected
    for s in STAGES:
        for name in [s.name, f"{s.name}_uni"] if s.per_variant else [s.name]:
            body = definitions[name].get("do", definitions[name])
            assert body["cmd"].split()[:2] == ["bin/birnn", s.name], name
            assert body.get("params", []) == list(s.params), name


def test_per_variant_stages_keep_matrix_and_foreach_over_the_variants_params():
    definitions = yaml.safe_load(render(REPO))["stages"]
    assert definitions["train"]["matrix"] == {
        "cell": "${variants.cells}",
        "merge_mode": "${variants.merge_modes}",
    }
    assert definitions["train_uni"]["foreach"] == "${variants.unidirectional}"
    assert "models/${item}-uni" in definitions["train_uni"]["do"]["outs"]


def test_the_baseline_stage_is_a_foreach_over_the_baselines_params():
    baseline = yaml.safe_load(render(REPO))["stages"]["baseline"]
    assert baseline["foreach"] == "${variants.baselines}"
    assert baseline["do"]["cmd"] == "bin/birnn baseline ${item}"
    outs = {next(iter(o)): o[next(iter(o))] for o in baseline["do"]["outs"]}
    assert set(outs) == {"reports/predictions/${item}.npy", "reports/metrics/${item}.json"}
    assert all(o == {"cache": False, "persist": True} for o in outs.values())


def test_generated_dvc_yaml_keeps_its_comments():
    text = render(REPO)
    assert "# GENERATED from the stage registry" in text
    assert "data.proxy is read but left out on purpose" in text
    assert "data.proxy" not in yaml.safe_load(text)["stages"]["download"]["params"]


def test_dvc_yaml_check_fails_when_the_file_differs(tmp_path, monkeypatch, capsys):
    from birnn.cli import main

    (tmp_path / "src").symlink_to(REPO / "src")
    (tmp_path / "params.yaml").write_text((REPO / "params.yaml").read_text())
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["dvc-yaml", "--check"]) == 1
    assert "run `birnn dvc-yaml`" in capsys.readouterr().err
    assert main(["dvc-yaml"]) == 0
    assert main(["dvc-yaml", "--check"]) == 0


def test_dvc_names_follow_the_matrix_and_foreach_spelling():
    assert stage("train").dvc_name("lstm-concat") == "train@lstm-concat"
    assert stage("train").dvc_name("gru-uni") == "train_uni@gru"
    assert stage("compare").dvc_name() == "compare"
    assert stage("baseline").dvc_name("position-logreg") == "baseline@position-logreg"
    params = tiny_params(variants={"cells": ["gru"], "merge_modes": ["sum"], "unidirectional": []})
    assert dvc_stage_names(params) == [
        "source",
        "download",
        "clean",
        "tokenize",
        "split",
        "pretrain",
        "train@gru-sum",
        "baseline@tfidf-logreg",
        "compare",
        "track",
    ]


def test_no_baselines_means_no_baseline_stage():
    params = tiny_params(variants={"cells": ["gru"], "merge_modes": ["sum"], "baselines": []})
    assert not [name for name in dvc_stage_names(params) if name.startswith("baseline")]


def test_the_flow_has_one_task_per_registered_stage():
    from birnn.orchestration.flow import TASKS

    assert list(TASKS) == [s.name for s in STAGES]


def test_the_cli_offers_every_stage():
    from birnn.cli import _parser

    commands = _parser()._subparsers._group_actions[0].choices
    assert {s.name for s in STAGES} <= set(commands)
    assert len(dvc_stage_names(load_params(REPO / "params.yaml"))) > len(STAGES)
