"""Metrics and prediction files of made-up variants, for the comparison's tests."""

import re

import numpy as np

from birnn.files import write_json


def write_metrics(dir_, name, cell, mode, accuracy, kind="rnn", **extra):
    write_json(
        dir_ / f"{name}.json",
        {
            "variant": name,
            "kind": kind,
            "cell": cell,
            "merge_mode": mode,
            "accuracy": accuracy,
            "f1": accuracy,
            "roc_auc": accuracy,
            "log_loss": 1 - accuracy,
            "parameters": 10,
            "n_test": 100,
            "status": "ok",
            "val_accuracy": accuracy,  # the fixtures' validation agrees with test unless told
            "val_loss": 1 - accuracy,
            **extra,
        },
    )


def write_predictions(dir_, name, y, n_wrong):
    prob = np.where(y == 1, 0.9, 0.1).astype(np.float32)
    prob[:n_wrong] = 1 - prob[:n_wrong]
    dir_.mkdir(exist_ok=True)
    np.save(dir_ / f"{name}.npy", prob)


def imbalanced_metrics(tmp_path, n=1000, rare=10):
    """99:1 test labels; 'majority' always answers 0 (F1 0), 'careful' finds the rare class."""
    m, p = tmp_path / "metrics", tmp_path / "predictions"
    y = np.zeros(n, np.int8)
    y[:rare] = 1
    np.savez(tmp_path / "test.npz", x=np.zeros((n, 3), np.int32), y=y, row=np.arange(n))
    p.mkdir()
    for name, cell, acc, val_acc, val_bal in [
        ("gru-sum", "gru", 0.99, 0.99, 0.5),
        ("lstm-sum", "lstm", 0.97, 0.97, 0.9),
    ]:
        write_metrics(
            m,
            name,
            cell,
            "sum",
            acc,
            n_test=n,
            val_accuracy=val_acc,
            val_balanced_accuracy=val_bal,
            balanced_accuracy=val_bal,
        )
        np.save(p / f"{name}.npy", np.full(n, 0.1, np.float32))
    return m, p, ["gru-sum", "lstm-sum"]


NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*(?:\.\d+)?(?:e-?\d+)?%?")
COUNTS = 20  # small integers count things ("3 seeds", "2 cells"): not measured numbers


def json_numbers(value) -> list[float]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in json_numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in json_numbers(v)]
    return []


def unmapped_numbers(report: dict) -> list[str]:
    """The numbers of the verdict that no number of comparison.json gives, as shown (to the
    precision the verdict prints, sign aside: "0.0549 lower" is a gap of -0.0549)."""
    values = [abs(v) for v in json_numbers({k: v for k, v in report.items() if k != "verdict"})]
    missing = []
    for token in NUMBER.findall(report["verdict"]):
        text = token.rstrip("%").replace(",", "").lstrip("+-")
        shown = float(text) / (100 if token.endswith("%") else 1)
        if shown.is_integer() and shown <= COUNTS:
            continue
        if "e" in text:
            tolerance = abs(shown) * 5e-3
        else:
            decimals = len(text.partition(".")[2]) + (2 if token.endswith("%") else 0)
            tolerance = 0.5 * 10**-decimals + 1e-12
        if not any(abs(v - shown) <= tolerance for v in values):
            missing.append(token)
    return missing
