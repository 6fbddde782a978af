"""Dataset sources: where raw data comes from, fetched into data/raw/ with a manifest.

``download`` is the first stage. It writes the raw file exactly as obtained (an archive
stays an archive) plus a ``manifest.json`` (source, url without credentials, bytes,
sha256, time) and never touches anything else. ``read_raw`` (called by the clean stage)
turns that file into a frame with columns ``text`` and ``label`` (raw values), plus
``split`` (train/test) for sources that come with their own split.

| source | raw file | layout |
|---|---|---|
| builtin | builtin.csv | generated offline (corpus.py) |
| cumsum | cumsum.parquet | number sequences, a label per timestep, generated offline (sequences.py) |
| csv | csv.<suffixes> | a local path or http(s) URL: CSV, TSV or parquet, .gz or .zip allowed |
| sentiment140-subset | sentiment140-subset.csv.zip | zip of one CSV: polarity (0/1), text |
| sentiment140 | trainingandtestdata.zip | training.1600000.processed.noemoticon.csv: latin-1, no |
| | | header, 6 columns, polarity 0/4 first, text last |
| imdb | aclImdb_v1.tar.gz | aclImdb/{train,test}/{pos,neg}/*.txt (unsup/ ignored) |
"""

from __future__ import annotations

import gzip
import io
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pandas as pd

from birnn.config import DataParams
from birnn.data import archives, textfile
from birnn.data.corpus import generate_corpus
from birnn.data.download import fetch
from birnn.files import atomic_path, read_json, sha256_file, write_json
from birnn.messages import excerpt, excerpts
from birnn.redact import redact

MANIFEST = "manifest.json"
RAW_TABLE_SUFFIXES = {".csv", ".tsv", ".txt", ".parquet", ".gz", ".zip"}
REMOTE_FILES = {
    "sentiment140-subset": "sentiment140-subset.csv.zip",
    "sentiment140": "trainingandtestdata.zip",
    "imdb": "aclImdb_v1.tar.gz",
}
# what each source's raw labels mean; data.label_map (csv) overrides
SOURCE_LABEL_MAPS: dict[str, dict[str, int]] = {
    "builtin": {"0": 0, "1": 1},
    "sentiment140-subset": {"0": 0, "1": 1},
    "sentiment140": {"0": 0, "4": 1},  # 2 (neutral, test file only) counts as unknown
    "imdb": {"neg": 0, "pos": 1},
}
SENTIMENT140_MEMBER = "training.1600000.processed.noemoticon.csv"
IMDB_MEMBER = re.compile(r"^aclImdb/(train|test)/(pos|neg)/[^/]+\.txt$")
READ_FORMATS = (
    "the csv source reads CSV, TSV or TXT (comma, semicolon, tab or | separated) and parquet "
    "files, optionally .gz-compressed or alone in a .zip"
)
# formats people try that are not tables read as text: stop at download, saying what is read
UNREAD_SUFFIXES = {
    ".xlsx", ".xls", ".xlsm", ".ods", ".json", ".jsonl", ".ndjson", ".feather", ".arrow",
    ".pkl", ".pickle", ".h5", ".hdf5", ".xml", ".html", ".pdf", ".docx", ".sqlite", ".db",
    ".avro", ".orc",
}  # fmt: skip
_TABLE_MEMBER = re.compile(r"\.(csv|tsv|txt|parquet)(\.gz)?$", re.I)


class SourceError(RuntimeError):
    """The raw data could not be obtained or read."""


@dataclass(frozen=True)
class DownloadSummary:
    source: str
    path: str
    bytes: int
    sha256: str
    fetched: bool = True  # False: verified data already there, nothing downloaded


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
    extra: dict = {}
    fetched = True
    if data.source == "builtin":
        target, url = (
            raw_dir / "builtin.csv",
            (
                f"builtin://corpus?rows={data.builtin_size}&seed={seed}&noise={data.builtin_label_noise}"
            ),
        )
        with atomic_path(target) as tmp:
            corpus = generate_corpus(
                data.builtin_size, seed=seed, label_noise=data.builtin_label_noise
            )
            corpus[["text", "label"]].to_csv(tmp, index=False)
    elif data.source == "cumsum":
        from birnn.data import sequences

        target = raw_dir / "cumsum.parquet"
        url = sequences.raw_url(data.cumsum_rows, data.cumsum_length, seed)
        sequences.write_raw(target, data.cumsum_rows, data.cumsum_length, seed)
    elif data.source == "csv" and not _is_url(data.path):
        src = Path(data.path or "")
        _check_format(str(data.path))
        if not src.is_file():
            raise SourceError(
                f"data.path={data.path!r}: file not found; point data.path at a CSV/TSV/parquet file"
            )
        target, url = raw_dir / f"csv{_suffixes(src.name) or '.csv'}", src.resolve().as_uri()
        with atomic_path(target) as tmp:
            shutil.copyfile(src, tmp)
            _verify_local(tmp, data.sha256, src)
    else:
        url, expected = _remote(data)
        if data.source == "csv":
            _check_format(PurePosixPath(unquote(urlsplit(url).path)).name, redact(url))
        name = (
            f"csv{_suffixes(PurePosixPath(unquote(urlsplit(url).path)).name) or '.csv'}"
            if data.source == "csv"
            else REMOTE_FILES[data.source]
        )
        target = raw_dir / name
        if _already_have(raw_dir, target, url, expected):
            fetched = False
            extra = {
                k: v
                for k, v in read_json(raw_dir / MANIFEST).items()
                if k in ("members", "unpacked_bytes", "time")
            }
        else:
            target.unlink(missing_ok=True)
            fetch(
                url,
                target,
                sha256=expected,
                proxy=data.proxy,
                retries=retries,
                backoff=backoff,
                timeout=timeout,
            )
        if fetched and archives.kind(target) is not None:
            try:
                members = archives.members(target, limits)
            except archives.ArchiveError:
                target.unlink(missing_ok=True)  # keep nothing unsafe or broken
                raise
            extra = {"members": len(members), "unpacked_bytes": sum(m.size for m in members)}
    summary = DownloadSummary(
        data.source, target.name, target.stat().st_size, sha256_file(target), fetched
    )
    write_json(
        raw_dir / MANIFEST,
        {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **extra,
            **summary.__dict__,
            "url": redact(url),
        },
    )
    return summary


def label_map(data: DataParams) -> dict[str, int] | None:
    """The label mapping the clean stage should apply: data.label_map, else the source's own
    (None for csv: clean then maps 0/1, neg/pos, positive/negative, or any two values)."""
    return data.label_map or SOURCE_LABEL_MAPS.get(data.source)


def read_raw(
    raw_dir: str | Path, data: DataParams, limits: archives.Limits = archives.Limits()
) -> pd.DataFrame:
    """The raw file named by the manifest as a frame: ``text``, ``label`` (raw) [, ``split``]."""
    path = raw_path(raw_dir, data)
    shown = shown_name(path, data)
    if data.source == "imdb":
        return _read_imdb(path, limits)
    if data.source == "sentiment140":
        return _read_sentiment140(path, limits)
    if data.source == "sentiment140-subset":
        frame = _read_table(path, limits, shown, data.encoding, data.sep)
        if "polarity" not in frame.columns and len(frame.columns) == 2:  # no header row
            frame = _read_table(path, limits, shown, data.encoding, data.sep, header=None)
            frame.columns = ["polarity", "text"]
        text_col, label_col = "text", "polarity"
    else:
        frame = _read_table(path, limits, shown, data.encoding, data.sep)
        text_col, label_col = (
            ("text", "label") if data.source == "builtin" else (data.text_column, data.label_column)
        )
    split_col = data.split_column if data.source == "csv" else None
    wanted = [text_col, label_col] + ([split_col] if split_col else [])
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        found = list(frame.columns)
        hint = "Set data.text_column / data.label_column / data.split_column to the right names."
        if len(found) == 1 and data.sep != "auto":
            hint = (
                f"Only one column was found with data.sep={data.sep!r}: set data.sep: auto, or "
                "the separator the file uses."
            )
        raise SourceError(
            f"{shown}: missing column(s) {excerpts(missing)}; found {excerpts(found)}. {hint}"
        )
    if frame.empty:
        raise SourceError(
            f"{shown}: no data rows (the file is empty or has only a header); check data.path"
        )
    _check_types(frame, shown, text_col, label_col)
    table = frame[[text_col, label_col]].rename(columns={text_col: "text", label_col: "label"})
    if split_col:
        table["split"] = split_names(frame[split_col], f"{shown}: column {split_col!r}")
    return table


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


def shown_name(path: Path, data: DataParams) -> str:
    """The file as the user named it (data.path, credentials masked), not the internal copy
    under data/raw/, so messages point at the file they can open and fix."""
    if data.source == "csv" and data.path:
        return redact(data.path) if _is_url(data.path) else data.path
    return str(path)


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
    if not path.is_file():
        raise SourceError(f"{path}: file not found; point data.unlabeled_path at a local table")
    frame = _read_table(path, shown=str(path))
    if text_column not in frame.columns:
        raise SourceError(
            f"{path}: no column {text_column!r} (data.text_column); found "
            f"{excerpts(list(frame.columns))}"
        )
    texts = frame[text_column].dropna().astype(str)
    return texts[texts.str.strip() != ""].tolist()


def raw_path(raw_dir: str | Path, data: DataParams) -> Path:
    """The raw file the manifest names, checked to come from the source params ask for."""
    raw_dir = Path(raw_dir)
    manifest_path = raw_dir / MANIFEST
    if not manifest_path.is_file():
        raise SourceError(f"{manifest_path}: no manifest; run the download stage first")
    manifest = read_json(manifest_path)
    if manifest.get("source", data.source) != data.source:
        raise SourceError(
            f"{manifest_path} holds data.source={manifest['source']!r}, params say "
            f"{data.source!r}; run the download stage again"
        )
    return raw_dir / manifest["path"]


def _check_types(frame: pd.DataFrame, path: Path | str, text_col: str, label_col: str) -> None:
    """Typed tables (parquet) can hold numbers where text is expected, or lists as labels:
    stop with the column and the type found instead of cleaning str(1.5) as a review."""
    text = frame[text_col]
    if not (pd.api.types.is_string_dtype(text.dtype) or text.dtype == object) or (
        text.dtype == object and not text.map(lambda v: v is None or isinstance(v, str)).all()
    ):
        raise SourceError(
            f"{path}: column {text_col!r} (data.text_column) holds {text.dtype} values, "
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
            f"{path}: column {label_col!r} (data.label_column) holds nested values "
            "(lists, arrays or bytes), not one label per row; store one 0/1 or "
            "neg/pos value per row"
        )


# --- readers --------------------------------------------------------------------------------


def _read_imdb(path: Path, limits: archives.Limits) -> pd.DataFrame:
    texts, labels, splits = [], [], []
    for name, content in archives.iter_files(path, lambda n: bool(IMDB_MEMBER.match(n)), limits):
        part, label = IMDB_MEMBER.match(name).groups()
        texts.append(content.decode("utf-8", errors="replace"))
        labels.append(label)
        splits.append(part)
    if not texts:
        raise SourceError(
            f"{path.name}: no aclImdb/{{train,test}}/{{pos,neg}}/*.txt members; "
            "is this the IMDB archive (aclImdb_v1.tar.gz)?"
        )
    return pd.DataFrame(
        {
            "text": pd.array(texts, dtype="string"),
            "label": labels,
            "split": pd.Categorical(splits, categories=["train", "test"]),
        }
    )


def _read_sentiment140(path: Path, limits: archives.Limits) -> pd.DataFrame:
    names = [
        m.name
        for m in archives.members(path, limits)
        if PurePosixPath(m.name).name == SENTIMENT140_MEMBER
    ]
    if not names:
        raise SourceError(
            f"{path.name}: no {SENTIMENT140_MEMBER} inside; is this trainingandtestdata.zip?"
        )
    with archives.open_member(path, names[0], limits) as fh:
        try:
            frame = pd.read_csv(
                fh,
                header=None,
                encoding="latin-1",
                dtype=str,
                keep_default_na=False,
                usecols=[0, 5],
                names=["polarity", "id", "date", "query", "user", "text"],
            )
        except (ValueError, pd.errors.ParserError) as err:
            raise SourceError(
                f"{path.name}/{names[0]}: not the 6-column sentiment140 layout: {err}"
            ) from err
    return frame.rename(columns={"polarity": "label"})[["text", "label"]]


def _read_table(
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
        return pd.read_csv(
            io.BytesIO(source),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            encoding=encoding,
            encoding_errors="replace",
            **options,
        )
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


# --- helpers --------------------------------------------------------------------------------


def _remote(data: DataParams) -> tuple[str, str | None]:
    if data.source == "csv":
        return str(data.path), data.sha256
    remote = data.remotes.of(data.source)
    return remote.url, remote.sha256


def _already_have(raw_dir: Path, target: Path, url: str, expected: str | None) -> bool:
    """The target is there, is what the manifest says was fetched from ``url``, and matches
    the expected digest (when one is pinned)."""
    manifest = raw_dir / MANIFEST
    if not (target.is_file() and manifest.is_file()):
        return False
    try:
        previous = read_json(manifest)
    except ValueError:
        return False
    if previous.get("path") != target.name or previous.get("url") != redact(url):
        return False
    actual = sha256_file(target)
    return actual == previous.get("sha256") and (expected is None or actual == expected.lower())


def _verify_local(path: Path, expected: str | None, shown: Path) -> None:
    if expected and (actual := sha256_file(path)) != expected.lower():
        raise SourceError(f"{shown}: sha256 mismatch: expected {expected.lower()}, got {actual}")


def _check_format(name: str, shown: str | None = None) -> None:
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in UNREAD_SUFFIXES:
        raise SourceError(
            f"data.path={excerpt(shown or name)!r}: {suffix} files are not read; {READ_FORMATS}"
        )


def _is_url(path: str | None) -> bool:
    return bool(path) and str(path).lower().startswith(("http://", "https://"))


def _suffixes(name: str) -> str:
    suffixes = [s for s in PurePosixPath(name).suffixes if s.lower() in RAW_TABLE_SUFFIXES]
    return "".join(suffixes).lower()


def _junk(name: str) -> bool:
    return name.startswith("__MACOSX/") or PurePosixPath(name).name.startswith("._")
