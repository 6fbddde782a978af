"""Text -> token lists. One regex over the whole column: emoticons, words (with inner
apostrophes) and single punctuation marks are tokens, so "wasn't great!" -> [wasn't, great, !]
and "loved it :) <3" -> [loved, it, :), <3]."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .files import atomic_path

# :) :-( ;d :p =) :/ :'( <3 ^_^ -_- (text is lowercased first); not followed by a word
# character, so "10:30" or "re:do" are not emoticons
EMOTICON_PATTERN = r"(?:[:;=][-'^o]?(?:[)(\]\[]+|[dpo/\\|*3])|<3+|\^_*\^|-_+-)(?!\w)"
TOKEN_PATTERN = EMOTICON_PATTERN + r"|\w+(?:'\w+)*|[^\w\s]"


@dataclass(frozen=True)
class TokenizeSummary:
    rows: int
    tokens: int
    mean_tokens: float
    p95_tokens: float


def tokenize_texts(text: pd.Series) -> pd.Series:
    """The tokenizer shared by training and prediction."""
    return text.astype("string").fillna("").str.findall(TOKEN_PATTERN)


def tokenize(clean_path: str | Path, out_path: str | Path) -> TokenizeSummary:
    """Stage: data/interim/clean.parquet -> data/interim/tokens.parquet (tokens, label)."""
    frame = pd.read_parquet(clean_path)
    tokens = tokenize_texts(frame["text"])
    lengths = tokens.str.len()
    out = pd.DataFrame({"tokens": tokens, "label": frame["label"].astype("int8")})
    if "split" in frame.columns:  # a source's own train/test split (split.strategy: given)
        out["split"] = frame["split"]
    with atomic_path(out_path) as tmp:
        out.to_parquet(tmp, index=False)
    return TokenizeSummary(len(out), int(lengths.sum()), float(lengths.mean()),
                           float(lengths.quantile(0.95)))
