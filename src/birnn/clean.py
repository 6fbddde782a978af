"""Normalise raw text and labels into one table (text, label 0/1), with a report of what was
dropped and why. Column operations only: no per-row Python."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from .config import CleanParams
from .files import atomic_path, write_json

DEFAULT_LABEL_MAP = {"0": 0, "1": 1, "negative": 0, "positive": 1, "neg": 0, "pos": 1}
_HTML_TAG = r"<[^>]{0,200}>"
_ENTITIES = {"&amp;": "&", "&quot;": '"', "&#39;": "'", "&lt;": "<", "&gt;": ">", "&nbsp;": " "}


class CleanError(ValueError):
    """The data cannot be turned into a usable labelled table."""


@dataclass
class CleanReport:
    rows_in: int
    rows_out: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    label_counts: dict[str, int] = field(default_factory=dict)


def normalize_text(text: pd.Series, params: CleanParams) -> pd.Series:
    """The text normalisation shared by training and prediction."""
    text = text.astype("string").fillna("")
    if params.strip_html:
        text = text.str.replace(_HTML_TAG, " ", regex=True)
        for entity, char in _ENTITIES.items():
            text = text.str.replace(entity, char, regex=False)
    if params.lowercase:
        text = text.str.lower()
    return text.str.replace(r"\s+", " ", regex=True).str.strip()


def map_labels(labels: pd.Series, label_map: dict[str, int] | None) -> pd.Series:
    """Raw labels -> 0/1 (nullable); values outside the mapping become <NA>."""
    mapping = {str(k).strip().lower(): v for k, v in (label_map or DEFAULT_LABEL_MAP).items()}
    bad = {k: v for k, v in mapping.items() if v not in (0, 1)}
    if bad:
        raise CleanError(f"data.label_map must map to 0 or 1; got {bad}")
    keys = labels.astype("string").str.strip().str.lower()
    keys = keys.str.replace(r"^(\d+)\.0$", r"\1", regex=True)  # "1.0" from float columns
    return keys.map(mapping).astype("Int8")


def clean_table(raw: pd.DataFrame, params: CleanParams,
                label_map: dict[str, int] | None = None) -> tuple[pd.DataFrame, CleanReport]:
    report = CleanReport(rows_in=len(raw))
    frame = pd.DataFrame({"text": normalize_text(raw["text"], params),
                          "label": map_labels(raw["label"], label_map)})

    def drop(mask: pd.Series, reason: str) -> None:
        nonlocal frame
        report.dropped[reason] = int(mask.sum())
        frame = frame[~mask]

    drop(frame["label"].isna(), "label_not_in_map")
    n_words = frame["text"].str.count(r"\w+")
    drop(n_words < params.min_tokens, f"fewer_than_{params.min_tokens}_words")
    if params.drop_duplicates:
        # a text seen with both labels is ambiguous: drop every copy of it
        conflicting = frame.groupby("text")["label"].transform("nunique") > 1
        drop(conflicting, "conflicting_labels")
        drop(frame.duplicated("text"), "duplicate_text")
    frame = frame.reset_index(drop=True)
    frame["label"] = frame["label"].astype("int8")
    report.rows_out = len(frame)
    report.label_counts = {str(k): int(v) for k, v in frame["label"].value_counts().sort_index().items()}
    if frame.empty:
        raise CleanError(f"no rows left after cleaning ({report.dropped}); check data.text_column, "
                         "data.label_column and data.label_map")
    if frame["label"].nunique() < 2:
        raise CleanError(f"only one class left after cleaning ({report.label_counts}); a classifier "
                         "needs both labels: check data.label_map")
    return frame, report


def clean(raw: pd.DataFrame, params: CleanParams, label_map: dict[str, int] | None,
          out_path: str | Path, report_path: str | Path) -> CleanReport:
    """Stage: raw frame -> data/interim/clean.parquet + reports/clean_report.json."""
    frame, report = clean_table(raw, params, label_map)
    with atomic_path(out_path) as tmp:
        frame.to_parquet(tmp, index=False)
    write_json(report_path, asdict(report))
    return report
