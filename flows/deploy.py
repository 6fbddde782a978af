"""Serve the pipeline flow as a deployment on a Prefect server, on params' cron schedule.

    prefect server start                                      # one terminal (UI: http://127.0.0.1:4200)
    PREFECT_API_URL=http://127.0.0.1:4200/api make schedule   # another: serves birnn-pipeline/nightly
    prefect deployment run birnn-pipeline/nightly -p source=imdb -p epochs=4   # a run now

The schedule is `orchestration.cron` in `orchestration.timezone` (default: 02:00 UTC, nightly);
`--source` pins the source of the scheduled runs (default: params.yaml's data.source). Each
run executes in a subprocess of this one, in this folder; stop serving with Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys

from prefect.schedules import Cron
from prefect.settings import PREFECT_API_URL

from birnn.config import SOURCES, ParamsError, load_params
from birnn.orchestration.flow import pipeline
from birnn.orchestration.server import api_problem
from birnn.redact import redact_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--root", default=".", help="project root the runs read and write")
    parser.add_argument("--source", choices=SOURCES, help="data.source of the scheduled runs")
    parser.add_argument("--name", help="deployment name (default: orchestration.deployment)")
    parser.add_argument("--no-schedule", action="store_true", help="serve for on-demand runs only")
    args = parser.parse_args(argv)
    try:
        o = load_params(args.params).orchestration
    except ParamsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    # runs start in this process's folder, so relative paths mean what they mean here
    parameters = {"params_file": args.params, "root": args.root}
    if args.source:
        parameters["source"] = args.source
    if problem := api_problem():  # serving needs its server for good: no temporary stand-in
        print(
            redact_text(
                f"error: the Prefect API at {PREFECT_API_URL.value()} does not answer ({problem}); "
                "start it (`prefect server start`) or fix PREFECT_API_URL, then run again"
            ),
            file=sys.stderr,
        )
        return 1
    if not PREFECT_API_URL.value():
        print(
            "note: PREFECT_API_URL is not set: serving against a temporary local server whose runs "
            "vanish with it; start `prefect server start` and set PREFECT_API_URL to keep them",
            file=sys.stderr,
        )
    schedules = [] if args.no_schedule else [Cron(o.cron, timezone=o.timezone)]
    pipeline.serve(
        name=args.name or o.deployment,
        schedules=schedules,
        parameters=parameters,
        tags=["birnn"],
        description=f"birnn pipeline ({'on demand' if args.no_schedule else f'cron {o.cron!r} {o.timezone}'})",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
