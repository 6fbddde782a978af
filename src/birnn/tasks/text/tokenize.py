"""Text -> token lists. One regex over the whole column: emoticons, words (with inner
apostrophes) and single punctuation marks are tokens, so "wasn't great!" -> [wasn't, great, !]
and "loved it :) <3" -> [loved, it, :), <3]."""

from __future__ import annotations

import gc
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from birnn.files import atomic_path
from birnn.tasks.classes import names_in, with_names

# :) :-( ;d :p =) :/ :'( <3 ^_^ -_- (text is lowercased first); not followed by a word
# character, so "10:30" or "re:do" are not emoticons
EMOTICON_PATTERN = r"(?:[:;=][-'^o]?(?:[)(\]\[]+|[dpo/\\|*3])|<3+|\^_*\^|-_+-)(?!\w)"


def _combining_marks() -> str:
    """A character-class body of every combining mark (Unicode category M*). Python's \\w
    leaves them out, which split Hindi, Thai or decomposed accents into letters and marks
    ("नमस्ते" -> नमस, ्, त, े); inside a word they now stay with their letter."""
    ranges, start = [], None
    for cp in [*range(0x20000), *range(0xE0100, 0xE01F0), 0x10FFFF]:
        mark = cp != 0x10FFFF and unicodedata.category(chr(cp)).startswith("M")
        if mark and start is None:
            start = cp
        elif not mark and start is not None:
            ranges.append(
                f"\\u{start:04x}-\\u{cp - 1:04x}"
                if cp <= 0x10000
                else f"\\U{start:08x}-\\U{cp - 1:08x}"
            )
            start = None
    return "".join(ranges)


_WORD = rf"[\w{_combining_marks()}]+"
TOKEN_PATTERN = EMOTICON_PATTERN + rf"|{_WORD}(?:'{_WORD})*|[^\w\s]"
_TOKEN_RE = re.compile(TOKEN_PATTERN)
_CHUNK = 500_000


@dataclass(frozen=True)
class TokenizeSummary:
    rows: int
    tokens: int
    mean_tokens: float
    p95_tokens: float


def tokenize_texts(text: pd.Series) -> pd.Series:
    """The tokenizer shared by training and prediction."""
    return text.astype("string").fillna("").str.findall(TOKEN_PATTERN)


@contextmanager
def _gc_paused():
    """Millions of new token lists make Python's cyclic GC rescan the heap again and again
    (quadratic-looking slowdown at 1M+ rows); lists of strings cannot form cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def tokenize(clean_path: str | Path, out_path: str | Path) -> TokenizeSummary:
    """Stage: data/interim/clean.parquet -> data/interim/tokens.parquet (tokens, label).

    Same tokens as :func:`tokenize_texts`; the lists go straight into an Arrow list column
    (no pandas object column in between) with the GC paused. The class names of a multiclass
    table travel on in the schema metadata.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    frame = pd.read_parquet(clean_path)
    text = frame["text"].astype("string").fillna("")
    chunks, findall = [], _TOKEN_RE.findall
    with _gc_paused():  # in chunks: only one chunk's Python lists are alive at a time
        for start in range(0, len(text), _CHUNK):
            texts = text.iloc[start : start + _CHUNK].tolist()
            chunks.append(pa.array([findall(t) for t in texts], type=pa.list_(pa.string())))
    tokens = pa.concat_arrays(chunks) if chunks else pa.array([], pa.list_(pa.string()))
    columns = {"tokens": tokens, "label": pa.array(frame["label"].to_numpy(dtype=np.int8))}
    if "split" in frame.columns:  # a source's own train/test split (split.strategy: given)
        columns["split"] = pa.array(
            frame["split"].astype("string").to_numpy(dtype=object), pa.string()
        )
    lengths = pd.Series(pc.list_value_length(tokens).to_numpy(zero_copy_only=False), dtype="int64")
    with atomic_path(out_path) as tmp:
        names = names_in(pq.read_schema(clean_path).metadata)
        pq.write_table(with_names(pa.table(columns), names), tmp)
    return TokenizeSummary(
        len(lengths),
        int(lengths.sum()),
        float(lengths.mean()) if len(lengths) else 0.0,
        float(lengths.quantile(0.95)) if len(lengths) else 0.0,
    )
