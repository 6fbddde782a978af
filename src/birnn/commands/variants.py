"""`birnn variants`: the variants params.yaml selects, one per line."""

from __future__ import annotations


def command(args, params, layout) -> int:
    print("\n".join(params.variant_names()))
    return 0
