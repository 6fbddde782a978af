"""All variants side by side, compared the way a careful reviewer would: a ranked table, a
paired significance test of every variant against the best one on the same test rows, the
minimal-pair probes each variant gets right, a cell x merge-mode heatmap, the validation
curves, and a plain-language verdict (markdown + JSON)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from birnn.config import CELLS, MERGE_MODES
from birnn.files import atomic_dir, read_json, write_json, write_text
from birnn.reporting import dvc_views
from birnn.reporting.plots import accuracy_heatmap, seed_spread, validation_curves
from birnn.reporting.stats import (
    bootstrap_accuracies,
    bootstrap_p,
    holm,
    mcnemar_p,
    unit_scores,
    wilson_interval,
)

COLUMNS = [
    "variant",
    "kind",
    "cell",
    "merge_mode",
    "val_accuracy",
    "accuracy",
    "ci95",
    "p_vs_best",
    "p_holm",
    "vs_best",
    "f1",
    "balanced_accuracy",
    "macro_f1",
    "roc_auc",
    "log_loss",
    "probe_accuracy",
    "parameters",
    "epochs_run",
    "seconds_per_epoch",
    "predict_texts_per_second",
]
log = logging.getLogger("birnn")
ALPHA = 0.05
MINORITY_SHARE = 0.4  # under it accuracy rewards answering the majority: rank by a balanced score
MIN_TEST_UNITS = 200
METRIC_NAMES = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "macro_f1": "macro-F1",
}


def load_metrics(metrics_dir: str | Path, names: list[str]) -> pd.DataFrame:
    """Metrics of the named variants, in that order; a missing file is a clear error."""
    metrics_dir = Path(metrics_dir)
    missing = [n for n in names if not (metrics_dir / f"{n}.json").is_file()]
    if missing:
        raise FileNotFoundError(
            f"{metrics_dir}: no metrics for {missing}; run their evaluate stages first"
        )
    frame = pd.DataFrame([read_json(metrics_dir / f"{n}.json") for n in names])
    if "status" not in frame:
        frame["status"] = "ok"
    frame["status"] = frame["status"].fillna("ok")
    return frame


def compare(
    metrics_dir: str | Path,
    names: list[str],
    out_dir: str | Path,
    predictions_dir: str | Path | None = None,
    y_test_path: str | Path | None = None,
    curves_dir: str | Path | None = None,
    unit: str = "texts",
    metric: str = "auto",
    clean_report_path: str | Path | None = None,
) -> dict:
    """Stage: reports/metrics/*.json (+ predictions) -> reports/comparison.{md,json} + figures/.

    ``unit``: what one test example is ("texts", or "sequences" for per-timestep tasks).
    ``metric``: the validation score that ranks (compare.metric; auto decides by the class
    balance of the test labels). The clean report's warnings are carried into the report."""
    out_dir = Path(out_dir)
    metrics = load_metrics(metrics_dir, names)
    minority = _minority_share(y_test_path)
    metric = _ranking_metric(metric, minority, metrics)
    failed = metrics[~metrics["status"].isin(["ok", "did_not_learn"])]
    not_learned = metrics[metrics["status"] == "did_not_learn"]
    table = metrics[metrics["status"] == "ok"].copy()
    # chosen on validation; the test set only reports how the choice fares
    for column in (f"val_{metric}", "val_accuracy", "val_loss"):
        if column not in table:
            table[column] = np.nan
    table = table.sort_values(
        [f"val_{metric}", "val_loss"], ascending=[False, True], kind="stable", na_position="last"
    )
    table.insert(0, "rank", range(1, len(table) + 1))
    rnn = table[table["kind"] == "rnn"]
    best = rnn.iloc[0]["variant"] if len(rnn) else None
    test = _add_significance(table, best, predictions_dir, y_test_path, unit)
    columns = _columns(table, unit, metric)
    table = table.reindex(columns=["rank", *columns, "n_test", "probes"])
    rnn = table[table["kind"] == "rnn"]
    grid = _grid(rnn)
    summary = {
        "best_variant": best,
        "best_accuracy": float(rnn.iloc[0]["accuracy"]) if len(rnn) else None,
        "best_val_accuracy": _num(rnn.iloc[0]["val_accuracy"]) if len(rnn) else None,
        "best_val_score": _num(rnn.iloc[0][f"val_{metric}"]) if len(rnn) else None,
        "ranked_by": metric,
        "selected_by": f"validation {METRIC_NAMES[metric]}, then validation loss (test scores "
        "never choose)",
        "significance_test": test,
        "test_units": unit,
        "seeds": int(table["n_seeds"].max()) if "n_seeds" in table else 1,
        "variants": _records(table.drop(columns=["probes", "n_test"])),
        "failed": _failures(failed, metrics),
        "did_not_learn": [
            {
                "variant": r["variant"],
                "reason": r.get("reason"),
                "accuracy": _num(r.get("accuracy")),
            }
            for _, r in not_learned.iterrows()
        ],
        "accuracy_grid": {}
        if grid is None
        else {cell: {mode: _num(v) for mode, v in row.items()} for cell, row in grid.iterrows()},
        **factor_means(grid),
    }
    baseline = table[table["kind"] == "baseline"]
    if len(baseline) and best is not None:
        summary["gain_over_baseline"] = float(
            rnn.iloc[0]["accuracy"] - baseline.iloc[0]["accuracy"]
        )
        named = metrics.set_index("variant").get("name")
        summary["baseline"] = (
            named.get(baseline.iloc[0]["variant"]) if named is not None else None
        ) or "TF-IDF + logistic regression"
    summary["warnings"] = _clean_warnings(clean_report_path) + _warnings(
        table, summary, minority, metric
    )
    for warning in summary["warnings"]:
        log.warning("compare: %s", warning)
    summary["verdict"] = _verdict(table, summary)
    # the folder is replaced whole: no figure of an earlier run is left among this run's
    with atomic_dir(out_dir / "figures") as figures:
        if grid is not None:
            accuracy_heatmap(grid, figures / "accuracy_heatmap.png")
        if curves_dir is not None and Path(curves_dir).is_dir():
            validation_curves(
                Path(curves_dir), list(rnn["variant"]), figures / "validation_curves.png"
            )
        if summary["seeds"] > 1:
            seed_spread(
                metrics.set_index("variant"), list(rnn["variant"]), figures / "seed_spread.png"
            )
    write_json(out_dir / "comparison.json", summary)
    write_text(out_dir / "comparison.md", _markdown(table, columns, grid, summary))
    _write_dvc_views(out_dir, summary, curves_dir, predictions_dir, y_test_path)
    return {
        "best_variant": best,
        "best_accuracy": summary["best_accuracy"],
        "rows": len(table),
        "failed": len(failed),
        "warnings": len(summary["warnings"]),
    }


def _write_dvc_views(out_dir: Path, summary: dict, curves_dir, predictions_dir, y_test_path):
    dvc_views.write_scores(summary["variants"], out_dir / "scores.json")
    ranked = [r["variant"] for r in summary["variants"] if r.get("kind") == "rnn"]
    curves = out_dir / "plots" / "validation_curves.csv"
    dvc_views.write_validation_curves(Path(curves_dir or out_dir / "curves"), ranked, curves)
    best, prob, y_test = summary["best_variant"], None, None
    if best and predictions_dir and y_test_path and Path(y_test_path).is_file():
        prediction = Path(predictions_dir) / f"{best}.npy"
        if prediction.is_file():
            prob = np.load(prediction, allow_pickle=False)
            with np.load(y_test_path, allow_pickle=False) as data:
                y_test = data["y"]
    dvc_views.write_confusion(prob, y_test, out_dir / "plots" / "confusion.csv")


def _minority_share(y_test_path) -> float | None:
    """The share of the rarer class among the test labels (None: unknown or not binary)."""
    if y_test_path is None or not Path(y_test_path).is_file():
        return None
    with np.load(y_test_path, allow_pickle=False) as data:
        y = data["y"].reshape(-1)
    counts = np.bincount(y.astype(int), minlength=2)
    return float(counts.min() / counts.sum()) if len(counts) == 2 and counts.sum() else None


def _ranking_metric(metric: str, minority: float | None, metrics: pd.DataFrame) -> str:
    """compare.metric, with auto resolved: accuracy on balanced classes, balanced accuracy on
    imbalanced ones (when the metrics carry it: files from before it was scored do not)."""
    if metric != "auto":
        return metric
    if minority is None or minority >= MINORITY_SHARE:
        return "accuracy"
    has = "val_balanced_accuracy" in metrics and metrics["val_balanced_accuracy"].notna().any()
    return "balanced_accuracy" if has else "accuracy"


def _clean_warnings(path) -> list[str]:
    if path is None or not Path(path).is_file():
        return []
    return [f"data: {w}" for w in read_json(path).get("warnings", [])]


def _warnings(table: pd.DataFrame, summary: dict, minority: float | None, metric: str) -> list:
    """What makes this comparison easy to misread: too few test units for the differences it
    states, and imbalanced classes (where accuracy flatters a majority-class answer)."""
    out = []
    unit = summary["test_units"]
    n_test = table["n_test"].dropna() if "n_test" in table else pd.Series(dtype=float)
    if len(n_test) and (n := int(n_test.min())) < MIN_TEST_UNITS:
        half = 1.96 * np.sqrt(0.25 / max(n, 1))
        stated = [
            f"{abs(d):.4f}"
            for d in (summary.get("gain_over_baseline"), _runner_up_gap(table))
            if d is not None and abs(d) < half
        ]
        out.append(
            f"small test set: {n} test {unit}; an accuracy's 95% interval is about +-{half:.2f}, "
            + (
                f"so the differences stated here ({', '.join(stated)}) are within noise"
                if stated
                else "so differences smaller than that are noise"
            )
            + ": bring more data before trusting the ranking"
        )
    if minority is not None and minority < MINORITY_SHARE:
        out.append(
            f"imbalanced classes: the rarer class is {minority:.1%} of the test {unit}, so always "
            f"answering the majority scores {1 - minority:.1%} accuracy; variants are ranked by "
            f"validation {METRIC_NAMES[metric]}"
            + (
                ""
                if metric != "accuracy"
                else " (compare.metric: accuracy was asked for: set it to auto, "
                "balanced_accuracy or macro_f1)"
            )
        )
    return out


def _runner_up_gap(table: pd.DataFrame) -> float | None:
    rnn = table[table["kind"] == "rnn"]
    if len(rnn) < 2:
        return None
    return float(rnn.iloc[0]["accuracy"] - rnn.iloc[1]["accuracy"])


def _add_significance(
    table: pd.DataFrame, best: str | None, predictions_dir, y_test_path, unit: str
) -> str:
    """95% interval of each accuracy and the p-value of each variant against the best one.

    One seed per variant and one label per text: Wilson interval and exact McNemar test.
    Several seeds (or per-timestep labels): hierarchical paired bootstrap over seeds and test
    units. Returns the name of the test used.
    """
    n_test = table.get("n_test", pd.Series([None] * len(table), index=table.index))
    table["ci95"] = [
        "[{:.4f}, {:.4f}]".format(*wilson_interval(round(a * n), int(n))) if pd.notna(n) else None
        for a, n in zip(table["accuracy"], n_test)
    ]
    table["p_vs_best"] = None
    table["p_holm"] = None
    table["vs_best"] = None
    if best is None or predictions_dir is None or y_test_path is None:
        return "none"
    with np.load(y_test_path, allow_pickle=False) as data:
        y_test = data["y"].astype(int)
    scores = {
        name: unit_scores(np.load(path, allow_pickle=False), y_test)
        for name in table["variant"]
        if (path := Path(predictions_dir) / f"{name}.npy").is_file()
    }
    if best not in scores:
        return "none"
    paired_binary = all(s.shape[0] == 1 for s in scores.values()) and unit == "texts"
    if paired_binary:
        test = "exact McNemar test"
        raw = {
            name: mcnemar_p(scores[best][0] == 1, s[0] == 1)
            for name, s in scores.items()
            if name != best
        }
    else:
        units = "test rows" if unit == "texts" else f"test {unit}"
        several = any(s.shape[0] > 1 for s in scores.values())
        test = f"paired bootstrap over {'seeds and ' if several else ''}{units}"
        boot = bootstrap_accuracies(scores)
        raw = {name: bootstrap_p(boot[best], boot[name]) for name in scores if name != best}
        table["ci95"] = [
            "[{:.4f}, {:.4f}]".format(*np.percentile(boot[name], [2.5, 97.5]))
            if name in boot
            else None
            for name in table["variant"]
        ]
    adjusted = holm(raw)
    table["p_vs_best"] = [raw.get(name) for name in table["variant"]]
    table["p_holm"] = [adjusted.get(name) for name in table["variant"]]
    table["vs_best"] = [
        "best"
        if name == best
        else None
        if name not in adjusted
        else "tie"
        if adjusted[name] >= ALPHA
        else "worse"
        for name in table["variant"]
    ]
    return test


def _columns(table: pd.DataFrame, unit: str, metric: str = "accuracy") -> list[str]:
    """The table's columns; with several seeds the spread across them follows the mean."""
    columns = [
        f"predict_{unit}_per_second" if c == "predict_texts_per_second" else c for c in COLUMNS
    ]
    if metric != "accuracy":  # the score that ranks sits first
        columns.insert(columns.index("val_accuracy"), f"val_{metric}")
    if unit == "sequences":
        columns = [c for c in columns if c != "probe_accuracy"]
        columns.insert(columns.index("accuracy") + 1, "sequence_accuracy")
    if "n_seeds" in table and table["n_seeds"].fillna(1).gt(1).any():
        at = columns.index("accuracy") + 1
        columns[at:at] = ["accuracy_std", "n_seeds"]
    return columns


def _failures(failed: pd.DataFrame, metrics: pd.DataFrame) -> list[dict]:
    """Failed variants, then single failed seeds of variants that otherwise finished."""
    out = [{"variant": r["variant"], "error": r.get("error")} for _, r in failed.iterrows()]
    for _, row in metrics[metrics["status"] == "ok"].iterrows():
        for failure in row.get("seed_errors") if isinstance(row.get("seed_errors"), list) else []:
            out.append(
                {"variant": f"{row['variant']} (seed {failure['seed']})", "error": failure["error"]}
            )
    return out


def factor_means(grid: pd.DataFrame | None) -> dict:
    """The two questions the grid answers, one factor at a time: mean test accuracy of each
    merge mode over the cells, and of each cell over the merge modes, best first (finished
    variants only)."""
    if grid is None:
        return {}
    by = {"merge_mode_means": grid.mean(axis=0), "cell_means": grid.mean(axis=1)}
    return {
        key: {name: _num(v) for name, v in means.dropna().sort_values(ascending=False).items()}
        for key, means in by.items()
    }


def _grid(rnn: pd.DataFrame) -> pd.DataFrame | None:
    bi = rnn[rnn["merge_mode"].notna()]
    if not len(bi):
        return None
    grid = bi.pivot(index="cell", columns="merge_mode", values="accuracy")
    return grid.reindex(
        index=[c for c in CELLS if c in grid.index],
        columns=[m for m in MERGE_MODES if m in grid.columns],
    )


def _verdict(table: pd.DataFrame, summary: dict) -> str:
    """A few sentences a person can act on."""
    best = summary["best_variant"]
    if best is None:
        if summary.get("did_not_learn"):
            return (
                "No recurrent variant learned: see 'Did not learn' for why, and give them more "
                "epochs (train.epochs) or another learning rate."
            )
        return "No recurrent variant finished; see the failed list."
    rows = table.set_index("variant")
    n_test = rows.loc[best].get("n_test") if "n_test" in rows else None
    tested = {
        v: p
        for v, p in zip(table["variant"], table["p_holm"])
        if v != best and p is not None and pd.notna(p)
    }
    rivals = [v for v in tested if rows.loc[v, "kind"] == "rnn"]
    ties = [v for v in rivals if tested[v] >= ALPHA]
    seeds = summary["seeds"]
    mean = "mean " if seeds > 1 else ""
    val = summary.get("best_val_accuracy")
    metric = summary.get("ranked_by", "accuracy")
    val = summary.get("best_val_score", val)
    text = f"{best} is chosen: it has the highest {mean}validation {METRIC_NAMES[metric]}"
    text += f" ({val:.4f})." if val is not None else "."
    if metric != "accuracy" and pd.notna(rows.loc[best].get(metric)):
        text += f" Its {mean}test {METRIC_NAMES[metric]} is {rows.loc[best, metric]:.4f}"
        text += f" (accuracy {summary['best_accuracy']:.4f})"
    else:
        text += f" Its {mean}test accuracy is {summary['best_accuracy']:.4f}"
    if seeds > 1:
        text += f" +- {rows.loc[best, 'accuracy_std']:.4f} over {seeds} seeds"
    text += (
        f" on {int(n_test)} test {summary['test_units']}."
        if n_test is not None and pd.notna(n_test)
        else "."
    )
    how = f"{summary['significance_test']}, Holm-adjusted p"
    if rivals:
        if ties:
            shown = ", ".join(ties[:6]) + (f" and {len(ties) - 6} more" if len(ties) > 6 else "")
            text += (
                f" {len(ties)} other variant(s) are not significantly worse ({how} >= {ALPHA}):"
                f" {shown}; pick among them on speed or size rather than on this ranking."
            )
        else:
            text += f" Every other recurrent variant is significantly worse ({how} < {ALPHA})."
    if "gain_over_baseline" in summary:
        baseline_p = tested.get(table[table["kind"] == "baseline"].iloc[0]["variant"])
        gain = summary["gain_over_baseline"]
        side = f"{abs(gain):.4f} {'lower' if gain >= 0 else 'higher'}"
        if baseline_p is not None and baseline_p >= ALPHA:
            text += (
                f" The {summary['baseline']} baseline is within noise of it on test (it scores"
                f" {side}; {how} = {baseline_p:.3g})."
            )
        elif gain >= 0:
            text += f" The {summary['baseline']} baseline scores {side} on test."
        else:
            text += f" The {summary['baseline']} baseline scores {side} on test: " + (
                "word order adds little on this data."
                if summary["test_units"] == "texts"
                else "memory of the earlier steps adds little here."
            )
    for key, factor, over in (
        ("merge_mode_means", "merge modes", "cells"),
        ("cell_means", "cells", "merge modes"),
    ):
        means = summary.get(key, {})
        if len(means) > 1:
            text += (
                f" Averaged over {over} (a summary, not a test), the {factor} rank "
                + ", ".join(f"{name} {value:.4f}" for name, value in means.items())
                + "."
            )
    uni = table[(table["kind"] == "rnn") & table["merge_mode"].isna()]
    bi = table[(table["kind"] == "rnn") & table["merge_mode"].notna()]
    if len(uni) and len(bi):
        best_uni, best_bi = uni.iloc[0], bi.iloc[0]
        gap = best_bi["accuracy"] - best_uni["accuracy"]
        text += (
            f" Best bidirectional: {best_bi['variant']} ({best_bi['accuracy']:.4f}); best one-way "
            f"reference: {best_uni['variant']} ({best_uni['accuracy']:.4f}); reading backwards too "
            f"{'adds' if gap > 0 else 'changes'} {gap:+.4f} accuracy here."
        )
    return text


def _num(value):
    return None if value is None or pd.isna(value) else round(float(value), 4)


def _records(table: pd.DataFrame) -> list[dict]:
    return [
        {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
        for row in table.astype(object).where(table.notna(), None).to_dict("records")
    ]


def _markdown(
    table: pd.DataFrame, columns: list[str], grid: pd.DataFrame | None, summary: dict
) -> str:
    lines = ["# Variant comparison", "", summary["verdict"], ""]
    if summary.get("warnings"):
        lines += ["## Warnings", ""] + [f"- {w}" for w in summary["warnings"]] + [""]
    lines += [
        _display(table[["rank", *columns]]).to_markdown(index=False, disable_numparse=True),
        "",
        _legend(summary),
        "",
    ]
    if summary["failed"]:
        lines += ["## Failed variants", ""]
        lines += [f"- **{f['variant']}**: {f['error']}" for f in summary["failed"]] + [""]
    if summary["did_not_learn"]:
        lines += ["## Did not learn (not ranked)", ""]
        lines += [f"- **{d['variant']}**: {d['reason']}" for d in summary["did_not_learn"]] + [""]
    if grid is not None:
        margins = grid.copy()
        margins["mean"] = grid.mean(axis=1)
        margins.loc["mean"] = [*grid.mean(axis=0), np.nan]
        lines += [
            "## Test accuracy by cell and merge mode",
            "",
            margins.astype(object)
            .where(margins.notna(), None)
            .to_markdown(floatfmt=".4f", missingval="-"),
            "",
            "![heatmap](figures/accuracy_heatmap.png)",
            "",
        ]
    probes = _probe_table(table)
    if probes is not None:
        lines += [
            "## Minimal pairs",
            "",
            "Probability of *positive* per probe sentence; "
            "a mark means the variant got the label right.",
            "",
            probes.to_markdown(disable_numparse=True),
            "",
        ]
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


def _legend(summary: dict) -> str:
    ranked = summary.get("ranked_by", "accuracy")
    if summary["seeds"] > 1:
        head = (
            f"`accuracy`: mean over {summary['seeds']} seeds, `accuracy_std`: their standard "
            "deviation. `ci95`: 95% interval of the mean from a bootstrap that resamples both the "
            "seeds and the test rows. `p_vs_best`: the same paired bootstrap against the best variant."
        )
    elif summary["significance_test"] == "exact McNemar test":
        head = (
            "`ci95`: Wilson 95% interval of the accuracy. `p_vs_best`: exact McNemar test against "
            "the best variant on the same test rows."
        )
    else:
        head = (
            "`ci95`: 95% bootstrap interval of the accuracy. `p_vs_best`: paired bootstrap against "
            "the best variant on the same test units."
        )
    return (
        f"Ranked by `val_{ranked}` (the validation split; then validation loss): the best variant is "
        "chosen there, and the test columns report how it fares. "
        + head
        + " `p_holm`: p_vs_best adjusted for testing every variant (Holm); below 0.05 the "
        "difference is unlikely to be noise. `vs_best`: *worse* when p_holm < 0.05, else *tie*."
    )


def _probe_label(probe: dict) -> str:
    return f"{probe['text']} ({'+' if probe['expected'] else '-'})"


def _probe_cell(probe: dict) -> str:
    right = (probe["probability"] >= 0.5) == bool(probe["expected"])
    return f"{probe['probability']:.2f} {'✓' if right else '✗'}"


def _probe_table(table: pd.DataFrame) -> pd.DataFrame | None:
    rows = {}
    for _, row in table.iterrows():
        if isinstance(row.get("probes"), list):
            rows[row["variant"]] = {_probe_label(p): _probe_cell(p) for p in row["probes"]}
    return pd.DataFrame(rows).T if rows else None


def _display(table: pd.DataFrame) -> pd.DataFrame:
    """Readable cells: counts as integers, scores to 4 places, seconds to 1, gaps as '-'."""
    shown = table.astype(object).copy()
    for column in shown.columns:

        def fmt(value, column=column):
            if value is None or (isinstance(value, float) and pd.isna(value)):
                return "-"
            if column in ("rank", "parameters", "epochs_run", "n_seeds") or column.startswith(
                "predict_"
            ):
                return f"{int(value)}"
            if column == "seconds_per_epoch":
                return f"{float(value):.1f}"
            if column in ("p_vs_best", "p_holm"):
                return f"{float(value):.3g}"
            return f"{value:.4f}" if isinstance(value, float) else str(value)

        shown[column] = shown[column].map(fmt)
    return shown
