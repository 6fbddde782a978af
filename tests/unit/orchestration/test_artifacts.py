"""The rows of the ranking artifact: comparison.json's ranked variants, the columns people sort by."""

from birnn.orchestration.artifacts import RANKING_COLUMNS, effects_rows, ranking_rows


def test_ranking_rows_keep_the_order_round_and_show_the_interval():
    comparison = {
        "variants": [
            {
                "rank": 1,
                "variant": "gru-sum",
                "kind": "rnn",
                "val_accuracy": 0.912345,
                "accuracy": 0.9,
                "ci95": [0.88123, 0.91876],
                "p_holm": None,
                "vs_best": "chosen",
            },
            {"rank": 2, "variant": "tfidf-logreg", "accuracy": 0.5, "ci95": [0.4, 0.6]},
        ]
    }
    rows = ranking_rows(comparison)
    assert [r["variant"] for r in rows] == ["gru-sum", "tfidf-logreg"]
    assert tuple(rows[0]) == RANKING_COLUMNS and "kind" not in rows[0]
    assert rows[0]["val_accuracy"] == 0.9123 and rows[0]["ci95"] == "0.8812-0.9188"
    assert rows[1]["f1"] is None and ranking_rows({}) == []


def test_effects_rows_list_every_contrast_with_its_intervals():
    record = {
        "contrast": "concat vs sum",
        "estimate": 0.012345,
        "ci95": [0.001, 0.02],
        "simultaneous95": [-0.002, 0.025],
        "p_adjusted": 0.0812,
        "mde80": 0.0151,
    }
    comparison = {
        "effects": {
            "factors": {"merge_mode": {"vs_rest": [], "pairs": [record]}},
            "direction": {**record, "contrast": "gru-sum vs lstm-uni"},
        }
    }
    rows = effects_rows(comparison)
    assert [(r["factor"], r["contrast"]) for r in rows] == [
        ("merge_mode", "concat vs sum"),
        ("direction", "gru-sum vs lstm-uni"),
    ]
    assert rows[0]["estimate"] == 0.0123 and rows[0]["simultaneous95"] == "-0.0020 to +0.0250"
    assert effects_rows({}) == [] and effects_rows({"effects": {}}) == []
