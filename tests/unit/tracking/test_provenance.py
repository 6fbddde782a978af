"""What a run came from: the splits as datasets, the commit, DVC's record, the fingerprint."""

import json
from pathlib import Path

import numpy as np
import pytest

from birnn.config import parse_params
from birnn.files import sha256_file, write_json
from birnn.tracking.provenance import dvc_hash, fingerprint

mlflow = pytest.importorskip("mlflow")


def test_parent_and_child_runs_record_the_processed_splits_and_the_commit(logged):
    params, layout, result = logged
    client = mlflow.MlflowClient(params.tracking.uri)
    children = json.loads((layout.reports_dir / "tracking.json").read_text())["children"]
    for run_id in (result["parent_run_id"], children["gru-concat"], children["tfidf-logreg"]):
        run = client.get_run(run_id)
        inputs = {d.dataset.name: d for d in run.inputs.dataset_inputs}
        assert set(inputs) == {"builtin-train", "builtin-val", "builtin-test"}
        train = inputs["builtin-train"]
        assert [t.value for t in train.tags if t.key == "mlflow.data.context"] == ["training"]
        assert train.dataset.digest == sha256_file(layout.processed_dir / "train.npz")[:16]
        rows = len(np.load(layout.processed_dir / "train.npz")["y"])
        assert json.loads(train.dataset.profile)["targets_shape"] == [rows]
        assert json.loads(train.dataset.schema)  # the arrays' dtype and shape
    parent = client.get_run(result["parent_run_id"])
    assert "mlflow.source.git.commit" in parent.data.tags and "git_commit" not in parent.data.tags


def _processed(root: Path) -> Path:
    processed = root / "data" / "processed"
    processed.mkdir(parents=True)
    (processed / "train.npz").write_bytes(b"12345")
    return processed


def test_dvc_hash_is_the_locked_md5_only_while_the_folder_matches_the_lock(tmp_path):
    import yaml

    processed = _processed(tmp_path)
    assert dvc_hash(processed) == "n/a"
    out = {"path": "data/processed", "md5": "abc.dir", "nfiles": 1, "size": 5}
    (tmp_path / "dvc.lock").write_text(yaml.safe_dump({"stages": {"split": {"outs": [out]}}}))
    assert dvc_hash(processed) == "abc.dir"
    (processed / "train.npz").write_bytes(b"123456")
    assert dvc_hash(processed) == "stale"


def test_the_fingerprint_follows_the_logged_files_and_params_but_not_promote(tmp_path):
    metrics = write_json(tmp_path / "gru-ave.json", {"accuracy": 0.5})
    params = parse_params({})
    first = fingerprint(params, [metrics])
    assert fingerprint(parse_params({"tracking": {"promote": True}}), [metrics]) == first
    assert fingerprint(parse_params({"seed": 8}), [metrics]) != first
    write_json(metrics, {"accuracy": 0.6})
    assert fingerprint(params, [metrics]) != first
