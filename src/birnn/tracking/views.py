"""Where MLflow's UI opens on the training runs: a saved view of the experiment's runs table
(the variant runs, with their cell, merge mode, scores and the champion as columns) and the
link that lands on it.

MLflow 3.17's UI decides between its GenAI pages and its model-training pages by a choice it
keeps in the browser (localStorage ``mlflow.workflowType``, GenAI by default), not by the
experiment's ``mlflow.experimentKind`` tag: a fresh browser opening the experiment lands on
the GenAI overview. ``workflowType=machine_learning`` in the link overrides that choice, and
``viewStateShareKey`` applies a view the experiment stores as a tag (the UI's "Views" menu
lists it too). Both are the UI's own URL parameters; nothing of MLflow is patched.
"""

from __future__ import annotations

import json
import time

# the UI reads views from experiment tags under this prefix (its "Views" menu and share links)
VIEW_TAG_PREFIX = "mlflow.sharedViewState."
RUNS_VIEW = "birnn-variants"
RUNS_VIEW_NAME = "Variants"
COLUMNS = (  # few: the table draws only the columns that fit on the screen
    "metrics.`test_accuracy`",
    "metrics.`val_accuracy`",
    "tags.`cell`",
    "tags.`merge_mode`",
    "tags.`champion`",
    "tags.`status`",
)
# the variant runs (and baselines), not the seeds; the pipeline runs stay folded under
# "Additional runs". A saved view cannot unfold a parent row (the UI drops runsExpanded from
# it), but it can group by a tag: the groups list their runs as flat rows, unfolded by
# groupsExpanded, whose keys are the UI's group ids (tag.<key>.<value>)
VARIANT_RUNS = "tags.kind != 'seed'"
GROUPS = ("rnn", "baseline")
CHAMPION_MARK = "@champion"  # the child run tag `champion` of the variant holding the alias


def runs_view_state() -> dict:
    """The runs table as the view shows it (the UI fills in the rest with its defaults)."""
    return {
        "searchFilter": VARIANT_RUNS,
        "selectedColumns": list(COLUMNS),
        "orderByKey": "attributes.start_time",
        "orderByAsc": False,
        "groupBy": {
            "aggregateFunction": "max",
            "groupByKeys": [{"mode": "tag", "groupByData": "kind"}],
        },
        "groupsExpanded": {f"tag.kind.{kind}": True for kind in GROUPS},
    }


def save_runs_view(client, experiment_id: str) -> None:
    """Store (or refresh) the experiment's "Variants" view."""
    now = int(time.time() * 1000)
    envelope = {
        "name": RUNS_VIEW_NAME,
        "createdAt": now,
        "updatedAt": now,
        "state": json.dumps(runs_view_state()),
    }
    client.set_experiment_tag(experiment_id, VIEW_TAG_PREFIX + RUNS_VIEW, json.dumps(envelope))


def runs_page(experiment_id: str) -> str:
    """The UI's address (after its host) of the experiment's training runs, in that view."""
    return (
        f"#/experiments/{experiment_id}/runs"
        f"?workflowType=machine_learning&viewStateShareKey={RUNS_VIEW}"
    )


def runs_page_url(uri: str, experiment_id: str, ui: str = "http://127.0.0.1:5000") -> str:
    """The full link: on the tracking server itself, else on ``ui`` (`make ui`'s default)."""
    base = uri.rstrip("/") if uri.startswith(("http://", "https://")) else ui
    return f"{base}/{runs_page(experiment_id)}"


def mark_champion(client, experiment_id: str, champion_run_id: str | None) -> None:
    """Tag the variant run whose model holds the champion alias, and only that one."""
    marked = client.search_runs([experiment_id], f"tags.champion = '{CHAMPION_MARK}'")
    for run in marked:
        if run.info.run_id != champion_run_id:
            client.delete_tag(run.info.run_id, "champion")
    if champion_run_id:
        client.set_tag(champion_run_id, "champion", CHAMPION_MARK)
