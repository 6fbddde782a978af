"""One entry module per pipeline stage: ``birnn.stages.<name>.run(params, layout[, variant])``
wires the stage to its standard paths (Layout) and its task. The CLI (and so dvc.yaml) and the
Prefect flow both call these, so both write exactly the same files.

A stage's code dependencies in dvc.yaml are its entry module's import closure, so each entry
module imports only what its stage runs; this package's ``__init__`` imports none of them.
``birnn.stages.run_<name>`` is the stage's ``run``, loaded on first use (for tests and notebooks
that drive the stages one by one).
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from birnn.config import Params

log = logging.getLogger("birnn")


def done(stage: str, summary: Any) -> dict[str, Any]:
    """The summary as a dict, logged as one line."""
    data = asdict(summary) if hasattr(summary, "__dataclass_fields__") else dict(summary)
    log.info("%s: %s", stage, ", ".join(f"{k}={_short(v)}" for k, v in data.items()))
    return data


def _short(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def compared_names(params: Params) -> list[str]:
    """The variants params select, then the baselines: what compare ranks and track records."""
    return [*params.variant_names(), *params.variants.baselines]


def some(result: dict, keys: tuple[str, ...]) -> dict:
    return {k: result[k] for k in keys if k in result}


def __getattr__(name: str):
    if name.startswith("run_"):
        return importlib.import_module(f"{__name__}.{name.removeprefix('run_')}").run
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
