"""The comparison in words: the warnings that make it easy to misread, and a verdict of a few
sentences a person can act on (which variant, how sure, against the baseline, what the grid
and the one-way references say)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from birnn.files import read_json
from birnn.reporting.ranking import METRIC_NAMES, ClassBalance, recurrent
from birnn.reporting.significance import ALPHA

MIN_TEST_UNITS = 200


def clean_warnings(path: str | Path | None) -> list[str]:
    if path is None or not Path(path).is_file():
        return []
    return [f"data: {w}" for w in read_json(path).get("warnings", [])]


def warnings(table: pd.DataFrame, summary: dict, balance: ClassBalance | None, metric: str) -> list:
    """What makes this comparison easy to misread: too few test units for the differences it
    states, and imbalanced classes (where accuracy flatters a majority-class answer)."""
    found = [small_test_set(table, summary), imbalance(summary, balance, metric)]
    return [w for w in found if w is not None]


def small_test_set(table: pd.DataFrame, summary: dict) -> str | None:
    n_test = table["n_test"].dropna() if "n_test" in table else pd.Series(dtype=float)
    if not len(n_test) or (n := int(n_test.min())) >= MIN_TEST_UNITS:
        return None
    half = 1.96 * np.sqrt(0.25 / max(n, 1))
    stated = [
        f"{abs(d):.4f}"
        for d in (summary.get("gain_over_baseline"), runner_up_gap(table))
        if d is not None and abs(d) < half
    ]
    return (
        f"small test set: {n} test {summary['test_units']}; an accuracy's 95% interval is about "
        f"+-{half:.2f}, "
        + (
            f"so the differences stated here ({', '.join(stated)}) are within noise"
            if stated
            else "so differences smaller than that are noise"
        )
        + ": bring more data before trusting the ranking"
    )


def imbalance(summary: dict, balance: ClassBalance | None, metric: str) -> str | None:
    if balance is None or not balance.imbalanced:
        return None
    units = summary["test_units"]
    if balance.names is None:
        minority = balance.minority
        found = (
            f"the rarer class is {minority:.1%} of the test {units}, so always answering the "
            f"majority scores {1 - minority:.1%} accuracy"
        )
    else:
        shares = balance.counts / balance.counts.sum()
        large, small = int(shares.argmax()), int(shares.argmin())
        found = (
            f"the largest class, {balance.names[large]!r}, is {shares[large]:.1%} of the test "
            f"{units}, {shares[large] / shares[small]:.1f} times the smallest, "
            f"{balance.names[small]!r} ({shares[small]:.1%}), so always answering "
            f"{balance.names[large]!r} scores {shares[large]:.1%} accuracy"
        )
    return (
        f"imbalanced classes: {found}; variants are ranked by validation {METRIC_NAMES[metric]}"
        + (
            ""
            if metric != "accuracy"
            else " (compare.metric: accuracy was asked for: set it to auto, "
            f"{balance.balanced_score} or "
            f"{'macro_f1' if balance.names is None else 'balanced_accuracy'})"
        )
    )


def runner_up_gap(table: pd.DataFrame) -> float | None:
    rnn = recurrent(table)
    if len(rnn) < 2:
        return None
    return float(rnn.iloc[0]["accuracy"] - rnn.iloc[1]["accuracy"])


def verdict(table: pd.DataFrame, summary: dict) -> str:
    """A few sentences a person can act on."""
    best = summary["best_variant"]
    if best is None:
        if summary.get("did_not_learn"):
            return (
                "No recurrent variant learned: see 'Did not learn' for why, and give them more "
                "epochs (train.epochs) or another learning rate."
            )
        return "No recurrent variant finished; see the failed list."
    tested = {
        v: p
        for v, p in zip(table["variant"], table["p_holm"])
        if v != best and p is not None and pd.notna(p)
    }
    how = f"{summary['significance_test']}, Holm-adjusted p"
    return (
        chosen(table, summary)
        + rivals_sentence(table, tested, how)
        + baseline_sentence(table, summary, tested, how)
        + factor_sentences(summary)
        + direction_sentence(table)
    )


def chosen(table: pd.DataFrame, summary: dict) -> str:
    """Which variant is chosen, on what, and how it fares on test."""
    rows = table.set_index("variant")
    best, seeds = summary["best_variant"], summary["seeds"]
    n_test = rows.loc[best].get("n_test") if "n_test" in rows else None
    mean = "mean " if seeds > 1 else ""
    metric = summary.get("ranked_by", "accuracy")
    val = summary.get("best_val_score", summary.get("best_val_accuracy"))
    text = f"{best} is chosen: it has the highest {mean}validation {METRIC_NAMES[metric]}"
    text += f" ({val:.4f})." if val is not None else "."
    if metric != "accuracy" and pd.notna(rows.loc[best].get(metric)):
        text += f" Its {mean}test {METRIC_NAMES[metric]} is {rows.loc[best, metric]:.4f}"
        text += f" (accuracy {summary['best_accuracy']:.4f})"
    else:
        text += f" Its {mean}test accuracy is {summary['best_accuracy']:.4f}"
    if seeds > 1:
        text += f" +- {rows.loc[best, 'accuracy_std']:.4f} over {seeds} seeds"
    return text + (
        f" on {int(n_test)} test {summary['test_units']}."
        if n_test is not None and pd.notna(n_test)
        else "."
    )


def rivals_sentence(table: pd.DataFrame, tested: dict[str, float], how: str) -> str:
    kinds = table.set_index("variant")["kind"]
    rivals = [v for v in tested if kinds[v] == "rnn"]
    ties = [v for v in rivals if tested[v] >= ALPHA]
    if not rivals:
        return ""
    if not ties:
        return f" Every other recurrent variant is significantly worse ({how} < {ALPHA})."
    shown = ", ".join(ties[:6]) + (f" and {len(ties) - 6} more" if len(ties) > 6 else "")
    return (
        f" {len(ties)} other variant(s) are not significantly worse ({how} >= {ALPHA}):"
        f" {shown}; pick among them on speed or size rather than on this ranking."
    )


def baseline_sentence(
    table: pd.DataFrame, summary: dict, tested: dict[str, float], how: str
) -> str:
    if "gain_over_baseline" not in summary:
        return ""
    baseline_p = tested.get(table[table["kind"] == "baseline"].iloc[0]["variant"])
    gain, name = summary["gain_over_baseline"], summary["baseline"]
    side = f"{abs(gain):.4f} {'lower' if gain >= 0 else 'higher'}"
    if baseline_p is not None and baseline_p >= ALPHA:
        return (
            f" The {name} baseline is within noise of it on test (it scores"
            f" {side}; {how} = {baseline_p:.3g})."
        )
    if gain >= 0:
        return f" The {name} baseline scores {side} on test."
    return f" The {name} baseline scores {side} on test: " + (
        "word order adds little on this data."
        if summary["test_units"] == "texts"
        else "memory of the earlier steps adds little here."
    )


def factor_sentences(summary: dict) -> str:
    text = ""
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
    return text


def direction_sentence(table: pd.DataFrame) -> str:
    """The best bidirectional variant against the best one-way reference."""
    rnn = recurrent(table)
    uni, bi = rnn[rnn["merge_mode"].isna()], rnn[rnn["merge_mode"].notna()]
    if not (len(uni) and len(bi)):
        return ""
    best_uni, best_bi = uni.iloc[0], bi.iloc[0]
    gap = best_bi["accuracy"] - best_uni["accuracy"]
    return (
        f" Best bidirectional: {best_bi['variant']} ({best_bi['accuracy']:.4f}); best one-way "
        f"reference: {best_uni['variant']} ({best_uni['accuracy']:.4f}); reading backwards too "
        f"{'adds' if gap > 0 else 'changes'} {gap:+.4f} accuracy here."
    )
