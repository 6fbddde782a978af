import pandas as pd
import pytest

from birnn.clean import CleanError, clean, clean_table, map_labels, normalize_text
from birnn.config import CleanParams


def test_normalize_strips_markup_entities_case_and_space():
    out = normalize_text(pd.Series(["Great <br />MOVIE", "fun &amp; games", None, "  a \t b "]), CleanParams())
    assert out.tolist() == ["great movie", "fun & games", "", "a b"]


def test_default_and_custom_label_maps():
    assert map_labels(pd.Series(["1", "0", "positive", "neg", "1.0", "maybe"]), None).tolist() == [1, 0, 1, 0, 1, pd.NA]
    assert map_labels(pd.Series(["4", "0"]), {"4": 1, "0": 0}).tolist() == [1, 0]
    with pytest.raises(CleanError, match="0 or 1"):
        map_labels(pd.Series(["1"]), {"1": 4})


def test_clean_drops_and_counts_every_reason(reviews):
    frame, report = clean_table(reviews, CleanParams())
    assert report.rows_in == 10
    assert report.dropped == {"label_not_in_map": 0, "fewer_than_1_words": 2,
                              "conflicting_labels": 2, "duplicate_text": 1}
    assert report.rows_out == len(frame) == 5
    assert set(frame["label"]) == {0, 1} and frame["text"].is_unique
    assert "ambiguous one" not in set(frame["text"])


def test_one_class_is_a_clear_error():
    with pytest.raises(CleanError, match="only one class"):
        clean_table(pd.DataFrame({"text": ["a", "b"], "label": ["1", "1"]}), CleanParams())


def test_nothing_left_is_a_clear_error():
    with pytest.raises(CleanError, match="no rows left"):
        clean_table(pd.DataFrame({"text": ["a", "b"], "label": ["x", "y"]}), CleanParams())


def test_stage_writes_parquet_and_report(tmp_path, reviews):
    report = clean(reviews, CleanParams(), None, tmp_path / "clean.parquet", tmp_path / "report.json")
    assert pd.read_parquet(tmp_path / "clean.parquet").shape == (report.rows_out, 2)
    assert (tmp_path / "report.json").is_file()
