"""Reading params YAML (params.yaml, `--set` values) within the bounds of a params file, and
the error every params problem raises. Kept apart from the schema (config.py): this is about
the text, that is about the values."""

from __future__ import annotations

from typing import Any

import yaml

# far beyond any real params file; a YAML alias bomb expands past them
MAX_PARAM_VALUES = 100_000
MAX_PARAM_DEPTH = 32


class ParamsError(ValueError):
    """params.yaml is missing, unreadable or does not match the schema."""


def read_yaml(text: str, origin: str) -> Any:
    """YAML params text as Python values, refused when its aliases expand past what a params
    file holds: validation would walk every expanded copy (minutes, gigabytes)."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ParamsError(f"{origin}: not valid YAML: {err}") from None
    except RecursionError:
        raise ParamsError(
            f"{origin}: nested too deeply to be params; check its indentation and brackets"
        ) from None
    _count_values(value, origin, {}, depth=0)
    return value


def _count_values(value: Any, origin: str, counted: dict[int, int | None], depth: int) -> int:
    """How many values ``value`` expands to; a value shared through an alias is walked once,
    so the count costs what the file holds, not what it expands to."""
    if not isinstance(value, (dict, list)):
        return 1
    if depth > MAX_PARAM_DEPTH:
        raise ParamsError(
            f"{origin}: nested deeper than {MAX_PARAM_DEPTH} levels, which no param is; check its "
            "indentation and brackets"
        )
    key = id(value)
    if key in counted:
        if counted[key] is None:
            raise ParamsError(f"{origin}: a YAML alias refers to itself; write the value out")
        return counted[key]
    counted[key] = None  # being counted: meeting it again below means a cycle
    children = value.values() if isinstance(value, dict) else value
    total = 1 + sum(_count_values(child, origin, counted, depth + 1) for child in children)
    if total > MAX_PARAM_VALUES:
        raise ParamsError(
            f"{origin}: expands to more than {MAX_PARAM_VALUES:,} values (a YAML alias, *name, "
            "counts once per use); params hold far fewer: write the values out without nesting "
            "aliases"
        )
    counted[key] = total
    return total
