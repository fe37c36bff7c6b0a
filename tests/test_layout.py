"""The package's shape: imports flow one way, and the tests mirror the package."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "dreamvid"
TESTS = Path(__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that importing `name` runs, counting imports inside functions and
    TYPE_CHECKING blocks, and the `__init__` of every package on the way that `name` is not inside."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "EXPORTS" for t in node.targets):
            targets.update(value.value for value in node.value.values if isinstance(value, ast.Constant))
    found = set()
    for target in targets:
        if target not in known:
            continue
        found.add(target)
        parts = target.split(".")
        for end in range(2, len(parts)):  # the subpackages' __init__ run first; the top package is running
            ancestor = ".".join(parts[:end])
            if not (name == ancestor or name.startswith(ancestor + ".")):
                found.add(ancestor)
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imported(name, path, set(known)) for name, path in known.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        trail.append(node)
        for following in sorted(graph.get(node, ())):
            if state.get(following) == 1:
                return trail[trail.index(following):] + [following]
            if following not in state and (cycle := visit(following)):
                return cycle
        trail.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_module_imports_a_module_that_imports_it():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle)


def test_the_graph_sees_imports_inside_functions_and_subpackage_inits():
    graph = import_graph()
    assert "dreamvid.render.ray" in graph["dreamvid.render.video"]
    assert "dreamvid.video" in graph["dreamvid.render.video"]  # importing video.frames runs video/__init__


def test_a_base_module_never_imports_its_implementations():
    graph = import_graph()
    assert not {name for name in graph["dreamvid.effect"] if name.startswith(("dreamvid.dream", "dreamvid.style"))}


def test_every_subpackage_offers_what_it_lists():
    import importlib

    for name, path in modules().items():
        if path.name != "__init__.py" or name in ("dreamvid", "dreamvid.cli"):
            continue
        package = importlib.import_module(name)
        assert package.__all__ == sorted(package.EXPORTS), name
        for export in package.__all__:
            assert getattr(package, export) is not None, f"{name}.{export}"
