"""The package's static import graph: every import of a birnn module by another, at module
level or inside a function, since a lazy import still ties the two modules together. A
package's implicit import by its submodules is not an edge: Python runs a package's
__init__ before its submodules, so that alone never makes a cycle."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
OWN_NAMES_ONLY = ("modeling", "reporting", "serving", "tasks")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in (SRC / "birnn").rglob("*.py")}


def imported_names(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    """The dotted names an import statement may bind, relative imports resolved."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        is_package = MODULES[module].name == "__init__.py"
        package = module.split(".")[: None if is_package else -1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def owning_module(name: str) -> str | None:
    """The birnn module a dotted name lives in (``birnn.tasks.task_of`` -> ``birnn.tasks``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for module, path in MODULES.items():
        imports = [
            node
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, (ast.Import, ast.ImportFrom))
        ]
        targets = {owning_module(n) for node in imports for n in imported_names(node, module)}
        graph[module] = targets - {None, module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in graph[module]:
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while (member := stack.pop()) != module:
                component.append(member)
            if component:
                found.append(sorted([module, *component]))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_no_import_cycles_among_birnn_modules():
    assert cycles(import_graph()) == []


def test_the_tasks_do_not_import_the_serving_predictor():
    graph = import_graph()
    for task_module in (m for m in MODULES if m.startswith("birnn.tasks")):
        assert "birnn.serving.predict" not in reachable(graph, task_module), task_module


def test_the_cycle_finder_finds_a_lazy_import_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", OWN_NAMES_ONLY)
def test_no_module_imports_another_modules_private_names(package):
    private = [
        f"{path.relative_to(SRC)}:{node.lineno} {node.module}.{alias.name}"
        for path in (SRC / "birnn" / package).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("birnn")
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert private == []
