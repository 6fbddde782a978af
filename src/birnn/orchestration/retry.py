"""Retrying a failed variant under DVC, and only it.

A variant whose training fails still ends its train and evaluate stages with exit 0 (its model
folder and metrics say why), so that compare and track run for the others; DVC records those
stages as done. Each train stage therefore also depends on data/source/attempts/<variant>.json,
which the source stage (the first stage of every `dvc repro`) rewrites when it finds that
variant's model folder marked failed: the next `dvc repro` trains that variant again, and
nothing else.
"""

from __future__ import annotations

from pathlib import Path

from birnn.files import read_json, write_json
from birnn.modeling.model_folder import VARIANT_FILE


def update_attempts(attempts_dir: Path, model_dirs: dict[str, Path]) -> list[str]:
    """Write each variant's attempt record; the variants whose failure is new (to retry)."""
    retried = []
    for variant, model_dir in model_dirs.items():
        path = attempts_dir / f"{variant}.json"
        last = read_json(path) if path.is_file() else None
        record = last or {"variant": variant, "attempt": 1, "after_failure": None}
        failure = _failure(model_dir)
        if failure and failure != record["after_failure"]:
            record = {
                "variant": variant,
                "attempt": record["attempt"] + 1,
                "after_failure": failure,
            }
            retried.append(variant)
        if record != last:
            write_json(path, record)
    return retried


def _failure(model_dir: Path) -> str | None:
    """What identifies this failure: when it was written (a retry that fails the same way is
    a new failure) and its error."""
    info_path = model_dir / VARIANT_FILE
    if not info_path.is_file():
        return None
    try:
        info = read_json(info_path)
    except ValueError:
        return None
    if info.get("status", "ok") == "ok":
        return None
    return f"{info_path.stat().st_mtime_ns}: {str(info.get('error'))[:300]}"
