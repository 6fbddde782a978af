"""All variants side by side: a ranked table (markdown + JSON), a cell x merge-mode
accuracy grid and its heatmap."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .config import CELLS, MERGE_MODES
from .files import atomic_path, read_json, write_json, write_text

COLUMNS = ["variant", "kind", "cell", "merge_mode", "accuracy", "f1", "roc_auc", "log_loss",
           "probe_accuracy", "parameters", "epochs_run", "seconds_per_epoch", "train_seconds"]


def load_metrics(metrics_dir: str | Path, names: list[str]) -> pd.DataFrame:
    """Metrics of the named variants, in that order; a missing file is a clear error."""
    metrics_dir = Path(metrics_dir)
    missing = [n for n in names if not (metrics_dir / f"{n}.json").is_file()]
    if missing:
        raise FileNotFoundError(
            f"{metrics_dir}: no metrics for {missing}; run their evaluate stages first")
    return pd.DataFrame([read_json(metrics_dir / f"{n}.json") for n in names])


def compare(metrics_dir: str | Path, names: list[str], out_dir: str | Path) -> dict:
    """Stage: reports/metrics/*.json -> reports/comparison.{md,json} + figures/."""
    out_dir = Path(out_dir)
    table = load_metrics(metrics_dir, names)
    table = table.reindex(columns=COLUMNS).sort_values(["accuracy", "log_loss"],
                                                       ascending=[False, True], kind="stable")
    table.insert(0, "rank", range(1, len(table) + 1))
    rnn = table[table["kind"] == "rnn"]
    best = rnn.iloc[0]["variant"] if len(rnn) else None
    grid = None
    if len(rnn):
        grid = rnn.pivot(index="cell", columns="merge_mode", values="accuracy")
        grid = grid.reindex(index=[c for c in CELLS if c in grid.index],
                            columns=[m for m in MERGE_MODES if m in grid.columns])
    summary = {
        "best_variant": best,
        "best_accuracy": float(rnn.iloc[0]["accuracy"]) if len(rnn) else None,
        "variants": _records(table),
        "accuracy_grid": {} if grid is None else {
            cell: {mode: _num(v) for mode, v in row.items()} for cell, row in grid.iterrows()},
    }
    baseline = table[table["kind"] == "baseline"]
    if len(baseline) and best is not None:
        summary["gain_over_baseline"] = float(rnn.iloc[0]["accuracy"] - baseline.iloc[0]["accuracy"])
    write_json(out_dir / "comparison.json", summary)
    write_text(out_dir / "comparison.md", _markdown(table, grid, summary))
    if grid is not None:
        _heatmap(grid, out_dir / "figures" / "accuracy_heatmap.png")
    return {"best_variant": best, "best_accuracy": summary["best_accuracy"], "rows": len(table)}


def _num(value):
    return None if pd.isna(value) else round(float(value), 4)


def _records(table: pd.DataFrame) -> list[dict]:
    return [{k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
            for row in table.astype(object).where(table.notna(), None).to_dict("records")]


def _markdown(table: pd.DataFrame, grid: pd.DataFrame | None, summary: dict) -> str:
    lines = ["# Variant comparison", ""]
    if summary["best_variant"]:
        lines += [f"Best recurrent variant: **{summary['best_variant']}** "
                  f"(test accuracy {summary['best_accuracy']:.4f}).", ""]
    if "gain_over_baseline" in summary:
        lines += [f"Gain over the TF-IDF + logistic regression baseline: "
                  f"{summary['gain_over_baseline']:+.4f} accuracy.", ""]
    lines += [_display(table[["rank", *COLUMNS]]).to_markdown(index=False, disable_numparse=True), ""]
    if grid is not None:
        lines += ["## Test accuracy by cell and merge mode", "", grid.to_markdown(floatfmt=".4f"), ""]
    return "\n".join(lines)


def _display(table: pd.DataFrame) -> pd.DataFrame:
    """Readable cells: counts as integers, scores to 4 places, seconds to 1, gaps as '-'."""
    shown = table.astype(object).copy()
    for column in shown.columns:
        def fmt(value, column=column):
            if value is None or (isinstance(value, float) and pd.isna(value)):
                return "-"
            if column in ("rank", "parameters", "epochs_run"):
                return f"{int(value)}"
            if column in ("seconds_per_epoch", "train_seconds"):
                return f"{float(value):.1f}"
            return f"{value:.4f}" if isinstance(value, float) else str(value)
        shown[column] = shown[column].map(fmt)
    return shown


def _heatmap(grid: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * grid.shape[1], 1.2 + 0.8 * grid.shape[0]))
    values = grid.to_numpy(dtype=float)
    image = ax.imshow(values, cmap="viridis", aspect="auto")
    low, high = image.get_clim()
    ax.set_xticks(range(grid.shape[1]), grid.columns)
    ax.set_yticks(range(grid.shape[0]), grid.index)
    for (i, j), value in pd.DataFrame(values).stack().items():
        bright = high > low and (value - low) / (high - low) > 0.6  # viridis is yellow at the top
        ax.text(j, i, f"{value:.3f}", ha="center", va="center", color="black" if bright else "white",
                fontsize=9)
    ax.set_xlabel("merge mode")
    ax.set_ylabel("cell")
    ax.set_title("test accuracy")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
