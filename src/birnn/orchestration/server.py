"""A Prefect server that does not answer degrades the run instead of failing it: the flow runs
on a temporary local Prefect API, every output is still written, and the exit code says so."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_CLIENT_MAX_RETRIES,
    PREFECT_HOME,
    PREFECT_SERVER_EPHEMERAL_ENABLED,
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    temporary_settings,
)

from birnn.files import exclusive_lock
from birnn.redact import redact_text

API_CHECK_TIMEOUT_S = 5


def api_problem(timeout: float = API_CHECK_TIMEOUT_S) -> str | None:
    """Why the server PREFECT_API_URL names cannot be used, or None (also when it is unset:
    then Prefect starts a temporary local API itself). One request, no retries: Prefect's own
    client would retry for minutes before the flow even starts."""
    if not PREFECT_API_URL.value():
        return None
    from prefect.client.orchestration import get_client

    with temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 0}):
        with get_client(sync_client=True, httpx_settings={"timeout": timeout}) as client:
            error = client.api_healthcheck()
    return None if error is None else redact_text(f"{type(error).__name__}: {error}")


@contextlib.contextmanager
def prefect_api() -> Iterator[str | None]:
    """The configured Prefect API if it answers; else a temporary local one (Prefect's ephemeral
    mode, as with PREFECT_API_URL unset). Yields the warning that says so, or None."""
    url, problem = PREFECT_API_URL.value(), api_problem()
    if problem is None:
        if not url:
            start_temporary_api()
        yield None
        return
    warning = redact_text(
        f"the Prefect API at {url} does not answer ({problem}). Running on a temporary local Prefect "
        f"API instead: every output is still written, but this run is not recorded on that server. "
        f"To record runs there, start it (`prefect server start`) and run again; to run without a "
        f"server, unset PREFECT_API_URL."
    )
    print(f"warning: {warning}", file=sys.stderr, flush=True)
    saved = os.environ.pop("PREFECT_API_URL", None)  # local Dask workers inherit the environment
    try:
        with temporary_settings(
            updates={PREFECT_SERVER_EPHEMERAL_ENABLED: True}, restore_defaults={PREFECT_API_URL}
        ):
            start_temporary_api()
            yield warning
    finally:
        if saved is not None:
            os.environ["PREFECT_API_URL"] = saved


def start_temporary_api() -> None:
    """Start the temporary local API now, one process at a time per PREFECT_HOME. Its database
    lives there, and two runs starting at once on a new one race on its migrations: one server
    dies ("no such table") and its flow with it. Prefect reuses this server for the run."""
    if not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return  # Prefect itself will say that PREFECT_API_URL is needed
    from prefect.server.api.server import SubprocessASGIServer

    # Prefect's default 20 s start-up budget ran out on a busy 2-core machine; waiting longer beats a crash
    timeout = max(60, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
    with exclusive_lock(Path(PREFECT_HOME.value()) / "birnn-temporary-api.lock"):
        SubprocessASGIServer().start(timeout=timeout)
