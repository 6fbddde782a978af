import json

import pandas as pd
import pytest

from birnn.config import CleanParams
from birnn.tasks.text.clean import (
    REASONS,
    CleanError,
    clean,
    clean_table,
    map_labels,
    normalize_text,
    resolve_label_map,
)


def test_normalize_strips_markup_entities_case_and_space():
    out = normalize_text(
        pd.Series(["Great <br />MOVIE", "fun &amp; games", None, "  a \t b "]), CleanParams()
    )
    assert out.tolist() == ["great movie", "fun & games", "", "a b"]


def test_default_and_custom_label_maps():
    labels = pd.Series(["1", "0", "positive", "neg", "1.0"])
    assert map_labels(labels, None).tolist() == [1, 0, 1, 0, 1]
    with pytest.raises(CleanError, match="'maybe': 1"):  # a value outside the default map
        map_labels(pd.Series(["1", "0", "positive", "neg", "maybe"]), None)
    assert map_labels(pd.Series(["4", "0"]), {"4": 1, "0": 0}).tolist() == [1, 0]
    assert map_labels(pd.Series(["4", "0", "2"]), {"4": 1, "0": 0}).tolist() == [1, 0, pd.NA]
    with pytest.raises(CleanError, match="0, 1 or null"):
        map_labels(pd.Series(["1"]), {"1": 4})


def test_clean_drops_and_counts_every_reason(reviews):
    frame, report = clean_table(reviews, CleanParams())
    assert report.rows_in == 10
    assert report.dropped == {
        "excluded_label": 0,
        "unknown_label": 0,
        "undecodable": 0,
        "empty": 2,
        "too_short": 0,
        "too_long": 0,
        "conflicting_label": 2,
        "duplicate": 1,
        "sampled_out": 0,
    }
    assert report.rows_out == len(frame) == 5
    assert set(frame["label"]) == {0, 1} and frame["text"].is_unique
    assert "ambiguous one" not in set(frame["text"])


def test_one_class_is_a_clear_error():
    with pytest.raises(CleanError, match="only one class"):
        clean_table(pd.DataFrame({"text": ["a", "b"], "label": ["1", "1"]}), CleanParams())


def test_nothing_left_is_a_clear_error():
    with pytest.raises(CleanError, match="no rows left"):
        clean_table(
            pd.DataFrame({"text": ["a", "b", "c"], "label": ["x", "y", "z"]}),
            CleanParams(),
            {"x": None, "y": None, "z": None},
        )


def test_stage_writes_parquet_and_report(tmp_path, reviews):
    report = clean(
        reviews, CleanParams(), None, tmp_path / "clean.parquet", tmp_path / "report.json"
    )
    assert pd.read_parquet(tmp_path / "clean.parquet").shape == (report.rows_out, 2)
    assert (tmp_path / "report.json").is_file()


def test_tweet_normalisation():
    raw = pd.Series(
        [
            "@Bob_1 Sooooo GOOD!!! http://t.co/x &lt;3 &quot;hi&quot; &amp; bye",
            "see www.example.com/a?b=1 mail me@x.com :) &#39;ok&#39; &eacute;t&eacute;",
        ]
    )
    out = normalize_text(raw, CleanParams())
    assert out.tolist() == [
        'xxuser soo good!!! xxurl <3 "hi" & bye',
        "see xxurl mail me@x.com :) 'ok' été",
    ]
    off = CleanParams(placeholders=False, squeeze_repeats=False)
    assert normalize_text(pd.Series(["@bob sooo"]), off).tolist() == ["@bob sooo"]


def test_imdb_markup_is_removed_but_hearts_survive():
    out = normalize_text(pd.Series(["Great film.<br /><br />Loved <i>it</i> <3"]), CleanParams())
    assert out.tolist() == ["great film. loved it <3"]


def test_every_reason_is_counted_and_sums_up():
    raw = pd.DataFrame(
        {
            "text": [
                "good",
                "bad",
                "caf\ufffd bad bytes",
                "",
                "abc " * 12,
                "same",
                "same",
                "dup",
                "dup",
                "two words",
                "not good",
                "fine",
            ],
            "label": [
                "pos",
                "neg",
                "pos",
                "neg",
                "pos",
                "pos",
                "neg",
                "neg",
                "neg",
                "pos",
                "neg",
                "maybe",
            ],
        }
    )
    pos_neg = {"pos": 1, "neg": 0, "meh": None}  # "maybe" is unknown, "meh" would be excluded
    frame, report = clean_table(raw, CleanParams(max_chars=40, min_tokens=1), pos_neg)
    assert set(report.dropped) == set(REASONS)
    assert report.dropped == {
        "excluded_label": 0,
        "unknown_label": 1,
        "undecodable": 1,
        "empty": 1,
        "too_short": 0,
        "too_long": 1,
        "conflicting_label": 2,
        "duplicate": 1,
        "sampled_out": 0,
    }
    assert report.rows_in == report.rows_out + sum(report.dropped.values())
    assert sorted(frame["text"]) == ["bad", "dup", "good", "not good", "two words"]
    _, report = clean_table(raw, CleanParams(min_tokens=2), pos_neg)
    assert report.dropped["too_short"] == 6  # good, bad, same x2, dup x2


@pytest.mark.parametrize(
    "values, expected",
    [
        (["positive", "negative"], {"negative": 0, "positive": 1}),
        (["Positive", "NEGATIVE", "positive"], {"negative": 0, "positive": 1}),
        (["good", "bad"], {"bad": 0, "good": 1}),
        (["0", "4"], {"0": 0, "4": 1}),
        (["2", "1"], {"1": 0, "2": 1}),
        (["1.0", "0.0"], {"0": 0, "1": 1}),
    ],
)
def test_two_distinct_labels_are_mapped_automatically(values, expected):
    mapping = resolve_label_map(pd.Series(values), None)
    assert {k: mapping[k] for k in expected} == expected


def test_two_unknown_labels_ask_for_a_map():
    with pytest.raises(CleanError, match="data.label_map"):
        resolve_label_map(pd.Series(["cat", "dog"]), None)


@pytest.mark.parametrize(
    "labels", [["positive", "negative", "neutral"], ["-1", "0", "1"], ["0", "1", "2"]]
)
def test_three_labels_without_a_map_stop_with_the_values_and_a_map_to_write(labels):
    raw = pd.DataFrame({"text": ["a", "b", "c", "d"], "label": [*labels, labels[0]]})
    with pytest.raises(CleanError) as err:
        clean_table(raw, CleanParams())
    message = str(err.value)
    assert "3 different values" in message and "data.label_map" in message and "null" in message
    assert all(f"'{v}'" in message for v in labels) and f"'{labels[0]}': 2" in message


def test_a_label_mapped_to_null_is_dropped_and_counted():
    raw = pd.DataFrame(
        {
            "text": ["a", "b", "c", "d", "e"],
            "label": ["positive", "negative", "neutral", "Neutral", "odd"],
        }
    )
    frame, report = clean_table(raw, CleanParams(), {"positive": 1, "negative": 0, "neutral": None})
    assert frame["label"].tolist() == [1, 0]
    assert report.dropped["excluded_label"] == 2 and report.dropped["unknown_label"] == 1
    assert report.label_map == {"positive": 1, "negative": 0, "neutral": None}


def test_max_rows_is_a_stratified_seeded_sample():
    raw = pd.DataFrame(
        {"text": [f"text {i}" for i in range(1000)], "label": ["1"] * 800 + ["0"] * 200}
    )
    frame, report = clean_table(raw, CleanParams(), None, max_rows=100, seed=3)
    again, _ = clean_table(raw, CleanParams(), None, max_rows=100, seed=3)
    other, _ = clean_table(raw, CleanParams(), None, max_rows=100, seed=4)
    assert len(frame) == 100 and report.dropped["sampled_out"] == 900
    assert frame["label"].value_counts().to_dict() == {1: 80, 0: 20}
    assert frame.equals(again) and not frame.equals(other)


def test_given_split_column_is_kept_and_stratified_by_sampling():
    raw = pd.DataFrame(
        {
            "text": [f"review {i}" for i in range(400)],
            "label": (["pos"] * 100 + ["neg"] * 100) * 2,
            "split": ["train"] * 200 + ["test"] * 200,
        }
    )
    frame, report = clean_table(raw, CleanParams(), None, max_rows=100, seed=1)
    assert report.split_counts == {"test": 50, "train": 50}
    assert frame.groupby(["split", "label"]).size().tolist() == [25, 25, 25, 25]


def test_emoji_only_texts_are_kept_not_counted_as_empty():
    raw = pd.DataFrame(
        {
            "text": ["😍😍", "👎", "♥", ":)", "...", "", "fine film"],
            "label": ["1", "0", "1", "1", "0", "0", "1"],
        }
    )
    frame, report = clean_table(raw, CleanParams())
    assert frame["text"].tolist() == ["😍😍", "👎", "♥", ":)", "fine film"]
    assert report.dropped["empty"] == 2 and report.dropped["too_short"] == 0


def _reviews(n_pos: int, n_neg: int, text=lambda i: f"review number {i} with words w{i % 97}"):
    return pd.DataFrame(
        {
            "text": [text(i) for i in range(n_pos + n_neg)],
            "label": ["1"] * n_pos + ["0"] * n_neg,
        }
    )


def test_balanced_plentiful_data_gets_no_warning():
    _, report = clean_table(_reviews(700, 700), CleanParams(), test_size=0.15)
    assert report.warnings == []


def test_a_small_test_set_is_warned_about_with_its_interval():
    _, report = clean_table(_reviews(20, 20), CleanParams(), test_size=0.15)
    (warning,) = [w for w in report.warnings if w.startswith("small test set")]
    assert "about 6 test texts from 40 rows" in warning and "+-0.40" in warning


def test_imbalanced_classes_are_warned_about():
    _, report = clean_table(_reviews(990, 10), CleanParams(), test_size=0.15)
    (warning,) = [w for w in report.warnings if w.startswith("imbalanced")]
    assert "label 0 is 1.0% of the rows" in warning and "scores 99.0% accuracy" in warning


def test_numbers_only_text_is_a_degenerate_vocabulary(tmp_path):
    raw = _reviews(500, 500, text=lambda i: str(1000 + i))
    clean(raw, CleanParams(), None, tmp_path / "c.parquet", tmp_path / "r.json", test_size=0.15)
    warnings = json.loads((tmp_path / "r.json").read_text())["warnings"]
    assert any(w.startswith("degenerate text: 100% of the texts hold no letters") for w in warnings)
    raw = _reviews(500, 500, text=lambda i: " ".join("abc"[(i // 3**j) % 3] for j in range(7)))
    _, report = clean_table(raw, CleanParams(), test_size=0.15)
    assert any("degenerate vocabulary" in w for w in report.warnings)


def test_a_text_column_taken_for_labels_gives_a_short_message_naming_the_key():
    labels = pd.Series([f"review number {i} " + "word " * 2000 for i in range(5000)])
    with pytest.raises(CleanError) as err:
        resolve_label_map(labels, None)
    assert "is data.label_column the column with the labels?" in str(err.value)
    assert len(str(err.value)) < 2000


@pytest.mark.parametrize(
    "labels, suggested",
    [
        (["negative", "neutral", "positive"], "negative: 0, positive: 1, neutral: null"),
        (["Neg", "neu", "POS"], "neg: 0, pos: 1, neu: null"),
        (["-1", "0", "1"], "-1: 0, 1: 1, 0: null"),
        (["0", "1", "2"], "0: 0, 2: 1, 1: null"),
        (["1", "2", "3", "4", "5"], "1: 0, 2: 0, 4: 1, 5: 1, 3: null"),
        (["1 star", "3 stars", "5 stars"], "1 star: 0, 5 stars: 1, 3 stars: null"),
        (
            ["very negative", "negative", "mixed", "positive", "very positive"],
            "negative: 0, very negative: 0, positive: 1, very positive: 1, mixed: null",
        ),
        (["bad", "good", "irrelevant", "spam"], "bad: 0, good: 1, irrelevant: null, spam: null"),
        (["cat", "dog", "bird"], "bird: 0, cat: 1, dog: null"),  # nothing read: sorted order
    ],
)
def test_the_three_class_hint_maps_by_what_the_values_mean(labels, suggested):
    raw = pd.DataFrame({"text": [f"t{i}" for i in range(len(labels))], "label": labels})
    with pytest.raises(CleanError) as err:
        clean_table(raw, CleanParams())
    assert f"'{{{suggested}}}'" in str(err.value)
    # or keep them all: the other way out the message offers
    assert f"or keep all {len(labels)} classes with data.classes: multiclass" in str(err.value)


def test_a_map_that_drops_every_positive_label_is_warned_about(tmp_path, caplog):
    from birnn.reporting.verdict import clean_warnings

    labels = ["negative", "neutral", "positive"] * 10
    raw = pd.DataFrame({"text": [f"text {i}" for i in range(30)], "label": labels})
    pasted = {"negative": 0, "neutral": 1, "positive": None}  # the map the old hint printed
    report_path = tmp_path / "clean_report.json"
    with caplog.at_level("WARNING", logger="birnn"):
        report = clean(raw, CleanParams(), pasted, tmp_path / "clean.parquet", report_path)
    [warning] = [w for w in report.warnings if "label_map" in w]
    assert "['positive'] (10 rows)" in warning and "no positive class" in warning
    assert "'{negative: 0, positive: 1, neutral: null}'" in warning
    assert warning in caplog.text and f"data: {warning}" in clean_warnings(report_path)


NAMED = ["very negative", "negative", "neutral", "positive", "very positive"]


@pytest.mark.parametrize(
    "labels, label_map",
    [
        (NAMED, {"negative": 0, "positive": 1, "neutral": None}),
        (NAMED, {"very negative": 0, "very positive": 1, "negative": None, "positive": None}),
        (["1", "2", "3", "4", "5"], {"1": 0, "5": 1}),  # bare numbers: the scale's extremes
    ],
)
def test_a_map_that_keeps_both_polarities_is_not_warned_about(labels, label_map):
    raw = pd.DataFrame({"text": [f"text {i}" for i in range(10)], "label": labels * 2})
    _, report = clean_table(raw, CleanParams(), label_map)
    assert not [w for w in report.warnings if "label_map" in w]
