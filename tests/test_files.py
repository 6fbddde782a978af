import pytest

from birnn.files import atomic_dir, atomic_path, sha256_tree, write_json


def test_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "out.json"
    write_json(target, {"v": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    assert target.read_text().strip().endswith("}") and '"v": 1' in target.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_failed_folder_write_keeps_the_previous_folder(tmp_path):
    target = tmp_path / "model"
    with atomic_dir(target) as tmp:
        (tmp / "a").write_text("good")
    with pytest.raises(RuntimeError):
        with atomic_dir(target) as tmp:
            (tmp / "a").write_text("bad")
            raise RuntimeError("killed")
    assert (target / "a").read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_tree_hash_changes_with_content(tmp_path):
    (tmp_path / "x").write_text("1")
    first = sha256_tree(tmp_path)
    (tmp_path / "x").write_text("2")
    assert sha256_tree(tmp_path) != first
