"""How large a difference a comparison could have found: the minimum detectable effect at 80%
power of the paired test it used (not post-hoc power, which only restates the p-value), and how
many test rows or seeds a smaller one would take.

Exact McNemar test, normal approximation (Connor 1987): with a share ``d`` of test rows on which
two classifiers disagree, a true accuracy difference ``delta`` is found with power ``1 - beta``
when  delta * sqrt(n) = z(1 - alpha/2) * sqrt(d) + z(1 - beta) * sqrt(d - delta^2).
A bootstrap test finds it when delta = (z(1 - alpha/2) + z(1 - beta)) * se(difference).
"""

from __future__ import annotations

import math
from statistics import NormalDist

ALPHA = 0.05
POWER = 0.8


def z(p: float) -> float:
    return NormalDist().inv_cdf(p)


def mcnemar_mde(discordance: float, n: int, alpha: float = ALPHA, power: float = POWER) -> float:
    """The smallest accuracy difference the exact McNemar test finds with ``power`` on ``n``
    paired rows of which a share ``discordance`` is right for only one of the two."""
    if n <= 0 or discordance <= 0:
        return math.nan
    za, zb = z(1 - alpha / 2), z(power)
    delta = (za + zb) * math.sqrt(discordance / n)  # the bound, then a fixed point from below
    for _ in range(50):
        delta = (za * math.sqrt(discordance) + zb * math.sqrt(max(discordance - delta**2, 0))) / (
            math.sqrt(n)
        )
    return min(delta, discordance)


def mcnemar_rows_needed(
    delta: float, discordance: float, alpha: float = ALPHA, power: float = POWER
) -> int:
    """Paired test rows the exact McNemar test needs to find ``delta`` with ``power``, if the
    two classifiers keep disagreeing on the same share of rows."""
    if delta <= 0 or discordance <= 0:
        return 0
    za, zb = z(1 - alpha / 2), z(power)
    root = za * math.sqrt(discordance) + zb * math.sqrt(max(discordance - delta**2, 0))
    return math.ceil((root / delta) ** 2)


def bootstrap_mde(se: float, alpha: float = ALPHA, power: float = POWER) -> float:
    """The smallest difference a bootstrap test with this standard error finds with ``power``."""
    return (z(1 - alpha / 2) + z(power)) * se


def seeds_needed(
    delta: float,
    se: float,
    seed_std: float,
    seeds: int,
    alpha: float = ALPHA,
    power: float = POWER,
) -> int | None:
    """Seeds per variant a bootstrap test over seeds and rows needs to find ``delta``. The
    difference of two means over ``seeds`` seeds has variance rows + 2 seed_std^2 / seeds; only
    the second part shrinks with seeds. None: no number of seeds is enough (the test rows'
    own noise is already larger), so it takes more test rows."""
    target = (delta / (z(1 - alpha / 2) + z(power))) ** 2
    seed_part = 2 * seed_std**2
    rows_part = max(se**2 - seed_part / max(seeds, 1), 0.0)
    if target <= rows_part:
        return None
    return max(1, math.ceil(seed_part / (target - rows_part)))


def detectable(
    scores: dict,
    chosen: str | None,
    test: str,
    n_tests: int,
    bootstrap_draws: dict | None = None,
    per_seed: dict | None = None,
    metric: str = "accuracy",
) -> dict:
    """What the comparison's own test against ``chosen`` could find: the minimum detectable
    accuracy difference at 80% power at Holm's first threshold (ALPHA / ``n_tests``: the bar
    the most significant of the tests must clear), and what half of it would take.

    ``scores``: per variant, right (1) or wrong (0) per test unit, (seeds, units). One seed:
    exact McNemar, from the median share of rows on which the chosen one and a rival disagree.
    Otherwise the bootstrap (``bootstrap_draws`` of ``metric`` per variant), from the median
    standard error of the differences and the median spread of ``per_seed`` scores."""
    import numpy as np

    rivals = [name for name in scores if name != chosen]
    if chosen not in scores or not rivals:
        return {}
    alpha = ALPHA / max(n_tests, 1)
    n = int(scores[chosen].shape[1])
    base = {"test": test, "metric": metric, "alpha": alpha, "power": POWER, "n_test": n}
    if bootstrap_draws is None:
        discordance = float(np.median([np.mean(scores[chosen][0] != scores[r][0]) for r in rivals]))
        mde = mcnemar_mde(discordance, n, alpha)
        half = mde / 2
        return {
            **base,
            "discordance": discordance,
            "mde": mde,
            "smaller": half,
            "rows_needed": mcnemar_rows_needed(half, discordance, alpha),
        }
    rivals = [r for r in rivals if r in bootstrap_draws]
    se = float(
        np.median([np.std(bootstrap_draws[chosen] - bootstrap_draws[r], ddof=1) for r in rivals])
    )
    spreads = [np.std(s, ddof=1) for s in (per_seed or {}).values() if len(s) > 1]
    seed_std = float(np.median(spreads)) if spreads else None
    seeds = int(max(s.shape[0] for s in scores.values()))
    mde = bootstrap_mde(se, alpha)
    return {
        **base,
        "se": se,
        "seed_std": seed_std,
        "seeds": seeds,
        "mde": mde,
        "smaller": mde / 2,
        "seeds_needed": None
        if seed_std is None
        else seeds_needed(mde / 2, se, seed_std, seeds, alpha),
    }


def power_sentence(record: dict, unit: str) -> str:
    """The sentence a tie gets: how large a difference could have been found, and what would
    find half of it."""
    if not record:
        return ""
    metric = record.get("metric", "accuracy").replace("_", " ")
    text = (
        f" This test set could find a true {metric} difference of {record['mde']:.4f} with 80% "
        f"power ({record['test']} at Holm's first threshold, alpha {record['alpha']:.3g}"
    )
    if "discordance" in record:
        return text + (
            f"; the chosen variant and a rival disagree on {record['discordance']:.1%} of the "
            f"{record['n_test']} test {unit}, median); {record['smaller']:.4f} would take about "
            f"{record['rows_needed']:,} test {unit} (more seeds do not help a one-seed test)."
        )
    needed = record["seeds_needed"]
    if record["seed_std"] is None:
        return text + f"); {record['smaller']:.4f} would take more test {unit}."
    return text + (
        f"; {record['seeds']} seeds, spread {record['seed_std']:.4f} between seeds); "
        f"{record['smaller']:.4f} would take "
        + (
            f"about {needed} seeds per variant."
            if needed is not None
            else "more test rows: no number of seeds is enough with this test set."
        )
    )
