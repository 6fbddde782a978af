"""What a logged run came from: the processed data (its digest, DVC's record of it, the splits as
MLflow datasets), the source commit, and a fingerprint of everything logged."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

from birnn.config import Params
from birnn.files import sha256_file, sha256_tree

DATASET_DIGEST_CHARS = 16  # MLflow stores at most 36
SPLIT_CONTEXTS = (("train", "training"), ("val", "validation"), ("test", "testing"))


def data_digest(processed_dir: Path) -> str:
    return sha256_tree(processed_dir) if processed_dir.exists() else "missing"


def dvc_hash(processed_dir: Path) -> str:
    """DVC's md5 of the processed split from dvc.lock, when the lock describes this very folder."""
    lock = processed_dir.parent.parent / "dvc.lock"
    if not lock.is_file():
        return "n/a"
    import yaml

    try:
        stage = (yaml.safe_load(lock.read_text()) or {}).get("stages", {}).get("split", {})
        out = next(o for o in stage.get("outs", []) if o.get("path") == "data/processed")
    except (yaml.YAMLError, StopIteration, AttributeError):
        return "n/a"
    files = [p for p in processed_dir.rglob("*") if p.is_file()]
    if out.get("nfiles") != len(files) or out.get("size") != sum(p.stat().st_size for p in files):
        return "stale"  # e.g. the Prefect flow rewrote the split after the last `dvc repro`
    return str(out.get("md5", "n/a"))


def fingerprint(params: Params, files: list[Path]) -> str:
    # promoting decides where the alias points, not what is logged: a replay with
    # tracking.promote finds the logged run and promotes its version instead of logging it again
    values = params.model_dump(mode="json", exclude={"tracking": {"promote"}})
    digest = hashlib.sha256(json.dumps(values, sort_keys=True).encode())
    for path in files:
        digest.update(path.name.encode())
        digest.update(sha256_file(path).encode())
    return digest.hexdigest()[:32]


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def datasets(params: Params, processed_dir: Path) -> list[tuple[Any, str]]:
    """The processed splits as MLflow datasets (source file, digest, rows, schema), each with
    the context it was used in; a split that is missing or not readable is left out."""
    import warnings

    import mlflow.data

    from birnn.tasks.processed import load_split

    found = []
    for split, context in SPLIT_CONTEXTS:
        path = processed_dir / f"{split}.npz"
        try:
            x, y = load_split(processed_dir, split)
        except (OSError, ValueError, KeyError):
            continue
        with warnings.catch_warnings():
            # MLflow registers its local-file source twice and warns that a path is ambiguous
            warnings.filterwarnings("ignore", "The specified dataset source can be interpreted")
            dataset = mlflow.data.from_numpy(
                x,
                source=str(path.resolve()),
                targets=y,
                name=f"{params.data.source}-{split}",
                digest=sha256_file(path)[:DATASET_DIGEST_CHARS],
            )
        found.append((dataset, context))
    return found


def log_inputs(mlflow, found: list[tuple[Any, str]]) -> None:
    for dataset, context in found:
        mlflow.log_input(dataset, context=context)
