"""`birnn predict`: label raw texts with a trained variant, the registry's champion, or the
best variant of the last comparison.

One line per text: the class name, the probability of the positive class (binary) or of the
answered class (multiclass, then every class's as `name=p, ...`), and the text; `--json`: the
same as JSON lines (multiclass adds `probabilities`: {class name: probability})."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from birnn.messages import excerpt

ECHO_CHARS = 200  # predict echoes each input this far, so a 5 MB text is not printed back
EMPTY = "(empty)"  # the label column of a blank text


def command(args: argparse.Namespace, params, layout) -> int:
    """Label texts with --model (a folder or a models:/ URI), else the registry's champion,
    else the best variant of reports/comparison.json. One answer per text, in order; a blank
    text is answered as empty, not labelled."""
    texts = list(args.texts)
    if args.file:
        texts += _read_lines(Path(args.file))
    if not texts:
        where = f"--file {args.file} has no lines" if args.file else "no text given"
        print(f"error: predict: {where}; give texts as arguments or --file PATH", file=sys.stderr)
        return 2
    to_label = [text for text in texts if not is_empty(text)]
    labelled = iter(_label(args.model, to_label, params, layout) if to_label else [])
    for text in texts:
        answer = None if is_empty(text) else next(labelled)
        print(_json_row(answer, text) if args.json else _tab_row(answer, text))
    if empty := len(texts) - len(to_label):
        print(
            f'predict: {empty} of {len(texts)} text(s) empty (blank line or ""): answered '
            f"{EMPTY!r}, not labelled",
            file=sys.stderr,
        )
    return 0


def is_empty(text: str) -> bool:
    """Nothing to label: no characters but whitespace (the model would answer its bias)."""
    return not text.strip()


def _tab_row(answer: tuple | None, text: str) -> str:
    shown = _one_line(excerpt(text, ECHO_CHARS))  # identifies the input, not a copy of it
    if answer is None:
        return f"{EMPTY}\t\t{shown}"
    _, probability, name, _, every = answer
    if every is not None:  # multiclass: every class's probability before the text
        classes = ", ".join(f"{c}={float(p):.4f}" for c, p in every.items())
        return f"{name}\t{float(probability):.4f}\t{classes}\t{shown}"
    return f"{name}\t{float(probability):.4f}\t{shown}"


def _json_row(answer: tuple | None, text: str) -> str:
    import json

    row = {"label": None, "label_name": None, "probability": None, "empty": True}
    if answer is not None:
        label, probability, name, _, every = answer
        row = {
            "label": int(label),
            "label_name": name,
            "probability": round(float(probability), 4),
            "empty": False,
        }
        if every is not None:
            row["probabilities"] = {c: round(float(p), 4) for c, p in every.items()}
    return json.dumps({**row, "text": excerpt(text, ECHO_CHARS)})


# what str.splitlines breaks on besides \n: echoed as escapes, so one answer stays one line
_LINE_BREAKS = {
    ord(c): c.encode("unicode_escape").decode() for c in "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
}


def _one_line(text: str) -> str:
    return text.translate(_LINE_BREAKS)


def _read_lines(path: Path) -> list[str]:
    """The lines of a UTF-8 (or BOM-marked) text file, split on \\n and \\r\\n only: a form
    feed or U+2028 inside a line is text, not a line break. Other bytes are an error naming it."""
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
    lines = data.decode(encoding).split("\n")
    if lines[-1] == "":  # the newline that ends the last line starts no new one
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _first_bad_byte(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start
    return 0


def _label(
    model: str | None, texts: list[str], params, layout
) -> list[tuple[int, float, str, str, dict | None]]:
    """(label, probability of the positive class or of the answered class, label name, text,
    multiclass: every class's probability by name) per text."""
    import re

    from birnn.serving.predict import Predictor

    pyfunc_model = None
    is_uri = bool(
        model and re.match(r"^[a-z][a-z0-9+.-]+:/", model)
    )  # models:/NAME@ALIAS, runs:/...
    if is_uri or model is None and params.tracking.enabled:
        from birnn.tracking.loading import champion_model, load_model

        pyfunc_model = load_model(model, params) if model else champion_model(params)
    if pyfunc_model is not None:
        import pandas as pd

        from birnn.serving.pyfunc import PROBABILITIES_COLUMN as PROBABILITIES
        from birnn.serving.pyfunc import TEXT_COLUMN

        out = pyfunc_model.predict(pd.DataFrame({TEXT_COLUMN: texts}))
        # a model logged before label names were recorded answers 0/1 only
        names = out["label_name"] if "label_name" in out else [str(int(y)) for y in out["label"]]
        every = out[PROBABILITIES] if PROBABILITIES in out else [None] * len(texts)
        return list(zip(out["label"], out["probability"], names, texts, every))
    model_dir = Path(model) if model else _best_model_dir(layout)
    return [
        (p.label, p.probability, p.label_name, p.text, p.probabilities)
        for p in Predictor.from_dir(model_dir).predict(texts)
    ]


def _best_model_dir(layout) -> Path:
    from birnn.files import read_json

    comparison = layout.comparison_path
    if not comparison.is_file():
        raise FileNotFoundError(f"{comparison} not found: run the pipeline first or pass --model")
    best = read_json(comparison).get("best_variant")
    if not best:
        raise ValueError(
            f"{comparison} names no best variant: no recurrent variant learned (why: "
            f"{comparison.with_suffix('.md')}); train again with more epochs or another learning "
            "rate, or pass --model models/<variant>"
        )
    return layout.model_dir(best)
