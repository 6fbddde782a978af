"""K classes from the label column: data.classes, the label map's order and merges, the class
names travelling with the data (clean -> tokenize -> split), and the error that offers both
ways out of a three-class file."""

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from birnn.config import CleanParams, ParamsError, SplitParams, parse_params
from birnn.tasks.classes import names_in
from birnn.tasks.text.clean import CleanError, clean, clean_table, resolve_classes
from birnn.tasks.text.label_names import class_order
from birnn.tasks.text.split import split
from birnn.tasks.text.tokenize import tokenize

THREE = ["negative", "neutral", "positive"]


def _raw(labels, repeat=1):
    labels = list(labels) * repeat
    return pd.DataFrame({"text": [f"text number {i}" for i in range(len(labels))], "label": labels})


def test_the_maps_order_is_the_class_index_and_two_raw_values_may_share_a_class():
    label_map = {"pos": "positive", "neu": "neutral", "neg": "negative", "good": "positive"}
    mapping, names = resolve_classes(pd.Series(["x"]), label_map, "multiclass")
    assert names == ["positive", "neutral", "negative"]  # the map's order, not sorted
    assert mapping == {"pos": 0, "neu": 1, "neg": 2, "good": 0}
    frame, report = clean_table(
        _raw(["pos", "good", "neg", "neu", "spam"], 4),
        CleanParams(),
        label_map,
        classes="multiclass",
    )
    assert frame["label"].value_counts().sort_index().tolist() == [8, 4, 4]  # pos + good = 0
    assert report.classes == ["positive", "neutral", "negative"]
    assert report.dropped["unknown_label"] == 4  # spam: not in the map


def test_null_drops_a_value_and_grades_keep_their_numeric_order():
    label_map = {"1": 1, "2": 2, "3": None, "4": 4, "5": 5}  # ints name classes too
    data = parse_params({"data": {"classes": "multiclass", "label_map": label_map}}).data
    assert data.label_map == {"1": "1", "2": "2", "3": None, "4": "4", "5": "5"}
    frame, report = clean_table(
        _raw(["5", "3", "1", "2", "4"], 3), CleanParams(), data.label_map, classes="multiclass"
    )
    assert report.classes == ["1", "2", "4", "5"] and report.dropped["excluded_label"] == 3


@pytest.mark.parametrize(
    "values, order",
    [
        ({"positive", "negative", "neutral"}, THREE),
        ({"pos", "neu", "neg"}, ["neg", "neu", "pos"]),
        ({"10", "2", "-1"}, ["-1", "2", "10"]),  # numbers by value, not as text
        ({"1 star", "3 stars", "5 stars"}, ["1 star", "3 stars", "5 stars"]),
        ({"cat", "dog", "bird"}, ["bird", "cat", "dog"]),  # names that say nothing: sorted
    ],
)
def test_without_a_map_every_value_is_a_class_in_a_meaningful_order(values, order):
    assert class_order(values) == order
    _, names = resolve_classes(pd.Series(sorted(values) * 2), None, "multiclass")
    assert names == order


def test_three_values_without_a_map_still_stop_in_binary_offering_both_ways_out():
    with pytest.raises(CleanError) as err:
        clean_table(_raw(["positive", "negative", "neutral"], 2), CleanParams())
    message = str(err.value)
    assert "'{negative: 0, positive: 1, neutral: null}'" in message  # a binary map
    assert "or keep all 3 classes with data.classes: multiclass" in message
    frame, report = clean_table(
        _raw(["positive", "negative", "neutral"], 2), CleanParams(), classes="multiclass"
    )
    assert report.classes == THREE and sorted(frame["label"].unique()) == [0, 1, 2]


def test_a_class_the_map_names_but_no_row_has_stops_naming_it():
    with pytest.raises(CleanError, match=r"no rows left for the class\(es\) \['neutral'\]"):
        clean_table(
            _raw(["pos", "neg"], 3),
            CleanParams(),
            {"neg": "negative", "neu": "neutral", "pos": "positive"},
            classes="multiclass",
        )


@pytest.mark.parametrize(
    "data, says",
    [
        ({"label_map": {"neg": "negative", "pos": 1}}, "data.label_map.neg is 'negative'"),
        ({"label_map": {"neg": 0, "pos": 2}}, "set data.classes: multiclass"),
        ({"classes": "multiclass", "label_map": {"a": "x", "b": "x"}}, "fewer than two classes"),
        ({"classes": "multiclass", "label_map": {"a": " ", "b": "y"}}, "empty class name"),
        ({"classes": "three"}, "data.classes"),
    ],
)
def test_maps_that_do_not_fit_the_classes_are_refused_naming_the_key(data, says):
    with pytest.raises(ParamsError, match="data.") as err:
        parse_params({"data": data})
    assert says in str(err.value)


def test_binary_maps_and_reports_are_as_before(tmp_path):
    frame, report = clean_table(_raw(["pos", "neg"], 3), CleanParams())
    assert report.classes is None and report.label_map == {"pos": 1, "neg": 0}
    clean(_raw(["pos", "neg"], 3), CleanParams(), None, tmp_path / "c.parquet", tmp_path / "r.json")
    assert "classes" not in json.loads((tmp_path / "r.json").read_text())
    assert names_in(pq.read_schema(tmp_path / "c.parquet").metadata) is None


def test_the_class_names_travel_from_clean_through_tokenize_into_vocab_json(tmp_path):
    raw = _raw(["negative", "neutral", "positive"], 40)
    report = clean(
        raw, CleanParams(), None, tmp_path / "c.parquet", tmp_path / "r.json", classes="multiclass"
    )
    assert json.loads((tmp_path / "r.json").read_text())["classes"] == THREE == report.classes
    tokenize(tmp_path / "c.parquet", tmp_path / "t.parquet")
    assert names_in(pq.read_schema(tmp_path / "t.parquet").metadata) == THREE
    split(tmp_path / "t.parquet", SplitParams(min_count=1), 0, tmp_path / "processed")
    vocab = json.loads((tmp_path / "processed" / "vocab.json").read_text())
    assert vocab["classes"] == THREE
    with np.load(tmp_path / "processed" / "test.npz") as test:
        assert sorted(set(test["y"].tolist())) == [0, 1, 2]  # stratified over all three


def test_imbalanced_classes_are_warned_about_by_the_largest_over_the_smallest():
    labels = ["negative"] * 60 + ["neutral"] * 25 + ["positive"] * 15
    _, report = clean_table(_raw(labels), CleanParams(), classes="multiclass", test_size=0.15)
    [warning] = [w for w in report.warnings if w.startswith("imbalanced")]
    assert "'negative' is 60.0% of the rows, 4.0 times 'positive' (15.0%" in warning
    assert "ranks by macro-F1" in warning
    _, even = clean_table(
        _raw(["negative"] * 30 + ["neutral"] * 25 + ["positive"] * 21),
        CleanParams(),
        classes="multiclass",
    )
    assert not [w for w in even.warnings if w.startswith("imbalanced")]  # 30/21 < 1.5


def test_the_champions_data_digest_covers_the_label_set(tmp_path):
    from birnn.tracking.provenance import data_digest

    for name, classes in (("a", THREE), ("b", ["bad", "meh", "good"])):
        raw = _raw(["negative", "neutral", "positive"], 40)
        if name == "b":
            raw["label"] = raw["label"].map(dict(zip(THREE, classes)))
        folder = tmp_path / name
        folder.mkdir()
        label_map = {c: c for c in classes}  # the same order: the same class indices
        clean(
            raw,
            CleanParams(),
            label_map,
            folder / "c.parquet",
            folder / "r.json",
            classes="multiclass",
        )
        tokenize(folder / "c.parquet", folder / "t.parquet")
        split(folder / "t.parquet", SplitParams(min_count=1), 0, folder / "processed")
    a, b = tmp_path / "a" / "processed", tmp_path / "b" / "processed"
    assert (a / "test.npz").read_bytes() == (b / "test.npz").read_bytes()  # same rows, labels
    assert data_digest(a) != data_digest(b)  # other class names: other data
