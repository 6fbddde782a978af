"""archives: untrusted zip / tar.gz input is checked before use."""

import io
import stat
import tarfile
import zipfile

import pytest

from birnn.data.archives import (
    ArchiveError,
    Limits,
    extract,
    iter_files,
    kind,
    members,
    open_member,
    safe_name,
)
from localserver import imdb_tar_gz, sentiment140_zip


def _zip(tmp_path, entries, name="a.zip"):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry in entries:
            if isinstance(entry, zipfile.ZipInfo):
                zf.writestr(entry, entry.comment or b"")
            else:
                zf.writestr(*entry)
    return path


def _tar(tmp_path, entries, name="a.tar.gz"):
    """entries: (name, bytes) for files, or a prepared TarInfo for links/devices."""
    path = tmp_path / name
    with tarfile.open(path, "w:gz") as tf:
        for entry in entries:
            if isinstance(entry, tarfile.TarInfo):
                tf.addfile(entry)
            else:
                info = tarfile.TarInfo(entry[0])
                info.size = len(entry[1])
                tf.addfile(info, io.BytesIO(entry[1]))
    return path


def _link(name, target, hard=False):
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    return info


def test_real_layouts_are_listed_and_read(tmp_path):
    (tmp_path / "s.zip").write_bytes(sentiment140_zip(5))
    (tmp_path / "i.tar.gz").write_bytes(imdb_tar_gz(3))
    assert kind(tmp_path / "s.zip") == "zip" and kind(tmp_path / "i.tar.gz") == "tar"
    assert {m.name for m in members(tmp_path / "s.zip")} == {
        "training.1600000.processed.noemoticon.csv",
        "testdata.manual.2009.06.14.csv",
    }
    pos = dict(iter_files(tmp_path / "i.tar.gz", lambda n: n.startswith("aclImdb/test/pos/")))
    assert len(pos) == 3 and all(v.startswith(b"test review") for v in pos.values())
    with open_member(tmp_path / "s.zip", "testdata.manual.2009.06.14.csv") as fh:
        assert fh.read().startswith(b'"2","14678')


def test_plain_gzip_file_is_not_an_archive(tmp_path):
    import gzip

    (tmp_path / "t.csv.gz").write_bytes(gzip.compress(b"text,label\na,1\n"))
    (tmp_path / "t.csv").write_text("text,label\n")
    assert kind(tmp_path / "t.csv.gz") is None and kind(tmp_path / "t.csv") is None


@pytest.mark.parametrize(
    "bad", ["../evil.txt", "a/../../evil.txt", "/etc/passwd", "C:/win.ini", "..\\evil.txt"]
)
def test_zip_slip_members_are_refused(tmp_path, bad):
    path = _zip(tmp_path, [("ok.txt", "fine"), (bad, "owned")])
    with pytest.raises(ArchiveError, match="escapes|absolute"):
        members(path)
    with pytest.raises(ArchiveError):
        extract(path, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "evil.txt").exists()


def test_tar_slip_members_are_refused(tmp_path):
    with pytest.raises(ArchiveError, match="escapes"):
        members(_tar(tmp_path, [("aclImdb/ok.txt", b"ok"), ("aclImdb/../../evil.txt", b"x")]))
    with pytest.raises(ArchiveError, match="absolute"):
        members(_tar(tmp_path, [("/tmp/evil.txt", b"x")], "b.tar.gz"))


@pytest.mark.parametrize(
    "link",
    [
        _link("aclImdb/link", "/etc/passwd"),
        _link("aclImdb/link", "../../etc/passwd"),
        _link("aclImdb/sub/link", "../../../x"),
        _link("aclImdb/hard", "../outside", hard=True),
        _link("aclImdb/hard", "/etc/shadow", hard=True),
    ],
)
def test_links_pointing_outside_are_refused(tmp_path, link):
    path = _tar(tmp_path, [("aclImdb/a.txt", b"a"), link])
    with pytest.raises(ArchiveError, match="points outside"):
        members(path)
    with pytest.raises(ArchiveError, match="points outside"):
        list(iter_files(path, lambda n: True))


def test_links_inside_are_allowed_but_never_followed(tmp_path):
    path = _tar(
        tmp_path,
        [("d/a.txt", b"a"), _link("d/b.txt", "a.txt"), _link("d/c.txt", "d/a.txt", hard=True)],
    )
    assert [m.name for m in members(path)] == ["d/a.txt"]
    extract(path, tmp_path / "out")
    assert [p.name for p in (tmp_path / "out" / "d").iterdir()] == ["a.txt"]


def test_zip_symlink_member_pointing_outside_is_refused(tmp_path):
    info = zipfile.ZipInfo("data/link.csv")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    info.comment = b""
    path = tmp_path / "l.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("data/ok.csv", "a,b\n")
        zf.writestr(info, "../../../etc/passwd")
    with pytest.raises(ArchiveError, match="symlink 'data/link.csv'.*points outside"):
        members(path)


def test_device_members_are_refused(tmp_path):
    dev = tarfile.TarInfo("aclImdb/dev")
    dev.type = tarfile.CHRTYPE
    with pytest.raises(ArchiveError, match="device"):
        members(_tar(tmp_path, [dev]))


def test_decompression_bomb_is_capped(tmp_path):
    zeros = b"\0" * 5_000_000  # compresses to a few kB
    path = _zip(tmp_path, [("bomb.csv", zeros), ("more.csv", zeros)])
    assert path.stat().st_size < 50_000
    with pytest.raises(ArchiveError, match="more than the cap|more than"):
        members(path, Limits(max_bytes=8_000_000))
    tar = _tar(tmp_path, [("bomb.csv", zeros), ("more.csv", zeros)])
    with pytest.raises(ArchiveError, match="cap|more than"):
        list(iter_files(tar, lambda n: True, Limits(max_bytes=8_000_000)))
    assert len(members(path, Limits(max_bytes=10_000_000))) == 2


def test_member_count_is_capped(tmp_path):
    path = _zip(tmp_path, [(f"f{i}.txt", "x") for i in range(20)])
    with pytest.raises(ArchiveError, match="more than 10 members"):
        members(path, Limits(max_members=10))
    tar = _tar(tmp_path, [(f"f{i}.txt", b"x") for i in range(20)])
    with pytest.raises(ArchiveError, match="more than 10 members"):
        members(tar, Limits(max_members=10))


@pytest.mark.parametrize("make, name", [(sentiment140_zip, "s.zip"), (imdb_tar_gz, "i.tar.gz")])
@pytest.mark.parametrize("keep", [0.5, 0.98])
def test_truncated_archive_is_reported_clearly(tmp_path, make, name, keep):
    data = make(20)
    path = tmp_path / name
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(ArchiveError, match=f"{name}: truncated or corrupt"):
        members(path)


def test_corrupt_zip_data_is_reported(tmp_path):
    data = bytearray(sentiment140_zip(20))
    data[200:260] = b"\xff" * 60  # inside the first member's compressed bytes
    (tmp_path / "c.zip").write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="truncated or corrupt"):
        members(tmp_path / "c.zip")


def test_not_an_archive(tmp_path):
    (tmp_path / "x.zip").write_text("<html>rate limited</html>")
    with pytest.raises(ArchiveError, match="not a zip or tar"):
        members(tmp_path / "x.zip")


def test_safe_name_normalises():
    assert safe_name("./aclImdb//train/pos/1_9.txt") == "aclImdb/train/pos/1_9.txt"
    with pytest.raises(ArchiveError, match="escapes"):  # any '..' part, even one that stays inside
        safe_name("a/b/../c.txt")
