"""The experiment's saved runs view and champion mark, on a real sqlite store: the tag MLflow's
UI reads its views from, and one champion at a time."""

import json

from birnn.tracking.views import (
    CHAMPION_MARK,
    RUNS_VIEW,
    VIEW_TAG_PREFIX,
    mark_champion,
    runs_page,
    runs_page_url,
    save_runs_view,
)


def _client(tmp_path):
    from mlflow import MlflowClient

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    return client, client.create_experiment("e", artifact_location=(tmp_path / "a").as_uri())


def test_the_view_is_an_envelope_the_ui_lists_with_the_variant_columns(tmp_path):
    client, experiment_id = _client(tmp_path)
    save_runs_view(client, experiment_id)
    envelope = json.loads(client.get_experiment(experiment_id).tags[VIEW_TAG_PREFIX + RUNS_VIEW])
    assert envelope["name"] == "Variants" and isinstance(envelope["createdAt"], int)
    state = json.loads(envelope["state"])
    assert {"tags.`cell`", "tags.`merge_mode`", "tags.`champion`"} <= set(state["selectedColumns"])
    assert state["searchFilter"] == "tags.kind != 'seed'"  # variant rows, not pipeline rows
    client.create_run(experiment_id, tags={"kind": "rnn", "variant": "gru-concat"})
    client.create_run(experiment_id, tags={"kind": "seed", "variant": "gru-concat"})
    client.create_run(experiment_id, run_name="pipeline-builtin")
    listed = client.search_runs([experiment_id], state["searchFilter"])
    assert [r.data.tags["kind"] for r in listed] == ["rnn"]
    # grouped by kind, the variants' group unfolded: flat rows, not under their pipeline run
    assert state["groupBy"]["groupByKeys"] == [{"mode": "tag", "groupByData": "kind"}]
    assert state["groupsExpanded"]["tag.kind.rnn"] is True


def test_the_link_overrides_the_browsers_genai_default_and_opens_the_view():
    assert runs_page("3") == (
        "#/experiments/3/runs?workflowType=machine_learning&viewStateShareKey=birnn-variants"
    )
    assert runs_page_url("http://10.0.0.2:5000/", "3").startswith("http://10.0.0.2:5000/#/")
    assert runs_page_url("sqlite:///x/mlflow.db", "3").startswith("http://127.0.0.1:5000/#/")


def test_only_the_variant_holding_the_alias_is_marked_champion(tmp_path):
    client, experiment_id = _client(tmp_path)
    old, new = (client.create_run(experiment_id).info.run_id for _ in range(2))
    mark_champion(client, experiment_id, old)
    mark_champion(client, experiment_id, new)
    assert client.get_run(new).data.tags["champion"] == CHAMPION_MARK
    assert "champion" not in client.get_run(old).data.tags
