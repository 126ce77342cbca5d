"""Packages whose modules must not import each other in a circle.

A cycle hidden by a function-local import (or one under ``if TYPE_CHECKING:``) works
until someone moves the import to the top; then the package fails to import, depending
on which module is imported first. So every import statement counts here, wherever it
is in the module: read from the source (AST), not from what Python happened to import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# (conformance's top level is not here yet: access.py and negative.py import each other.)
ACYCLIC = ("conformance.plugin", "conformance.checks", "conformance.reference", "conformance.reference.sandbox")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path, package: str, root: Path) -> set[str]:
    """The modules of ``package`` that the module at ``path`` imports, by any import
    statement anywhere in it (top level, function-local, TYPE_CHECKING)."""
    this = module_name(path, root)
    base = this if path.name == "__init__.py" else this.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base.rsplit(".", node.level - 1)[0] if node.level > 1 else base
                module = f"{anchor}.{node.module}" if node.module else anchor
            else:
                module = node.module or ""
            # ``from conformance.plugin import runner`` imports the module runner.
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        found |= {name for name in names if name == package or name.startswith(package + ".")}
    return {name for name in found if (root / Path(*name.split("."))).with_suffix(".py").exists()} - {this}


def graph(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    folder = root / Path(*package.split("."))
    # The package's __init__ only re-exports its modules' hooks: it is the root of the
    # graph, never part of a cycle unless a module imports it back.
    return {module_name(path, root): imported(path, package, root) for path in sorted(folder.glob("*.py"))}


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules around it (first repeated last), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


@pytest.mark.parametrize("package", ACYCLIC)
def test_the_package_has_no_import_cycle(package: str) -> None:
    edges = graph(package)
    assert len(edges) > 1, f"{package}: no modules found (the test would pass vacuously)"
    found = cycle(edges)
    assert found is None, f"{package} has an import cycle: {' -> '.join(found or [])}"


def test_a_function_local_import_counts(tmp_path: Path) -> None:
    # The detector itself: a cycle closed only by an import inside a function is found,
    # and the same modules without it are not a cycle.
    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "__init__.py").write_text("from pkg.a import thing\n")
    (folder / "a.py").write_text("from pkg.b import thing\n")
    (folder / "b.py").write_text("def thing():\n    from pkg import a\n")
    assert cycle(graph("pkg", tmp_path)) == ["pkg.a", "pkg.b", "pkg.a"]
    (folder / "b.py").write_text("def thing():\n    pass\n")
    assert cycle(graph("pkg", tmp_path)) is None
