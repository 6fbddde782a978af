"""What label values mean by their names: "pos", "very negative", "5 stars", or a number on a
scale (-1/0/1, 1..5). Used to suggest a data.label_map for a file with more than two label
values, to order the classes of a multiclass run without a map, and to warn when a map drops a
class that reads as a polarity."""

from __future__ import annotations

import re

POSITIVE, NEGATIVE, NEUTRAL = "positive", "negative", "neutral"
CLASS_OF = {NEGATIVE: 0, POSITIVE: 1, NEUTRAL: None}
_WORDS = {
    POSITIVE: {
        "positive", "pos", "good", "great", "excellent", "happy", "joy", "love", "like",
        "liked", "favorable", "favourable", "praise", "recommended", "fresh",
    },
    NEGATIVE: {
        "negative", "neg", "bad", "poor", "terrible", "awful", "sad", "anger", "angry", "hate",
        "dislike", "disliked", "unfavorable", "unfavourable", "complaint", "rotten",
    },
    NEUTRAL: {
        "neutral", "neu", "mixed", "irrelevant", "objective", "neither", "none", "other",
        "unknown", "unsure", "ambivalent", "conflict", "na",
    },
}  # fmt: skip
# "not good" reads as nothing: a guess would be as likely wrong as right
_NEGATIONS = {"not", "non", "no", "un"}
_STARS = re.compile(r"(\d)\s*stars?")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_STAR_SCALE = 5  # "N stars" is read on the usual five-star scale


def meaning(value: str) -> str | None:
    """positive / negative / neutral by the value's name (lowercase), None when its name says
    nothing; a bare number says nothing alone (see :func:`meanings`)."""
    if stars := _STARS.fullmatch(value):
        return _on_scale(int(stars.group(1)), 1, _STAR_SCALE)
    tokens = set(re.findall(r"[a-z]+", value))
    if tokens & _NEGATIONS:
        return None
    found = {name for name, words in _WORDS.items() if tokens & words}
    return found.pop() if len(found) == 1 else None


def meanings(values: set[str]) -> dict[str, str | None]:
    """Each value's meaning; values that are all numbers are read on their own scale (below
    its middle negative, above it positive, the middle neutral: -1/0/1, 0/1/2, 1..5)."""
    if len(values) > 1 and all(_NUMBER.fullmatch(v) for v in values):
        numbers = {v: float(v) for v in values}
        low, high = min(numbers.values()), max(numbers.values())
        return {v: _on_scale(n, low, high) for v, n in numbers.items()}
    return {v: meaning(v) for v in values}


def class_order(values: set[str]) -> list[str]:
    """Label values as the classes of a multiclass run without a map, in a meaningful order:
    numbers by value (a scale: -1/0/1, 1..5 stars), names that read as negative, neutral and
    positive (one each) in that order, else sorted."""
    if all(_NUMBER.fullmatch(v) for v in values):
        return sorted(values, key=float)
    read = meanings(values)
    rank = {NEGATIVE: 0, NEUTRAL: 1, POSITIVE: 2}
    if None not in read.values() and len(set(read.values())) == len(values):
        return sorted(values, key=lambda v: rank[read[v]])
    return sorted(values)


def suggested_map(values: set[str]) -> dict[str, int | None] | None:
    """negative -> 0, positive -> 1, everything else -> null (dropped), ordered that way; None
    when the names do not show both polarities."""
    read = meanings(values)
    if not {POSITIVE, NEGATIVE} <= set(read.values()):
        return None
    mapping = {v: CLASS_OF.get(m) for v, m in read.items()}
    order = {0: 0, 1: 1, None: 2}
    return dict(sorted(mapping.items(), key=lambda item: (order[item[1]], item[0])))


def dropped_polarities(mapping: dict[str, int | None], present: set[str]) -> dict[str, list[str]]:
    """The polarities a map drops whole: every present value whose name reads positive (or
    negative) is null or left out, so the model learns something other than sentiment. Bare
    numbers are not judged (1..5 mapped to 1: 0, 5: 1 is a fair choice); dropping some
    values of a side while keeping others (the extremes only) is not either."""
    by_polarity: dict[str, list[str]] = {}
    for value in sorted(present):
        if (read := meaning(value)) in (POSITIVE, NEGATIVE):
            by_polarity.setdefault(read, []).append(value)
    return {
        polarity: values
        for polarity, values in by_polarity.items()
        if all(mapping.get(v) is None for v in values)
    }


def _on_scale(value: float, low: float, high: float) -> str:
    middle = (low + high) / 2
    return NEGATIVE if value < middle else POSITIVE if value > middle else NEUTRAL
