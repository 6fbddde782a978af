"""When the flow may skip a stage: the judgement `dvc repro` makes, from the same declaration.

A stage's cache key hashes what its registry entry says it reads (the files and folders of its
deps, its code deps, the values of its params); that alone only says "these inputs were run
before". DVC also checks that the outputs on disk are the ones that run wrote, and so does the
flow: after a stage runs, the hashes of its outputs are recorded under its key, and a later
cache hit counts only when the outputs still hash to that record. So a run with other params
(`--set`), a hand edit of an output, or a run on another branch is never reported as cached:
the stage runs again.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from birnn.config import Params
from birnn.files import read_json, sha256_tree, write_json
from birnn.layout import Layout
from birnn.orchestration.dvc_yaml import code_deps
from birnn.pipeline import stage as registered


@cache
def _code_deps(stage: str, root: Path) -> tuple[str, ...]:
    return tuple(code_deps(registered(stage), root))


def stage_spec(root: Path, stage: str, variant: str | None = None) -> dict[str, list[str]]:
    """deps (data, then code), params and outs of one stage for one variant (or baseline)."""
    entry = registered(stage)
    code = list(_code_deps(stage, Path(root).absolute())) if (Path(root) / "src").is_dir() else []
    return {
        "deps": entry.paths(entry.deps, variant) + code,
        "params": list(entry.params),
        "outs": entry.paths(tuple(o.path for o in entry.outs), variant),
    }


def _param_value(params: Params, dotted: str) -> Any:
    node: Any = params.model_dump(mode="json", by_alias=True)
    for key in dotted.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def input_key(stage: str, params: Params, layout: Layout, variant: str | None = None) -> str:
    """The stage, its variant, its params' values and its deps' content, as one key."""
    spec = stage_spec(layout.root, stage, variant)
    payload = {
        "stage": stage,
        "variant": variant,
        "params": {k: _param_value(params, k) for k in spec["params"]},
        "deps": {d: sha256_tree(layout.root / d) for d in spec["deps"]},
    }
    return f"{stage}{'-' + variant if variant else ''}-{_digest(payload)[:40]}"


def stage_cache_key(stage: str):
    """A Prefect cache-key function over :func:`input_key`."""

    def key(context, inputs: dict[str, Any]) -> str:
        # the item a fanned-out task runs for: train's variant, or baseline's baseline
        item = inputs.get("variant") or inputs.get("baseline")
        return input_key(stage, inputs["params"], inputs["layout"], item)

    key.__name__ = f"{stage}_cache_key"
    return key


def output_hashes(layout: Layout, stage: str, variant: str | None = None) -> dict[str, str | None]:
    """Each output's content hash; None for one that is missing."""
    outs = stage_spec(layout.root, stage, variant)["outs"]
    return {
        out: sha256_tree(layout.root / out) if (layout.root / out).exists() else None
        for out in outs
    }


def _record_path(records_dir: Path, key: str) -> Path:
    return records_dir / "outputs" / f"{key}.json"


def record_outputs(records_dir: Path, key: str, layout: Layout, stage: str, variant=None) -> None:
    """After the stage ran with inputs ``key``: what its outputs are now."""
    write_json(_record_path(records_dir, key), output_hashes(layout, stage, variant))


def outputs_match(records_dir: Path, key: str, layout: Layout, stage: str, variant=None) -> bool:
    """Are the outputs on disk the ones the run with inputs ``key`` wrote?"""
    path = _record_path(records_dir, key)
    if not path.is_file():
        return False
    hashes = output_hashes(layout, stage, variant)
    return None not in hashes.values() and read_json(path) == hashes
