"""The whole DAG for real: `dvc repro` in a temporary copy of the repo, then the Prefect flow
in another copy, with tiny params. No mocks of DVC, MLflow, Prefect or Keras."""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
import yaml

from projects import changed_stages, copy_project, project_env, run, stages_run

pytestmark = pytest.mark.integration

TINY = {
    "seed": 11,
    "data": {"builtin_size": 500},
    "split": {"min_count": 1},
    "model": {"embedding_dim": 8, "units": 4, "pretrained": "word2vec"},  # the real stage
    "pretrain": {"epochs": 1, "workers": 1},
    "train": {"epochs": 2, "batch_size": 64, "patience": 1, "plateau_margin": None},
    "variants": {"cells": ["lstm"], "merge_modes": ["concat", "mul"], "unidirectional": ["gru"]},
}
VARIANTS = ["lstm-concat", "lstm-mul", "gru-uni"]


def _copy_project(dest: Path) -> Path:
    return copy_project(dest, TINY)


_env, _run = project_env, run


@pytest.fixture(scope="module")
def dvc_project(tmp_path_factory):
    root = _copy_project(tmp_path_factory.mktemp("dvc") / "project")
    env = _env(root)
    _run(["dvc", "repro"], root, env)
    return root, env


@pytest.fixture(scope="module")
def flow_project(tmp_path_factory):
    root = _copy_project(tmp_path_factory.mktemp("flow") / "project")
    env = _env(root)
    proc = _run([sys.executable, "flows/pipeline.py"], root, env)
    return root, env, proc.stdout + proc.stderr


def test_dvc_repro_produces_metrics_comparison_and_models(dvc_project):
    root, _ = dvc_project
    for name in [*VARIANTS, "tfidf-logreg"]:
        metrics = json.loads((root / "reports" / "metrics" / f"{name}.json").read_text())
        assert 0.0 <= metrics["accuracy"] <= 1.0 and metrics["n_test"] > 0
    comparison = json.loads((root / "reports" / "comparison.json").read_text())
    assert (
        comparison["best_variant"] in VARIANTS and len(comparison["variants"]) == len(VARIANTS) + 1
    )
    assert (root / "reports" / "comparison.md").read_text().startswith("# Variant comparison")
    for variant in VARIANTS:
        assert (root / "models" / variant / "model.keras").is_file()
        assert (root / "reports" / "curves" / f"{variant}.csv").is_file()


def test_dvc_status_is_clean_and_second_repro_does_nothing(dvc_project):
    root, env = dvc_project
    assert changed_stages(root, env) == set()
    again = _run(["dvc", "repro"], root, env)
    assert stages_run(again.stdout) == {"source"}, (
        "only the data check runs; nothing changed downstream"
    )


def test_dvc_metrics_are_numbers_only_and_exp_show_stays_narrow(dvc_project, tmp_path):
    root, env = dvc_project
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, symlinks=True)
    _run(["git", "add", "-A"], copy, env)  # `dvc exp show` tabulates commits
    _run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "run"], copy, env)
    shown = json.loads(_run(["dvc", "metrics", "show", "--json"], copy, env).stdout)
    files = next(iter(shown.values()))["data"]
    assert list(files) == ["reports/scores.json"]
    scores = files["reports/scores.json"]["data"]
    assert set(scores) == {*VARIANTS, "tfidf-logreg"}
    assert all(isinstance(v, float) for row in scores.values() for v in row.values())
    table = json.loads(_run(["dvc", "exp", "show", "--json"], copy, env).stdout)
    metric_columns = {
        f"{name}.{metric}"
        for row in table
        for files in [(row.get("data") or {}).get("metrics") or {}]
        for content in files.values()
        for name, values in (content.get("data") or {}).items()
        for metric in values
    }
    # a column per variant and metric (3 each), nothing else: 12 here, 42 with the defaults
    assert 0 < len(metric_columns) <= 3 * (len(VARIANTS) + 1)
    assert {"lstm-concat.accuracy", "tfidf-logreg.val_accuracy"} <= metric_columns


def test_dvc_plots_overlay_the_variants_and_show_a_confusion_matrix(dvc_project, tmp_path):
    root, env = dvc_project
    shown = json.loads(_run(["dvc", "plots", "show", "--json"], root, env).stdout)
    plots = shown.get("data", shown)
    names = set(plots)
    assert {
        "validation accuracy per epoch",
        "validation loss per epoch",
        "confusion matrix of the chosen variant (test split)",
    } <= names
    assert any(name.startswith("reports/figures") for name in names), names
    assert not any(name.startswith("reports/curves") for name in names), "no chart per variant"
    overlay = json.dumps(plots["validation accuracy per epoch"])
    assert all(v in overlay for v in VARIANTS), "every variant in the one chart"
    _run(["dvc", "plots", "show", "-o", str(tmp_path / "plots")], root, env)
    assert "lstm-concat" in (tmp_path / "plots" / "index.html").read_text()


def test_changing_epochs_invalidates_training_but_not_data_stages(dvc_project, tmp_path):
    root, env = dvc_project
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, symlinks=True)
    params = yaml.safe_load((copy / "params.yaml").read_text())
    params["train"]["epochs"] = 3
    (copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    status = json.loads(_run(["dvc", "status", "--json"], copy, env).stdout)
    changed = {name.split(":")[-1] for name in status}
    assert {f"train@{v}" for v in VARIANTS if not v.endswith("-uni")} | {"train_uni@gru"} <= changed
    assert not changed & {"download", "clean", "tokenize", "split", "baseline"}


def test_dvc_yaml_runs_the_registry_stages_in_its_order(dvc_project):
    from birnn.config import load_params
    from birnn.pipeline import dvc_stage_names

    root, env = dvc_project
    listed = _run(["dvc", "stage", "list", "--name-only"], root, env).stdout.split()
    registry = dvc_stage_names(load_params(root / "params.yaml"))
    assert sorted(listed) == sorted(registry)
    dag = _run(["dvc", "dag", "--md"], root, env).stdout
    for before, after in zip(registry, registry[1:]):  # every edge the DAG draws points forward
        assert f"{after} --> {before}" not in dag.replace('"', "")


def test_editing_the_split_code_reruns_split_but_not_the_data_download(dvc_project, tmp_path):
    """Coarse by design: every stage that asks task_of() depends on the whole text task, so an
    edit to split.py also re-runs clean and tokenize; download reads no task code."""
    root, env = dvc_project
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, symlinks=True)
    assert changed_stages(copy, env) == set()
    with (copy / "src/birnn/tasks/text/split.py").open("a") as fh:
        fh.write("\n# an edit of the text task\n")
    changed = {
        n.split(":")[-1] for n in json.loads(_run(["dvc", "status", "--json"], copy, env).stdout)
    }
    assert {"clean", "tokenize", "split"} <= changed and "download" not in changed


def test_variant_lists_come_from_params(dvc_project, tmp_path):
    root, env = dvc_project
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, symlinks=True)
    params = yaml.safe_load((copy / "params.yaml").read_text())
    params["variants"].update(cells=["simple_rnn"], merge_modes=["ave"], unidirectional=["gru"])
    (copy / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    stages = _run(["dvc", "stage", "list", "--name-only"], copy, env).stdout.split()
    assert [s for s in stages if s.startswith("train")] == ["train@simple_rnn-ave", "train_uni@gru"]


def test_mlflow_has_a_parent_run_and_one_child_per_variant(dvc_project):
    root, _ = dvc_project
    tracking = json.loads((root / "reports" / "tracking.json").read_text())
    assert tracking["status"] == "logged"
    with sqlite3.connect(root / "mlruns" / "mlflow.db") as db:
        runs = db.execute("select run_uuid, name from runs").fetchall()
        parents = db.execute("select value from tags where key = 'mlflow.parentRunId'").fetchall()
        steps = db.execute("select count(*) from metrics where key = 'val_loss'").fetchone()[0]
    assert len(runs) == 1 + len(VARIANTS) + 1
    assert {p for (p,) in parents} == {tracking["parent_run_id"]} and len(parents) == len(
        VARIANTS
    ) + 1
    assert steps >= len(VARIANTS)  # per-epoch curves for every variant


def test_prefect_flow_writes_the_same_files_as_dvc(dvc_project, flow_project):
    dvc_root, _ = dvc_project
    flow_root, _, logs = flow_project
    assert "Finished in state Completed" in logs
    assert "split: train=" in logs  # stage summaries reach Prefect's logs
    for name in ("train.npz", "val.npz", "test.npz", "vocab.json"):
        assert (flow_root / "data/processed" / name).read_bytes() == (
            dvc_root / "data/processed" / name
        ).read_bytes()
    for name in [*VARIANTS, "tfidf-logreg"]:
        from_flow = json.loads((flow_root / "reports/metrics" / f"{name}.json").read_text())
        from_dvc = json.loads((dvc_root / "reports/metrics" / f"{name}.json").read_text())
        # same params + seed -> same results on CPU, whichever orchestrator ran them
        assert from_flow["accuracy"] == from_dvc["accuracy"] and from_flow[
            "log_loss"
        ] == pytest.approx(from_dvc["log_loss"])
    assert json.loads((flow_root / "reports/tracking.json").read_text())["status"] == "logged"
