"""dvc.yaml, generated from the stage registry (birnn.pipeline): `birnn dvc-yaml` writes it,
`birnn dvc-yaml --check` says whether the checked-in file is still what the registry makes.

The text is written by hand rather than dumped, so it keeps its comments and reads like a
hand-kept dvc.yaml; per-variant and per-baseline stages keep ``matrix``/``foreach`` over
``${variants.*}`` so `dvc exp run -S variants.cells=[gru]` still selects the variants (and
``-S variants.baselines=[...]`` the baselines).
"""

from __future__ import annotations

import sys
from pathlib import Path

from birnn.files import write_text
from birnn.orchestration.closure import closure, dependency_paths
from birnn.pipeline import STAGES, UNIDIRECTIONAL_SUFFIX, Output, Stage

CLI_MODULE = "birnn.cli"  # every stage command starts here
MATRIX_VARIANT = "${item.cell}-${item.merge_mode}"
FOREACH_VARIANT = "${item}-uni"
UNIDIRECTIONAL_LIST = "${variants.unidirectional}"
BASELINE_LIST = "${variants.baselines}"

HEADER = """\
# GENERATED from the stage registry (src/birnn/pipeline.py) by `birnn dvc-yaml`: edit the
# registry, run `birnn dvc-yaml`, commit both (a test fails when they differ).
# Each stage is the plain process `bin/birnn <stage>` (the birnn on PATH, else the project's
# .venv). Its code deps are the modules its command imports (birnn.cli + birnn.stages.<stage>,
# transitively), so an edit to any module a stage runs makes exactly that stage stale.
"""

PLOTS = """\
# `dvc plots show` / `dvc plots diff`: every variant in one chart (template .dvc/plots/
# variants.json colours by variant), the chosen variant's confusion matrix, and each cell and
# merge mode against the others (the factorial answer)
plots:
  - validation accuracy per epoch:
      template: variants
      x: epoch
      y:
        reports/plots/validation_curves.csv: val_accuracy
  - validation loss per epoch:
      template: variants
      x: epoch
      y:
        reports/plots/validation_curves.csv: val_loss
  - confusion matrix of the chosen variant (test split):
      template: confusion
      x: predicted
      y:
        reports/plots/confusion.csv: actual
  - each cell and merge mode minus the mean of the others (test, the ranking metric):
      template: bar_horizontal
      x: estimate
      y:
        reports/plots/effects.csv: level
"""


def code_deps(stage: Stage, root: Path) -> list[str]:
    """The source files (or whole sub-packages) the stage's command imports, under root/src."""
    src = root / "src"
    return dependency_paths(closure([CLI_MODULE, stage.entry], src), src, root)


def render(root: Path) -> str:
    """The dvc.yaml text for the project at ``root``."""
    blocks = [HEADER.rstrip("\n"), "stages:"]
    for stage in STAGES:
        blocks += _stage_blocks(stage, code_deps(stage, root))
    return "\n".join(blocks) + "\n\n" + PLOTS


def _stage_blocks(stage: Stage, deps: list[str]) -> list[str]:
    """One registry entry as dvc.yaml stages: per variant a matrix and a foreach, per baseline
    a foreach, else one stage."""
    if stage.per_variant:
        uni = stage.name + UNIDIRECTIONAL_SUFFIX
        return [
            _stage_text(stage, stage.name, deps, MATRIX_VARIANT, matrix=True),
            _stage_text(stage, uni, deps, FOREACH_VARIANT, foreach=UNIDIRECTIONAL_LIST),
        ]
    if stage.per_baseline:
        return [_stage_text(stage, stage.name, deps, "${item}", foreach=BASELINE_LIST)]
    return [_stage_text(stage, stage.name, deps, None)]


def _stage_text(
    stage: Stage,
    name: str,
    code: list[str],
    item: str | None,
    matrix: bool = False,
    foreach: str | None = None,
) -> str:
    """``item``: how dvc.yaml spells the variant or baseline in the command and paths."""
    pad = "    " if foreach else "  "  # foreach bodies sit under `do:`
    lines = [""] + [f"  # {c}" if c else "  #" for c in _comment_lines(stage.comment)]
    lines.append(f"  {name}:")
    if matrix:
        lines += [
            "    matrix:",
            "      cell: ${variants.cells}",
            "      merge_mode: ${variants.merge_modes}",
        ]
    elif foreach:
        lines += [f"    foreach: {foreach}", "    do:"]
    command = f"bin/birnn {stage.name}" + (f" {item}" if item else "")
    lines.append(f"{pad}  cmd: {command}")
    if stage.always_changed:
        lines.append(f"{pad}  always_changed: true")
    notes = dict(stage.notes)
    deps = stage.paths(stage.deps, item)
    if deps or code:
        lines.append(f"{pad}  deps:")
        lines += _entries(pad, zip(stage.deps, deps), notes)
        if code:
            lines.append(f"{pad}    # code: what `bin/birnn {stage.name}` imports")
            lines += [f"{pad}    - {path}" for path in code]
    if stage.params:
        lines.append(f"{pad}  params:")
        lines += _entries(pad, ((p, p) for p in stage.params), notes)
    for section in ("outs", "metrics", "plots"):
        outs = [o for o in stage.outs if o.section == section]
        if outs:
            lines.append(f"{pad}  {section}:")
            for out in outs:
                lines += _out_lines(pad, out, stage.paths((out.path,), item)[0], notes)
    return "\n".join(lines)


def _comment_lines(comment: str) -> list[str]:
    return comment.splitlines() if comment else []


def _entries(pad: str, pairs, notes: dict[str, str]) -> list[str]:
    lines = []
    for key, shown in pairs:
        lines += [f"{pad}    # {c}" for c in _comment_lines(notes.get(key, ""))]
        lines.append(f"{pad}    - {shown}")
    return lines


def _out_lines(pad: str, out: Output, path: str, notes: dict[str, str]) -> list[str]:
    lines = [f"{pad}    # {c}" for c in _comment_lines(notes.get(out.path, ""))]
    if out.cache and not out.persist:
        return [*lines, f"{pad}    - {path}"]
    lines.append(f"{pad}    - {path}:")
    if not out.cache:
        lines.append(f"{pad}        cache: false")
    if out.persist:
        lines.append(f"{pad}        persist: true")
    return lines


def command(args, params, layout) -> int:
    """`birnn dvc-yaml [--check]`: write ROOT/dvc.yaml, or exit 1 when it is out of date."""
    path = Path(layout.root) / "dvc.yaml"
    text = render(Path(layout.root))
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    if args.check:
        if current != text:
            print(
                f"error: {path} is not what the stage registry makes: run `birnn dvc-yaml` "
                "and commit dvc.yaml",
                file=sys.stderr,
            )
            return 1
        print(f"{path} is up to date")
        return 0
    if current != text:
        write_text(path, text)
        print(f"wrote {path}")
    else:
        print(f"{path} unchanged")
    return 0
