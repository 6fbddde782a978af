"""The source registry: one entry per data.source the params schema allows, and a clear error
for a name it does not know."""

from typing import get_args

import pytest

from birnn.config import DataParams
from birnn.data import fingerprint
from birnn.data.sources import SOURCES, SourceError, download, label_map, source_named


def _schema_sources() -> set[str]:
    return set(get_args(DataParams.model_fields["source"].annotation))


def test_every_source_the_schema_allows_has_exactly_one_entry():
    assert _schema_sources() and set(SOURCES) == _schema_sources()


def test_an_unknown_source_is_a_clear_error_naming_the_known_ones():
    with pytest.raises(SourceError, match=r"data.source='nope' is not a known source.*builtin"):
        source_named("nope")


def test_params_that_skipped_validation_fail_on_the_source_name(tmp_path):
    data = DataParams.model_construct(source="nope")
    for call in (
        lambda: download(data, tmp_path, seed=0),
        lambda: label_map(data),
        lambda: fingerprint.labeled(data),
    ):
        with pytest.raises(SourceError, match="not a known source"):
            call()


def test_generated_sources_are_fingerprinted_by_their_params_alone():
    generated = {name for name, source in SOURCES.items() if source.generated}
    assert generated == {"builtin", "cumsum"}
    for name in generated:
        assert fingerprint.labeled(DataParams(source=name)) == {"source": name}


def test_label_maps_come_from_the_entry_unless_params_give_one():
    assert label_map(DataParams(source="sentiment140")) == {"0": 0, "4": 1}
    assert label_map(DataParams(source="imdb")) == {"neg": 0, "pos": 1}
    assert label_map(DataParams(source="csv", path="x.csv")) is None
    assert label_map(DataParams(source="imdb", label_map={"a": 1})) == {"a": 1}
