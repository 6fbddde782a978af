"""Odd text through normalize -> tokenize -> encode -> predict: nothing crashes, ids stay
valid, lengths stay fixed. Named cases plus property-based tests (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from birnn.config import CleanParams, ModelParams
from birnn.serving.predict import Predictor
from birnn.tasks.text.clean import normalize_text
from birnn.tasks.text.split import OOV, PAD, encode
from birnn.tasks.text.tokenize import tokenize_texts

CLEAN = CleanParams()
VOCAB = [
    "the",
    "good",
    "bad",
    "not",
    "film",
    "!",
    ":)",
    "xxurl",
    "xxuser",
    "café",
    "שלום",
    "नमस्ते",
    "日本語",
]
MAX_LEN = 8

ODD = {
    "empty": "",
    "blank": " \t\n\r ",
    "empty after cleaning": "<br /><i></i>&nbsp;",
    "only emoji": "😀😂👍🏽👨‍👩‍👧🇫🇷",
    "only urls": "http://a.io/x https://b.io/y?q=1 www.c.org",
    "only mentions": "@bob @alice",
    "only punctuation": "?!...,;:",
    "chinese": "这部电影非常好看",
    "japanese": "日本語のレビューです",
    "hindi": "नमस्ते यह फ़िल्म अच्छी है",
    "thai": "หนังเรื่องนี้ดีมาก",
    "hebrew rtl": "\u202bהסרט היה טוב\u202c",
    "arabic rtl with marks": "\u200fالفيلم كان رائعا جدا\u200e",
    "combining characters": "cafe\u0301 Zalgo: z\u0351\u0300\u0301a\u0352\u036ag\u0363o\u0364",
    "decomposed hangul": "\u1100\u1161\u11a8",
    "nul and controls": "good\x00film\x07\x1b[31m!",
    "zero width": "go\u200bod fi\u200dlm\ufeff",
    "lone surrogate": "bad \ud800 film \udfff",
    "private use and noncharacters": "\ue000\uffff\U0010fffd",
    "very long": "not good " * 50_000,
    "one huge word": "a" * 100_000,
}


def pipeline(
    texts: list, vocab: list[str] = VOCAB, max_len: int = MAX_LEN, params: CleanParams = CLEAN
) -> tuple[pd.Series, np.ndarray]:
    tokens = tokenize_texts(normalize_text(pd.Series(texts, dtype=object), params))
    return tokens, encode(tokens, vocab, max_len, "pre")


def check(
    tokens: pd.Series, ids: np.ndarray, n: int, vocab: list[str] = VOCAB, max_len: int = MAX_LEN
) -> None:
    assert ids.shape == (n, max_len) and ids.dtype == np.int32
    assert ids.min(initial=0) >= PAD and ids.max(initial=0) < len(vocab) + 2
    lengths = np.array([len(t) for t in tokens])
    # right padding: the first min(len, max_len) slots are tokens (never 0), the rest padding
    for row, length in zip(ids, lengths):
        kept = min(length, max_len)
        assert (row[:kept] != PAD).all() and (row[kept:] == PAD).all()
    for toks in tokens:
        assert all(t and not any(ch.isspace() for ch in t) for t in toks)


@pytest.mark.parametrize("name", list(ODD))
def test_odd_text_flows_through(name):
    tokens, ids = pipeline([ODD[name]])
    check(tokens, ids, 1)


def test_named_cases_tokenize_sensibly():
    tokens, ids = pipeline(
        [
            ODD["hindi"],
            ODD["hebrew rtl"],
            ODD["nul and controls"],
            ODD["zero width"],
            ODD["only urls"],
            ODD["empty after cleaning"],
            "Cafe\u0301 :)",
        ]
    )
    hindi, hebrew, controls, zero_width, urls, empty, cafe = tokens.tolist()
    assert hindi[0] == "नमस्ते" and len(hindi) == 5  # marks stay inside their words
    assert hebrew == ["הסרט", "היה", "טוב"]  # bidi embedding marks dropped
    assert controls[:2] == ["good", "film"] and not any(
        "\x00" in t or "\x1b" in t for t in controls
    )
    assert zero_width == ["good", "film"]
    assert urls == ["xxurl", "xxurl", "xxurl"] and empty == []
    assert cafe == ["café", ":)"] and ids[-1][:2].tolist() == [
        VOCAB.index("café") + 2,
        VOCAB.index(":)") + 2,
    ]


def test_non_string_values_are_text_or_empty():
    tokens, ids = pipeline([None, 3, 2.5, float("nan"), True, b"bytes", pd.NA])
    check(tokens, ids, 7)
    assert tokens.iloc[0] == [] and tokens.iloc[1] == ["3"]


# --- properties ------------------------------------------------------------------------------

ANY_TEXT = st.text(
    alphabet=st.characters(codec=None) | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    max_size=300,
)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(
    texts=st.lists(ANY_TEXT, min_size=1, max_size=6),
    vocab=st.lists(
        st.text(min_size=1, max_size=5).filter(lambda w: not any(c.isspace() for c in w)),
        unique=True,
        max_size=20,
    ),
    max_len=st.integers(1, 40),
    clean=st.builds(
        CleanParams,
        lowercase=st.booleans(),
        strip_html=st.booleans(),
        placeholders=st.booleans(),
        squeeze_repeats=st.booleans(),
    ),
)
def test_any_unicode_in_valid_ids_out(texts, vocab, max_len, clean):
    tokens, ids = pipeline(texts, vocab, max_len, clean)
    check(tokens, ids, len(texts), vocab, max_len)
    again_tokens, again = pipeline(texts, vocab, max_len, clean)  # deterministic
    assert again_tokens.tolist() == tokens.tolist() and np.array_equal(again, ids)
    for i, text in enumerate(texts):  # a row's encoding does not depend on its neighbours
        assert np.array_equal(pipeline([text], vocab, max_len, clean)[1][0], ids[i])


@PROPERTY
@given(text=ANY_TEXT)
@example(text="@0@0")  # chained mentions once needed two passes
def test_normalize_is_idempotent_and_clean(text):
    once = normalize_text(pd.Series([text], dtype=object), CLEAN)
    assert normalize_text(once, CLEAN).iloc[0] == once.iloc[0]
    out = once.iloc[0]
    assert out == out.strip() and "  " not in out
    assert not any(0xD800 <= ord(c) <= 0xDFFF or ord(c) < 0x20 and c not in "\t\n\r" for c in out)


@PROPERTY
@given(words=st.lists(st.sampled_from(VOCAB[:9]), max_size=30), max_len=st.integers(1, 12))
def test_known_words_get_their_ids_and_truncation_keeps_the_end(words, max_len):
    _, ids = pipeline([" ".join(words)], VOCAB, max_len)
    expected = [VOCAB.index(w) + 2 for w in words][-max_len:]
    assert ids[0][: len(expected)].tolist() == expected
    assert OOV not in expected


# --- through a real Keras model --------------------------------------------------------------


@pytest.fixture(scope="module")
def predictor():
    from birnn.modeling.models import build_model

    model = build_model(
        "gru", "concat", len(VOCAB) + 2, MAX_LEN, ModelParams(embedding_dim=4, units=2)
    )
    return Predictor(model, {"words": VOCAB, "max_len": MAX_LEN, "truncating": "pre"}, CLEAN)


def test_predict_survives_every_odd_text_at_once(predictor):
    texts = [*ODD.values(), None, 42]
    results = predictor.predict(texts)
    assert len(results) == len(texts)
    assert all(0.0 <= r.probability <= 1.0 and r.label in (0, 1) for r in results)
    assert predictor.predict([]) == []


# --- model folders that are missing, damaged or from another version ---------------------------


@pytest.fixture
def model_dir(predictor, tmp_path):
    import json

    folder = tmp_path / "gru-concat"
    folder.mkdir()
    predictor.model.save(folder / "model.keras")
    (folder / "vocab.json").write_text(
        json.dumps({"words": VOCAB, "max_len": MAX_LEN, "truncating": "pre"})
    )
    (folder / "variant.json").write_text(
        json.dumps({"variant": "gru-concat", "clean": CLEAN.model_dump()})
    )
    return folder


def test_a_good_folder_loads(model_dir):
    assert len(Predictor.from_dir(model_dir).predict(["good film", ""])) == 2


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / "model.keras").unlink(), "missing model.keras"),
        (lambda d: (d / "vocab.json").write_text('{"tokens": []}'), "vocab.json not readable"),
        (
            lambda d: (d / "variant.json").write_text(
                '{"clean": {"lowercase": true, "stemming": true}}'
            ),
            "not readable",
        ),
        (lambda d: (d / "variant.json").write_text("{not json"), "not readable"),
        (
            lambda d: (d / "model.keras").write_bytes(b"PK\x03\x04 not really a zip"),
            "model.keras: cannot be loaded",
        ),
    ],
)
def test_a_damaged_or_foreign_folder_is_a_clear_error(model_dir, damage, message):
    from birnn.modeling.model_folder import ModelFolderError

    damage(model_dir)
    with pytest.raises(ModelFolderError, match=message) as err:
        Predictor.from_dir(model_dir)
    assert "another version" in str(err.value) or "run `dvc repro`" in str(err.value)
