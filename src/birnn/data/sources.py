"""Dataset sources: where raw data comes from, fetched into data/raw/ with a manifest.

``download`` is the first stage. It writes the raw file exactly as obtained (an archive
stays an archive) plus a ``manifest.json`` (source, url without credentials, bytes,
sha256, time) and never touches anything else. ``read_raw`` (called by the clean stage)
turns that file into a frame with columns ``text`` and ``label`` (raw values), plus
``split`` (train/test) for sources that come with their own split.

Each ``data.source`` is one entry of ``SOURCES``; the modules beside this one do the work:

| source | raw file | made by |
|---|---|---|
| builtin | builtin.csv | generated offline (corpus.py) |
| cumsum | cumsum.parquet | number sequences, a label per timestep, generated offline (sequences.py) |
| csv | csv.<suffixes> | a local path or http(s) URL: CSV, TSV or parquet, .gz or .zip allowed (csvsource.py) |
| sentiment140-subset, sentiment140, imdb | the published archive | fetched from data.remotes (datasets.py) |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from birnn.config import DataParams
from birnn.data import archives, csvsource, datasets, sequences, tables
from birnn.data.corpus import generate_corpus
from birnn.data.raw import (
    MANIFEST,
    DownloadSummary,
    Obtained,
    SourceError,
    raw_path,
    write_manifest,
)
from birnn.data.remote import FetchOptions, Obtain
from birnn.data.tables import read_texts
from birnn.files import atomic_path

__all__ = [
    "MANIFEST",
    "SOURCES",
    "DownloadSummary",
    "Source",
    "SourceError",
    "download",
    "label_map",
    "raw_path",
    "has_unlabeled",
    "read_raw",
    "read_texts",
    "read_unlabeled",
    "source_named",
]

Read = Callable[[Path, DataParams, archives.Limits], pd.DataFrame]
ReadUnlabeled = Callable[[Path, DataParams, archives.Limits], list[str]]


@dataclass(frozen=True)
class Source:
    """One ``data.source``: how its raw file gets into data/raw/ (``obtain(data, raw_dir,
    seed, options)``), how that file reads back as ``text``/``label`` rows, and what its raw
    labels mean."""

    obtain: Obtain
    read: Read | None  # None: not texts; the task of the source reads its raw file itself
    label_map: dict[str, int] | None = None  # None: clean maps 0/1, neg/pos, or any two values
    generated: bool = False  # made offline from params and seed, which are its whole fingerprint
    # texts without labels that come in the same raw file, for the pretrain stage only
    unlabeled: ReadUnlabeled | None = None


def _generate_builtin(data: DataParams, raw_dir: Path, seed: int, _options) -> Obtained:
    target = raw_dir / "builtin.csv"
    with atomic_path(target) as tmp:
        corpus = generate_corpus(data.builtin_size, seed=seed, label_noise=data.builtin_label_noise)
        corpus[["text", "label"]].to_csv(tmp, index=False)
    url = f"builtin://corpus?rows={data.builtin_size}&seed={seed}&noise={data.builtin_label_noise}"
    return Obtained(target, url)


def _read_builtin(path: Path, data: DataParams, limits: archives.Limits) -> pd.DataFrame:
    return tables.read_labeled(path, data, limits, ("text", "label"))


def _generate_cumsum(data: DataParams, raw_dir: Path, seed: int, _options) -> Obtained:
    target = raw_dir / "cumsum.parquet"
    sequences.write_raw(target, data.cumsum_rows, data.cumsum_length, seed)
    return Obtained(target, sequences.raw_url(data.cumsum_rows, data.cumsum_length, seed))


SOURCES: dict[str, Source] = {
    "builtin": Source(_generate_builtin, _read_builtin, {"0": 0, "1": 1}, generated=True),
    "cumsum": Source(_generate_cumsum, None, generated=True),
    "csv": Source(csvsource.obtain, csvsource.read),
    "sentiment140-subset": Source(
        datasets.fetched_as(datasets.SENTIMENT140_SUBSET_FILE),
        datasets.read_sentiment140_subset,
        datasets.SENTIMENT140_SUBSET_LABELS,
    ),
    "sentiment140": Source(
        datasets.fetched_as(datasets.SENTIMENT140_FILE),
        datasets.read_sentiment140,
        datasets.SENTIMENT140_LABELS,
    ),
    "imdb": Source(
        datasets.fetched_as(datasets.IMDB_FILE),
        datasets.read_imdb,
        datasets.IMDB_LABELS,
        unlabeled=datasets.read_imdb_unlabeled,
    ),
}


def source_named(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        raise SourceError(
            f"data.source={name!r} is not a known source; use one of {', '.join(SOURCES)}"
        ) from None


def download(
    data: DataParams,
    raw_dir: str | Path,
    seed: int,
    *,
    limits: archives.Limits = archives.Limits(),
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 30.0,
) -> DownloadSummary:
    """Fetch the configured source into ``raw_dir`` (atomically) and write its manifest."""
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    options = FetchOptions(limits, retries, backoff, timeout)
    obtained = source_named(data.source).obtain(data, raw_dir, seed, options)
    return write_manifest(raw_dir, data.source, obtained)


def label_map(data: DataParams) -> dict[str, int] | None:
    """The label mapping the clean stage should apply: data.label_map, else the source's own
    (None for csv: clean then maps 0/1, neg/pos, positive/negative, or any two values)."""
    return data.label_map or source_named(data.source).label_map


def read_raw(
    raw_dir: str | Path, data: DataParams, limits: archives.Limits = archives.Limits()
) -> pd.DataFrame:
    """The raw file named by the manifest as a frame: ``text``, ``label`` (raw) [, ``split``]."""
    path = raw_path(raw_dir, data)
    read = source_named(data.source).read
    if read is None:
        raise SourceError(
            f"data.source={data.source!r} holds no texts: its task reads {path} itself"
        )
    return read(path, data, limits)


def has_unlabeled(data: DataParams) -> bool:
    """Whether the pretrain stage gets texts beyond the training split: data.unlabeled_path, or
    a source whose raw file brings its own unlabeled texts (imdb)."""
    return bool(data.unlabeled_path) or source_named(data.source).unlabeled is not None


def read_unlabeled(
    raw_dir: str | Path, data: DataParams, limits: archives.Limits = archives.Limits()
) -> list[str]:
    """The unlabeled texts of the source's raw file (none for most sources) and of
    data.unlabeled_path, as they are (the caller cleans them like the labelled texts)."""
    texts: list[str] = []
    own = source_named(data.source).unlabeled
    if own is not None:
        texts += own(raw_path(raw_dir, data), data, limits)
    if data.unlabeled_path:
        texts += read_texts(Path(data.unlabeled_path), data.text_column)
    return texts
