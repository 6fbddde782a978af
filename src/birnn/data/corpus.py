"""The builtin corpus: short reviews, generated offline and deterministically, whose label
depends on word order.

A review is one sentiment expression, optionally wrapped in neutral filler sentences. The
expression is built compositionally from clauses whose polarity a bag of words cannot read:

* plain              "the ending was truly moving"                       -> positive
* negation (gapped)  "the plot was not at all gripping"                  -> negative
* double negation    "i can not say the ending was not moving"           -> positive
* contrast           "<clause A> but <clause B>": B decides
* concession         "although <clause A> , <clause B>": B decides
* trailing concession "<clause A> even though <clause B>": A decides

Contrast and concession take any clause kind on either side, so "great acting but the plot
was not good" and "the plot was not good but great acting" share their words and differ in
label. Same (n_rows, seed) -> same rows, byte for byte.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DOMAINS: dict[str, list[str]] = {
    "film": [
        "acting",
        "plot",
        "script",
        "soundtrack",
        "pacing",
        "ending",
        "cast",
        "dialogue",
        "cinematography",
        "story",
        "direction",
        "characters",
        "villain",
        "score",
        "editing",
        "special effects",
        "lead actress",
        "humour",
        "first act",
        "finale",
    ],
    "book": [
        "writing",
        "plot",
        "prose",
        "ending",
        "characters",
        "story",
        "pacing",
        "chapters",
        "narrator",
        "dialogue",
        "translation",
        "world building",
        "cover",
        "twist",
    ],
    "restaurant": [
        "food",
        "service",
        "staff",
        "menu",
        "dessert",
        "atmosphere",
        "wine list",
        "portions",
        "coffee",
        "music",
        "pasta",
        "steak",
        "waiter",
        "decor",
        "bread",
    ],
    "phone": [
        "battery",
        "screen",
        "camera",
        "speaker",
        "software",
        "design",
        "keyboard",
        "charger",
        "price",
        "build quality",
        "touchscreen",
        "microphone",
        "case",
        "app store",
    ],
}
SUBJECTS = {
    "film": "the movie",
    "book": "the book",
    "restaurant": "the place",
    "phone": "the phone",
}

POSITIVE = [
    "good",
    "great",
    "excellent",
    "wonderful",
    "brilliant",
    "superb",
    "charming",
    "gripping",
    "solid",
    "clever",
    "moving",
    "stunning",
    "delightful",
    "impressive",
    "enjoyable",
    "fantastic",
    "lovely",
    "polished",
    "fresh",
    "memorable",
    "outstanding",
    "terrific",
    "engaging",
    "elegant",
    "fun",
    "nice",
    "decent",
    "smart",
    "beautiful",
    "satisfying",
]
NEGATIVE = [
    "bad",
    "boring",
    "dull",
    "terrible",
    "awful",
    "weak",
    "clumsy",
    "forgettable",
    "messy",
    "bland",
    "tedious",
    "predictable",
    "disappointing",
    "poor",
    "sloppy",
    "annoying",
    "flat",
    "lifeless",
    "painful",
    "mediocre",
    "horrible",
    "lazy",
    "cheap",
    "confusing",
    "ugly",
    "unbearable",
    "clunky",
    "shallow",
    "stale",
    "frustrating",
]
INTENSIFIERS = [
    "very",
    "really",
    "truly",
    "extremely",
    "incredibly",
    "so",
    "remarkably",
    "quite",
    "absolutely",
    "genuinely",
]
NEGATORS = [
    "was not",
    "was never",
    "was not at all",
    "was not really",
    "was hardly",
    "was not exactly",
    "was far from",
    "was anything but",
    "was not even remotely",
    "wasn't",
    "was not particularly",
    "was by no means",
]
CONTRASTS = [
    "but",
    "but honestly",
    "yet",
    "however",
    "but in the end",
    "but sadly",
    "but luckily",
    "but overall",
    "and yet",
]
CONCESSIONS = ["although", "even though", "while", "despite the fact that", "though"]
TRAILING_CONCESSIONS = ["even though", "although", "despite the fact that", "though"]
DOUBLE_NEGATIONS = [
    "i can not say {np} was not {adj}",
    "nobody could claim {np} was not {adj}",
    "it is not true that {np} was not {adj}",
    "i would never say {np} was not {adj}",
    "you can not pretend {np} was not {adj}",
    "no one would deny {np} was {adj}",
]
FILLERS = [
    "i went with a friend last week",
    "we watched it on a rainy sunday",
    "i had heard about it for months",
    "my sister recommended it",
    "i finally got around to it",
    "i tried it after reading a review",
    "it took a while to get into",
    "i was curious about the hype",
    "we went there on a friday night",
    "i bought it on sale",
    "this is my honest opinion",
    "i usually have mixed expectations",
    "it was my second time",
    "a colleague told me about it",
    "i expected something different",
    "we had to wait a bit",
    "my kids came along",
    "i read the reviews first",
    "it was a long week",
    "i paid full price",
    "the weather was awful that day",
    "the trailer looked great",
]
# How often each top-level form appears; most rows need word order to be read correctly.
FORMS = {"atomic": 0.35, "contrast": 0.35, "concession": 0.15, "trailing": 0.15}
ATOMS = {"plain": 0.35, "negation": 0.40, "double": 0.25}


def generate_corpus(n_rows: int, seed: int = 0, label_noise: float = 0.0) -> pd.DataFrame:
    """Return a DataFrame(text, label, form) of ``n_rows`` reviews with balanced labels.

    ``label_noise`` flips that share of labels at random, as careless annotators do, so
    test accuracy has a realistic ceiling of about ``1 - label_noise``.
    """
    if n_rows <= 0:
        raise ValueError(f"n_rows must be positive, got {n_rows}")
    if not 0 <= label_noise < 0.5:
        raise ValueError(f"label_noise must be in [0, 0.5), got {label_noise}")
    rng = np.random.default_rng(seed)
    forms = list(FORMS)
    chosen = rng.choice(len(forms), size=n_rows, p=list(FORMS.values()))
    labels = rng.integers(0, 2, size=n_rows)
    rows = [_review(rng, forms[k], bool(label)) for k, label in zip(chosen, labels)]
    flipped = rng.random(n_rows) < label_noise
    return pd.DataFrame(
        {
            "text": rows,
            "label": np.where(flipped, 1 - labels, labels).astype(int),
            "form": [forms[k] for k in chosen],
            "noisy": flipped,
        }
    )


def _review(rng: np.random.Generator, form: str, positive: bool) -> str:
    domain = _pick(rng, list(DOMAINS))
    parts = [_FORMS[form](rng, domain, positive)]
    if rng.random() < 0.4:
        parts.insert(0, _pick(rng, FILLERS))
    if rng.random() < 0.25:
        parts.append(_pick(rng, FILLERS))
    return " . ".join(parts) + " ."


def _pick(rng: np.random.Generator, options: list[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _adjective(rng: np.random.Generator, positive: bool, intensify: float = 0.3) -> str:
    adj = _pick(rng, POSITIVE if positive else NEGATIVE)
    return f"{_pick(rng, INTENSIFIERS)} {adj}" if rng.random() < intensify else adj


def _noun_phrase(rng: np.random.Generator, domain: str) -> str:
    return "the " + _pick(rng, DOMAINS[domain])


def _atom(rng: np.random.Generator, domain: str, positive: bool) -> str:
    """One clause with the given polarity: plain, negated or doubly negated."""
    kind = _pick_weighted(rng, ATOMS)
    np_ = _noun_phrase(rng, domain)
    if kind == "plain":
        if rng.random() < 0.3:
            return f"{_adjective(rng, positive, intensify=0.2)} {np_[4:]}"
        return f"{np_} was {_adjective(rng, positive)}"
    if kind == "negation":  # the adjective has the opposite polarity; the negator flips it
        return f"{np_} {_pick(rng, NEGATORS)} {_adjective(rng, not positive, intensify=0.2)}"
    template = _pick(rng, DOUBLE_NEGATIONS)
    subject = SUBJECTS[domain] if rng.random() < 0.3 else np_
    return template.format(np=subject, adj=_adjective(rng, positive, intensify=0.2))


def _pick_weighted(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    return keys[int(rng.choice(len(keys), p=list(weights.values())))]


def _atomic(rng, domain, positive):
    return _atom(rng, domain, positive)


def _contrast(rng, domain, positive):  # the clause after the contrast word decides
    return (
        f"{_atom(rng, domain, not positive)} {_pick(rng, CONTRASTS)} {_atom(rng, domain, positive)}"
    )


def _concession(rng, domain, positive):  # "although A , B": the main clause B decides
    return f"{_pick(rng, CONCESSIONS)} {_atom(rng, domain, not positive)} , {_atom(rng, domain, positive)}"


def _trailing(rng, domain, positive):  # "A even though B": the main clause A decides
    return f"{_atom(rng, domain, positive)} {_pick(rng, TRAILING_CONCESSIONS)} {_atom(rng, domain, not positive)}"


_FORMS = {
    "atomic": _atomic,
    "contrast": _contrast,
    "concession": _concession,
    "trailing": _trailing,
}
