"""The harness's own tests hold themselves to what they ask of the harness: no pass on nothing.

A test that returns early passes having checked nothing (as ``test_spec_copy`` once did
where ``../shared`` was absent). A test that cannot judge says so with ``pytest.skip``
and its reason, and the run shows the skip. So no test function has a ``return``.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def early_returns(source: str) -> list[tuple[str, int]]:
    """(test function, line) of each ``return`` in a test function's own body (nested
    functions, lambdas and classes are theirs, not the test's)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            pending: list[ast.AST] = list(node.body)
            while pending:
                inner = pending.pop()
                if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                    continue
                if isinstance(inner, ast.Return):
                    found.append((node.name, inner.lineno))
                pending.extend(ast.iter_child_nodes(inner))
    return found


def test_the_guard_sees_an_early_return() -> None:
    source = (
        "def test_x(tmp_path):\n"
        "    def helper():\n"
        "        return 1\n"
        "    if not tmp_path.exists():\n"
        "        return\n"
        "    assert helper()\n"
    )
    assert early_returns(source) == [("test_x", 5)]


def test_no_test_returns_early() -> None:
    offenders = [
        f"{path.relative_to(TESTS.parent)}:{line} {name}"
        for path in sorted(TESTS.rglob("*.py"))
        for name, line in early_returns(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, (
        "these tests return before judging (a silent pass); use pytest.skip(reason) or assert instead: "
        + ", ".join(offenders)
    )
