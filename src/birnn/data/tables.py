"""Tables read from raw files: CSV, TSV, TXT or parquet, gzip-compressed or alone in a zip,
turned into the ``text``, ``label`` [, ``split``] rows the clean stage expects, with errors
that name the file as the user knows it and what to change."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path, PurePosixPath

import pandas as pd

from birnn.config import DataParams
from birnn.data import archives, textfile
from birnn.data.raw import SourceError, not_a_file
from birnn.data.remote import is_url
from birnn.messages import excerpt, excerpts
from birnn.redact import redact

READ_FORMATS = (
    "the csv source reads CSV, TSV or TXT (comma, semicolon, tab or | separated) and parquet "
    "files, optionally .gz-compressed or alone in a .zip"
)
SPLIT_NAMES = {
    "train": "train",
    "training": "train",
    "val": "val",
    "valid": "val",
    "validation": "val",
    "dev": "val",
    "test": "test",
    "testing": "test",
}
_TABLE_MEMBER = re.compile(r"\.(csv|tsv|txt|parquet)(\.gz)?$", re.I)
_COPY_NAME = re.compile(r"(.+)\.\d+")  # how pandas names a repeated header's copies
REPEATED_COLUMNS = "repeated_columns"  # frame.attrs: {name: count} of a CSV's repeated header


def shown_name(path: Path, data: DataParams) -> str:
    """The file as the user named it (data.path, credentials masked), not the internal copy
    under data/raw/, so messages point at the file they can open and fix."""
    if data.source == "csv" and data.path:
        return redact(data.path) if is_url(data.path) else data.path
    return str(path)


def read_labeled(
    path: Path,
    data: DataParams,
    limits: archives.Limits,
    columns: tuple[str, str],
    split_column: str | None = None,
) -> pd.DataFrame:
    """The table at ``path`` as ``text``, ``label`` [, ``split``], from ``columns`` (text, label)."""
    shown = shown_name(path, data)
    frame = read_table(path, limits, shown, data.encoding, data.sep)
    return labeled_table(frame, shown, data.sep, columns, split_column)


def labeled_table(
    frame: pd.DataFrame,
    shown: str,
    sep: str,
    columns: tuple[str, str],
    split_column: str | None = None,
) -> pd.DataFrame:
    text_col, label_col = columns
    wanted = [*columns] + ([split_column] if split_column else [])
    _check_repeated(frame, shown, wanted)
    _check_columns(frame, shown, sep, wanted)
    if frame.empty:
        raise SourceError(
            f"{shown}: no data rows (the file is empty or has only a header); check data.path"
        )
    _check_types(frame, shown, text_col, label_col)
    table = frame[[text_col, label_col]].rename(columns={text_col: "text", label_col: "label"})
    if split_column:
        table["split"] = split_names(frame[split_column], f"{shown}: column {split_column!r}")
    return table


def split_names(values: pd.Series, where: str) -> pd.Series:
    """A split column's values as train / val / test; anything else is an error that lists it."""
    keys = values.astype("string").str.strip().str.lower()
    named = keys.map(SPLIT_NAMES)
    unknown = keys[named.isna()]
    if len(unknown):
        counts = {
            excerpt(k): int(n)
            for k, n in unknown.fillna("").replace("", "<empty>").value_counts().head(10).items()
        }
        raise SourceError(
            f"{where} (data.split_column) holds values that name no split: {counts}; use "
            f"train / test (and optionally val: val, valid, validation or dev)"
        )
    return named.astype("string")


def read_texts(path: Path, text_column: str) -> list[str]:
    """The non-empty texts of a local CSV/TSV/parquet file (e.g. data.unlabeled_path)."""
    if problem := not_a_file(path):
        raise SourceError(f"{path}: {problem}; point data.unlabeled_path at a local table")
    frame = read_table(path, shown=str(path))
    if text_column not in frame.columns:
        raise SourceError(
            f"{path}: no column {text_column!r} (data.text_column); found "
            f"{excerpts(list(frame.columns))}"
        )
    texts = frame[text_column].dropna().astype(str)
    return texts[texts.str.strip() != ""].tolist()


def read_table(
    path: Path,
    limits: archives.Limits = archives.Limits(),
    shown: str | None = None,
    encoding: str = "auto",
    sep: str = "auto",
    **options,
) -> pd.DataFrame:
    """A CSV/TSV/parquet file, gzip-compressed or the one table inside a zip."""
    shown = shown or path.name
    if path.name.lower().endswith(".zip") or archives.kind(path) == "zip":
        found = [m.name for m in archives.members(path, limits) if not _junk(m.name)]
        tables = [name for name in found if _TABLE_MEMBER.search(name)]
        if len(tables) != 1:
            raise SourceError(_not_one_table(shown, found, tables))
        with archives.open_member(path, tables[0], limits) as fh:
            return _parse_table(
                fh.read(), tables[0], f"{shown}/{tables[0]}", encoding, sep, **options
            )
    if ".parquet" in path.name.lower():
        return _parse_table(path, path.name, shown, encoding, sep, **options)
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as err:
        raise SourceError(
            f"{shown}: could not be read as a table: {excerpt(str(err), 300)}"
        ) from err
    return _parse_table(data, path.name, shown, encoding, sep, **options)


def _check_columns(frame: pd.DataFrame, shown: str, sep: str, wanted: list[str]) -> None:
    missing = [c for c in wanted if c not in frame.columns]
    if not missing:
        return
    found = list(frame.columns)
    hint = "Set data.text_column / data.label_column / data.split_column to the right names."
    if len(found) == 1 and sep != "auto":
        hint = (
            f"Only one column was found with data.sep={sep!r}: set data.sep: auto, or "
            "the separator the file uses."
        )
    raise SourceError(
        f"{shown}: missing column(s) {excerpts(missing)}; found {excerpts(found)}. {hint}"
    )


def _check_repeated(frame: pd.DataFrame, shown: str, wanted: list[str]) -> None:
    """A column the pipeline reads, named twice in the header: which copy is meant cannot be
    known, so none is taken."""
    counts = dict(frame.attrs.get(REPEATED_COLUMNS, {}))
    for name, n in frame.columns.value_counts().items():  # typed tables keep both names
        if n > 1:
            counts[str(name)] = int(n)
    for name in wanted:
        if name in counts:
            raise SourceError(
                f"{shown}: the header names column {excerpt(name)!r} {counts[name]} times; "
                "which one is meant cannot be known: rename or remove the other(s)"
            )


def _check_types(frame: pd.DataFrame, shown: str, text_col: str, label_col: str) -> None:
    """Typed tables (parquet) can hold numbers where text is expected, or lists as labels:
    stop with the column and the type found instead of cleaning str(1.5) as a review."""
    text = frame[text_col]
    if not (pd.api.types.is_string_dtype(text.dtype) or text.dtype == object) or (
        text.dtype == object and not text.map(lambda v: v is None or isinstance(v, str)).all()
    ):
        raise SourceError(
            f"{shown}: column {text_col!r} (data.text_column) holds {text.dtype} values, "
            "not text; point data.text_column at the column with the texts"
        )
    labels = frame[label_col]
    if (
        labels.dtype == object
        and labels.map(
            lambda v: isinstance(v, (list, dict, tuple, bytes)) or hasattr(v, "__array__")
        ).any()
    ):
        raise SourceError(
            f"{shown}: column {label_col!r} (data.label_column) holds nested values "
            "(lists, arrays or bytes), not one label per row; store one 0/1 or "
            "neg/pos value per row"
        )


def _not_one_table(shown: str, found: list[str], tables: list[str]) -> str:
    if any(name.startswith("xl/") for name in found):
        return f"{shown} is an Excel workbook; {READ_FORMATS}: export the sheet as CSV"
    if tables:
        return (
            f"{shown}: holds {len(tables)} tables {excerpts(tables)}; the csv source reads one: "
            "unpack it and point data.path at the one to use"
        )
    return f"{shown}: none of its {len(found)} file(s) {excerpts(found)} is a table; {READ_FORMATS}"


def _parse_table(
    source: Path | bytes, name: str, shown: str, encoding: str, sep: str, **options
) -> pd.DataFrame:
    lower = name.lower()
    try:
        if ".parquet" in lower:
            # from bytes, so pyarrow's errors cannot name the internal copy under data/raw/
            data = source if isinstance(source, bytes) else Path(source).read_bytes()
            return pd.read_parquet(io.BytesIO(data))
        if encoding == "auto":
            encoding = textfile.detect_encoding(source, shown)
        if sep == "auto":
            head = source[: textfile.SNIFF_CHARS * 4].decode(encoding, errors="replace")
            sep = "\t" if ".tsv" in lower else textfile.sniff_delimiter(head, shown)
        # bytes the encoding cannot read become U+FFFD; clean counts and reports those rows
        read = dict(sep=sep, dtype=str, keep_default_na=False, encoding=encoding)
        frame = pd.read_csv(io.BytesIO(source), encoding_errors="replace", **read, **options)
        if options.get("header", "infer") is not None:
            frame.attrs[REPEATED_COLUMNS] = _repeated_header_names(frame, source, read)
        return frame
    except textfile.FormatUnknown as err:
        raise SourceError(str(err)) from None
    except pd.errors.EmptyDataError:
        raise SourceError(
            f"{shown}: the file is empty (no header, no rows); check data.path"
        ) from None
    except (ValueError, OSError, EOFError, pd.errors.ParserError) as err:
        raise SourceError(
            f"{shown}: could not be read as a table: {excerpt(str(err), 300)}"
        ) from err


def _repeated_header_names(frame: pd.DataFrame, source: bytes, read: dict) -> dict[str, int]:
    """Names the header gives more than once, with how often. pandas renames the copies
    ("label", "label.1"), so the header line is read again, only when such a name shows up."""
    names = {str(c) for c in frame.columns}
    copies = (_COPY_NAME.fullmatch(n) for n in names)
    if not any(m and m.group(1) in names for m in copies):
        return {}
    header = pd.read_csv(
        io.BytesIO(source), header=None, nrows=1, encoding_errors="replace", **read
    )
    given = [str(v) for v in header.iloc[0].tolist()]
    return {n: given.count(n) for n in set(given) if given.count(n) > 1}


def _junk(name: str) -> bool:
    return name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith("._")
