"""The comparison's answer on the MLflow runs: the parent carries the factorial answer (one tag
per sentence, the bounds and p-values as metrics) and the power of its test; each variant's
child run says whether it is better, tied or worse on test than the variant chosen on
validation."""

from __future__ import annotations

TAG_CHARS = 5000  # well under MLflow's limit on a tag value


def answer_tags(comparison: dict) -> dict[str, str]:
    effects = comparison.get("effects") or {}
    tags = {"chosen_variant": str(comparison.get("best_variant"))}
    if effects.get("test"):
        tags["effects.test"] = f"test {effects['metric']}, {effects['test']}"
    for key in (*(effects.get("factors") or {}), "interaction", "direction"):
        sentence = next(
            (s for s in effects.get("sentences", []) if s.lower().startswith(_opening(key))), None
        )
        if sentence:
            tags[f"effects.{key}"] = sentence[:TAG_CHARS]
    if comparison.get("significance_test"):
        tags["significance_test"] = comparison["significance_test"]
    return tags


def _opening(key: str) -> str:
    return {
        "merge_mode": "merge mode",
        "cell": "cell (",
        "interaction": "cell x merge mode",
        "direction": "bidirectional vs one-way",
    }[key]


def answer_metrics(comparison: dict) -> dict[str, float]:
    effects, power = comparison.get("effects") or {}, comparison.get("power") or {}
    metrics = {
        f"effect_{key}_max_difference": factor["max_difference"]
        for key, factor in (effects.get("factors") or {}).items()
    }
    if "interaction" in effects:
        metrics["interaction_p"] = effects["interaction"]["p"]
    if "direction" in effects:
        metrics["bidirectional_gain"] = effects["direction"]["estimate"]
    if power.get("mde") is not None:
        metrics["minimum_detectable_difference"] = power["mde"]
    return metrics


def variant_sides(comparison: dict) -> dict[str, str]:
    """{variant: chosen | better | tie | worse} from the ranked table."""
    return {r["variant"]: r["vs_best"] for r in comparison.get("variants", []) if r.get("vs_best")}
