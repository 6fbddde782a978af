"""The comparison in words: the warnings that make it easy to misread, and a verdict of a few
sentences a person can act on (which variant, how sure, against the baseline, what the grid
and the one-way references say)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from birnn.files import read_json
from birnn.reporting.power import power_sentence
from birnn.reporting.ranking import METRIC_NAMES, ClassBalance, recurrent, rounded
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
        + rivals_sentence(table, tested, how, tested_metric(table, summary))
        + baseline_sentence(table, summary, tested, how, tested_metric(table, summary))
        + tie_power(table, summary, tested)
        + factor_sentences(summary)
        + direction_sentence(table, summary)
    )


def tie_power(table: pd.DataFrame, summary: dict, tested: dict[str, float]) -> str:
    """When something ties with the chosen variant: how large a difference could be found."""
    if not any(p >= ALPHA for p in tested.values()):
        return ""
    return power_sentence(summary.get("power", {}), summary["test_units"])


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


def against_chosen_record(table: pd.DataFrame, summary: dict) -> dict:
    """Per tested variant: its gap to the chosen one on test in the tested score, the side and
    p_holm (the numbers the verdict quotes)."""
    best = summary.get("best_variant")
    if best is None:
        return {}
    metric = tested_metric(table, summary)
    rows = table.set_index("variant")
    return {
        "metric": metric,
        "gaps": {
            variant: {
                "gap": rounded(rows.loc[variant, metric] - rows.loc[best, metric]),
                "side": rows.loc[variant, "vs_best"],
                "p_holm": float(f"{rows.loc[variant, 'p_holm']:.4g}"),
            }
            for variant in rows.index
            if variant != best and pd.notna(rows.loc[variant, "p_holm"])
        },
    }


def tested_metric(table: pd.DataFrame, summary: dict) -> str:
    """The score the test against the chosen variant compares: the ranking metric when it is
    bootstrapped, else accuracy (McNemar, or the bootstrap of each unit's share right)."""
    metric = summary.get("ranked_by", "accuracy")
    bootstrapped = summary["significance_test"].startswith("paired bootstrap of")
    return metric if bootstrapped and metric in table else "accuracy"


def rivals_sentence(
    table: pd.DataFrame, tested: dict[str, float], how: str, metric: str = "accuracy"
) -> str:
    """The other recurrent variants against the chosen one on test: those significantly
    better named with their gap and p (validation chose otherwise), then ties and the worse."""
    rows = table.set_index("variant")
    rivals = [v for v in tested if rows.loc[v, "kind"] == "rnn"]
    if not rivals:
        return ""
    side = {v: rows.loc[v, "vs_best"] for v in rivals}
    better = [v for v in rivals if side[v] == "better"]
    ties = [v for v in rivals if side[v] == "tie"]
    text = "".join(f" {beats(rows, v, tested[v], how, metric)}" for v in better)
    if ties:
        shown = ", ".join(ties[:6]) + (f" and {len(ties) - 6} more" if len(ties) > 6 else "")
        text += (
            f" {len(ties)} other variant(s) tie with it on test ({how} >= {ALPHA}): {shown};"
            " pick among them on speed or size rather than on this ranking."
        )
    if not better and not ties:
        text += f" Every other recurrent variant is significantly worse ({how} < {ALPHA})."
    elif len(ties) + len(better) < len(rivals):
        text += f" The remaining {len(rivals) - len(ties) - len(better)} are significantly worse."
    return text


def beats(rows: pd.DataFrame, variant: str, p: float, how: str, metric: str, what: str = "") -> str:
    """A variant or baseline that is significantly better on test than the chosen one."""
    chosen = rows.index[rows["vs_best"] == "chosen"][0]
    mine, theirs = rows.loc[variant, metric], rows.loc[chosen, metric]
    return (
        f"{what or variant} is significantly better than {chosen} on test: {mine:.4f} against "
        f"{theirs:.4f} {METRIC_NAMES[metric]} ({mine - theirs:+.4f}; {how} = {p:.3g}), although "
        f"validation chose {chosen}."
    )


def baseline_sentence(
    table: pd.DataFrame,
    summary: dict,
    tested: dict[str, float],
    how: str,
    metric: str = "accuracy",
) -> str:
    if "gain_over_baseline" not in summary:
        return ""
    rows = table.set_index("variant")
    variant = table[table["kind"] == "baseline"].iloc[0]["variant"]
    baseline_p = tested.get(variant)
    name = summary["baseline"]
    gain = rows.loc[summary["best_variant"], metric] - rows.loc[variant, metric]
    side = f"{abs(gain):.4f} {'lower' if gain >= 0 else 'higher'}" + (
        "" if metric == "accuracy" else f" in {METRIC_NAMES[metric]}"
    )
    if baseline_p is None:
        return f" The {name} baseline scores {side} on test (not tested: no predictions)."
    if baseline_p >= ALPHA:
        return (
            f" The {name} baseline is within noise of it on test (it scores"
            f" {side}; {how} = {baseline_p:.3g})."
        )
    if gain < 0:
        return " " + beats(rows, variant, baseline_p, how, metric, f"The {name} baseline")
    return (
        f" The {name} baseline is significantly worse on test ({side}; {how} = {baseline_p:.3g})."
    )


def factor_sentences(summary: dict) -> str:
    """The factorial answer's sentences; without saved predictions, the factor means."""
    if summary.get("effects", {}).get("sentences"):
        return "".join(f" {sentence}" for sentence in summary["effects"]["sentences"])
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


def direction_sentence(table: pd.DataFrame, summary: dict) -> str:
    """The best bidirectional variant beside the best one-way reference; what reading backwards
    buys is stated only by the effects' test of it."""
    if "direction" in summary.get("effects", {}):
        return ""  # one of the effects' sentences
    rnn = recurrent(table)
    uni, bi = rnn[rnn["merge_mode"].isna()], rnn[rnn["merge_mode"].notna()]
    if not (len(uni) and len(bi)):
        return ""
    best_uni, best_bi = uni.iloc[0], bi.iloc[0]
    return (
        f" Best bidirectional: {best_bi['variant']} ({best_bi['accuracy']:.4f}); best one-way "
        f"reference: {best_uni['variant']} ({best_uni['accuracy']:.4f}) (not tested: no "
        "predictions)."
    )
