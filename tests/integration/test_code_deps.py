"""A stage's code dependencies are what it runs: in a finished copy of the project (tiny params,
one variant), an edit to any module of the package makes exactly the stages whose computed
import closure holds it stale in `dvc status`, and each stage command loads no module of the
package outside its closure (a dynamic import the static closure missed would show here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from birnn.orchestration.closure import closure, module_file
from birnn.orchestration.dvc_yaml import CLI_MODULE
from birnn.pipeline import STAGES
from projects import ONE_VARIANT, TINY_PARAMS, copy_project, project_env, run

pytestmark = pytest.mark.integration

ONE_VARIANT_PROJECT = {**TINY_PARAMS, "variants": ONE_VARIANT}
VARIANT = "gru-concat"
BASELINE = "tfidf-logreg"
LOADED_PROBE = """\
import json, sys
from birnn.cli import main
assert main({args!r}) == 0
print(json.dumps(sorted(m for m in sys.modules if m == "birnn" or m.startswith("birnn."))))
"""


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("deps") / "project", ONE_VARIANT_PROJECT)
    env = project_env(root)
    run(["git", "add", "-A"], root, env)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"], root, env)
    run(["dvc", "repro"], root, env, timeout=900)
    return root, env


def _closures(root: Path) -> dict[str, set[str]]:
    """{dvc stage name: the modules its command can import}, `source` left out: it runs always."""
    src = root / "src"
    return {
        s.dvc_name(_item(s)): closure([CLI_MODULE, s.entry], src)
        for s in STAGES
        if s.name != "source"
    }


def _item(s) -> str | None:
    """The variant or baseline a stage that fans out runs for in this project."""
    return VARIANT if s.per_variant else BASELINE if s.per_baseline else None


def _stale(root: Path) -> set[str]:
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        return {name.split(":")[-1] for name in repo.status()} - {"source"}


def test_an_edit_to_a_module_makes_exactly_the_stages_that_import_it_stale(finished):
    root, _ = finished
    closures = _closures(root)
    assert _stale(root) == set()
    modules = sorted(
        ".".join(p.relative_to(root / "src").with_suffix("").parts).removesuffix(".__init__")
        for p in (root / "src" / "birnn").rglob("*.py")
    )
    wrong = {}
    for module in modules:
        path = module_file(module, root / "src")
        original = path.read_bytes()
        path.write_bytes(original + b"\n# an edit\n")
        try:
            expected = {stage for stage, mods in closures.items() if module in mods}
            found = _stale(root)
        finally:
            path.write_bytes(original)
        if found != expected:
            wrong[module] = {"stale": sorted(found), "importers": sorted(expected)}
    assert not wrong, json.dumps(wrong, indent=1)
    assert _stale(root) == set()


def test_each_stage_command_loads_only_modules_of_its_closure(finished):
    """`bin/birnn <stage>` is birnn.cli.main in a fresh interpreter: run exactly that and list
    what it loaded (sys.modules sees modules imported by name at run time too)."""
    root, env = finished
    src = root / "src"
    for s in STAGES:
        args = [s.name, _item(s)] if s.fans_out else [s.name]
        probe = LOADED_PROBE.format(args=args)
        proc = run([sys.executable, "-c", probe], root, {**env, "PYTHONPATH": str(src)})
        loaded = set(json.loads(proc.stdout.strip().splitlines()[-1]))
        assert s.entry in loaded, s.name
        outside = loaded - closure([CLI_MODULE, s.entry], src)
        assert not outside, f"{s.name} loaded {sorted(outside)}, not in its computed closure"
