"""Fingerprints of the data by content: local files, pinned and unpinned remotes."""

from __future__ import annotations

import os

import pytest

from birnn.config import DataParams
from birnn.data import fingerprint
from birnn.data.sources import SourceError
from localserver import FileServer


def _fingerprinted_file(tmp_path, text: str = "text,label\na,0\n"):
    """A new file, fingerprinted once: (path, its params, the hashes kept, the fingerprint)."""
    src = tmp_path / "r.csv"
    src.write_text(text)
    data = DataParams(source="csv", path=str(src))
    hashes: dict = {}
    return src, data, hashes, fingerprint.labeled(data, hashes=hashes)


def _hashed_long_after_it_was_written(hashes: dict, src) -> None:
    known = hashes[str(src.resolve())]
    known["hashed_ns"] = known.get("hashed_ns", 0) + 10**10


def test_a_local_file_is_known_by_content_not_by_its_modification_time(tmp_path):
    src, data, hashes, first = _fingerprinted_file(tmp_path)
    os.utime(src, ns=(1, 1))  # touched, same bytes
    assert fingerprint.labeled(data, hashes=hashes) == first
    src.write_text("text,label\nb,1\n")  # edited in place, same size
    assert fingerprint.labeled(data, hashes=hashes)["sha256"] != first["sha256"]


def test_every_label_flipped_in_place_with_the_mtime_restored_is_seen(tmp_path):
    src, data, hashes, first = _fingerprinted_file(tmp_path, "text,label\ngood,1\nbad,0\n")
    _hashed_long_after_it_was_written(hashes, src)
    before = src.stat()
    with open(src, "r+b") as fh:  # same size, same inode: what an in-place editor does
        fh.write(b"text,label\ngood,0\nbad,1\n")
    os.utime(src, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert src.stat().st_size == before.st_size and src.stat().st_mtime_ns == before.st_mtime_ns
    assert fingerprint.labeled(data, hashes=hashes)["sha256"] != first["sha256"]


def test_a_file_changed_just_before_it_was_hashed_is_hashed_again(tmp_path, monkeypatch):
    # a timestamp coarser than the clock could hide a second same-size write in that moment
    src, data, hashes, _ = _fingerprinted_file(tmp_path)
    hashed = []
    monkeypatch.setattr(fingerprint, "sha256_file", lambda path: hashed.append(path) or "x")
    fingerprint.labeled(data, hashes=hashes)
    assert hashed == [src]


def test_an_unchanged_file_is_not_hashed_again(tmp_path, monkeypatch):
    src, data, hashes, _ = _fingerprinted_file(tmp_path)
    _hashed_long_after_it_was_written(hashes, src)
    monkeypatch.setattr(fingerprint, "sha256_file", lambda _: pytest.fail("hashed again"))
    fingerprint.labeled(data, hashes=hashes)


def test_a_missing_file_names_the_key_and_the_path(tmp_path):
    with pytest.raises(SourceError, match=r"data.path='nope.csv': file not found"):
        fingerprint.labeled(DataParams(source="csv", path="nope.csv"))
    with pytest.raises(SourceError, match="data.unlabeled_path"):
        fingerprint.unlabeled(DataParams(unlabeled_path=str(tmp_path / "u.csv")))


@pytest.mark.parametrize(
    "make, says",
    [
        (lambda p: p.mkdir(), r"is a directory, not a file"),
        (os.mkfifo, r"is a named pipe \(FIFO\), not a regular file.*save it to a file"),
        (lambda p: p.symlink_to(p.with_name("gone.csv")), r"is a link to .*gone.csv.*not exist"),
    ],
)
def test_a_path_that_is_not_a_file_says_what_it_is(tmp_path, make, says):
    path = tmp_path / "data.csv"
    make(path)
    for key, data in (
        ("data.path", DataParams(source="csv", path=str(path))),
        ("data.unlabeled_path", DataParams(unlabeled_path=str(path))),
    ):
        with pytest.raises(SourceError, match=rf"{key}=.*data.csv': {says}") as err:
            fingerprint.labeled(data) if key == "data.path" else fingerprint.unlabeled(data)
        assert "not found" not in str(err.value)


def test_generated_and_pinned_sources_need_no_request():
    assert fingerprint.labeled(DataParams(source="builtin")) == {"source": "builtin"}
    pinned = DataParams(source="csv", path="http://127.0.0.1:9/x.csv", sha256="AB" * 32)
    assert fingerprint.labeled(pinned)["sha256"] == "ab" * 32  # port 9: nothing listens


def test_an_unpinned_remote_is_known_by_its_validators_and_kept_when_offline():
    with FileServer({"x.csv": b"text,label\na,0\n"}) as server:
        data = DataParams(source="csv", path=server.url("x.csv"))
        first = fingerprint.labeled(data)
        assert first["checked"] and first["validators"]["ETag"]
        server.files["x.csv"] = b"text,label\nb,1\nc,0\n"
        changed = fingerprint.labeled(data, previous=first)
        assert changed["validators"] != first["validators"]
        url = server.url("x.csv")
    offline = fingerprint.labeled(DataParams(source="csv", path=url), previous=changed)
    assert offline["validators"] == changed["validators"] and offline["checked"] is False


def test_download_fetches_again_when_the_fingerprint_moved(tmp_path):
    raw, labeled = tmp_path / "raw", tmp_path / "labeled.json"
    raw.mkdir()
    (raw / "manifest.json").write_text("{}")
    labeled.write_text('{"v": 1}')
    fingerprint.remember_download(raw, labeled)
    fingerprint.forget_stale_download(raw, labeled)
    assert (raw / "manifest.json").exists(), "same fingerprint: the download is reused"
    labeled.write_text('{"v": 2}')
    fingerprint.forget_stale_download(raw, labeled)
    assert not (raw / "manifest.json").exists()
