"""`birnn <stage>`: the entry points dvc.yaml calls, and people use.

params.yaml is loaded here, once, through the schema; stages get typed params objects.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from birnn.config import ParamsError, add_override_option, load_params, parse_overrides
from birnn.layout import Layout
from birnn.messages import cap

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
# every output is written atomically and training checkpoints each epoch: nothing is lost
INTERRUPTED = (
    "interrupted: {command} stopped; finished outputs are kept and nothing half-written was "
    "saved. Run the same command again to continue where it stopped."
)


def main(argv: list[str] | None = None) -> int:
    import time

    started = time.perf_counter()
    argv = sys.argv[1:] if argv is None else list(argv)
    code = _main(argv)
    _record_timing(argv, time.perf_counter() - started)
    return code


def _record_timing(argv: list[str], seconds: float) -> None:
    """With BIRNN_TIMINGS=FILE, one JSON line per command: how long its process took (the
    benchmark's per-stage start-up cost under DVC)."""
    path = os.environ.get("BIRNN_TIMINGS")
    if path:
        import json

        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"command": " ".join(argv), "seconds": round(seconds, 3)}) + "\n")


def _main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        overrides = parse_overrides(args.set)
        if getattr(args, "promote", False):
            overrides["tracking.promote"] = True
        params = load_params(args.params, overrides)
        layout = Layout(Path(args.root))
        with _turn(layout, args.command):
            _same_run(args, layout)
            return _run(args, params, layout)
    except ParamsError as err:
        print(f"error: {cap(str(err))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(INTERRUPTED.format(command=args.command), file=sys.stderr)
        return 130
    except (OSError, ValueError, RuntimeError) as err:
        print(f"error: {args.command}: {cap(_explain(err))}", file=sys.stderr)
        return 1


def _turn(layout, command: str):
    """Stages that write take their turn with other pipeline runs in this folder: a Prefect
    flow holds the same lock (.checkpoints/run.lock) for its whole run, so a `dvc repro`
    stage never interleaves its writes with a flow's; READ_ONLY commands only read."""
    import contextlib

    from birnn.files import exclusive_lock

    if command in READ_ONLY:
        return contextlib.nullcontext()

    def waiting(holder: str) -> None:
        logging.getLogger("birnn").warning(
            "%s: another pipeline run in this folder holds %s (%s); waiting for it to finish",
            command,
            layout.run_lock,
            holder,
        )

    return exclusive_lock(layout.run_lock, on_wait=waiting)


def _same_run(args: argparse.Namespace, layout: Layout) -> None:
    """Under `dvc repro`: the source stage records the run, every later stage checks that
    params.yaml is still the one it started with (another `dvc exp run` writes it first)."""
    from birnn import pipeline
    from birnn.orchestration import dvc_run

    if args.command == "source":  # the first stage of every repro
        dvc_run.begin(layout.checkpoints_dir, args.params)
    elif args.command in {s.name for s in pipeline.STAGES}:
        dvc_run.check(layout.checkpoints_dir, args.params)


# commands that are not pipeline stages: {name: (module, help)}
COMMANDS = {
    "evaluate": ("birnn.stages.evaluate", "score a trained variant again (train also scores)"),
    "log-runs": ("birnn.stages.track", "replay saved metrics and models into MLflow"),
    "variants": ("birnn.commands.variants", "list the variants params.yaml selects"),
    "predict": ("birnn.commands.predict", "label raw texts with a trained variant"),
    "dvc-yaml": ("birnn.orchestration.dvc_yaml", "write dvc.yaml from the stage registry"),
}
READ_ONLY = {"predict", "variants", "dvc-yaml"}


def _run(args: argparse.Namespace, params, layout: Layout) -> int:
    import importlib

    from birnn import pipeline

    if args.command in ("track", "log-runs"):
        result = pipeline.stage("track").run(params, layout, Path(args.params))
        if result.get("not_writable"):  # no retry fixes a read-only or corrupt store: stop
            return 1
        if args.command == "log-runs":
            return 0 if result["status"] != "failed" else 1
        return _exit_for_failed_variants(params, layout)
    if args.command in COMMANDS:
        module = importlib.import_module(COMMANDS[args.command][0])
        if hasattr(module, "command"):
            return module.command(args, params, layout)
        module.run(params, layout, args.variant)
        return 0
    stage = pipeline.stage(args.command)
    stage.run(params, layout, *_named_item(args))
    return 0


def _named_item(args: argparse.Namespace) -> list[str]:
    """The variant or baseline the command names, if any (`birnn baseline` alone runs all)."""
    return [value for key in ("variant", "baseline") if (value := getattr(args, key, None))]


def _exit_for_failed_variants(params, layout: Layout) -> int:
    """The last stage ends the run with an error when a variant failed, after compare and track
    have done the others; `dvc repro` then retries just the failed ones."""
    from birnn.files import read_json

    failed = [
        v
        for v in params.variant_names()
        if layout.metrics_path(v).is_file()
        and read_json(layout.metrics_path(v)).get("status") == "failed"
    ]
    if not failed:
        return 0
    print(
        f"error: {len(failed)} variant(s) failed: {', '.join(failed)} (why: "
        f"{layout.reports_dir / 'comparison.md'}); the others are compared there. Fix the cause "
        "and run `dvc repro` again: it trains only the failed variants again",
        file=sys.stderr,
    )
    return 1


def _explain(err: BaseException) -> str:
    """The error as one line, with what to do for the system errors a nightly run meets."""
    from birnn.files import NO_SPACE, filesystem_of

    if isinstance(err, OSError) and err.errno in NO_SPACE:
        where = f" writing {err.filename}" if err.filename else ""
        disk = f", on {filesystem_of(err.filename)}" if err.filename else ""
        return (
            f"disk full{where} ({err.strerror}){disk}; free space there and run again: outputs "
            "are written atomically, so the previous ones are untouched"
        )
    if isinstance(err, PermissionError):
        return f"{err}; check the permissions of that path"
    return str(err)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="birnn", description=__doc__)
    parser.add_argument(
        "--params", default="params.yaml", help="params file (default: params.yaml)"
    )
    parser.add_argument("--root", default=".", help="project root the standard paths are under")
    add_override_option(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    from birnn.pipeline import STAGES

    for stage in STAGES:
        p = sub.add_parser(stage.name, help=stage.help)
        if stage.per_variant:
            p.add_argument("variant", help="<cell>-<merge_mode> or <cell>-uni, e.g. lstm-concat")
        elif stage.per_baseline:
            _add_baseline_argument(p)
        if stage.name == "track":
            _add_promote_option(p)
    for name, (_, text) in COMMANDS.items():
        p = sub.add_parser(name, help=text)
        if name == "evaluate":
            p.add_argument("variant", help="<cell>-<merge_mode> or <cell>-uni, e.g. lstm-concat")
        elif name == "log-runs":
            _add_promote_option(p)
        elif name == "predict":
            _add_predict_arguments(p)
        elif name == "dvc-yaml":
            p.add_argument(
                "--check",
                action="store_true",
                help="only compare: exit 1 when dvc.yaml differs from the registry",
            )
    return parser


def _add_predict_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("texts", nargs="*")
    p.add_argument(
        "--model",
        help="model folder (models/<variant>) or MLflow URI (models:/NAME@ALIAS); "
        "default: the registry's champion, else the best variant of "
        "reports/comparison.json",
    )
    p.add_argument("--file", help="a text file, one text per line")
    p.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per text (label, label_name, probability, text) instead of "
        "tab-separated label name, probability of the positive class and text",
    )


def _add_baseline_argument(p: argparse.ArgumentParser) -> None:
    from typing import get_args

    from birnn.config import BaselineName

    p.add_argument(
        "baseline",
        nargs="?",
        choices=get_args(BaselineName),
        metavar="NAME",
        help=f"one of {', '.join(get_args(BaselineName))}; default: each of variants.baselines",
    )


def _add_promote_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--promote",
        action="store_true",
        help="make this run's best variant the registry's champion even if it does not beat "
        "the current one (= --set tracking.promote=true)",
    )


if __name__ == "__main__":
    raise SystemExit(main())
