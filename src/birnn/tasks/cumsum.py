"""The cumsum task (``data.source: cumsum``): per-timestep sequence classification of the
number sequences of data/sequences.py, through the same DAG as the text task.

| stage | here | writes |
|---|---|---|
| clean | :meth:`CumsumTask.clean` | data/interim/clean.parquet + reports/clean_report.json |
| tokenize | :meth:`CumsumTask.tokenize` | data/interim/tokens.parquet (the numbers, passed through) |
| split | :meth:`CumsumTask.split` | data/processed/{train,val,test}.npz (x (N, T, 1), y (N, T)) + vocab.json |
| evaluate | :func:`sequence_metrics` | per-timestep metrics + predictions (N, T) |
| baseline | :func:`train_baseline` | position-logreg: a memoryless per-position logistic regression |

Stages after clean recognise the task from the data they read (birnn.tasks.task_of: a
``values`` column, or ``"task": "cumsum"`` in vocab.json), not from params, so dvc.yaml's
params lists stay true.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from birnn.config import ModelParams, Params, SplitParams
from birnn.data.sequences import LABELS, VALUES, sequence_table
from birnn.files import atomic_path, write_json
from birnn.modeling.scoring import classification_metrics, save_predictions, validation_scores
from birnn.tasks.interface import TASK_KEY
from birnn.tasks.processed import VOCAB_FILE, load_split, save_split, split_indices

BASELINE_CELL = "position-logreg"
BASELINE_DESCRIPTION = (
    "logistic regression on the current value, one per timestep (no memory "
    "of earlier values; the cumsum task has no text for TF-IDF)"
)


def _arrays(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """A clean sequence table (equal lengths, checked by :func:`clean`) -> x (N, T), y (N, T)."""
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=[VALUES, LABELS])
    n = table.num_rows
    x = _flat(table[VALUES]).astype(np.float32)
    y = _flat(table[LABELS]).astype(np.int8)
    return x.reshape(n, -1), y.reshape(n, -1)


def _flat(column) -> np.ndarray:
    """A list column (Array or ChunkedArray) -> every element in row order (null -> NaN)."""
    if hasattr(column, "combine_chunks"):
        column = column.combine_chunks()
    return column.flatten().to_numpy(zero_copy_only=False)


# --- clean ------------------------------------------------------------------------------------


@dataclass
class SequenceCleanReport:
    rows_in: int
    rows_out: int = 0
    timesteps: int = 0
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> rows
    label_counts: dict[str, int] = field(default_factory=dict)  # over all timesteps
    positive_share_by_step: list[float] = field(default_factory=list)


DROP_REASONS = ("missing", "length_mismatch", "non_finite", "bad_label")


def clean(
    raw_path: str | Path, out_path: str | Path, report_path: str | Path
) -> SequenceCleanReport:
    """Stage: raw sequences -> clean.parquet, dropping rows that cannot be trained on.

    Reasons, counted in this order: ``missing`` (null list), ``length_mismatch`` (values and
    labels differ in length, or the row's length is not the most common one), ``non_finite``
    (NaN/inf or null values), ``bad_label`` (a label other than 0/1).
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(raw_path)
    missing_columns = {VALUES, LABELS} - set(table.column_names)
    if missing_columns:
        raise ValueError(
            f"{raw_path}: missing column(s) {sorted(missing_columns)}; "
            f"a sequence table needs list columns {VALUES!r} and {LABELS!r}"
        )
    values, labels = table[VALUES].combine_chunks(), table[LABELS].combine_chunks()
    report = SequenceCleanReport(rows_in=table.num_rows)
    keep = np.ones(table.num_rows, dtype=bool)

    def drop(bad: np.ndarray, reason: str) -> None:
        report.dropped[reason] = int((bad & keep).sum())
        keep[bad] = False

    n_values = pc.list_value_length(values).fill_null(-1).to_numpy(zero_copy_only=False)
    n_labels = pc.list_value_length(labels).fill_null(-1).to_numpy(zero_copy_only=False)
    drop(
        pc.is_null(values).to_numpy(zero_copy_only=False)
        | pc.is_null(labels).to_numpy(zero_copy_only=False),
        "missing",
    )
    lengths = np.where(keep, n_values, -1)
    common = int(np.bincount(lengths[lengths > 0]).argmax()) if (lengths > 0).any() else 0
    drop((n_values != n_labels) | (n_values != common), "length_mismatch")
    rows = np.flatnonzero(keep)
    x = _flat(values.take(rows)).astype(np.float64).reshape(len(rows), common)
    y = _flat(labels.take(rows)).astype(np.float64).reshape(len(rows), common)  # null -> NaN
    drop(_rows_where(~np.isfinite(x).all(axis=1), rows, keep), "non_finite")
    drop(_rows_where(~np.isin(y, (0, 1)).all(axis=1), rows, keep), "bad_label")
    inside = keep[rows]
    x, y = x[inside].astype(np.float32), y[inside].astype(np.int8)
    if len(x) == 0:
        raise ValueError(f"{raw_path}: no usable sequence left after cleaning ({report.dropped})")
    report.rows_out, report.timesteps = len(x), common
    report.label_counts = {str(k): int(v) for k, v in zip(*np.unique(y, return_counts=True))}
    report.positive_share_by_step = [round(float(s), 4) for s in y.mean(axis=0)]
    with atomic_path(out_path) as tmp:
        pq.write_table(sequence_table(x, y), tmp)
    write_json(report_path, report.__dict__)
    return report


def _rows_where(bad_kept: np.ndarray, rows: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """A mask over kept ``rows`` -> a mask over the whole table."""
    mask = np.zeros(len(keep), dtype=bool)
    mask[rows[bad_kept]] = True
    return mask


# --- tokenize and split -----------------------------------------------------------------------


@dataclass(frozen=True)
class SequenceTokenizeSummary:
    rows: int
    tokens: int  # values, one per timestep
    mean_tokens: float
    p95_tokens: float


def tokenize(clean_path: str | Path, out_path: str | Path):
    """Stage: numbers need no tokenizer; the clean table passes through unchanged."""
    import shutil

    x, _ = _arrays(clean_path)
    with atomic_path(out_path) as tmp:
        shutil.copyfile(clean_path, tmp)
    return SequenceTokenizeSummary(
        rows=len(x), tokens=int(x.size), mean_tokens=float(x.shape[1]), p95_tokens=float(x.shape[1])
    )


@dataclass(frozen=True)
class SequenceSplitSummary:
    train: int
    val: int
    test: int
    timesteps: int
    positive_share_train: float
    ignored: str = (
        "split.strategy, vocab_size, min_count, max_len*, truncating: numbers, not "
        "tokens; a seeded random split of whole sequences, max_len = their length"
    )


def split(
    tokens_path: str | Path, params: SplitParams, seed: int, out_dir: str | Path
) -> SequenceSplitSummary:
    """Stage: sequences -> {train,val,test}.npz (x float32 (N, T, 1), y int8 (N, T), row) +
    vocab.json recording the task, so train and evaluate build and score the right model."""
    out_dir = Path(out_dir)
    x, y = _arrays(tokens_path)
    smallest = min(params.test_size, params.val_size)
    if len(x) * smallest < 2:
        raise ValueError(
            f"too few sequences to split: {len(x)} rows give fewer than 2 in the "
            f"smallest split ({smallest:g}); raise data.cumsum_rows"
        )
    # labels are whole sequences, not one class per row: a plain seeded split, not stratified
    parts = split_indices(
        np.arange(len(x)), params.test_size, params.val_size, seed, stratify=False
    )
    for name, rows in parts.items():
        save_split(out_dir, name, x[rows, :, None], y[rows], rows)
    write_json(out_dir / VOCAB_FILE, {TASK_KEY: "cumsum", "words": [], "max_len": int(x.shape[1])})
    return SequenceSplitSummary(
        train=len(parts["train"]),
        val=len(parts["val"]),
        test=len(parts["test"]),
        timesteps=int(x.shape[1]),
        positive_share_train=round(float(y[parts["train"]].mean()), 4),
    )


# --- evaluate and baseline --------------------------------------------------------------------


def sequence_metrics(y_true: np.ndarray, prob: np.ndarray, threshold: float = 0.5) -> dict:
    """Every timestep of every test sequence counts once in the usual metrics; ``n_test`` is
    the number of sequences, ``sequence_accuracy`` the share with every timestep right."""
    y_true, prob = np.asarray(y_true), np.asarray(prob).reshape(y_true.shape)
    right = (prob >= threshold).astype(int) == y_true
    return {
        **classification_metrics(y_true.reshape(-1), prob.reshape(-1), threshold),
        "n_test": int(y_true.shape[0]),
        "n_timesteps": int(y_true.shape[1]),
        "sequence_accuracy": float(right.all(axis=1).mean()),
        "accuracy_by_step": [round(float(a), 4) for a in right.mean(axis=0)],
    }


def train_baseline(
    processed_dir: str | Path,
    seed: int,
    name: str,
    metrics_path: str | Path,
    predictions_path: str | Path,
    *,
    label: str,
) -> dict:
    """The non-recurrent reference for this task, on the same train/test sequences, as the
    baseline ``name`` (``label``: what the verdict calls it).

    One logistic regression per timestep on that step's value alone: the best a model
    without memory can do is learn where the crossing usually happens (position) and that
    big values push it earlier. The recurrent variants must beat it by summing the prefix.
    """
    from sklearn.linear_model import LogisticRegression

    x_train, y_train = load_split(processed_dir, "train")
    x_val, y_val = load_split(processed_dir, "val")
    x_test, y_test = load_split(processed_dir, "test")
    started = time.perf_counter()
    prob = np.zeros(y_test.shape, dtype=np.float64)
    prob_val = np.zeros(y_val.shape, dtype=np.float64)
    parameters = 0
    for t in range(y_test.shape[1]):
        if len(np.unique(y_train[:, t])) < 2:  # e.g. step 0 is never over the threshold
            prob[:, t] = prob_val[:, t] = float(y_train[:, t].mean())
            parameters += 1
            continue
        step = LogisticRegression(random_state=seed).fit(x_train[:, t], y_train[:, t])
        prob[:, t] = step.predict_proba(x_test[:, t])[:, 1]
        prob_val[:, t] = step.predict_proba(x_val[:, t])[:, 1]
        parameters += int(step.coef_.size + 1)
    seconds = time.perf_counter() - started
    save_predictions(predictions_path, prob)
    result = {
        "variant": name,
        "name": label,
        "description": BASELINE_DESCRIPTION,
        "cell": BASELINE_CELL,
        "merge_mode": None,
        "direction": None,
        "kind": "baseline",
        "status": "ok",
        **validation_scores(y_val, prob_val),
        **sequence_metrics(y_test, prob),
        "parameters": parameters,
        "train_seconds": round(seconds, 3),
    }
    write_json(metrics_path, result)
    return result


class CumsumTask:
    name = "cumsum"
    unit = "sequences"
    serves_text = False  # numbers in, a label per timestep out: no raw-text serving

    def clean(self, raw_dir: Path, params: Params, out_path: Path, report_path: Path):
        from birnn.data.raw import raw_path

        return clean(raw_path(raw_dir, params.data), out_path, report_path)

    def tokenize(self, clean_path: Path, out_path: Path):
        return tokenize(clean_path, out_path)

    def split(self, tokens_path: Path, params: SplitParams, seed: int, out_dir: Path):
        return split(tokens_path, params, seed, out_dir)

    def build_model(
        self,
        cell,
        merge_mode,
        direction,
        vocab: dict,
        params: ModelParams,
        learning_rate: float,
        clipnorm: float,
        embedding_matrix=None,
    ):
        from birnn.modeling.models import build_sequence_model

        return build_sequence_model(
            cell, merge_mode, vocab["max_len"], params, direction, learning_rate, clipnorm
        )

    def metrics(self, y_true, prob, classes=None) -> dict:
        return sequence_metrics(y_true, prob)

    def extra_scores(self, predict_texts, classes=None) -> dict:
        return {}
