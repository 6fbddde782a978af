from pathlib import Path

import pytest

from birnn.config import ParamsError, load_params, parse_params, parse_variant, variant_name
from conftest import REPO


def test_repo_params_file_is_valid_and_selects_twelve_bidirectional_variants():
    params = load_params(REPO / "params.yaml")
    names = params.variant_names()
    assert len([n for n in names if not n.endswith("-uni")]) == 12
    assert [n for n in names if n.endswith("-uni")] == [
        f"{c}-uni" for c in params.variants.unidirectional
    ]
    assert params.data.source == "builtin"


def test_unknown_key_is_named(tmp_path: Path):
    path = tmp_path / "params.yaml"
    path.write_text("train:\n  epoch: 3\n")
    with pytest.raises(ParamsError, match=r"train\.epoch: unknown key"):
        load_params(path)


def test_wrong_type_is_named():
    with pytest.raises(ParamsError, match=r"train\.batch_size"):
        parse_params({"train": {"batch_size": "big"}})


@pytest.mark.parametrize(
    "raw, key",
    [
        ({"split": {"test_size": 0.5, "val_size": 0.5}}, "split"),
        ({"variants": {"cells": []}}, "variants.cells"),
        ({"variants": {"cells": ["transformer"]}}, "variants.cells.0"),
        ({"variants": {"merge_modes": ["max"]}}, "variants.merge_modes.0"),
        ({"split": {"max_len": 0}}, "split"),
        ({"model": {"units": 0}}, "model.units"),
        ({"train": {"learning_rate": -1}}, "train.learning_rate"),
        ({"data": {"source": "csv"}}, "data"),
        ({"data": {"source": "cumsum", "cumsum_length": 1}}, "data.cumsum_length"),
        ({"data": {"source": "cumsum", "cumsum_rows": 0}}, "data.cumsum_rows"),
    ],
)
def test_invalid_values_stop_with_the_key(raw, key):
    with pytest.raises(ParamsError) as err:
        parse_params(raw)
    assert key in str(err.value)


def test_overrides_are_validated_too(tmp_path: Path):
    path = tmp_path / "params.yaml"
    path.write_text("seed: 1\n")
    params = load_params(
        path, {"train.epochs": 3, "variants.cells": ["gru"], "variants.unidirectional": []}
    )
    assert params.train.epochs == 3 and params.variant_names() == [
        "gru-concat",
        "gru-sum",
        "gru-mul",
        "gru-ave",
    ]
    with pytest.raises(ParamsError, match="train.epochs"):
        load_params(path, {"train.epochs": 0})


def test_missing_params_file_says_where(tmp_path: Path):
    with pytest.raises(ParamsError, match="not found"):
        load_params(tmp_path / "nope.yaml")


def test_variant_names_round_trip():
    assert parse_variant(variant_name("simple_rnn", "ave")) == (
        "simple_rnn",
        "ave",
        "bidirectional",
    )
    assert parse_variant("gru-uni") == ("gru", None, "unidirectional")
    with pytest.raises(ParamsError, match="unknown variant"):
        parse_variant("lstm-max")


def test_flat_params_are_dotted():
    flat = parse_params({}).flat()
    assert flat["train.epochs"] == 6 and flat["variants.cells"] == ["lstm", "gru", "simple_rnn"]


def test_set_pairs_parse_as_yaml_and_a_missing_equals_is_a_params_error():
    from birnn.config import parse_overrides

    assert parse_overrides(["train.epochs=2", "variants.cells=[gru]", " data.path = a=b"]) == {
        "train.epochs": 2,
        "variants.cells": ["gru"],
        "data.path": "a=b",
    }
    with pytest.raises(ParamsError, match="KEY=VALUE"):
        parse_overrides(["train.epochs"])


def test_training_seeds_default_to_the_global_seed():
    assert parse_params({"seed": 11}).training_seeds() == [11]
    assert parse_params({"variants": {"seeds": [1, 2, 3]}}).training_seeds() == [1, 2, 3]
    with pytest.raises(ParamsError, match="variants.seeds"):
        parse_params({"variants": {"seeds": [1, 1]}})
    with pytest.raises(ParamsError, match="variants.seeds"):
        parse_params({"variants": {"seeds": []}})


@pytest.mark.parametrize("key", ["train", "pretrain"])
@pytest.mark.parametrize(
    "value, why",
    [
        ("1001", "less than or equal to 1000"),
        ("1.0e+9", "less than or equal to 1000"),  # how `dvc exp run -S train.epochs=1e9` writes it
        ("1.0e+23", "exceeded maximum size"),
    ],
)
def test_epochs_are_bounded_and_the_key_is_named(tmp_path: Path, key, value, why):
    path = tmp_path / "params.yaml"
    path.write_text(f"{key}:\n  epochs: {value}\n")
    with pytest.raises(ParamsError, match=rf"{key}\.epochs: .*{why}"):
        load_params(path)
    path.write_text(f"{key}:\n  epochs: 1000\n")
    assert load_params(path).model_dump()[key]["epochs"] == 1000
