"""The Prefect flow (birnn.orchestration) without running a flow: what each task's cache key
depends on, when a cached result may be used (its outputs are the ones it wrote), which task
runner params pick, the orchestration params, and the check of PREFECT_API_URL.
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
        stage_spec=cache.stage_spec,
        stage_cache_key=cache.stage_cache_key,
        input_key=cache.input_key,
        record_outputs=cache.record_outputs,
        outputs_match=cache.outputs_match,
        task_runner=flow.task_runner,
        api_problem=server.api_problem,
        API_CHECK_TIMEOUT_S=server.API_CHECK_TIMEOUT_S,
    )


@pytest.fixture
def project(tmp_path):
    """The project's code and stand-ins for the data files its stages read."""
    shutil.copytree(REPO / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    for name in (
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


def test_stage_specs_come_from_the_registry_with_computed_code_deps(flow_module):
    train = flow_module.stage_spec(REPO, "train", "lstm-concat")
    assert "data/processed" in train["deps"] and "src/birnn/stages/train.py" in train["deps"]
    assert "src/birnn/reporting/compare.py" not in train["deps"]
    assert {"seed", "model", "train"} <= set(train["params"])
    assert {"models/lstm-concat", "reports/metrics/lstm-concat.json"} <= set(train["outs"])
    uni = flow_module.stage_spec(REPO, "train", "gru-uni")  # the foreach stage train_uni@gru
    assert "data/source/attempts/gru-uni.json" in uni["deps"]
    assert "reports/metrics/gru-uni.json" in uni["outs"]
    with pytest.raises(KeyError, match="no stage"):
        flow_module.stage_spec(REPO, "nonsense")


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
    train_key = _key(flow_module, "train", params, project, "lstm-concat")
    compare_key = _key(flow_module, "compare", params, project)
    with (project / "src/birnn/reporting/compare.py").open("a") as code:  # compare's code only
        code.write("\n# an edit\n")
    assert _key(flow_module, "compare", params, project) != compare_key
    assert _key(flow_module, "train", params, project, "lstm-concat") == train_key


def test_a_cached_result_counts_only_while_its_outputs_are_the_ones_it_wrote(flow_module, project):
    layout, records = flow_module.Layout(project), project / "records"
    key = _key(flow_module, "split", tiny_params(), project)
    assert not flow_module.outputs_match(records, key, layout, "split")  # never ran
    flow_module.record_outputs(records, key, layout, "split")  # outs: data/processed
    assert flow_module.outputs_match(records, key, layout, "split")
    (project / "data/processed/train.npz").write_text("written by another run")
    assert not flow_module.outputs_match(records, key, layout, "split")
    (project / "data/processed/train.npz").write_text("data/processed/train.npz")
    assert flow_module.outputs_match(records, key, layout, "split")  # the same bytes again
    shutil.rmtree(project / "data/processed")
    assert not flow_module.outputs_match(records, key, layout, "split")
    assert not flow_module.outputs_match(records, "another-key", layout, "split")


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


def test_download_retries_once_in_the_downloader_not_again_in_prefect(project):
    from birnn.layout import Layout
    from birnn.orchestration import flow

    params = tiny_params()
    o = params.orchestration
    options = flow._run_options(o, Layout(project), params, "download")
    assert "retries" not in options and "retry_delay_seconds" not in options
    assert options["refresh_cache"] is True  # nothing recorded yet
    train = flow._run_options(o, Layout(project), params, "train", "gru-sum")
    assert train["retries"] == o.train_retries
