"""A stage's code dependencies: the modules of the package its entry module imports, directly
or through others (its transitive import closure), read from the source with ``ast``.

Every import statement counts, also one inside a function (the stages import heavy modules
late), except those under ``if TYPE_CHECKING:``, which never run. A module loaded by name at
run time (importlib) is invisible here: tests run stages and compare what they loaded.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import cache
from pathlib import Path

PACKAGE = "birnn"


@cache
def package_dir() -> Path:
    import birnn

    return Path(birnn.__file__).resolve().parent


def module_file(module: str, src: Path) -> Path | None:
    """src/birnn/a/b.py or src/birnn/a/b/__init__.py for 'birnn.a.b'; None if neither."""
    base = src.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterable[ast.Import | ast.ImportFrom]:
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                yield child
            else:
                stack.append(child)


def _with_parents(module: str) -> list[str]:
    """Importing a.b.c runs a/__init__ and a/b/__init__ too."""
    parts = module.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def direct_imports(module: str, src: Path) -> set[str]:
    """The package's modules that ``module``'s source imports (with their parent packages)."""
    path = module_file(module, src)
    if path is None:
        return set()
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = _absolute(node, module, is_package)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for target in targets:
            if target.split(".")[0] == PACKAGE and module_file(target, src):
                found.update(_with_parents(target))
    return found - {module}


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[: len(parts) - node.level + 1]
    return ".".join([*parts, *([node.module] if node.module else [])])


def closure(entries: Iterable[str], src: Path | None = None) -> set[str]:
    """Every module of the package that importing ``entries`` can run."""
    src = src or package_dir().parent
    todo = [m for entry in entries for m in _with_parents(entry)]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(direct_imports(module, src) - seen)
    return {m for m in seen if module_file(m, src)}


def dependency_paths(modules: set[str], src: Path, root: Path) -> list[str]:
    """The modules' files relative to ``root``, a whole folder where every file of a
    sub-package (recursively) is in the set: dvc.yaml stays readable."""
    files = {module_file(m, src).absolute() for m in modules}
    paths = _compress(src.absolute() / PACKAGE, files)
    return [p.relative_to(root.absolute()).as_posix() for p in paths]


def _compress(folder: Path, files: set[Path], top: bool = True) -> list[Path]:
    # the package's top folder never counts as a whole: a new module there must not make
    # every stage stale
    mine = sorted(folder.rglob("*.py"))
    if not top and mine and all(p in files for p in mine):
        return [folder]
    out = [p for p in sorted(folder.glob("*.py")) if p in files]
    for sub in sorted(d for d in folder.iterdir() if (d / "__init__.py").is_file()):
        out += _compress(sub, files, top=False)
    return out
