"""baseline: the non-recurrent references (birnn.tasks.baselines), one per name in
variants.baselines; each must be of the data's task."""

from __future__ import annotations

from birnn.config import Params
from birnn.layout import Layout
from birnn.stages import done, some
from birnn.tasks import baselines, task_name

SUMMARY_KEYS = ("accuracy", "f1", "roc_auc", "sequence_accuracy")


def run(params: Params, layout: Layout, name: str | None = None) -> dict:
    """Fit the baseline ``name`` (`birnn baseline NAME`: one DVC stage), or every baseline
    params select when none is named."""
    if name is not None:
        return _fit(params, layout, name)
    return {n: _fit(params, layout, n) for n in params.variants.baselines}


def _fit(params: Params, layout: Layout, name: str) -> dict:
    # the data decides the task here (tokens), as every stage after clean does
    data = f"the data in {layout.tokens_path}"
    baselines.check_task([name], task_name(layout.tokens_path), data)
    entry = baselines.baseline(name)
    result = entry.fit(entry, layout, params.seed)
    return done(f"baseline {name}", some(result, SUMMARY_KEYS))
