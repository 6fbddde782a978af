"""sources: each data.source fetched from a local HTTP server and read into (text, label)."""

import gzip
import hashlib
import io
import json
import zipfile

import pandas as pd
import pytest

from birnn.config import CleanParams, parse_params
from birnn.data.archives import ArchiveError, Limits
from birnn.data.download import ChecksumError, DownloadError
from birnn.data.sources import SourceError, download, label_map, read_raw
from birnn.tasks.text.clean import clean_table
from localserver import FileServer, imdb_tar_gz, sentiment140_subset_zip, sentiment140_zip

FILES = {
    "subset/sentiment140-subset.csv.zip": sentiment140_subset_zip(20),
    "stanford/trainingandtestdata.zip": sentiment140_zip(20),
    "imdb/aclImdb_v1.tar.gz": imdb_tar_gz(10),
}
FAST = {"backoff": 0.01, "timeout": 5}


@pytest.fixture(autouse=True)
def _no_proxy_env(monkeypatch):
    for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def server():
    with FileServer(FILES) as srv:
        yield srv


def _data(server, source, pin=True, **extra):
    remotes = {
        name: {
            "url": server.url(path),
            "sha256": hashlib.sha256(FILES[path]).hexdigest() if pin else None,
        }
        for name, path in (
            ("sentiment140-subset", "subset/sentiment140-subset.csv.zip"),
            ("sentiment140", "stanford/trainingandtestdata.zip"),
            ("imdb", "imdb/aclImdb_v1.tar.gz"),
        )
    }
    return parse_params({"data": {"source": source, "remotes": remotes, **extra}}).data


def test_sentiment140_subset(server, tmp_path):
    data = _data(server, "sentiment140-subset", pin=False)
    summary = download(data, tmp_path, seed=0, **FAST)
    assert summary.path == "sentiment140-subset.csv.zip" and summary.fetched
    raw = read_raw(tmp_path, data)
    assert list(raw.columns) == ["text", "label"] and len(raw) == 41
    frame, report = clean_table(raw, CleanParams(), label_map(data))
    assert report.dropped["empty"] == 1 and set(frame["label"]) == {0, 1}
    assert frame["text"].str.contains("xxuser").any() and frame["text"].str.contains("xxurl").any()


def test_sentiment140_full_latin1_0_4(server, tmp_path):
    data = _data(server, "sentiment140")
    download(data, tmp_path, seed=0, **FAST)
    raw = read_raw(tmp_path, data)
    assert len(raw) == 41 and set(raw["label"]) == {
        "0",
        "4",
    }  # training file only, test file ignored
    assert raw["text"].str.contains("café").any()  # latin-1 decoded
    frame, report = clean_table(raw, CleanParams(), label_map(data))
    assert report.dropped["duplicate"] == 1 and report.dropped["unknown_label"] == 0
    assert frame["label"].value_counts().to_dict() == {1: 20, 0: 20}
    assert not frame["text"].str.contains("sooo|&amp;").any()


def test_imdb_keeps_its_split_and_ignores_unsup(server, tmp_path):
    data = _data(server, "imdb")
    manifest = download(data, tmp_path, seed=0, **FAST)
    raw = read_raw(tmp_path, data)
    assert (
        len(raw) == 40
        and raw.groupby(["split", "label"], observed=True).size().tolist() == [10] * 4
    )
    frame, _ = clean_table(raw, CleanParams(), label_map(data))
    assert not frame["text"].str.contains("<br|<i>|&amp;").any()
    written = json.loads((tmp_path / "manifest.json").read_text())
    assert written["members"] == 40 + 5 + 4 and written["sha256"] == manifest.sha256


def test_manifest_and_no_refetch_of_verified_data(server, tmp_path):
    data = _data(server, "sentiment140")
    first = download(data, tmp_path, seed=0, **FAST)
    n = len(server.requests)
    again = download(data, tmp_path, seed=0, **FAST)
    assert len(server.requests) == n and not again.fetched and again.sha256 == first.sha256
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert set(manifest) >= {"source", "url", "bytes", "sha256", "time", "path"}
    assert manifest["url"] == server.url("stanford/trainingandtestdata.zip")
    assert manifest["bytes"] == len(FILES["stanford/trainingandtestdata.zip"])
    (tmp_path / "trainingandtestdata.zip").write_bytes(b"tampered")
    assert download(data, tmp_path, seed=0, **FAST).fetched  # not verified any more: fetched again


def test_checksum_mismatch_and_404_keep_nothing(server, tmp_path):
    data = parse_params(
        {
            "data": {
                "source": "imdb",
                "remotes": {
                    "imdb": {"url": server.url("imdb/aclImdb_v1.tar.gz"), "sha256": "ab" * 32}
                },
            }
        }
    ).data
    with pytest.raises(
        ChecksumError,
        match=f"expected {'ab' * 32}, got {hashlib.sha256(FILES['imdb/aclImdb_v1.tar.gz']).hexdigest()}",
    ):
        download(data, tmp_path, seed=0, **FAST)
    data = parse_params(
        {"data": {"source": "imdb", "remotes": {"imdb": {"url": server.url("nope.tar.gz")}}}}
    ).data
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(data, tmp_path, seed=0, **FAST)
    assert list(tmp_path.iterdir()) == []


def test_unsafe_or_broken_archive_is_deleted(server, tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../evil.csv", "polarity,text\n1,x\n")
    server.files["evil.zip"] = buf.getvalue()
    server.files["cut.zip"] = FILES["stanford/trainingandtestdata.zip"][:700]
    for name, match in (("evil.zip", "escapes"), ("cut.zip", "truncated or corrupt")):
        data = parse_params(
            {
                "data": {
                    "source": "sentiment140",
                    "remotes": {"sentiment140": {"url": server.url(name)}},
                }
            }
        ).data
        with pytest.raises(ArchiveError, match=match):
            download(data, tmp_path, seed=0, **FAST)
        assert not (tmp_path / "trainingandtestdata.zip").exists()


def test_decompression_bomb_cap_applies_to_downloads(server, tmp_path):
    data = _data(server, "sentiment140")
    with pytest.raises(ArchiveError, match="more than the cap"):
        download(data, tmp_path, seed=0, limits=Limits(max_bytes=1000), **FAST)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet", "csv.gz", "zip"])
def test_csv_source_formats_from_a_local_path(tmp_path, fmt):
    table = pd.DataFrame(
        {
            "review": ["good film", "bad film", "great", "awful"],
            "sentiment": ["positive", "negative", "positive", "negative"],
        }
    )
    src = tmp_path / f"reviews.{fmt}"
    if fmt == "parquet":
        table.to_parquet(src)
    elif fmt == "zip":
        with zipfile.ZipFile(src, "w") as zf:
            zf.writestr("__MACOSX/._reviews.csv", "junk")
            zf.writestr("reviews.csv", table.to_csv(index=False))
    elif fmt == "csv.gz":
        src.write_bytes(gzip.compress(table.to_csv(index=False).encode()))
    else:
        src.write_text(table.to_csv(index=False, sep="\t" if fmt == "tsv" else ","))
    data = parse_params(
        {
            "data": {
                "source": "csv",
                "path": str(src),
                "text_column": "review",
                "label_column": "sentiment",
            }
        }
    ).data
    download(data, tmp_path / "raw", seed=0)
    frame, report = clean_table(read_raw(tmp_path / "raw", data), CleanParams(), label_map(data))
    assert frame["label"].tolist() == [1, 0, 1, 0] and report.label_map["positive"] == 1


def test_csv_source_from_a_url_with_optional_checksum(server, tmp_path):
    body = "text,label\nnice one,pos\nnot nice,neg\n".encode()
    server.files["files/my%20data.csv"] = body
    server.files["files/my data.csv"] = body
    data = parse_params({"data": {"source": "csv", "path": server.url("files/my%20data.csv")}}).data
    summary = download(data, tmp_path, seed=0, **FAST)
    assert summary.path == "csv.csv" and read_raw(tmp_path, data)["label"].tolist() == [
        "pos",
        "neg",
    ]
    data = parse_params(
        {"data": {"source": "csv", "path": server.url("files/my%20data.csv"), "sha256": "00" * 32}}
    ).data
    with pytest.raises(ChecksumError):
        download(data, tmp_path / "other", seed=0, **FAST)


def test_undecodable_bytes_stop_auto_and_are_counted_with_utf8(tmp_path):
    src = tmp_path / "mixed.csv"
    src.write_bytes("text,label\ngood day,1\n".encode() + b"caf\xe9 bad,0\nbad day,0\n")
    data = parse_params({"data": {"source": "csv", "path": str(src)}}).data
    download(data, tmp_path / "raw", seed=0)
    with pytest.raises(
        SourceError, match=r"is not UTF-8 \(byte 0xe9 at offset 25, line 3; 1 of 4 lines"
    ):
        read_raw(tmp_path / "raw", data)
    data = parse_params({"data": {"source": "csv", "path": str(src), "encoding": "utf-8"}}).data
    _, report = clean_table(read_raw(tmp_path / "raw", data), CleanParams(), label_map(data))
    assert report.dropped["undecodable"] == 1 and report.rows_out == 2
    assert any("1 row(s) held bytes" in w for w in report.warnings)


ROWS = [("très bon film", "1"), ("nul à chier", "0"), ("ça va", "1"), ("bof", "0")]


def _table(sep=","):
    return "text" + sep + "label\n" + "".join(f'"{t}"{sep}{lab}\n' for t, lab in ROWS)


@pytest.mark.parametrize(
    "name, body, extra",
    [
        ("latin.csv", _table().encode("latin-1"), {"encoding": "latin-1"}),
        ("ansi.csv", _table().encode("cp1252"), {"encoding": "cp1252"}),
        ("bom.csv", _table().encode("utf-8-sig"), {}),
        ("u16.csv", _table().encode("utf-16"), {}),
        ("u16le.csv", _table().encode("utf-16-le"), {}),
        ("u16be.csv", _table().encode("utf-16-be"), {}),
        ("semicolon.csv", _table(";").encode(), {}),
        ("tabs.txt", _table("\t").encode(), {}),
        ("pipes.csv", _table("|").encode(), {}),
        ("semicolon-set.csv", _table(";").encode(), {"sep": ";"}),
        ("tab-by-name.csv", _table("\t").encode(), {"sep": "tab"}),
    ],
)
def test_encodings_and_separators_are_read(tmp_path, name, body, extra):
    src = tmp_path / name
    src.write_bytes(body)
    data = parse_params({"data": {"source": "csv", "path": str(src), **extra}}).data
    download(data, tmp_path / "raw", seed=0)
    raw = read_raw(tmp_path / "raw", data)
    assert raw["text"].tolist() == [t for t, _ in ROWS]


def test_a_latin1_file_names_the_file_the_byte_and_the_setting(tmp_path):
    src = tmp_path / "x.csv"
    src.write_bytes(_table().encode("latin-1"))
    data = parse_params({"data": {"source": "csv", "path": str(src)}}).data
    download(data, tmp_path / "raw", seed=0)
    with pytest.raises(SourceError) as err:
        read_raw(tmp_path / "raw", data)
    message = str(err.value)
    assert message.startswith(f"{src} is not UTF-8 (byte 0xe8 at offset 14")
    assert "data.encoding: cp1252" in message and "data/raw" not in message


def test_a_wrong_separator_setting_is_named(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text(_table(";"))
    data = parse_params({"data": {"source": "csv", "path": str(src), "sep": ","}}).data
    download(data, tmp_path / "raw", seed=0)
    with pytest.raises(SourceError, match="data.sep=','"):
        read_raw(tmp_path / "raw", data)


@pytest.mark.parametrize("name", ["sheet.xlsx", "rows.json", "rows.jsonl", "old.xls"])
def test_unsupported_formats_say_which_are_read(tmp_path, name):
    (tmp_path / name).write_bytes(b"PK\x03\x04 not a table")
    data = parse_params({"data": {"source": "csv", "path": str(tmp_path / name)}}).data
    with pytest.raises(SourceError, match="files are not read; the csv source reads CSV, TSV"):
        download(data, tmp_path / "raw", seed=0)
    assert not (tmp_path / "raw" / "manifest.json").exists()


def test_an_excel_workbook_under_a_csv_name_is_recognised(tmp_path):
    src = tmp_path / "export.csv"
    with zipfile.ZipFile(src, "w") as zf:
        zf.writestr("[Content_Types].xml", "<x/>")
        zf.writestr("xl/workbook.xml", "<x/>")
    data = parse_params({"data": {"source": "csv", "path": str(src)}}).data
    download(data, tmp_path / "raw", seed=0)
    with pytest.raises(SourceError, match="is an Excel workbook; the csv source reads"):
        read_raw(tmp_path / "raw", data)


def test_a_huge_one_line_file_gives_a_short_message_naming_the_users_file(tmp_path):
    src = tmp_path / "one-line.csv"
    src.write_text("x" * 5_000_000 + "\n")
    data = parse_params({"data": {"source": "csv", "path": str(src)}}).data
    download(data, tmp_path / "raw", seed=0)
    with pytest.raises(SourceError) as err:
        read_raw(tmp_path / "raw", data)
    assert len(str(err.value)) < 500 and str(src) in str(err.value)
    assert "4999" in str(err.value)  # says how much was left out


def test_missing_local_file_and_wrong_columns_are_clear(tmp_path):
    with pytest.raises(SourceError, match="file not found"):
        download(
            parse_params({"data": {"source": "csv", "path": str(tmp_path / "no.csv")}}).data,
            tmp_path,
            0,
        )
    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    data = parse_params({"data": {"source": "csv", "path": str(tmp_path / "t.csv")}}).data
    download(data, tmp_path / "raw", 0)
    with pytest.raises(SourceError, match="missing column"):
        read_raw(tmp_path / "raw", data)


def test_csv_split_column_names_the_split_and_odd_values_are_listed(tmp_path):
    src = tmp_path / "sst.csv"
    pd.DataFrame(
        {
            "text": ["good", "bad", "fine", "awful", "nice"],
            "label": [1, 0, 1, 0, 1],
            "part": ["train", "TRAIN ", "dev", "test", "validation"],
        }
    ).to_csv(src, index=False)
    data = parse_params({"data": {"source": "csv", "path": str(src), "split_column": "part"}}).data
    download(data, tmp_path / "raw", seed=0)
    assert read_raw(tmp_path / "raw", data)["split"].tolist() == [
        "train",
        "train",
        "val",
        "test",
        "val",
    ]
    src.write_text("text,label,part\ngood,1,train\nbad,0,holdout\nok,1,\n")
    download(data, tmp_path / "raw2", seed=0)
    with pytest.raises(SourceError, match=r"name no split: \{'holdout': 1, '<empty>': 1\}"):
        read_raw(tmp_path / "raw2", data)
    missing = parse_params(
        {"data": {"source": "csv", "path": str(src), "split_column": "fold"}}
    ).data
    with pytest.raises(SourceError, match=r"missing column\(s\) \['fold'\]"):
        read_raw(tmp_path / "raw2", missing)
