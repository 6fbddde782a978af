"""Every real source through the real `dvc repro split` (download -> clean -> tokenize ->
split) in a temporary copy of the repo, fetched from a local HTTP server on 127.0.0.1 that
serves generated archives with the real layouts. Training is not needed here."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess

import numpy as np
import pandas as pd
import pytest
import yaml

from integration.test_pipeline import _copy_project, _env, _run
from localserver import FileServer, imdb_tar_gz, sentiment140_subset_zip, sentiment140_zip
from projects import stages_run

pytestmark = pytest.mark.integration

FILES = {
    "dl/sentiment140-subset.csv.zip": sentiment140_subset_zip(40),
    "alecmgo/trainingandtestdata.zip": sentiment140_zip(40),
    "amaas/aclImdb_v1.tar.gz": imdb_tar_gz(30),
}
PROXY_VARS = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")


@pytest.fixture(scope="module")
def server():
    with FileServer(FILES) as srv:
        yield srv


def _remotes(server) -> dict:
    return {
        name: {"url": server.url(path), "sha256": hashlib.sha256(FILES[path]).hexdigest()}
        for name, path in (
            ("sentiment140-subset", "dl/sentiment140-subset.csv.zip"),
            ("sentiment140", "alecmgo/trainingandtestdata.zip"),
            ("imdb", "amaas/aclImdb_v1.tar.gz"),
        )
    }


def _project(tmp_path, data: dict, split: dict | None = None):
    root = _copy_project(tmp_path / "project")
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["data"].update(data)
    params["split"].update(split or {})
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = {k: v for k, v in _env(root).items() if k not in PROXY_VARS}
    return root, env


def _outputs(root):
    report = json.loads((root / "reports" / "clean_report.json").read_text())
    manifest = json.loads((root / "data" / "raw" / "manifest.json").read_text())
    parts = {
        name: np.load(root / "data" / "processed" / f"{name}.npz")
        for name in ("train", "val", "test")
    }
    return report, manifest, parts


@pytest.mark.parametrize("source, rows_out", [("sentiment140-subset", 80), ("sentiment140", 80)])
def test_sentiment140_sources(server, tmp_path, source, rows_out):
    root, env = _project(tmp_path, {"source": source, "remotes": _remotes(server)})
    _run(["dvc", "repro", "split"], root, env, timeout=300)
    report, manifest, parts = _outputs(root)
    assert report["rows_out"] == rows_out and report["label_counts"] == {"0": 40, "1": 40}
    assert manifest["source"] == source and manifest["url"].startswith("http://127.0.0.1:")
    assert sum(len(p["y"]) for p in parts.values()) == rows_out
    tokens = pd.read_parquet(root / "data" / "interim" / "tokens.parquet")["tokens"].explode()
    assert {"xxuser", "xxurl", "soo"} <= set(tokens)


def test_imdb_with_its_given_split_and_max_rows(server, tmp_path):
    root, env = _project(
        tmp_path,
        {"source": "imdb", "remotes": _remotes(server), "max_rows": 100},
        {"strategy": "given"},
    )
    _run(["dvc", "repro", "split"], root, env, timeout=300)
    report, manifest, parts = _outputs(root)
    assert report["rows_out"] == 100 and report["split_counts"] == {"test": 50, "train": 50}
    assert report["dropped"]["sampled_out"] == 20
    assert len(parts["test"]["y"]) == 50 and len(parts["train"]["y"]) + len(parts["val"]["y"]) == 50
    assert manifest["members"] == 120 + 5 + 4
    # a second repro finds everything up to date
    assert stages_run(_run(["dvc", "repro", "split"], root, env).stdout) == {"source"}


def _reviews(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    words = {"positive": ["great", "loved", "superb"], "negative": ["awful", "boring", "hated"]}
    rows = [
        (f"review {i} was {rng.choice(words[s])} {rng.choice(words[s])}", s)
        for i, s in enumerate(["positive", "negative"] * (n // 2))
    ]
    return pd.DataFrame(rows, columns=["review", "sentiment"])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_users_own_file_with_dvc_exp_run(tmp_path, fmt):
    src = tmp_path / f"reviews.{fmt}"
    table = _reviews()
    table.to_parquet(src) if fmt == "parquet" else table.to_csv(src, index=False)
    root, env = _project(tmp_path, {})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=root, check=True, env=env)
    # the README's command, positive/negative mapped without data.label_map
    _run(
        [
            "dvc",
            "exp",
            "run",
            "split",
            "-S",
            "data.source=csv",
            "-S",
            f"data.path={src}",
            "-S",
            "data.text_column=review",
            "-S",
            "data.label_column=sentiment",
        ],
        root,
        env,
        timeout=300,
    )
    report, manifest, parts = _outputs(root)
    assert report["rows_out"] == 60 and report["label_map"] == {"negative": 0, "positive": 1}
    assert manifest["path"] == f"csv.{fmt}" and manifest["url"] == src.resolve().as_uri()
    assert sum(len(p["y"]) for p in parts.values()) == 60


def test_a_file_edited_in_place_is_read_again_and_an_unchanged_one_is_not(tmp_path):
    src = tmp_path / "reviews.csv"
    _reviews(60).to_csv(src, index=False)
    root, env = _project(
        tmp_path,
        {"source": "csv", "path": str(src), "text_column": "review", "label_column": "sentiment"},
    )
    _run(["dvc", "repro", "split"], root, env, timeout=300)
    again = _run(["dvc", "repro", "split"], root, env, timeout=300)
    assert "Running stage 'source'" in again.stdout
    assert "Running stage 'download'" not in again.stdout, "nothing changed: nothing re-runs"
    _reviews(40).to_csv(src, index=False)  # same path, new content
    edited = _run(["dvc", "repro", "split"], root, env, timeout=300)
    assert "Running stage 'download'" in edited.stdout
    report, _, parts = _outputs(root)
    assert report["rows_out"] == 40 and sum(len(p["y"]) for p in parts.values()) == 40
    # every label flipped in place: same size, same inode, the modification time set back
    before = src.stat()
    swap = {b"positive": b"negative", b"negative": b"positive"}  # the texts use neither word
    flipped = re.sub(rb"positive|negative", lambda m: swap[m.group()], src.read_bytes())
    with open(src, "r+b") as fh:
        fh.write(flipped)
    os.utime(src, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (src.stat().st_size, src.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert stages_run(_run(["dvc", "repro", "split"], root, env, timeout=300).stdout) >= {
        "download",
        "split",
    }
    assert (root / "data" / "raw" / "csv.csv").read_bytes() == src.read_bytes()


def test_a_bad_param_stops_the_run_before_any_output_is_deleted(tmp_path):
    root, env = _project(tmp_path, {"builtin_size": 300})
    _run(["dvc", "repro", "split"], root, env, timeout=300)
    before = sorted(p.name for p in (root / "data" / "processed").iterdir())
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["split"]["val_size"] = "abc"
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    failed = _run(["dvc", "repro", "split"], root, env, ok=False, timeout=300)
    assert failed.returncode != 0
    assert "split.val_size" in failed.stdout + failed.stderr
    assert "Running stage 'split'" not in failed.stdout
    assert sorted(p.name for p in (root / "data" / "processed").iterdir()) == before
