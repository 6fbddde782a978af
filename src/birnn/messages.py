"""Messages people read stay readable whatever the input: a header that is one 50 MB line,
or a 50 KB JSON value, is shown as an excerpt, never copied whole into an error."""

from __future__ import annotations

from typing import Any

EXCERPT_CHARS = 80  # one value (a column name, a label, a line) inside a message
MESSAGE_CHARS = 2000  # a whole message


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """``value`` as text (repr unless it is a str), its middle left out beyond ``limit``."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return text
    keep = max(limit // 2 - 10, 1)
    return f"{text[:keep]} ...[{len(text) - 2 * keep} characters]... {text[-keep:]}"


def excerpts(values: list[Any], limit: int = EXCERPT_CHARS, count: int = 10) -> str:
    """A list shown as ``[a, b, ... and N more]``, each item an excerpt."""
    shown = [excerpt(v if isinstance(v, str) else repr(v), limit) for v in values[:count]]
    more = f", ... and {len(values) - count} more" if len(values) > count else ""
    return "[" + ", ".join(repr(s) if len(s) <= limit else s for s in shown) + more + "]"


def cap(message: str, limit: int = MESSAGE_CHARS) -> str:
    """A whole message bounded to about ``limit`` characters."""
    return excerpt(message, limit)
