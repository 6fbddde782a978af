"""The rows of the ranking artifact: comparison.json's ranked variants, the columns people sort by."""

from birnn.orchestration.artifacts import RANKING_COLUMNS, ranking_rows


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
                "vs_best": "best",
            },
            {"rank": 2, "variant": "tfidf-logreg", "accuracy": 0.5, "ci95": [0.4, 0.6]},
        ]
    }
    rows = ranking_rows(comparison)
    assert [r["variant"] for r in rows] == ["gru-sum", "tfidf-logreg"]
    assert tuple(rows[0]) == RANKING_COLUMNS and "kind" not in rows[0]
    assert rows[0]["val_accuracy"] == 0.9123 and rows[0]["ci95"] == "0.8812-0.9188"
    assert rows[1]["f1"] is None and ranking_rows({}) == []
