"""reports/comparison.md: the verdict, the warnings, the ranked table with a legend of its
columns, what failed or did not learn, the grid with its means, the minimal pairs and the
figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from birnn.reporting.significance import MCNEMAR

COUNT_COLUMNS = ("rank", "parameters", "epochs_run", "n_seeds")


def comparison_markdown(
    table: pd.DataFrame, columns: list[str], grid: pd.DataFrame | None, summary: dict
) -> str:
    lines = ["# Variant comparison", "", summary["verdict"], ""]
    if summary.get("warnings"):
        lines += ["## Warnings", ""] + [f"- {w}" for w in summary["warnings"]] + [""]
    lines += [
        display(table[["rank", *columns]]).to_markdown(index=False, disable_numparse=True),
        "",
        legend(summary),
        "",
    ]
    if summary["failed"]:
        lines += ["## Failed variants", ""]
        lines += [f"- **{f['variant']}**: {f['error']}" for f in summary["failed"]] + [""]
    if summary["did_not_learn"]:
        lines += ["## Did not learn (not ranked)", ""]
        lines += [f"- **{d['variant']}**: {d['reason']}" for d in summary["did_not_learn"]] + [""]
    lines += per_class_section(summary) + grid_section(grid)
    lines += effects_section(summary.get("effects", {}))
    lines += probes_section(table, summary)
    if summary["seeds"] > 1:
        lines += [
            "## Seeds",
            "",
            "Each dot is one seed's test accuracy; the bar is the mean.",
            "",
            "![seeds](figures/seed_spread.png)",
            "",
        ]
    lines += ["## Validation curves", "", "![curves](figures/validation_curves.png)", ""]
    return "\n".join(lines)


def grid_section(grid: pd.DataFrame | None) -> list[str]:
    if grid is None:
        return []
    margins = grid.copy()
    margins["mean"] = grid.mean(axis=1)
    margins.loc["mean"] = [*grid.mean(axis=0), np.nan]
    return [
        "## Test accuracy by cell and merge mode",
        "",
        margins.astype(object)
        .where(margins.notna(), None)
        .to_markdown(floatfmt=".4f", missingval="-"),
        "",
        "![heatmap](figures/accuracy_heatmap.png)",
        "",
    ]


def effects_section(effects: dict) -> list[str]:
    """The factorial answer: its sentences, each factor's contrasts, the interaction, a chart."""
    if not effects.get("factors"):
        return []
    lines = ["## Which cell, which merge mode", "", *[f"- {s}" for s in effects["sentences"]], ""]
    lines += [
        f"Test {effects['metric'].replace('_', ' ')}, {effects['test']}. `ci95`: percentile "
        "interval of one contrast; `simultaneous95` and `p_adjusted`: hold for the whole "
        "family at once (max-T), so *no level differs by more than X* can be read from them; "
        "`mde80`: the smallest true difference this contrast finds with 80% power.",
        "",
    ]
    for name, factor in effects["factors"].items():
        rows = [
            {
                "contrast": r["contrast"],
                "estimate": f"{r['estimate']:+.4f}",
                "ci95": "[{:+.4f}, {:+.4f}]".format(*r["ci95"]),
                "simultaneous95": "[{:+.4f}, {:+.4f}]".format(*r["simultaneous95"]),
                "p_adjusted": f"{r['p_adjusted']:.3g}",
                "mde80": f"{r['mde80']:.4f}",
            }
            for r in factor["vs_rest"] + factor["pairs"]
        ]
        lines += [
            f"### {name.replace('_', ' ')}",
            "",
            pd.DataFrame(rows).to_markdown(index=False, disable_numparse=True),
            "",
        ]
    lines += ["![effects](figures/effects.png)", ""]
    return lines


def per_class_section(summary: dict) -> list[str]:
    """Multiclass: precision, recall and F1 of each class on test, for the chosen variant and
    the best baseline."""
    if not summary.get("per_class"):
        return []
    columns: dict[str, dict[str, str]] = {}
    for variant, scores in summary["per_class"].items():
        columns["test rows"] = {c: str(s["support"]) for c, s in scores.items()}
        for key in ("precision", "recall", "f1"):
            columns[f"{variant} {key}"] = {c: f"{s[key]:.4f}" for c, s in scores.items()}
    table = pd.DataFrame(columns).reindex(summary["classes"])
    return [
        "## Per class (test split)",
        "",
        table.to_markdown(disable_numparse=True),
        "",
        "The confusion matrix of the chosen variant: `dvc plots show` (reports/plots/"
        "confusion.csv), and each variant's in MLflow (plots/confusion_matrix.png).",
        "",
    ]


def probes_section(table: pd.DataFrame, summary: dict | None = None) -> list[str]:
    if (summary or {}).get("probes_skipped"):
        return ["## Minimal pairs", "", f"Skipped: {summary['probes_skipped']}.", ""]
    rows = {
        row["variant"]: {probe_label(p): probe_cell(p) for p in row["probes"]}
        for _, row in table.iterrows()
        if isinstance(row.get("probes"), list)
    }
    if not rows:
        return []
    return [
        "## Minimal pairs",
        "",
        "Probability of *positive* per probe sentence; "
        "a mark means the variant got the label right.",
        "",
        pd.DataFrame(rows).T.to_markdown(disable_numparse=True),
        "",
    ]


def legend(summary: dict) -> str:
    ranked = summary.get("ranked_by", "accuracy")
    if summary["seeds"] > 1:
        head = (
            f"`accuracy`: mean over {summary['seeds']} seeds, `accuracy_std`: their standard "
            "deviation. `ci95`: 95% interval of the mean from a bootstrap that resamples both the "
            "seeds and the test rows. `p_vs_best`: the same paired bootstrap against the chosen "
            "variant."
        )
    elif summary["significance_test"] == MCNEMAR:
        head = (
            "`ci95`: Wilson 95% interval of the accuracy. `p_vs_best`: exact McNemar test against "
            "the chosen variant on the same test rows."
        )
    else:
        head = (
            "`ci95`: 95% bootstrap interval of the accuracy. `p_vs_best`: paired bootstrap against "
            "the chosen variant on the same test units."
        )
    return (
        f"Ranked by `val_{ranked}` (the validation split; then validation loss): the best variant is "
        "chosen there, and the test columns report how it fares. "
        + head
        + (
            f" `p_vs_best` compares {ranked.replace('_', ' ')} ({summary['significance_test']})."
            if summary["significance_test"].startswith("paired bootstrap of")
            else ""
        )
        + " `p_holm`: p_vs_best adjusted for testing every variant (Holm); below 0.05 the "
        "difference is unlikely to be noise. `vs_best`: against the variant chosen on validation "
        "(*chosen*): *better* or *worse* on test when p_holm < 0.05, else *tie*."
    )


def probe_label(probe: dict) -> str:
    return f"{probe['text']} ({'+' if probe['expected'] else '-'})"


def probe_cell(probe: dict) -> str:
    right = (probe["probability"] >= 0.5) == bool(probe["expected"])
    return f"{probe['probability']:.2f} {'✓' if right else '✗'}"


def display(table: pd.DataFrame) -> pd.DataFrame:
    """Readable cells: counts as integers, scores to 4 places, seconds to 1, gaps as '-'."""
    shown = table.astype(object).copy()
    for column in shown.columns:
        shown[column] = shown[column].map(lambda value, column=column: cell_text(column, value))
    return shown


def cell_text(column: str, value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if column in COUNT_COLUMNS or column.startswith("predict_"):
        return f"{int(value)}"
    if column == "seconds_per_epoch":
        return f"{float(value):.1f}"
    if column in ("p_vs_best", "p_holm"):
        return f"{float(value):.3g}"
    return f"{value:.4f}" if isinstance(value, float) else str(value)
