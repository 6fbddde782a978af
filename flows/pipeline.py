"""The pipeline as a Prefect flow: the same stage functions as dvc.yaml, the same files.

    python flows/pipeline.py                       # ephemeral Prefect, no server needed
    python flows/pipeline.py --set train.epochs=2  # override params for this run only
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

# stage summaries are logged by the "birnn" logger; show them in Prefect's run logs
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "birnn")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from prefect import flow, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from birnn import stages  # noqa: E402
from birnn.config import Params, load_params  # noqa: E402

Layout = stages.Layout
logging.getLogger("birnn").setLevel(logging.INFO)


def _stage_task(fn, name: str, retries: int = 0):
    # Params/Layout are plain values; caching across runs is DVC's job in this flow
    return task(fn, name=name, retries=retries, retry_delay_seconds=[2, 10, 30][:retries] or 0,
                cache_policy=NO_CACHE)


download = _stage_task(stages.run_download, "download", retries=3)
clean = _stage_task(stages.run_clean, "clean")
tokenize = _stage_task(stages.run_tokenize, "tokenize")
split = _stage_task(stages.run_split, "split")
train = _stage_task(stages.run_train, "train")
evaluate = _stage_task(stages.run_evaluate, "evaluate")
baseline = _stage_task(stages.run_baseline, "baseline")
compare = _stage_task(stages.run_compare, "compare")
track = _stage_task(stages.run_track, "track")


@flow(name="birnn-pipeline", log_prints=True)
def pipeline(params_file: str = "params.yaml", root: str = ".",
             overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """download -> clean -> tokenize -> split -> train/evaluate per variant -> baseline -> compare -> track"""
    params: Params = load_params(params_file, overrides)
    layout = Layout(Path(root))
    download(params, layout)
    clean(params, layout)
    tokenize(params, layout)
    split(params, layout)
    for variant in params.variant_names():
        train.with_options(task_run_name=f"train {variant}")(params, layout, variant)
        evaluate.with_options(task_run_name=f"evaluate {variant}")(params, layout, variant)
    baseline(params, layout)
    summary = compare(params, layout)
    track(params, layout, Path(params_file))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--root", default=".")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args(argv)
    import yaml

    overrides = {}
    for pair in args.set:
        key, _, value = pair.partition("=")
        overrides[key.strip()] = yaml.safe_load(value)
    summary = pipeline(params_file=args.params, root=args.root, overrides=overrides or None)
    print(f"best variant: {summary['best_variant']} (test accuracy {summary['best_accuracy']:.4f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
