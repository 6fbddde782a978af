"""What training leaves behind: models/<variant>/ (the selected seed's model at the top, every
seed's under seeds/ when several were trained), written atomically, and the per-epoch curve
reports/curves/<variant>.csv that `dvc plots` draws."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from birnn.files import atomic_dir, atomic_path, read_json, write_json
from birnn.layout import Layout
from birnn.modeling.checkpoint import RESULT, seed_checkpoint_dir
from birnn.modeling.model_folder import HISTORY_FILE, VARIANT_FILE, label_names_of, seed_dir
from birnn.modeling.seed_runs import Run, selected_seed
from birnn.tasks.classes import class_names
from birnn.tasks.processed import VOCAB_FILE, load_vocab


def write_variant_folder(
    model_dir: str | Path, info: dict, trained: dict[int, Run], checkpoint_dir: Path
) -> None:
    seeds = list(trained)

    def result_of(seed: int) -> Path:
        return seed_checkpoint_dir(checkpoint_dir, seeds, seed) / RESULT

    best = selected_seed(trained)
    with atomic_dir(model_dir) as tmp:
        write_seed_folder(tmp, *trained[best], result_of(best))
        if len(seeds) > 1:
            for seed, (run, history) in trained.items():
                write_seed_folder(seed_dir(tmp, seed), run, history, result_of(seed))
        write_json(tmp / VARIANT_FILE, info)


def write_seed_folder(target: Path, info: dict, history: dict, result: Path) -> None:
    """One seed's model folder: copied from its saved result, or (failed) its info and curve."""
    target.mkdir(parents=True, exist_ok=True)
    if info["status"] == "ok":
        for path in result.iterdir():
            shutil.copyfile(path, target / path.name)
    else:
        write_json(target / VARIANT_FILE, info)
        write_json(target / HISTORY_FILE, history)


def write_curves(model_dir: str | Path, curves_path: str | Path) -> None:
    """The selected model's history as one row per epoch."""
    curves = pd.DataFrame(read_json(Path(model_dir) / HISTORY_FILE))
    curves.insert(0, "epoch", np.arange(1, len(curves) + 1))
    with atomic_path(curves_path) as tmp:
        curves.to_csv(tmp, index=False, float_format="%.6f")


def processed_label_names(processed_dir: Path) -> list[str] | None:
    """The class names of the data this split came from, so a model answers "negative", not 0:
    a multiclass split's own (vocab.json), else the label map clean applied, from its report in
    the same project (None elsewhere)."""
    if names := class_names(load_vocab(processed_dir / VOCAB_FILE)):
        return names
    root = processed_dir.parent.parent
    report = Layout(root).clean_report_path
    if Layout(root).processed_dir != processed_dir or not report.is_file():
        return None
    return label_names_of(read_json(report).get("label_map") or {})
