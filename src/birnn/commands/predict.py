"""`birnn predict`: label raw texts with a trained variant, the registry's champion, or the
best variant of the last comparison."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from birnn.messages import excerpt

ECHO_CHARS = 200  # predict echoes each input this far, so a 5 MB text is not printed back


def command(args: argparse.Namespace, params, layout) -> int:
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
