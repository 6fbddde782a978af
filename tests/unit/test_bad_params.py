"""Every bad-params case of the robustness issue stops with a ParamsError naming the key
(and, through the CLI, exit code 2 and one readable message, no traceback)."""

from pathlib import Path

import pytest

from birnn.cli import main
from birnn.config import ParamsError, load_params, parse_params


@pytest.mark.parametrize(
    "raw, named",
    [
        # unknown keys, at any depth
        ({"trian": {"epochs": 2}}, "trian: unknown key"),
        ({"train": {"epoch": 2}}, "train.epoch: unknown key"),
        (
            {"data": {"remotes": {"imdb": {"url": "http://x", "sha": "0"}}}},
            "data.remotes.imdb.sha: unknown key",
        ),
        # wrong types
        ({"train": {"epochs": "many"}}, "train.epochs"),
        ({"train": {"epochs": 2.5}}, "train.epochs"),
        ({"train": {"epochs": True}}, "train.epochs"),  # a boolean is not 1
        ({"split": {"max_len": True}}, "split.max_len"),
        ({"variants": {"cells": "lstm"}}, "variants.cells"),
        ({"train": None}, "train"),
        ({"seed": None}, "seed"),
        ({"seed": -1}, "seed"),
        ({"data": {"encoding": "klingon-8"}}, "data.encoding"),
        ({"data": {"sep": ";;"}}, "data.sep"),
        ({"compare": {"metric": "f2"}}, "compare.metric"),
        ({"seed": 2**32}, "seed"),
        ({"variants": {"seeds": [1, -2]}}, "variants.seeds.1"),
        ({"data": {"label_map": {"neg": 0, "pos": 2}}}, "data.label_map.pos"),
        # negative or zero sizes
        ({"data": {"builtin_size": 0}}, "data.builtin_size"),
        ({"data": {"builtin_size": -5}}, "data.builtin_size"),
        ({"data": {"builtin_size": 10**20}}, "data.builtin_size"),  # OverflowError, unbounded
        ({"data": {"builtin_size": 2 * 10**9}}, "data.builtin_size"),  # MemoryError, unbounded
        ({"data": {"cumsum_rows": 10**20}}, "data.cumsum_rows"),
        ({"data": {"max_rows": 0}}, "data.max_rows"),
        ({"split": {"vocab_size": 2}}, "split.vocab_size"),
        ({"split": {"max_len_cap": 0}}, "split.max_len_cap"),
        ({"model": {"embedding_dim": 0}}, "model.embedding_dim"),
        ({"model": {"units": -1}}, "model.units"),
        ({"model": {"layers": 0}}, "model.layers"),
        ({"train": {"epochs": 0}}, "train.epochs"),
        ({"train": {"batch_size": 0}}, "train.batch_size"),
        ({"train": {"learning_rate": 0}}, "train.learning_rate"),
        ({"train": {"learning_rate": float("nan")}}, "train.learning_rate"),
        ({"clean": {"min_tokens": 0}}, "clean.min_tokens"),
        ({"clean": {"max_chars": 0}}, "clean.max_chars"),
        # ratios that leave no training rows
        ({"split": {"test_size": 0.5, "val_size": 0.5}}, "leaves no training rows"),
        ({"split": {"test_size": 0.7, "val_size": 0.6}}, "leaves no training rows"),
        ({"split": {"test_size": 0}}, "split.test_size"),
        ({"split": {"val_size": 1}}, "split.val_size"),
        # empty or repeated variant lists
        ({"variants": {"cells": []}}, "variants.cells"),
        ({"variants": {"merge_modes": []}}, "variants.merge_modes"),
        ({"variants": {"cells": ["gru", "gru"]}}, "listed more than once"),
        # unknown cell or merge mode
        ({"variants": {"cells": ["transformer"]}}, "variants.cells.0"),
        ({"variants": {"unidirectional": ["lstm", "cnn"]}}, "variants.unidirectional.1"),
        ({"variants": {"merge_modes": ["concat", "max"]}}, "variants.merge_modes.1"),
        # max length 0 (or negative, or a fraction)
        ({"split": {"max_len": 0}}, "split.max_len"),
        ({"split": {"max_len": -3}}, "split.max_len"),
        ({"split": {"max_len": 0.5}}, "split.max_len"),
        # a source without what it needs
        ({"data": {"source": "csv"}}, "data.path"),
        ({"data": {"source": "kaggle"}}, "data.source"),
        ({"data": {"proxy": "socks5://p:1080"}}, "data.proxy"),
        ({"data": {"sha256": "abc"}}, "data.sha256"),
    ],
)
def test_bad_params_name_the_key(raw, named):
    with pytest.raises(ParamsError) as err:
        parse_params(raw)
    assert named in str(err.value)


def test_several_mistakes_are_reported_together():
    with pytest.raises(ParamsError) as err:
        parse_params({"train": {"epochs": 0, "batch_sise": 8}, "model": {"units": 0}})
    message = str(err.value)
    assert "3 invalid param(s)" in message
    assert all(
        k in message for k in ("train.epochs", "train.batch_sise: unknown key", "model.units")
    )


def test_yaml_label_map_with_numeric_keys_is_read_as_text():
    # `label_map: {0: 0, 4: 1}` is how people write it in YAML; it used to be rejected
    assert parse_params({"data": {"label_map": {0: 0, 4: 1}}}).data.label_map == {"0": 0, "4": 1}


def test_not_a_mapping_and_not_yaml(tmp_path: Path):
    path = tmp_path / "params.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ParamsError, match="expected a mapping"):
        load_params(path)
    path.write_text("train: {epochs: [1\n")
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_params(path)


def test_cli_prints_one_clear_error_and_exits_2(tmp_path: Path, capsys):
    path = tmp_path / "params.yaml"
    path.write_text("split:\n  test_size: 0.6\n  val_size: 0.5\nvariants:\n  cells: [lstm, rnn]\n")
    assert main(["--params", str(path), "--root", str(tmp_path), "variants"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert "variants.cells.1" in err and "leaves no training rows" in err
    assert (
        main(
            [
                "--params",
                str(path),
                "--set",
                "split.test_size=0.2",
                "--set",
                "variants.cells=[gru]",
                "variants",
            ]
        )
        == 0
    )


def _alias_bomb(levels: int) -> str:
    """variants.cells as YAML anchors each used ten times by the next: 10**levels values."""
    nested = ["&a0 [" + ", ".join(["lstm"] * 10) + "]"]
    for level in range(1, levels):
        nested.append(f"&a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return "variants:\n  cells: [" + ", ".join(nested) + "]\n"


@pytest.mark.parametrize(
    "text, says",
    [
        (_alias_bomb(6), "expands to more than 100,000 values"),
        (_alias_bomb(7), "expands to more than 100,000 values"),
        (_alias_bomb(9), "expands to more than 100,000 values"),
        ("variants:\n  cells: &me [gru, *me]\n", "a YAML alias refers to itself"),
        ("seed: " + "[" * 40 + "]" * 40 + "\n", "nested deeper than 32 levels"),
        ("seed: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ],
)
def test_params_that_expand_beyond_any_params_file_stop_at_once(tmp_path, capsys, text, says):
    import time

    path = tmp_path / "params.yaml"
    path.write_text(text)
    started = time.monotonic()
    assert main(["--params", str(path), "variants"]) == 2
    err = capsys.readouterr().err
    assert time.monotonic() - started < 5
    assert err.startswith(f"error: {path}: ") and says in err and len(err.splitlines()) == 1


def test_an_alias_bomb_in_a_set_value_stops_too(capsys):
    bomb = _alias_bomb(7).split("cells: ")[1].strip()
    assert main(["--set", f"variants.cells={bomb}", "variants"]) == 2
    assert "--set variants.cells: expands to more than" in capsys.readouterr().err


def test_aliases_a_params_file_uses_sensibly_still_load(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text("variants:\n  cells: &cells [gru]\n  unidirectional: *cells\n")
    assert load_params(path).variants.unidirectional == ["gru"]
