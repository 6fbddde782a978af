"""Stage: all variants side by side, compared the way a careful reviewer would: a ranked
table (:mod:`~birnn.reporting.ranking`), a paired significance test of every variant against
the best one on the same test rows (:mod:`~birnn.reporting.significance`), the minimal-pair
probes each variant gets right, a cell x merge-mode heatmap, the validation curves, and a
plain-language verdict (:mod:`~birnn.reporting.verdict`), as markdown
(:mod:`~birnn.reporting.comparison_markdown`), JSON, and the views DVC reads
(:mod:`~birnn.reporting.dvc_views`)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from birnn.files import write_json, write_text
from birnn.reporting import dvc_views
from birnn.reporting.class_metrics import metric_value
from birnn.reporting.comparison_markdown import comparison_markdown
from birnn.reporting.effects import resample_classes
from birnn.reporting.factorial import factorial_answer, load_predictions
from birnn.reporting.plots import write_comparison_figures
from birnn.reporting.power import detectable
from birnn.reporting.ranking import (
    METRIC_NAMES,
    accuracy_grid,
    class_balance,
    factor_means,
    failures,
    load_metrics,
    not_learned,
    rank_on_validation,
    ranking_metric,
    recurrent,
    rounded,
    table_columns,
)
from birnn.reporting.significance import ALPHA, MCNEMAR, add_significance, scores_per_unit
from birnn.reporting.stats import bootstrap_accuracies
from birnn.reporting.verdict import against_chosen_record, clean_warnings, verdict, warnings

log = logging.getLogger("birnn")


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
    balance = class_balance(y_test_path)
    metric = ranking_metric(metric, balance, metrics)
    # chosen on validation; the test set only reports how the choice fares
    table = rank_on_validation(metrics, metric)
    rnn = recurrent(table)
    best = rnn.iloc[0]["variant"] if len(rnn) else None
    test = add_significance(table, best, predictions_dir, y_test_path, unit, metric)
    columns = table_columns(table, unit, metric)
    table = table.reindex(columns=["rank", *columns, "n_test", "probes"])
    rnn = recurrent(table)
    grid = accuracy_grid(rnn)
    summary = {
        **best_scores(rnn, metric),
        "ranked_by": metric,
        "selected_by": f"validation {METRIC_NAMES[metric]}, then validation loss (test scores "
        "never choose)",
        "significance_test": test,
        "alpha": ALPHA,
        "test_units": unit,
        "seeds": int(table["n_seeds"].max()) if "n_seeds" in table else 1,
        "variants": records(table.drop(columns=["probes", "n_test"])),
        "failed": failures(metrics),
        "did_not_learn": not_learned(metrics),
        "accuracy_grid": grid_record(grid),
        **factor_means(grid),
        **baseline_gap(table, metrics),
        "effects": factorial_answer(table, predictions_dir, y_test_path, unit, metric),
        "power": comparison_power(table, best, test, predictions_dir, y_test_path, unit, metric),
        **(per_class(metrics, table, balance.names) if balance and balance.names else {}),
    }
    summary["warnings"] = clean_warnings(clean_report_path) + warnings(
        table, summary, balance, metric
    )
    for warning in summary["warnings"]:
        log.warning("compare: %s", warning)
    summary["vs_chosen"] = against_chosen_record(table, summary)
    summary["verdict"] = verdict(table, summary)
    write_comparison_figures(
        out_dir / "figures",
        grid,
        curves_dir,
        metrics,
        list(rnn["variant"]),
        summary["seeds"],
        summary["effects"],
    )
    write_json(out_dir / "comparison.json", summary)
    write_text(out_dir / "comparison.md", comparison_markdown(table, columns, grid, summary))
    dvc_views.write_views(out_dir, summary, curves_dir, predictions_dir, y_test_path)
    return {
        "best_variant": best,
        "best_accuracy": summary["best_accuracy"],
        "rows": len(table),
        "failed": int((~metrics["status"].isin(["ok", "did_not_learn"])).sum()),
        "warnings": len(summary["warnings"]),
    }


def comparison_power(
    table: pd.DataFrame,
    best: str | None,
    test: str,
    predictions_dir: str | Path | None,
    y_test_path: str | Path | None,
    unit: str,
    metric: str,
) -> dict:
    """The minimum detectable difference of the test against the chosen variant, in the
    metric it tests (accuracy, or the ranking metric of a bootstrap of it)."""
    scores = scores_per_unit(table, predictions_dir, y_test_path)
    tested = int(table["p_holm"].notna().sum())
    if best not in scores or not tested:
        return {}
    if test == MCNEMAR:
        return detectable(scores, best, test, tested)
    if metric != "accuracy" and unit == "texts":
        classes, y_test = load_predictions(list(scores), predictions_dir, y_test_path, unit)
        _, draws = resample_classes(classes, y_test, metric)
        per_seed = {
            n: np.array([metric_value(y_test, c, metric) for c in classes[n]]) for n in classes
        }
        return detectable(scores, best, test, tested, draws, per_seed, metric)
    per_seed = {n: s.mean(axis=1) for n, s in scores.items()}
    return detectable(scores, best, test, tested, bootstrap_accuracies(scores), per_seed)


def best_scores(rnn: pd.DataFrame, metric: str) -> dict:
    """The chosen variant and its scores (all None when no recurrent variant finished)."""
    if not len(rnn):
        return dict.fromkeys(
            ("best_variant", "best_accuracy", "best_val_accuracy", "best_val_score")
        )
    best = rnn.iloc[0]
    return {
        "best_variant": best["variant"],
        "best_accuracy": float(best["accuracy"]),
        "best_val_accuracy": rounded(best["val_accuracy"]),
        "best_val_score": rounded(best[f"val_{metric}"]),
    }


def baseline_gap(table: pd.DataFrame, metrics: pd.DataFrame) -> dict:
    """How far the best recurrent variant is ahead of the baseline on test, and its name.
    With several baselines, the gain is over the first row of the table: the baseline that
    ranks best on validation, chosen like the variants (the verdict names it)."""
    rnn, baseline = recurrent(table), table[table["kind"] == "baseline"]
    if not (len(baseline) and len(rnn)):
        return {}
    variant = baseline.iloc[0]["variant"]
    named = metrics.set_index("variant").get("name")
    name = named.get(variant) if named is not None else None
    return {
        "gain_over_baseline": float(rnn.iloc[0]["accuracy"] - baseline.iloc[0]["accuracy"]),
        "baseline": name if isinstance(name, str) else variant,
        "baseline_variant": variant,
    }


def per_class(metrics: pd.DataFrame, table: pd.DataFrame, classes: list[str]) -> dict:
    """Multiclass: the class names, why the probes were skipped, and the per-class test scores
    of the chosen variant and of the best baseline."""
    rows = metrics.set_index("variant")
    shown = [
        kind.iloc[0]["variant"]
        for kind in (recurrent(table), table[table["kind"] == "baseline"])
        if len(kind)
    ]
    skipped = rows["probes_skipped"].dropna() if "probes_skipped" in rows else pd.Series()
    return {
        "classes": classes,
        "probes_skipped": skipped.iloc[0] if len(skipped) else None,
        "per_class": {
            name: rows.loc[name, "per_class"]
            for name in shown
            if isinstance(rows.loc[name].get("per_class"), dict)
        },
    }


def grid_record(grid: pd.DataFrame | None) -> dict:
    if grid is None:
        return {}
    return {cell: {mode: rounded(v) for mode, v in row.items()} for cell, row in grid.iterrows()}


def records(table: pd.DataFrame) -> list[dict]:
    """The table as JSON rows: scores rounded, p-values to 4 significant digits (a tiny p
    stays readable), gaps as null."""
    return [
        {k: (json_number(k, v) if isinstance(v, float) else v) for k, v in row.items()}
        for row in table.astype(object).where(table.notna(), None).to_dict("records")
    ]


def json_number(column: str, value: float) -> float | None:
    return float(f"{value:.4g}") if column in ("p_vs_best", "p_holm") else rounded(value)
