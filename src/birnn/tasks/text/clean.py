"""Normalise raw text and labels into one table (text, label [, split]), with a report of
what was dropped and why. Column operations only: no per-row Python.

Labels become class indices: 0/1 (negative/positive) with data.classes: binary, or 0..K-1 in the
order of the class names with data.classes: multiclass (names in the table's parquet metadata,
birnn.tasks.classes).

Normalisation (shared by training and prediction, see :func:`normalize_text`): markup tags
removed, HTML entities unescaped, @mentions and URLs replaced by placeholder tokens
(``xxuser``, ``xxurl``), lowercased, letters repeated 3+ times squeezed to two
("sooooo" -> "soo"), whitespace collapsed. Emoticons survive and become tokens
(tokenize.py).

Every dropped row is counted under one reason, in this order: ``excluded_label`` (a value
data.label_map maps to null, e.g. neutral), ``unknown_label``,
``undecodable`` (text holds U+FFFD, the mark of bytes that were not valid in the file's
encoding), ``empty``, ``too_short`` (below clean.min_tokens words), ``too_long`` (above
clean.max_chars characters), ``conflicting_label`` (the same text with both labels: every
copy), ``duplicate`` (exact duplicate text, first copy kept) and ``sampled_out``
(data.max_rows).
"""

from __future__ import annotations

import html
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

import birnn.tasks.text.label_names as label_names
from birnn.config import CleanParams
from birnn.files import atomic_path, write_json
from birnn.messages import excerpt, excerpts
from birnn.tasks.classes import IMBALANCE_RATIO, imbalanced, with_names
from birnn.tasks.text.tokenize import EMOTICON_PATTERN

DEFAULT_LABEL_MAP = {"0": 0, "1": 1, "negative": 0, "positive": 1, "neg": 0, "pos": 1}
# with exactly two distinct labels and no map: one from each list decides which is positive
_NEGATIVE_WORDS = {"negative", "neg", "bad", "false", "no", "n", "0", "-1", "-"}
_POSITIVE_WORDS = {"positive", "pos", "good", "true", "yes", "y", "p", "1", "+1", "+"}
REASONS = (
    "excluded_label",
    "unknown_label",
    "undecodable",
    "empty",
    "too_short",
    "too_long",
    "conflicting_label",
    "duplicate",
    "sampled_out",
)

# a tag starts with a letter, / or ! ("<br />", "</i>", "<!-- -->"), so "<3" survives
_HTML_TAG = r"<[A-Za-z/!][^<>]{0,200}>"
_ENTITY = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
_URL = r"(?:\bhttps?://|\bwww\.)\S+"
_MENTION = r"(?<![\w@])@\w+(?:@\w+)*"  # "@a@b" is one mention: one pass replaces it
_REPEATED_LETTER = r"([^\W\d_])\1{2,}"
# NUL and other control characters (not tab/newline/CR, which are whitespace) -> a space;
# invisible format characters (zero-width space/joiners, bidi marks, soft hyphen, BOM) -> gone,
# so neither becomes a token of its own
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_INVISIBLE = "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
# lone surrogates (from a JSON "\\ud800" or a broken decoder) cannot be stored as UTF-8
_SURROGATE = "[\ud800-\udfff]"
URL_TOKEN, USER_TOKEN = "xxurl", "xxuser"
# what makes a text non-empty: the tokens the model reads besides punctuation, i.e. words,
# emoticons and symbols such as emoji (tokenize.py keeps all three)
_SYMBOL = r"[^\w\s\x00-\x7f\u00a0-\u00bf\u2000-\u206f\u3000-\u303f]"
CONTENT_TOKEN = rf"{EMOTICON_PATTERN}|\w+(?:'\w+)*|{_SYMBOL}"
# below these the data still trains, but its results are easy to misread: warned about
MINORITY_SHARE = 0.4  # the share under which train.class_weight: auto weights the classes
MIN_TEST_ROWS = 200  # +-7% is the 95% interval of an accuracy near 0.5 at 200 test texts
MIN_WORDS = 50  # distinct words
NO_LETTER_SHARE = 0.5
MAX_LABEL_VALUES = 12  # more distinct labels than this: the label column is likely wrong


log = logging.getLogger("birnn")


class CleanError(ValueError):
    """The data cannot be turned into a usable labelled table."""


@dataclass
class CleanReport:
    rows_in: int
    rows_out: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    label_counts: dict[str, int] = field(default_factory=dict)
    label_map: dict[str, int | None] = field(default_factory=dict)
    classes: list[str] | None = None  # multiclass: the class names, index = label
    split_counts: dict[str, int] = field(default_factory=dict)
    # what makes this data unfit or its results easy to misread; logged and carried on to
    # the comparison
    warnings: list[str] = field(default_factory=list)


def normalize_text(text: pd.Series, params: CleanParams) -> pd.Series:
    """The text normalisation shared by training and prediction."""
    text = _scrub(_as_text(text))
    if params.strip_html:
        text = _replace_where(text, "<", _HTML_TAG, " ")
        text = _replace_where(text, "&", _ENTITY, lambda m: html.unescape(m.group(0)))
    if params.placeholders:
        text = _replace_where(text, ("http", "www."), _URL, f" {URL_TOKEN} ")
        text = _replace_where(text, "@", _MENTION, f" {USER_TOKEN} ")
    if params.lowercase:
        text = text.str.lower()
    if params.squeeze_repeats:
        # a backreference: Arrow's RE2 engine (pyarrow string storage) rejects it on some
        # pandas versions, so this step runs on Python's re engine, on the rows that can
        # match only: a repeated ASCII letter or any non-ASCII character
        candidates = text.str.contains(_ASCII_TRIPLE, regex=True)
        if candidates.any():
            rows = candidates.to_numpy(dtype=bool)
            squeezed = (
                text[rows]
                .astype(pd.StringDtype("python"))
                .str.replace(_REPEATED_LETTER, r"\1\1", regex=True)
            )
            text = text.copy()
            text[rows] = squeezed.astype(text.dtype)
    return text.str.replace(r"\s+", " ", regex=True).str.strip()


# a superset of the rows _REPEATED_LETTER can change, in a pattern RE2 runs (no backreference)
_ASCII_TRIPLE = (
    "|".join(c * 3 for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    + r"|[^\x00-\x7f]"
)


def _replace_where(text: pd.Series, needles, pattern: str, repl) -> pd.Series:
    """``text.str.replace(pattern, repl)`` run only on rows holding one of the literal
    ``needles`` that every match contains (a fast column scan); other rows cannot match."""
    needles = (needles,) if isinstance(needles, str) else needles
    rows = np.zeros(len(text), dtype=bool)
    for needle in needles:
        rows |= text.str.contains(needle, regex=False).to_numpy(dtype=bool)
    if not rows.any():
        return text
    if rows.all():
        return text.str.replace(pattern, repl, regex=True)
    out = text.copy()
    out[rows] = text[rows].str.replace(pattern, repl, regex=True)
    return out


def _as_text(text: pd.Series) -> pd.Series:
    """Any values -> Arrow-backed strings ("" for missing). Python strings (prediction input)
    may hold lone surrogates, which Arrow cannot encode: they become U+FFFD first."""
    if getattr(text.dtype, "storage", None) == "pyarrow":
        return text.astype("string").fillna("")
    text = text.astype(pd.StringDtype("python")).fillna("")
    return text.str.replace(_SURROGATE, "\ufffd", regex=True).astype("string")


def _scrub(text: pd.Series) -> pd.Series:
    """NFC ("e" + combining accent -> "é"), control characters -> space, invisible format
    characters removed; only on rows with something besides printable ASCII (one scan)."""
    rows = text.str.contains(r"[^\x09\x0a\x0d\x20-\x7e]", regex=True).to_numpy(dtype=bool)
    if not rows.any():
        return text
    odd = text[rows].str.normalize("NFC").str.replace(_CONTROL, " ", regex=True)
    out = text.copy()
    out[rows] = odd.str.replace(_INVISIBLE, "", regex=True)
    return out


def _label_keys(labels: pd.Series) -> pd.Series:
    keys = labels.astype("string").str.strip().str.lower()
    return keys.str.replace(r"^(-?\d+)\.0$", r"\1", regex=True)  # "1.0" from float columns


def _value_counts(keys: pd.Series, values: set[str]) -> str:
    """The label values with their row counts, most frequent first (12 at most), for a message."""
    counts = keys[keys.isin(values)].value_counts()
    return ", ".join(f"{excerpt(k, 40)!r}: {n}" for k, n in counts.head(12).items())


def resolve_label_map(
    labels: pd.Series, label_map: dict[str, int | None] | None
) -> dict[str, int | None]:
    """The mapping to apply: ``label_map`` if given; else the default (0/1, neg/pos,
    negative/positive) when it covers both classes; else, with exactly two distinct values,
    the numerically larger or the positive-sounding one is 1."""
    if label_map:
        mapping = {str(k).strip().lower(): v for k, v in label_map.items()}
        bad = {k: v for k, v in mapping.items() if v not in (0, 1, None)}
        if bad:
            raise CleanError(f"data.label_map must map to 0, 1 or null (drop); got {bad}")
        return mapping
    keys = _label_keys(labels)
    values = set(keys.dropna().unique()) - {""}
    if len(values) > 2 and values - DEFAULT_LABEL_MAP.keys():  # e.g. -1/0/1 or a neutral class
        shown = _value_counts(keys, values)
        if len(values) > MAX_LABEL_VALUES:  # texts, ids or scores: not a label column
            raise CleanError(
                f"the label column holds {len(values)} different values ({shown}, ...): is "
                "data.label_column the column with the labels? A label takes a few values "
                "(0/1, neg/pos, ...); map them with data.label_map"
            )
        mapping, how = suggestion(values)
        raise CleanError(
            f"the label column holds {len(values)} different values ({shown}), not two: which "
            f"are negative, which positive, which to drop? Set data.label_map, e.g. "
            f"'{{{_map_text(mapping)}}}' ({how}; null drops a value; dropped rows are counted "
            f"in the clean report){multiclass_option(len(values))}"
        )
    if {DEFAULT_LABEL_MAP[v] for v in values if v in DEFAULT_LABEL_MAP} == {0, 1}:
        return dict(DEFAULT_LABEL_MAP)
    if len(values) == 2:
        low, high = sorted(values)
        try:
            low, high = sorted(values, key=float)
            return {low: 0, high: 1}
        except ValueError:
            pass
        for neg, pos in ((low, high), (high, low)):
            if neg in _NEGATIVE_WORDS and pos in _POSITIVE_WORDS:
                return {neg: 0, pos: 1}
        raise CleanError(
            f"labels are {excerpt(low)!r} and {excerpt(high)!r}: which one is positive? Set "
            f"data.label_map, e.g. '{{{excerpt(low)}: 0, {excerpt(high)}: 1}}'"
        )
    return dict(DEFAULT_LABEL_MAP)


def resolve_classes(
    labels: pd.Series, label_map: dict | None, classes: str = "binary"
) -> tuple[dict[str, int | None], list[str] | None]:
    """The mapping to apply (raw value -> class index, or None to drop) and, for
    data.classes: multiclass, the class names by index (None for binary)."""
    if classes == "binary":
        return resolve_label_map(labels, label_map), None
    if label_map:  # raw value -> class name, in the map's order; two values may share a class
        names: list[str] = []
        mapping: dict[str, int | None] = {}
        for raw, name in label_map.items():
            if name is not None and (name := str(name).strip()) not in names:
                names.append(name)
            mapping[str(raw).strip().lower()] = None if name is None else names.index(name)
        return mapping, names
    keys = _label_keys(labels)
    values = set(keys.dropna().unique()) - {""}
    if len(values) > MAX_LABEL_VALUES:
        shown = _value_counts(keys, values)
        raise CleanError(
            f"the label column holds {len(values)} different values ({shown}, ...): is "
            "data.label_column the column with the labels? For that many classes name them with "
            "data.label_map (raw value: class name, null drops a value)"
        )
    names = label_names.class_order(values)
    return {v: i for i, v in enumerate(names)}, names


def suggestion(values: set[str]) -> tuple[dict[str, int | None], str]:
    """A data.label_map to start from, and how it was made: read from the values' names
    (negative -> 0, positive -> 1, the rest null) when they show both polarities, else the
    first two values in sorted order."""
    mapping = label_names.suggested_map(values)
    if mapping is not None:
        return mapping, "read from the label names: check it"
    return {k: (i if i < 2 else None) for i, k in enumerate(sorted(values))}, "in sorted order"


def _map_text(mapping: dict[str, int | None]) -> str:
    return ", ".join(f"{excerpt(k, 40)}: {'null' if v is None else v}" for k, v in mapping.items())


def multiclass_option(n_values: int) -> str:
    return f"; or keep all {n_values} classes with data.classes: multiclass"


def label_map_warnings(mapping: dict[str, int | None], keys: pd.Series) -> list[str]:
    """A data.label_map that drops every value of one polarity (e.g. positive: null) trains
    another task than sentiment, without an error: say so."""
    counts = keys.value_counts()
    present = set(counts.index)
    out = []
    for polarity, values in label_names.dropped_polarities(mapping, present).items():
        rows = int(counts[values].sum())
        fix = label_names.suggested_map(present)
        hint = f"; for negative vs positive map it as '{{{_map_text(fix)}}}'" if fix else ""
        out.append(
            f"data.label_map drops {excerpts(values)} ({rows} rows), the only label(s) that "
            f"read as {polarity}: the model then learns no {polarity} class{hint}"
        )
    return out


def map_labels(labels: pd.Series, label_map: dict[str, int | None] | None) -> pd.Series:
    """Raw labels -> 0/1 (nullable); values outside the mapping or mapped to null become <NA>."""
    return apply_map(labels, resolve_label_map(labels, label_map))


def apply_map(labels: pd.Series, mapping: dict[str, int | None]) -> pd.Series:
    """Raw labels -> the class indices of a resolved mapping (nullable); values outside it or
    mapped to null become <NA>."""
    return _label_keys(labels).map(mapping).astype("Int8")


def excluded_labels(labels: pd.Series, mapping: dict[str, int | None]) -> pd.Series:
    """Rows whose label the mapping drops on purpose (mapped to null)."""
    return _label_keys(labels).isin([k for k, v in mapping.items() if v is None]).fillna(False)


def clean_table(
    raw: pd.DataFrame,
    params: CleanParams,
    label_map: dict | None = None,
    max_rows: int | None = None,
    seed: int = 0,
    test_size: float | None = None,
    classes: str = "binary",
) -> tuple[pd.DataFrame, CleanReport]:
    report = CleanReport(rows_in=len(raw))
    mapping, report.classes = resolve_classes(raw["label"], label_map, classes)
    present = set(_label_keys(raw["label"]).dropna().unique())
    report.label_map = {k: v for k, v in mapping.items() if k in present}  # what was applied
    if label_map:
        report.warnings += label_map_warnings(mapping, _label_keys(raw["label"]).dropna())
    raw_text = raw["text"].astype("string").fillna("")
    frame = pd.DataFrame(
        {"text": normalize_text(raw_text, params), "label": apply_map(raw["label"], mapping)}
    )
    if "split" in raw.columns:
        frame["split"] = raw["split"].astype("string").to_numpy()
    frame["_undecodable"] = raw_text.str.contains("\ufffd", regex=False).to_numpy()
    frame["_excluded"] = excluded_labels(raw["label"], mapping).to_numpy(dtype=bool)

    def drop(mask: pd.Series, reason: str) -> None:
        nonlocal frame
        report.dropped[reason] = int(mask.sum())
        frame = frame[~mask.to_numpy()]

    drop(frame["_excluded"], "excluded_label")
    drop(frame["label"].isna(), "unknown_label")
    drop(frame["_undecodable"], "undecodable")
    words = frame["text"].str.count(CONTENT_TOKEN)
    drop(words == 0, "empty")
    drop(words[~(words == 0).to_numpy()] < params.min_tokens, "too_short")
    if params.max_chars:
        drop(frame["text"].str.len() > params.max_chars, "too_long")
    else:
        report.dropped["too_long"] = 0
    if params.drop_duplicates:
        # a text seen with both labels is ambiguous: drop every copy of it
        drop(frame.groupby("text")["label"].transform("nunique") > 1, "conflicting_label")
        drop(frame.duplicated("text"), "duplicate")
    else:
        report.dropped.update(conflicting_label=0, duplicate=0)
    frame = frame.drop(columns=["_undecodable", "_excluded"]).reset_index(drop=True)
    if max_rows is not None and len(frame) > max_rows:
        keep = sample_rows(frame, max_rows, seed)
        report.dropped["sampled_out"] = len(frame) - len(keep)
        frame = frame.iloc[keep].reset_index(drop=True)
    else:
        report.dropped["sampled_out"] = 0
    frame["label"] = frame["label"].astype("int8")
    seen = set(frame["label"].unique().tolist())
    report.rows_out = len(frame)
    report.label_counts = {
        str(k): int(v) for k, v in frame["label"].value_counts().sort_index().items()
    }
    if "split" in frame.columns:
        report.split_counts = {
            str(k): int(v) for k, v in frame["split"].value_counts().sort_index().items()
        }
    report.warnings += data_warnings(frame, test_size, report.classes)
    if report.dropped["undecodable"]:
        report.warnings.append(
            f"{report.dropped['undecodable']} row(s) held bytes that are not valid in the "
            "file's encoding (data.encoding) and were dropped as 'undecodable'; set "
            "data.encoding to the file's codec to keep them"
        )
    if frame.empty:
        raise CleanError(
            f"no rows left after cleaning ({report.dropped}); check data.text_column, "
            "data.label_column and data.label_map"
        )
    if frame["label"].nunique() < 2:
        raise CleanError(
            f"only one class left after cleaning ({report.label_counts}); a classifier "
            "needs both labels: check data.label_map"
        )
    if report.classes and (empty := [n for i, n in enumerate(report.classes) if i not in seen]):
        raise CleanError(
            f"no rows left for the class(es) {excerpts(empty)} after cleaning "
            f"({report.label_counts}); check data.label_map"
        )
    return frame, report


def data_warnings(
    frame: pd.DataFrame, test_size: float | None = None, classes: list[str] | None = None
) -> list[str]:
    """What makes cleaned data a poor basis for a verdict: a test split too small to tell
    variants apart, imbalanced classes (accuracy then rewards always answering the majority)
    and a degenerate vocabulary (numbers only, a handful of words)."""
    if frame.empty:
        return []
    out = []
    n_test = round(len(frame) * test_size) if test_size else None
    if "split" in frame.columns:  # the data's own split (split.strategy: given)
        n_test = int((frame["split"] == "test").sum()) or n_test
    if n_test is not None and n_test < MIN_TEST_ROWS:
        out.append(
            f"small test set: about {n_test} test texts from {len(frame)} rows; the 95% interval "
            f"of an accuracy is then about +-{ci_half_width(n_test):.2f}, so differences between "
            "variants smaller than that are noise: bring more rows"
        )
    shares = frame["label"].value_counts(normalize=True)
    if classes is None and len(shares) == 2 and shares.min() < MINORITY_SHARE:
        out.append(
            f"imbalanced classes: label {shares.idxmin()} is {shares.min():.1%} of the rows; a "
            f"model that always answers {shares.idxmax()} scores {shares.max():.1%} accuracy, so "
            "the comparison ranks by balanced accuracy (compare.metric: auto)"
        )
    elif classes is not None and imbalanced(shares.to_numpy()):
        small, large = classes[shares.idxmin()], classes[shares.idxmax()]
        out.append(
            f"imbalanced classes: {large!r} is {shares.max():.1%} of the rows, "
            f"{shares.max() / shares.min():.1f} times {small!r} ({shares.min():.1%}; more than "
            f"{IMBALANCE_RATIO:g} times is imbalanced); a model that always answers {large!r} "
            f"scores {shares.max():.1%} accuracy, so the comparison ranks by macro-F1 "
            "(compare.metric: auto)"
        )
    text = frame["text"]
    no_letters = float((~text.str.contains(r"[^\W\d_]", regex=True)).mean())
    if no_letters > NO_LETTER_SHARE:
        out.append(
            f"degenerate text: {no_letters:.0%} of the texts hold no letters (numbers or symbols "
            "only); is data.text_column the column with the texts?"
        )
    sample = text.sample(min(len(text), 50_000), random_state=0) if len(text) > 50_000 else text
    distinct = sample.str.split().explode().nunique()
    if distinct < MIN_WORDS:
        out.append(
            f"degenerate vocabulary: only {distinct} distinct words in the texts; a text "
            "classifier has little to learn from"
        )
    return out


def ci_half_width(n: int, p: float = 0.5) -> float:
    """Half the width of the normal 95% interval of an accuracy ``p`` on ``n`` texts."""
    return 1.96 * float(np.sqrt(p * (1 - p) / max(n, 1)))


def sample_rows(frame: pd.DataFrame, n: int, seed: int) -> np.ndarray:
    """Row positions of a seeded sample of ``n`` rows, stratified by label (and by the given
    split when there is one), in their original order."""
    from sklearn.model_selection import train_test_split

    strata = frame["label"].astype(str)
    if "split" in frame.columns:
        strata = strata + "/" + frame["split"].astype(str)
    counts = strata.value_counts()
    stratify = strata.to_numpy() if counts.min() >= 2 and n >= len(counts) else None
    keep, _ = train_test_split(
        np.arange(len(frame)), train_size=n, stratify=stratify, random_state=seed
    )
    return np.sort(keep)


def clean(
    raw: pd.DataFrame,
    params: CleanParams,
    label_map: dict | None,
    out_path: str | Path,
    report_path: str | Path,
    max_rows: int | None = None,
    seed: int = 0,
    test_size: float | None = None,
    classes: str = "binary",
) -> CleanReport:
    """Stage: raw frame -> data/interim/clean.parquet + reports/clean_report.json; every
    warning is logged too. Multiclass: the class names go into the table's parquet metadata
    and the report (a binary report has no ``classes``)."""
    frame, report = clean_table(raw, params, label_map, max_rows, seed, test_size, classes)
    for warning in report.warnings:
        log.warning("clean: %s", warning)
    with atomic_path(out_path) as tmp:
        if report.classes is None:
            frame.to_parquet(tmp, index=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            pq.write_table(with_names(table, report.classes), tmp)
    written = asdict(report)
    if report.classes is None:
        del written["classes"]
    write_json(report_path, written)
    return report
