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
from birnn.messages import cap, excerpt

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter
# every output is written atomically and training checkpoints each epoch: nothing is lost
INTERRUPTED = (
    "interrupted: {command} stopped; finished outputs are kept and nothing half-written was "
    "saved. Run the same command again to continue where it stopped."
)


ECHO_CHARS = 200  # predict echoes each input this far, so a 5 MB text is not printed back


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        overrides = parse_overrides(args.set)
        if getattr(args, "promote", False):
            overrides["tracking.promote"] = True
        params = load_params(args.params, overrides)
        layout = Layout(Path(args.root))
        with _turn(layout, args.command):
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
    stage never interleaves its writes with a flow's; `predict` and `variants` only read."""
    import contextlib

    from birnn.files import exclusive_lock

    if command in ("predict", "variants"):
        return contextlib.nullcontext()

    def waiting(holder: str) -> None:
        logging.getLogger("birnn").warning(
            "%s: another pipeline run in this folder holds %s (%s); waiting for it to finish",
            command,
            layout.run_lock,
            holder,
        )

    return exclusive_lock(layout.run_lock, on_wait=waiting)


def _run(args: argparse.Namespace, params, layout: Layout) -> int:
    from birnn import pipeline  # after logging is set up; the stages pull in pandas/sklearn

    if args.command in ("track", "log-runs"):
        result = pipeline.stage("track").run(params, layout, Path(args.params))
        if result.get("not_writable"):  # no retry fixes a read-only store: stop the run
            return 1
        if args.command == "log-runs":
            return 0 if result["status"] != "failed" else 1
        return _exit_for_failed_variants(params, layout)
    if args.command == "predict":
        return _predict(args, params, layout)
    if args.command == "variants":
        print("\n".join(params.variant_names()))
        return 0
    stage = pipeline.stage(args.command)
    if stage.per_variant:
        stage.run(params, layout, args.variant)
    else:
        stage.run(params, layout)
    return 0


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
    import errno

    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        where = f" writing {err.filename}" if err.filename else ""
        return (
            f"disk full{where} ({err.strerror}); free space and run again: outputs are "
            "written atomically, so the previous ones are untouched"
        )
    if isinstance(err, PermissionError):
        return f"{err}; check the permissions of that path"
    return str(err)


def _predict(args: argparse.Namespace, params, layout) -> int:
    """Label texts with --model (a folder or a models:/ URI), else the registry's champion,
    else the best variant of reports/comparison.json."""
    import json

    texts = list(args.texts)
    if args.file:
        lines = _read_lines(Path(args.file))
        texts += [line for line in lines if line.strip()]
    if not texts:
        print("error: predict: give texts as arguments or --file PATH", file=sys.stderr)
        return 2
    for label, probability, name, text in _label(args.model, texts, params, layout):
        shown = excerpt(text, ECHO_CHARS)  # identifies the input, not a copy of it
        if args.json:
            row = {
                "label": int(label),
                "label_name": name,
                "probability": round(float(probability), 4),
            }
            print(json.dumps({**row, "text": shown}))
        else:
            print(f"{name}\t{float(probability):.4f}\t{shown}")
    return 0


def _read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 (or BOM-marked) text file; other bytes are an error naming it."""
    from birnn.data.textfile import FormatUnknown, detect_encoding

    data = path.read_bytes()
    try:
        encoding = detect_encoding(data, str(path))
    except FormatUnknown:
        err = _first_bad_byte(data)
        raise ValueError(
            f"--file {path}: not UTF-8 text (byte 0x{data[err]:02x} at offset {err}); save it "
            "as UTF-8, one text per line"
        ) from None
    return data.decode(encoding).splitlines()


def _first_bad_byte(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start
    return 0


def _label(
    model: str | None, texts: list[str], params, layout
) -> list[tuple[int, float, str, str]]:
    """(label, probability of the positive class, label name, text) per text."""
    import re

    from birnn.serving.predict import Predictor

    pyfunc_model = None
    is_uri = bool(
        model and re.match(r"^[a-z][a-z0-9+.-]+:/", model)
    )  # models:/NAME@ALIAS, runs:/...
    if is_uri or model is None and params.tracking.enabled:
        from birnn import tracking

        pyfunc_model = (
            tracking.load_model(model, params) if model else tracking.champion_model(params)
        )
    if pyfunc_model is not None:
        out = pyfunc_model.predict(texts)
        # a model logged before label names were recorded answers 0/1 only
        names = out["label_name"] if "label_name" in out else [str(int(y)) for y in out["label"]]
        return list(zip(out["label"], out["probability"], names, texts))
    model_dir = Path(model) if model else _best_model_dir(layout)
    return [
        (p.label, p.probability, p.label_name, p.text)
        for p in Predictor.from_dir(model_dir).predict(texts)
    ]


def _best_model_dir(layout) -> Path:
    from birnn.files import read_json

    comparison = layout.comparison_path
    if not comparison.is_file():
        raise FileNotFoundError(f"{comparison} not found: run the pipeline first or pass --model")
    return layout.model_dir(read_json(comparison)["best_variant"])


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
        if stage.name == "track":
            _add_promote_option(p)
    _add_promote_option(
        sub.add_parser("log-runs", help="replay saved metrics and models into MLflow")
    )
    sub.add_parser("variants", help="list the variants params.yaml selects")
    p = sub.add_parser("predict", help="label raw texts with a trained variant")
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
    return parser


def _add_promote_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--promote",
        action="store_true",
        help="make this run's best variant the registry's champion even if it does not beat "
        "the current one (= --set tracking.promote=true)",
    )


if __name__ == "__main__":
    raise SystemExit(main())
