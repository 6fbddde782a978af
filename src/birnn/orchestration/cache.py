"""Prefect cache keys that mean what DVC's stage records mean: a stage's key hashes the files of
its dvc.yaml ``deps`` and the values of its dvc.yaml ``params`` (dvc.yaml stays the one list of
what each stage depends on), so a flow re-run skips exactly what `dvc repro` would skip."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from birnn.config import Params
from birnn.files import sha256_tree
from birnn.layout import Layout
from birnn.pipeline import stage as registered


def dvc_stage(root: str | Path, stage: str, variant: str | None = None) -> dict[str, list[str]]:
    """deps, params and outs of one stage of ROOT/dvc.yaml, with ${item...} filled in.

    Read from the template, not from `dvc stage list`: the flow may run variants that this
    run's params select but params.yaml does not."""
    definitions = (yaml.safe_load((Path(root) / "dvc.yaml").read_text(encoding="utf-8")) or {})[
        "stages"
    ]
    address = registered(stage).dvc_name(variant)
    name, _, item = address.partition("@")
    if name not in definitions:
        raise KeyError(f"dvc.yaml has no stage {name!r}")
    definition = definitions[name].get("do", definitions[name])
    values = {}
    if item:
        cell, _, merge_mode = item.rpartition("-")
        values = (
            {"item.cell": cell, "item.merge_mode": merge_mode}
            if "matrix" in definitions[name]
            else {"item": item}
        )

    def fill(text: str) -> str:
        for key, value in values.items():
            text = text.replace("${" + key + "}", value)
        return text

    def paths(entries) -> list[str]:
        return [fill(next(iter(e)) if isinstance(e, dict) else e) for e in entries or []]

    params: list[str] = []
    for entry in definition.get("params", []):
        params += (
            [entry] if isinstance(entry, str) else [k for keys in entry.values() for k in keys]
        )
    outs = [p for kind in ("outs", "metrics", "plots") for p in paths(definition.get(kind))]
    return {"deps": paths(definition.get("deps")), "params": params, "outs": outs}


def _param_value(params: Params, dotted: str) -> Any:
    node: Any = params.model_dump(mode="json", by_alias=True)
    for key in dotted.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def stage_cache_key(stage: str):
    """A Prefect cache-key function: stage + variant + its dvc.yaml params' values + deps' hashes."""

    def key(context, inputs: dict[str, Any]) -> str:
        params, layout, variant = inputs["params"], inputs["layout"], inputs.get("variant")
        spec = dvc_stage(layout.root, stage, variant)
        payload = {
            "stage": stage,
            "variant": variant,
            "params": {k: _param_value(params, k) for k in spec["params"]},
            "deps": {d: sha256_tree(layout.root / d) for d in spec["deps"]},
        }
        digest = hashlib.sha256(
            json.dumps(payload, sort_keys=True, default=str).encode()
        ).hexdigest()
        return f"{stage}{'-' + variant if variant else ''}-{digest[:40]}"

    key.__name__ = f"{stage}_cache_key"
    return key


def outputs_present(layout: Layout, stage: str, variant: str | None = None) -> bool:
    return all(
        (layout.root / out).exists() for out in dvc_stage(layout.root, stage, variant)["outs"]
    )
