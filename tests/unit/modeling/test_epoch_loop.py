"""The epoch loop: what a person watching training sees (one log line per epoch, real Keras,
a tiny split) and the class weights it trains with."""

import json
import logging
import re

import numpy as np
import pytest

from birnn import stages
from birnn.layout import Layout
from birnn.modeling import epoch_loop
from birnn.modeling.checkpoint import LoopState
from conftest import tiny_params

EPOCH_LINE = re.compile(
    r"^train (?P<name>\S+( seed \d+)?): epoch (?P<epoch>\d+)/(?P<total>\d+) "
    r"loss (?P<loss>\d+\.\d{4}) val_loss (?P<val_loss>\d+\.\d{4}) "
    r"val_accuracy (?P<val_accuracy>\d\.\d{4}) (?P<seconds>\d+\.\d)s ETA (?P<eta>\d+)s$"
)


def _epoch_lines(caplog) -> list[re.Match]:
    records = [r for r in caplog.records if r.name == epoch_loop.log.name]
    return [m for r in records if (m := EPOCH_LINE.match(r.getMessage()))]


def test_every_epoch_logs_variant_scores_seconds_and_eta(tmp_path, caplog):
    params = tiny_params(train={"epochs": 3, "patience": 5})
    layout = Layout(tmp_path)
    for step in (stages.run_download, stages.run_clean, stages.run_tokenize, stages.run_split):
        step(params, layout)
    with caplog.at_level(logging.INFO, logger="birnn"):
        summary = stages.run_train(params, layout, "gru-concat")
    lines = _epoch_lines(caplog)
    assert (
        [m["epoch"] for m in lines]
        == ["1", "2", "3"]
        == [str(i) for i in range(1, summary["epochs_run"] + 1)]
    )
    assert {m["name"] for m in lines} == {"gru-concat"} and {m["total"] for m in lines} == {"3"}
    assert int(lines[-1]["eta"]) == 0 and float(lines[0]["eta"]) >= 0
    recorded = json.loads((layout.model_dir("gru-concat") / "history.json").read_text())
    # the logged numbers are the recorded curve's, rounded
    assert [float(m["val_loss"]) for m in lines] == pytest.approx(recorded["val_loss"], abs=5e-5)
    # the logger is a child of "birnn": what the CLI prints and the Prefect flow forwards
    assert epoch_loop.log.parent is logging.getLogger("birnn")


def test_no_progress_bar_when_output_is_not_a_terminal(monkeypatch):
    monkeypatch.delenv("BIRNN_VERBOSE_FIT", raising=False)
    assert epoch_loop.fit_verbosity() == 0  # pytest captures stdout: not a TTY


def test_epoch_line_eta_counts_the_remaining_epochs():
    state = LoopState("f", epoch=2, seconds=8.0)
    state.history = {"loss": [0.7, 0.6], "val_loss": [0.69, 0.65], "val_accuracy": [0.5, 0.61]}
    line = epoch_loop.epoch_line("lstm-sum seed 3", state, 6, 4.04)
    assert line == (
        "train lstm-sum seed 3: epoch 2/6 loss 0.6000 val_loss 0.6500 val_accuracy 0.6100 "
        "4.0s ETA 16s"
    )


def test_class_weights_balance_a_skewed_split_and_leave_a_balanced_one_alone():
    from birnn.modeling.epoch_loop import class_weights

    skewed = np.array([0] * 80 + [1] * 20)
    # n / (2 * count): each class then weighs as much as the other in the loss
    assert class_weights(skewed, "auto") == {0: 100 / 160, 1: 100 / 40}
    assert class_weights(skewed, "balanced") == class_weights(skewed, "auto")
    assert class_weights(skewed, "none") is None
    assert class_weights(np.array([0, 1] * 50), "auto") is None
    assert class_weights(np.array([0, 1] * 50), "balanced") == {0: 1.0, 1: 1.0}
    assert class_weights(np.zeros(10), "balanced") is None  # one class only: nothing to balance
    assert class_weights(np.zeros((4, 3)), "balanced") is None  # per-timestep targets
