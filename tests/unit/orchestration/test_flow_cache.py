"""The Prefect flow (birnn.orchestration) without running a flow: what each task's cache key
depends on, which task runner params pick, the orchestration params, and the check of PREFECT_API_URL.
(tests/integration/test_flow.py runs it.)"""

from __future__ import annotations

import shutil
import time
from types import SimpleNamespace

import pytest

from birnn.config import ParamsError, load_params, parse_params
from conftest import REPO, tiny_params
from processes import free_port


@pytest.fixture(scope="module")
def flow_module():
    from birnn.layout import Layout
    from birnn.orchestration import cache, flow, server

    return SimpleNamespace(
        Layout=Layout,
        dvc_stage=cache.dvc_stage,
        stage_cache_key=cache.stage_cache_key,
        outputs_present=cache.outputs_present,
        task_runner=flow.task_runner,
        api_problem=server.api_problem,
        API_CHECK_TIMEOUT_S=server.API_CHECK_TIMEOUT_S,
    )


@pytest.fixture
def project(tmp_path):
    """dvc.yaml + the source files and data folders its stages list, with stand-in contents."""
    shutil.copy2(REPO / "dvc.yaml", tmp_path / "dvc.yaml")
    for name in (
        "src/birnn/tasks/text/split.py",
        "src/birnn/modeling/train.py",
        "src/birnn/modeling/models.py",
        "data/interim/tokens.parquet",
        "data/processed/train.npz",
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    return tmp_path


def _key(flow_module, stage, params, root, variant=None):
    inputs = {"params": params, "layout": flow_module.Layout(root)}
    if variant:
        inputs["variant"] = variant
    return flow_module.stage_cache_key(stage)(None, inputs)


def test_stage_specs_come_from_dvc_yaml(flow_module):
    train = flow_module.dvc_stage(REPO, "train", "lstm-concat")
    assert "data/processed" in train["deps"] and "src/birnn/modeling/train.py" in train["deps"]
    assert {"seed", "model", "train"} <= set(train["params"])
    assert {"models/lstm-concat", "reports/curves/lstm-concat.csv"} <= set(train["outs"])
    uni = flow_module.dvc_stage(REPO, "evaluate", "gru-uni")  # the foreach stage evaluate_uni@gru
    assert "models/gru-uni" in uni["deps"] and "reports/metrics/gru-uni.json" in uni["outs"]
    with pytest.raises(KeyError, match="no stage"):
        flow_module.dvc_stage(REPO, "nonsense")


def test_cache_key_is_stable_and_follows_inputs_and_listed_params_only(flow_module, project):
    params = tiny_params()
    split_key = _key(flow_module, "split", params, project)
    train_key = _key(flow_module, "train", params, project, "lstm-concat")
    assert split_key == _key(flow_module, "split", params, project)
    assert split_key.startswith("split-") and train_key.startswith("train-lstm-concat-")
    assert train_key != _key(flow_module, "train", params, project, "lstm-mul")

    more_epochs = tiny_params(train={"epochs": 3})  # train lists `train`; split does not
    assert _key(flow_module, "train", more_epochs, project, "lstm-concat") != train_key
    assert _key(flow_module, "split", more_epochs, project) == split_key
    assert _key(flow_module, "split", tiny_params(split={"min_count": 2}), project) != split_key

    (project / "data/interim/tokens.parquet").write_text("other tokens")  # an input file changed
    assert _key(flow_module, "split", params, project) != split_key
    assert _key(flow_module, "train", params, project, "lstm-concat") == train_key
    (project / "data/processed/val.npz").write_text("new file in a folder dep")
    assert _key(flow_module, "train", params, project, "lstm-concat") != train_key


def test_outputs_present_decides_whether_a_cached_result_may_be_used(flow_module, project):
    layout = flow_module.Layout(project)
    assert not flow_module.outputs_present(layout, "download")  # outs: data/raw
    (project / "data/raw").mkdir(parents=True)
    assert flow_module.outputs_present(layout, "download")
    assert not flow_module.outputs_present(layout, "clean")  # clean.parquet, and clean_report.json
    (project / "data/interim/clean.parquet").write_text("")
    assert not flow_module.outputs_present(layout, "clean")
    assert not flow_module.outputs_present(layout, "train", "lstm-concat")


def test_task_runner_follows_orchestration_params(flow_module):
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    threads = flow_module.task_runner(tiny_params().orchestration)
    assert isinstance(threads, ThreadPoolTaskRunner) and threads._max_workers == 2
    remote = flow_module.task_runner(
        tiny_params(orchestration={"dask_address": "tcp://10.0.0.5:8786"}).orchestration
    )
    assert isinstance(remote, DaskTaskRunner) and remote.address == "tcp://10.0.0.5:8786"
    local = flow_module.task_runner(
        tiny_params(orchestration={"task_runner": "dask", "max_workers": 3}).orchestration
    )
    assert isinstance(local, DaskTaskRunner) and local.address is None
    assert (
        local.cluster_kwargs["n_workers"] == 3 and local.cluster_kwargs["threads_per_worker"] == 1
    )


def test_orchestration_params_defaults_and_validation():
    o = load_params(REPO / "params.yaml").orchestration
    assert (o.cron, o.timezone, o.task_runner, o.train_retries) == (
        "0 2 * * *",
        "UTC",
        "threads",
        0,
    )
    with pytest.raises(ParamsError, match="orchestration.task_runner"):
        parse_params({"orchestration": {"task_runner": "ray"}})
    with pytest.raises(ParamsError, match="orchestration.crn: unknown key"):
        parse_params({"orchestration": {"crn": "* * * * *"}})


def test_an_unreachable_prefect_api_is_found_in_seconds_not_minutes_of_retries(flow_module):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert flow_module.api_problem() is None  # unset: Prefect's temporary API, nothing to check
    with temporary_settings(
        updates={PREFECT_API_URL: f"http://user:s3cret@127.0.0.1:{free_port()}/api"}
    ):
        started = time.monotonic()
        problem = flow_module.api_problem()
        assert time.monotonic() - started < flow_module.API_CHECK_TIMEOUT_S
    assert (
        problem.startswith("ConnectError")
        and "Connection refused" in problem
        and "s3cret" not in problem
    )


def test_pretrain_key_follows_the_training_split_only(flow_module, project):
    params = tiny_params()
    for name in ("data/processed/vocab.json", "data/processed/val.npz", "data/processed/test.npz"):
        (project / name).write_text(name)
    key = _key(flow_module, "pretrain", params, project)
    (project / "data/processed/val.npz").write_text("other validation rows")
    (project / "data/processed/test.npz").write_text("other test rows")
    assert _key(flow_module, "pretrain", params, project) == key
    (project / "data/processed/train.npz").write_text("other training rows")
    assert _key(flow_module, "pretrain", params, project) != key
    assert _key(flow_module, "pretrain", tiny_params(pretrain={"epochs": 3}), project) != key


def test_download_retries_once_in_the_downloader_not_again_in_prefect(tmp_path):
    from birnn.layout import Layout
    from birnn.orchestration import flow

    shutil.copy(REPO / "dvc.yaml", tmp_path / "dvc.yaml")  # which outputs each stage has
    o = tiny_params().orchestration
    options = flow._run_options(o, Layout(tmp_path), "download")
    assert "retries" not in options and "retry_delay_seconds" not in options
    assert flow._run_options(o, Layout(tmp_path), "train", "gru-sum")["retries"] == o.train_retries
