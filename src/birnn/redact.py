"""Credential masking: URLs and messages that may carry user:password@ or token query values
are masked before they reach logs, reports, MLflow or Prefect."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_SECRET_QUERY = re.compile(
    r"(token|key|secret|password|passwd|sig|signature|credential|auth|x-amz-)", re.I
)


def redact(url: str) -> str:
    """``url`` without user:password@ and with credential-looking query values masked."""
    parts = urlsplit(url)
    if not (parts.username or parts.password or _SECRET_QUERY.search(parts.query)):
        # urlunsplit would turn sqlite:///rel/path into the invalid sqlite:/rel/path
        return url
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    if parts.username or parts.password:
        netloc = "***@" + netloc
    query = urlencode(
        [
            (k, "***" if _SECRET_QUERY.search(k) else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*",
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def redact_text(text: str) -> str:
    """Hide credentials in every URL of ``text``: user:password@ and token-like query values."""

    def one(match: re.Match) -> str:
        try:
            return redact(match.group(0))
        except ValueError:  # not parseable as a URL: mask the userinfo at least
            return re.sub(r"://[^/@\s]+@", "://***@", match.group(0))

    return re.sub(r"[a-zA-Z][\w+.-]*://[^\s'\"<>]+", one, text)
