"""A killed training run resumes from its checkpoint and ends like an uninterrupted one."""

import json

from birnn import stages
from birnn.layout import Layout
from projects import birnn_command


def test_killed_training_resumes_and_ends_like_an_uninterrupted_run(trained, tmp_path):
    """SIGKILL a real `birnn train` process mid-run, re-run it, compare with a clean run."""
    import os
    import shutil
    import signal
    import subprocess
    import time

    import yaml

    params, layout, _ = trained
    long_run = {
        "seed": 7,
        "data": {"builtin_size": 400},
        "split": {"min_count": 1},
        # random vectors: the copied project has no pretrain stage output to read
        "model": {"embedding_dim": 8, "units": 4, "pretrained": "none"},
        "train": {
            "epochs": 12,
            "batch_size": 64,
            "patience": 12,
            "lr_patience": 0,
            "plateau_margin": None,
        },
    }
    killed, clean = Layout(tmp_path / "killed"), Layout(tmp_path / "clean")
    for target in (killed, clean):
        shutil.copytree(layout.processed_dir, target.processed_dir)
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump(long_run))
    cmd = birnn_command(params_file, killed.root, "train", "gru-concat")
    state = killed.checkpoints_dir / "gru-concat" / "state.json"
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if state.is_file() and json.loads(state.read_text())["epoch"] >= 3:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    assert proc.wait(timeout=30) == -signal.SIGKILL, "training finished before it could be killed"
    assert not (killed.model_dir("gru-concat") / "model.keras").exists()  # nothing half-written
    subprocess.run(
        cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300
    )
    resumed = json.loads((killed.model_dir("gru-concat") / "variant.json").read_text())
    assert resumed["status"] == "ok" and resumed["resumed_from_epoch"] >= 3, resumed.get("error")

    from birnn.config import parse_params

    stages.run_train(parse_params(long_run), clean, "gru-concat")
    first = json.loads((killed.model_dir("gru-concat") / "history.json").read_text())
    second = json.loads((clean.model_dir("gru-concat") / "history.json").read_text())
    assert first == second
