"""Dataset sources: where raw data comes from, fetched into data/raw/ with a manifest.

``download`` is the first stage. It writes the raw file exactly as obtained plus a
``manifest.json`` (source, url, bytes, sha256, time) and never touches anything else.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from .config import DataParams
from .corpus import generate_corpus
from .files import atomic_path, read_json, sha256_file, write_json

MANIFEST = "manifest.json"
RAW_TABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".parquet", ".gz", ".zip"}


class SourceError(RuntimeError):
    """The raw data could not be obtained or read."""


@dataclass(frozen=True)
class DownloadSummary:
    source: str
    path: str
    bytes: int
    sha256: str


def download(data: DataParams, raw_dir: str | Path, seed: int) -> DownloadSummary:
    """Fetch the configured source into ``raw_dir`` (atomically) and write its manifest."""
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    if data.source == "builtin":
        target, url = raw_dir / "builtin.csv", (
            f"builtin://corpus?rows={data.builtin_size}&seed={seed}&noise={data.builtin_label_noise}")
        with atomic_path(target) as tmp:
            corpus = generate_corpus(data.builtin_size, seed=seed, label_noise=data.builtin_label_noise)
            corpus[["text", "label"]].to_csv(tmp, index=False)
    elif data.source == "csv":
        src = Path(data.path or "")
        if not src.is_file():
            raise SourceError(
                f"data.path={data.path!r}: file not found; point data.path at a CSV/TSV/parquet file"
            )
        target, url = raw_dir / f"csv{''.join(src.suffixes) or '.csv'}", src.resolve().as_uri()
        with atomic_path(target) as tmp:
            shutil.copyfile(src, tmp)
    else:  # pragma: no cover - the schema rejects other values
        raise SourceError(f"unknown data.source {data.source!r}")
    summary = DownloadSummary(data.source, target.name, target.stat().st_size, sha256_file(target))
    write_json(raw_dir / MANIFEST, {
        **summary.__dict__,
        "url": url,
        "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })
    return summary


def read_raw(raw_dir: str | Path, data: DataParams) -> pd.DataFrame:
    """Read the raw file named by the manifest into a frame with columns ``text`` and ``label``."""
    raw_dir = Path(raw_dir)
    manifest_path = raw_dir / MANIFEST
    if not manifest_path.is_file():
        raise SourceError(f"{manifest_path}: no manifest; run the download stage first")
    path = raw_dir / read_json(manifest_path)["path"]
    frame = _read_table(path)
    text_col, label_col = ("text", "label") if data.source == "builtin" else (data.text_column, data.label_column)
    missing = [c for c in (text_col, label_col) if c not in frame.columns]
    if missing:
        raise SourceError(
            f"{path}: missing column(s) {missing}; found {list(frame.columns)}. "
            "Set data.text_column / data.label_column to the right names."
        )
    return frame[[text_col, label_col]].rename(columns={text_col: "text", label_col: "label"})


def _read_table(path: Path) -> pd.DataFrame:
    suffixes = [s.lower() for s in path.suffixes]
    try:
        if ".parquet" in suffixes:
            return pd.read_parquet(path)
        sep = "\t" if ".tsv" in suffixes else ","
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding_errors="replace")
    except (ValueError, OSError, pd.errors.ParserError) as err:
        raise SourceError(f"{path}: could not be read as a table: {err}") from err
