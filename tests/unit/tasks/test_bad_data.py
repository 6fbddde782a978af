"""Odd and broken data files, run through the real stages (download -> clean -> tokenize ->
split) on a `data.source: csv` project in a temp folder. Each case ends in a clear error
(what, where, what to do) or in rows counted under a reason in reports/clean_report.json."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from birnn import stages
from birnn.cli import main
from birnn.data.sources import SourceError
from birnn.data.tables import read_texts
from birnn.layout import Layout
from birnn.tasks.text.clean import CleanError
from conftest import tiny_params


def rows(n: int = 30) -> list[tuple[str, str]]:
    return [(f"a good film number {i}", "1") for i in range(n)] + [
        (f"a bad film number {i}", "0") for i in range(n)
    ]


def csv_text(pairs, sep: str = ",", header: str = "text,label") -> str:
    return header.replace(",", sep) + "\n" + "".join(f"{t}{sep}{label}\n" for t, label in pairs)


def run(tmp_path: Path, name: str, content: bytes | None, through: str = "split", **data):
    """Write ``content`` to tmp_path/name and run the stages up to ``through``; returns
    (layout, clean report)."""
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    params = tiny_params(data={"source": "csv", "path": str(path), **data})
    layout = Layout(tmp_path / "project")
    stages.run_download(params, layout)
    stages.run_clean(params, layout)
    report = json.loads((layout.reports_dir / "clean_report.json").read_text())
    if through == "split":
        stages.run_tokenize(params, layout)
        stages.run_split(params, layout)
    return layout, report


def test_a_normal_file_passes(tmp_path):
    layout, report = run(tmp_path, "d.csv", csv_text(rows()).encode())
    assert report["rows_out"] == 60 and sum(report["dropped"].values()) == 0
    assert (layout.processed_dir / "train.npz").is_file()


def test_missing_file_names_the_path_and_the_param(tmp_path):
    with pytest.raises(
        SourceError, match=r"data.path=.*nope\.csv.*file not found.*point data.path"
    ):
        run(tmp_path, "nope.csv", None)


def test_a_folder_or_a_pipe_as_data_path_says_what_it_is(tmp_path, capsys):
    (tmp_path / "reviews").mkdir()
    with pytest.raises(SourceError, match=r"data.path=.*reviews': is a directory, not a file"):
        run(tmp_path, "reviews", None)
    os.mkfifo(tmp_path / "pipe.csv")
    with pytest.raises(SourceError, match=r"pipe.csv': is a named pipe \(FIFO\)"):
        run(tmp_path, "pipe.csv", None)
    with pytest.raises(SourceError, match=r"unlabeled.csv: is a directory"):
        (tmp_path / "unlabeled.csv").mkdir()
        read_texts(tmp_path / "unlabeled.csv", "text")
    params = tmp_path / "params.yaml"
    params.write_text(f"data: {{source: csv, path: {tmp_path / 'reviews'}}}\n")
    assert main(["--params", str(params), "--root", str(tmp_path), "source"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("error: source: data.path=")
    assert "is a directory, not a file" in err.strip().splitlines()[-1]


def test_a_label_column_named_twice_in_the_header_stops(tmp_path):
    content = "label,text,label\n" + "".join(f"1,a good film {i},0\n" for i in range(30))
    with pytest.raises(
        SourceError, match=r"d.csv: the header names column 'label' 2 times; which one is meant"
    ):
        run(tmp_path, "d.csv", content.encode(), through="clean")
    twice = "text,label,label.1\n" + "".join(f"a good film {i},1,x\n" for i in range(30))
    twice += "".join(f"a bad film {i},0,y\n" for i in range(30))  # a real 'label.1' column
    _, report = run(tmp_path, "ok.csv", twice.encode(), through="clean")
    assert report["rows_out"] == 60
    extra = "id,id,text,label\n" + "".join(f"1,2,a film {i},{i % 2}\n" for i in range(60))
    _, report = run(tmp_path, "ids.csv", extra.encode(), through="clean")  # not a column read
    assert report["rows_out"] == 60


def test_empty_file(tmp_path):
    with pytest.raises(SourceError, match=r"the file is empty.*check data.path"):
        run(tmp_path, "d.csv", b"")


def test_header_only(tmp_path):
    with pytest.raises(SourceError, match=r"d\.csv: no data rows.*only a header"):
        run(tmp_path, "d.csv", b"text,label\n")


def test_missing_text_or_label_column(tmp_path):
    with pytest.raises(
        SourceError,
        match=r"missing column\(s\) \['label'\]; found \['text', 'stars'\].*"
        r"data.label_column",
    ):
        run(tmp_path, "d.csv", csv_text(rows(), header="text,stars").encode())


def test_labels_outside_the_mapping_are_counted(tmp_path):
    pairs = rows() + [("a neutral film", "2"), ("who knows", "maybe")]
    layout, report = run(tmp_path, "d.csv", csv_text(pairs).encode(), label_map={"0": 0, "1": 1})
    assert report["dropped"]["unknown_label"] == 2 and report["rows_out"] == 60


def test_more_than_two_labels_without_a_map_stop_before_anything_is_trained(tmp_path):
    pairs = rows() + [("a neutral film", "2"), ("who knows", "maybe")]
    with pytest.raises(CleanError, match=r"4 different values.*'2': 1.*data.label_map"):
        run(tmp_path, "d.csv", csv_text(pairs).encode())


def test_a_label_map_that_matches_nothing_is_an_error(tmp_path):
    with pytest.raises(
        CleanError, match=r"no rows left after cleaning.*'unknown_label': 60.*data.label_map"
    ):
        run(tmp_path, "d.csv", csv_text(rows()).encode(), label_map={"neg": 0, "pos": 1})


def test_one_class_only(tmp_path):
    with pytest.raises(CleanError, match=r"only one class.*\{'1': 30\}.*data.label_map"):
        run(tmp_path, "d.csv", csv_text(rows()[:30]).encode())


def test_fewer_rows_than_the_split_needs(tmp_path):
    with pytest.raises(
        ValueError,
        match=r"too few rows to split: class counts \[3, 3\].*add data or raise the ratios",
    ):
        run(tmp_path, "d.csv", csv_text(rows(3)).encode())


def test_mixed_encodings_and_invalid_utf8_are_counted_as_undecodable(tmp_path):
    good = csv_text(rows()).encode()
    latin1 = "un film tr\xe8s r\xe9ussi,1\n".encode("latin-1")  # \xe8 alone is invalid UTF-8
    broken = b"bytes \xff\xfe\xc3 here,0\n"
    utf8 = "un film tr\u00e8s r\u00e9ussi aussi,1\n".encode()
    with pytest.raises(SourceError, match=r"d\.csv is not UTF-8 .*file mixes encodings"):
        run(tmp_path, "d.csv", good + latin1 + broken + utf8)
    layout, report = run(tmp_path, "d.csv", good + latin1 + broken + utf8, encoding="utf-8")
    assert report["dropped"]["undecodable"] == 2 and report["rows_out"] == 61
    assert any("2 row(s) held bytes" in w for w in report["warnings"])
    texts = pd.read_parquet(layout.clean_path)["text"].tolist()
    assert "un film tr\u00e8s r\u00e9ussi aussi" in texts and not any("\ufffd" in t for t in texts)


def test_nul_bytes_and_control_characters_never_reach_the_tokens(tmp_path):
    pairs = rows() + [("nul\x00inside a text", "1"), ("bell\x07 and\x1b escape", "0")]
    layout, report = run(tmp_path, "d.csv", csv_text(pairs).encode())
    assert report["rows_out"] == 62
    tokens = pd.read_parquet(layout.tokens_path)["tokens"]
    words = {w for t in tokens for w in t}
    assert {"nul", "inside", "bell", "escape"} <= words
    assert not any(ch in w for w in words for ch in "\x00\x07\x1b")


def test_a_1mb_cell_is_dropped_as_too_long_and_counted(tmp_path):
    huge = "so many words here " * 55_000  # ~1 MB in one cell
    layout, report = run(tmp_path, "d.csv", csv_text(rows() + [(huge, "1")]).encode())
    assert report["dropped"]["too_long"] == 1 and report["rows_out"] == 60


def test_a_1mb_cell_without_max_chars_is_truncated_to_max_len(tmp_path):
    huge = "so many words here " * 55_000
    layout, _ = run(tmp_path, "d.csv", csv_text(rows() + [(huge, "1")]).encode(), through="clean")
    params = tiny_params(
        data={"source": "csv", "path": str(tmp_path / "d.csv")},
        clean={"max_chars": None},
        split={"min_count": 1, "max_len": 12},
    )
    stages.run_clean(params, layout)
    stages.run_tokenize(params, layout)
    summary = stages.run_split(params, layout)
    assert summary["max_len"] == 12
    with np.load(layout.processed_dir / "train.npz") as data:
        assert data["x"].shape[1] == 12


def test_quoted_newlines_stay_one_row(tmp_path):
    content = csv_text(rows()) + '"a film\nover two lines, with a comma",1\n'
    layout, report = run(tmp_path, "d.csv", content.encode())
    assert report["rows_in"] == 61 and report["rows_out"] == 61
    assert (
        "a film over two lines, with a comma" in pd.read_parquet(layout.clean_path)["text"].tolist()
    )


def test_bom_and_crlf(tmp_path):
    content = ("\ufeff" + csv_text(rows())).replace("\n", "\r\n").encode()
    layout, report = run(tmp_path, "d.csv", content)
    assert report["rows_out"] == 60 and report["label_counts"] == {"0": 30, "1": 30}
    assert not pd.read_parquet(layout.clean_path)["text"].str.contains("\r").any()


def test_gzip_and_tsv_named_as_such_are_read(tmp_path):
    _, report = run(
        tmp_path, "d.tsv.gz", gzip.compress(csv_text(rows(), sep="\t").encode()), through="clean"
    )
    assert report["rows_out"] == 60


def test_a_tsv_given_as_csv_is_read_by_its_separator(tmp_path):
    _, report = run(tmp_path, "d.csv", csv_text(rows(), sep="\t").encode(), through="clean")
    assert report["rows_out"] == 60


def test_truncated_gzip(tmp_path):
    with pytest.raises(SourceError, match=r"could not be read as a table.*(end-of-stream|ended)"):
        run(tmp_path, "d.csv.gz", gzip.compress(csv_text(rows()).encode())[:40])


def test_parquet_with_numbers_for_text(tmp_path):
    pd.DataFrame({"text": np.arange(60) / 2, "label": [0, 1] * 30}).to_parquet(
        tmp_path / "d.parquet"
    )
    with pytest.raises(
        SourceError, match=r"column 'text' \(data.text_column\) holds float64 values, not text"
    ):
        run(tmp_path, "d.parquet", None)


def test_parquet_with_lists_as_labels(tmp_path):
    pd.DataFrame({"text": [t for t, _ in rows()], "label": [[0], [1]] * 30}).to_parquet(
        tmp_path / "d.parquet"
    )
    with pytest.raises(
        SourceError, match=r"column 'label' \(data.label_column\) holds nested values"
    ):
        run(tmp_path, "d.parquet", None)


def test_parquet_with_int_or_float_or_bool_labels_is_fine(tmp_path):
    texts = [t for t, _ in rows()]
    for i, labels in enumerate(
        ([1] * 30 + [0] * 30, [1.0] * 30 + [0.0] * 30, [True] * 30 + [False] * 30)
    ):
        folder = tmp_path / str(i)
        folder.mkdir()
        pd.DataFrame({"text": texts, "label": labels}).to_parquet(folder / "d.parquet")
        _, report = run(folder, "d.parquet", None, through="clean")
        assert report["label_counts"] == {"0": 30, "1": 30}


def test_not_a_parquet_file(tmp_path):
    with pytest.raises(SourceError, match=r"d\.parquet: could not be read as a table") as err:
        run(tmp_path, "d.parquet", b"text,label\nhello,1\n")
    assert "data/raw" not in str(err.value)  # the user's file, not the internal copy


def test_the_cli_prints_the_error_without_a_traceback(tmp_path, capsys):
    (tmp_path / "d.csv").write_bytes(b"text,label\n")
    params = tmp_path / "params.yaml"
    params.write_text(f"data:\n  source: csv\n  path: {tmp_path / 'd.csv'}\n")
    root = ["--params", str(params), "--root", str(tmp_path)]
    assert main([*root, "download"]) == 0
    assert main([*root, "clean"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: clean: ") and "no data rows" in err and "Traceback" not in err
    assert not (tmp_path / "data" / "interim" / "clean.parquet").exists()
