"""The csv source: a table of the user's own that data.path names, a local file (copied) or an
http(s) address (fetched), stopped at download when its format is one that is not read."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

import pandas as pd

from birnn.config import DataParams
from birnn.data import archives, tables
from birnn.data.raw import Obtained, SourceError, not_a_file
from birnn.data.remote import FetchOptions, address, fetch_into, reads_local_file, url_file_name
from birnn.files import atomic_path, sha256_file
from birnn.messages import excerpt
from birnn.redact import redact

# suffixes kept in the raw copy's name, so reading it back knows how it is compressed and laid out
RAW_TABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".parquet", ".gz", ".zip"}
# formats people try that are not tables read as text: stop at download, saying what is read
UNREAD_SUFFIXES = {
    ".xlsx", ".xls", ".xlsm", ".ods", ".json", ".jsonl", ".ndjson", ".feather", ".arrow",
    ".pkl", ".pickle", ".h5", ".hdf5", ".xml", ".html", ".pdf", ".docx", ".sqlite", ".db",
    ".avro", ".orc",
}  # fmt: skip


def obtain(data: DataParams, raw_dir: Path, _seed: int, options: FetchOptions) -> Obtained:
    if reads_local_file(data):
        return _copy_local(data, raw_dir)
    url, expected = address(data)
    name = url_file_name(url)
    check_format(name, redact(url))
    return fetch_into(url, expected, raw_dir / _raw_name(name), data.proxy, options)


def read(path: Path, data: DataParams, limits: archives.Limits) -> pd.DataFrame:
    columns = (data.text_column, data.label_column)
    return tables.read_labeled(path, data, limits, columns, data.split_column)


def check_format(name: str, shown: str | None = None) -> None:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in UNREAD_SUFFIXES:
        raise SourceError(
            f"data.path={excerpt(shown or name)!r}: {suffix} files are not read; "
            f"{tables.READ_FORMATS}"
        )


def _copy_local(data: DataParams, raw_dir: Path) -> Obtained:
    src = Path(data.path or "")
    check_format(str(data.path))
    if problem := not_a_file(src):
        raise SourceError(
            f"data.path={data.path!r}: {problem}; point data.path at a CSV/TSV/parquet file"
        )
    target = raw_dir / _raw_name(src.name)
    with atomic_path(target) as tmp:
        shutil.copyfile(src, tmp)
        _verify_local(tmp, data.sha256, src)
    return Obtained(target, src.resolve().as_uri())


def _verify_local(path: Path, expected: str | None, shown: Path) -> None:
    if expected and (actual := sha256_file(path)) != expected.lower():
        raise SourceError(f"{shown}: sha256 mismatch: expected {expected.lower()}, got {actual}")


def _raw_name(name: str) -> str:
    suffixes = [s for s in PurePosixPath(name).suffixes if s.lower() in RAW_TABLE_SUFFIXES]
    return f"csv{''.join(suffixes).lower() or '.csv'}"
