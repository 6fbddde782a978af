"""Security checks over the source tree: nothing unpickled, Keras models loaded in safe mode,
servers bound to loopback by default, credentials kept out of manifests, MLflow params and logs."""

from __future__ import annotations

import ast
import json
import logging
import re

import pytest

from birnn.config import parse_params
from birnn.layout import Layout
from birnn.redact import redact
from conftest import REPO

SOURCES = (
    sorted((REPO / "src").rglob("*.py"))
    + sorted((REPO / "flows").glob("*.py"))
    + sorted((REPO / "benchmarks").glob("*.py"))
)
UNSAFE_MODULES = {"pickle", "cPickle", "dill", "joblib", "shelve", "marshal", "cloudpickle"}
UNSAFE_CALLS = {
    "pickle.load",
    "pickle.loads",
    "joblib.load",
    "torch.load",
    "marshal.loads",
    "dill.load",
    "dill.loads",
    "shelve.open",
    "yaml.load",
    "yaml.unsafe_load",
    "pd.read_pickle",
    "pandas.read_pickle",
    "eval",
    "exec",
}

# np.load relying on numpy's default allow_pickle=False (safe, but not explicit): TODO for its owner
PENDING: set[str] = set()


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node, ast.unparse(node.func)


def _kw(call: ast.Call, name: str):
    for kw in call.keywords:
        if kw.arg == name:
            return ast.literal_eval(kw.value) if isinstance(kw.value, ast.Constant) else ...
    return None


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_unpickling_anywhere(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + (
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            )
            hits = {n.split(".")[0] for n in names} & UNSAFE_MODULES
            if hits:
                problems.append(f"line {node.lineno}: imports {sorted(hits)}")
    for call, name in _calls(tree):
        if name in UNSAFE_CALLS or name.endswith((".read_pickle", "pickle.load", "pickle.loads")):
            problems.append(f"line {call.lineno}: {name}()")
        if name in ("np.load", "numpy.load") and _kw(call, "allow_pickle") is not False:
            # numpy's default is False, so a missing argument is safe today; demand it anyway,
            # except in files whose owners still have to add it (reported, not editable here)
            if (
                _kw(call, "allow_pickle") is not None
                or path.relative_to(REPO).as_posix() not in PENDING
            ):
                problems.append(f"line {call.lineno}: np.load without allow_pickle=False")
        if (
            name.endswith("load_model")
            and ("keras" in name or "saving" in name)
            and _kw(call, "safe_mode") is not True
        ):
            problems.append(f"line {call.lineno}: {name} without safe_mode=True")
        if name.endswith("torch.load") and _kw(call, "weights_only") is not True:
            problems.append(f"line {call.lineno}: torch.load without weights_only=True")
    assert not problems, f"{path.relative_to(REPO)}: " + "; ".join(problems)


def test_the_scanner_catches_what_it_should():
    bad = "import pickle\nimport numpy as np\nnp.load('x.npy')\nkeras.saving.load_model('m')\npd.read_pickle('p')\n"
    tree = ast.parse(bad)
    names = [name for _, name in _calls(tree)]
    assert {"np.load", "keras.saving.load_model", "pd.read_pickle"} <= set(names)


def test_keras_safe_mode_refuses_code_in_a_model_file(tmp_path):
    import keras

    from birnn.modeling.model_folder import ModelFolderError
    from birnn.serving.predict import Predictor

    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
    model.save(tmp_path / "model.keras")
    (tmp_path / "vocab.json").write_text(
        json.dumps({"words": [], "max_len": 3, "truncating": "pre"})
    )
    (tmp_path / "variant.json").write_text(json.dumps({"clean": {}}))
    with pytest.raises(ModelFolderError, match="safe_mode"):
        Predictor.from_dir(tmp_path)


# --- servers bind to loopback --------------------------------------------------------------------


def test_make_ui_binds_loopback_by_default():
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^HOST \?= 127\.0\.0\.1$", makefile, re.M)
    for line in makefile.splitlines():
        if re.search(r"\b(mlflow (ui|server)|prefect server start|mlflow models serve)\b", line):
            assert "--host $(HOST)" in line or "-h $(HOST)" in line, line
    assert "0.0.0.0" not in makefile


def test_no_source_or_doc_binds_all_interfaces_by_default():
    for path in [*SOURCES, REPO / "README.md", REPO / "Makefile"]:
        text = path.read_text()
        for match in re.finditer(r"0\.0\.0\.0", text):
            context = text[max(0, match.start() - 300) : match.end() + 300].lower()
            assert "warning" in context or "expose" in context, (
                f"{path.name}: binds 0.0.0.0 without a warning"
            )
    readme = (REPO / "README.md").read_text()
    for line in readme.splitlines():
        if (
            re.search(r"(mlflow (ui|server|models serve)|prefect server start)", line)
            and "--host" in line
        ):
            assert "127.0.0.1" in line or "0.0.0.0" not in line


# --- secrets redacted ----------------------------------------------------------------------------

SECRET_URL = "https://bob:hunter2@data.example.com/reviews.csv?token=abc123&sig=zzz&page=2"


def test_redact_masks_userinfo_and_credential_query_values():
    shown = redact(SECRET_URL)
    assert "hunter2" not in shown and "abc123" not in shown and "zzz" not in shown
    assert shown == "https://***@data.example.com/reviews.csv?token=***&sig=***&page=2"


def test_mlflow_params_hide_credentials():
    params = parse_params(
        {
            "data": {"source": "csv", "path": SECRET_URL, "proxy": "http://u:proxypw@proxy:3128"},
            "tracking": {"uri": "http://ml:mlpw@mlflow.internal:5000"},
        }
    )
    flat = json.dumps(params.flat())
    for secret in ("hunter2", "abc123", "proxypw", "mlpw"):
        assert secret not in flat
    assert params.data.path == SECRET_URL  # the real value is still used for the download


def test_manifest_and_logs_hide_credentials(tmp_path, caplog):
    from birnn import stages
    from conftest import tiny_params
    from localserver import FileServer

    body = b"text,label\n" + b"".join(b"good %d,1\nbad %d,0\n" % (i, i) for i in range(20))
    with FileServer({"reviews.csv": body}) as server:
        url = server.url("reviews.csv").replace("http://", "http://bob:hunter2@") + "?token=abc123"
        params = tiny_params(data={"source": "csv", "path": url})
        with caplog.at_level(logging.DEBUG):
            stages.run_download(params, Layout(tmp_path))
    manifest = (tmp_path / "data" / "raw" / "manifest.json").read_text()
    assert "hunter2" not in manifest and "abc123" not in manifest and "***@127.0.0.1" in manifest
    assert "hunter2" not in caplog.text and "abc123" not in caplog.text


def test_download_errors_hide_credentials(tmp_path):
    from birnn.data.download import DownloadError, fetch
    from localserver import FileServer

    with FileServer() as server:
        url = (
            server.url("missing.csv").replace("http://", "http://bob:hunter2@") + "?api_key=abc123"
        )
        with pytest.raises(DownloadError) as err:
            fetch(url, tmp_path / "x.csv", retries=0, progress=False, timeout=5)
        assert (
            server.requests[0]["headers"]["Authorization"] == "Basic Ym9iOmh1bnRlcjI="
        )  # bob:hunter2
    assert (
        "HTTP 404" in str(err.value)
        and "hunter2" not in str(err.value)
        and "abc123" not in str(err.value)
    )


def test_make_ui_fails_naming_the_port_when_it_is_taken():
    import socket
    import subprocess

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            ["make", "-s", "ui", f"PORT={port}"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode != 0
    assert f"port {port} on 127.0.0.1 is taken" in done.stderr
