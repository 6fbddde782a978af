"""Every figure the project draws, in one place: the comparison's heatmap, curves and seed
spread, and each variant's curves and confusion matrix for MLflow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from birnn.files import atomic_dir, atomic_path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)


def accuracy_heatmap(grid: pd.DataFrame, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * grid.shape[1], 1.2 + 0.8 * grid.shape[0]))
    values = grid.to_numpy(dtype=float)
    image = ax.imshow(values, cmap="viridis", aspect="auto")
    low, high = image.get_clim()
    ax.set_xticks(range(grid.shape[1]), grid.columns)
    ax.set_yticks(range(grid.shape[0]), grid.index)
    for (i, j), value in pd.DataFrame(values).stack().items():
        bright = high > low and (value - low) / (high - low) > 0.6  # viridis is yellow at the top
        ax.text(
            j,
            i,
            f"{value:.3f}",
            ha="center",
            va="center",
            color="black" if bright else "white",
            fontsize=9,
        )
    ax.set_xlabel("merge mode")
    ax.set_ylabel("cell")
    ax.set_title("test accuracy")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def effects_chart(effects: dict, path: Path) -> None:
    """Per factor, each level against the mean of the others: the estimate, its 95% interval
    (thick) and the simultaneous 95% interval (thin); zero marked."""
    plt = _pyplot()
    factors = list(effects["factors"].items())
    fig, axes = plt.subplots(
        1,
        len(factors),
        figsize=(4.2 * len(factors), 0.9 + 0.5 * max(len(f["vs_rest"]) for _, f in factors)),
        squeeze=False,
        sharex=True,
    )
    for ax, (name, factor) in zip(axes[0], factors):
        rows = factor["vs_rest"]
        y = np.arange(len(rows))
        for row, record in zip(y, rows):
            ax.plot(record["simultaneous95"], [row, row], color="grey", lw=1)
            ax.plot(record["ci95"], [row, row], color="tab:blue", lw=4, alpha=0.7)
            ax.plot(record["estimate"], row, "o", color="black", ms=4)
        ax.axvline(0, color="black", lw=0.8, ls="--")
        ax.set_yticks(y, [r["level"] for r in rows])
        ax.invert_yaxis()  # the first level on top, as in the tables
        ax.set_title(f"{name.replace('_', ' ')}: level minus the others")
        ax.set_xlabel(f"test {effects['metric'].replace('_', ' ')}")
        ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def seed_spread(metrics: pd.DataFrame, variants: list[str], path: Path) -> None:
    """Each seed's test accuracy per variant, best on top: a mean hides a seed that never learned."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.35 * len(variants)))
    for row, variant in enumerate(reversed(variants)):
        scores = metrics.loc[variant].get("seed_scores")
        accuracies = [s["accuracy"] for s in scores] if isinstance(scores, list) else []
        ax.scatter(accuracies, [row] * len(accuracies), s=18, alpha=0.7)
        if accuracies:
            ax.plot([np.mean(accuracies)] * 2, [row - 0.3, row + 0.3], color="black", lw=1)
    ax.set_yticks(range(len(variants)), list(reversed(variants)))
    ax.set_xlabel("test accuracy of each seed (bar: mean)")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def validation_curves(curves_dir: Path, variants: list[str], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for variant in variants:
        csv = curves_dir / f"{variant}.csv"
        if csv.is_file():
            curve = pd.read_csv(csv)
            if "val_accuracy" in curve:
                ax.plot(
                    curve["epoch"],
                    curve["val_accuracy"],
                    marker="o",
                    ms=3,
                    label=variant,
                    linestyle="--" if variant.endswith("-uni") else "-",
                )
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="lower right")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def variant_figures(name: str, history: dict, metrics: dict, out: Path) -> list[Path]:
    """curves.png (loss and accuracy by epoch) and confusion_matrix.png, where there is data."""
    if not history and not metrics.get("confusion_matrix"):
        return []
    plt = _pyplot()
    written = []
    if history.get("loss"):
        fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
        for ax, key in zip(axes, ("loss", "accuracy")):
            for series in (key, f"val_{key}"):
                if history.get(series):
                    ax.plot(
                        range(1, len(history[series]) + 1),
                        history[series],
                        marker="o",
                        label=series,
                    )
            ax.set_xlabel("epoch")
            ax.set_title(key)
            ax.legend()
        fig.suptitle(name)
        fig.tight_layout()
        written.append(out / "curves.png")
        fig.savefig(written[-1], dpi=90)
        plt.close(fig)
    matrix = metrics.get("confusion_matrix")
    if matrix:
        names = metrics.get("classes") or ["neg", "pos"]  # multiclass: the class names
        side = max(3.2, 0.9 * len(names) + 1.4)
        fig, ax = plt.subplots(figsize=(side + 0.4, side))
        ax.imshow(matrix, cmap="Blues")
        for i, row in enumerate(matrix):
            for j, value in enumerate(row):
                ax.text(j, i, str(value), ha="center", va="center")
        ticks = range(len(names))
        ax.set_xticks(ticks, names, rotation=30 if len(names) > 2 else 0)
        ax.set_yticks(ticks, names)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title(f"{name}: confusion")
        fig.tight_layout()
        written.append(out / "confusion_matrix.png")
        fig.savefig(written[-1], dpi=90)
        plt.close(fig)
    return written


def write_comparison_figures(
    figures_dir: Path,
    grid: pd.DataFrame | None,
    curves_dir: str | Path | None,
    metrics: pd.DataFrame,
    ranked: list[str],
    seeds: int,
    effects: dict | None = None,
) -> None:
    """The heatmap, the validation curves, (several seeds) the seed spread and (a grid with
    predictions) the effects chart, as the folder exists: whole, so no figure of an earlier
    run is left among this run's."""
    with atomic_dir(figures_dir) as figures:
        if grid is not None:
            accuracy_heatmap(grid, figures / "accuracy_heatmap.png")
        if effects and effects.get("factors"):
            effects_chart(effects, figures / "effects.png")
        if curves_dir is not None and Path(curves_dir).is_dir():
            validation_curves(Path(curves_dir), ranked, figures / "validation_curves.png")
        if seeds > 1:
            seed_spread(metrics.set_index("variant"), ranked, figures / "seed_spread.png")
