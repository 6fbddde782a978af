"""The baseline registry: the non-recurrent references the variants are compared with, one
entry each. ``variants.baselines`` picks them by name; each belongs to one task, since a
reference must read the same data as the variants (TF-IDF needs text, the cumsum task has
none).

Each entry's fit function imports its implementation inside the function: dvc.yaml's code deps
are computed from import statements, so the baseline stage depends on every implementation,
and no other stage on any."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from birnn.config import ParamsError

if TYPE_CHECKING:
    from birnn.layout import Layout
    from birnn.tasks.interface import TaskName


@dataclass(frozen=True)
class Baseline:
    name: str  # its files: reports/metrics/<name>.json, reports/predictions/<name>.npy
    task: TaskName
    label: str  # what the verdict calls it
    # (baseline, layout, seed) -> the metrics it wrote
    fit: Callable[[Baseline, Layout, int], dict]


def _tfidf_logreg(baseline: Baseline, layout: Layout, seed: int) -> dict:
    from birnn.tasks.text.baseline import train_baseline

    return train_baseline(
        layout.tokens_path,
        layout.processed_dir,
        seed,
        layout.metrics_path(baseline.name),
        layout.predictions_path(baseline.name),
        name=baseline.name,
        label=baseline.label,
    )


def _position_logreg(baseline: Baseline, layout: Layout, seed: int) -> dict:
    from birnn.tasks.cumsum import train_baseline

    return train_baseline(
        layout.processed_dir,
        seed,
        baseline.name,
        layout.metrics_path(baseline.name),
        layout.predictions_path(baseline.name),
        label=baseline.label,
    )


BASELINES = {
    b.name: b
    for b in (
        Baseline("tfidf-logreg", "text", "TF-IDF + logistic regression", _tfidf_logreg),
        Baseline(
            "position-logreg",
            "cumsum",
            "memoryless per-timestep logistic regression",
            _position_logreg,
        ),
    )
}


def baseline(name: str) -> Baseline:
    if name not in BASELINES:
        raise KeyError(f"no baseline {name!r}; the baselines are {list(BASELINES)}")
    return BASELINES[name]


def check_task(names: list[str], task: TaskName, data: str) -> None:
    """A ParamsError naming the value to use when a baseline belongs to another task than the
    data's; ``data`` says where that task comes from (e.g. 'data.source cumsum')."""
    for name in names:
        wrong = baseline(name)
        if wrong.task != task:
            right = ", ".join(n for n, b in BASELINES.items() if b.task == task)
            raise ParamsError(
                f"variants.baselines: {name} is a baseline of the {wrong.task} task; {data} is "
                f"the {task} task: use variants.baselines=[{right}]"
            )
