"""No own test asserts a wall-clock upper limit written as a bare number below the hang
guard (issue 22): such a limit passes on an idle machine and fails on a busy one. A test
waits for what it is about (tests/waiting.py), counts what a deadline cut short, or
states a limit relative to the timeout it tests (a named value, not a literal). Lower
bounds ("a wait was waited") are fine: load only lengthens what they measure.

The check reads the tests' syntax: a value is a clock reading if it is computed from
``time.monotonic()``, ``time.perf_counter()``, ``time.time()``, an ``.elapsed``, or a
name assigned from one of those (anywhere in the module)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.waiting import HANG_GUARD_S

TESTS = Path(__file__).resolve().parent
CLOCKS = {("time", "monotonic"), ("time", "perf_counter"), ("time", "time")}
CLOCK_ATTRIBUTES = {"elapsed"}


def _reads_clock(node: ast.AST, names: set[str]) -> bool:
    for part in ast.walk(node):
        if (
            isinstance(part, ast.Call)
            and isinstance(part.func, ast.Attribute)
            and isinstance(part.func.value, ast.Name)
            and (part.func.value.id, part.func.attr) in CLOCKS
        ):
            return True
        if isinstance(part, ast.Attribute) and part.attr in CLOCK_ATTRIBUTES:
            return True
        if isinstance(part, ast.Name) and part.id in names:
            return True
    return False


def _clock_names(tree: ast.AST) -> set[str]:
    """Names assigned a clock reading, followed through further assignments."""
    names: set[str] = set()
    while True:
        found = set(names)
        for node in ast.walk(tree):
            value = getattr(node, "value", None)
            assigns = isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and value is not None
            if assigns and _reads_clock(value, found):  # type: ignore[arg-type]
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
                found |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        if found == names:
            return names
        names = found


def _number(node: ast.AST) -> float | None:
    """The value of a numeric literal, or of arithmetic on literals; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp):
        left, right = _number(node.left), _number(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div) and right:
            return left / right
    return None


def tight_limits(source: str) -> list[tuple[int, str]]:
    """(line, text) of each assert bounding a clock reading from above by a literal
    number below HANG_GUARD_S."""
    tree = ast.parse(source)
    names = _clock_names(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assert):
            continue
        for compare in (n for n in ast.walk(node.test) if isinstance(n, ast.Compare)):
            operands = [compare.left, *compare.comparators]
            for left, op, right in zip(operands, compare.ops, operands[1:], strict=False):
                if isinstance(op, (ast.Lt, ast.LtE)):
                    reading, limit = left, right
                elif isinstance(op, (ast.Gt, ast.GtE)):
                    reading, limit = right, left
                else:
                    continue
                number = _number(limit)
                if _reads_clock(reading, names) and number is not None and number < HANG_GUARD_S:
                    found.append((node.lineno, ast.get_source_segment(source, node) or ""))
    return found


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("started = time.monotonic()\nf()\nassert time.monotonic() - started < 3\n", True),
        ("t0 = time.perf_counter()\ntook = time.perf_counter() - t0\nassert took < 2.5, took\n", True),
        ("took = exchange.elapsed\nassert 0.5 > took\n", True),
        ("t = time.time()\nassert 1 < 2 and time.time() - t <= 5 * 2\n", True),
        # Lower bounds, limits at or above the guard, limits relative to a named timeout.
        ("started = time.monotonic()\nassert time.monotonic() - started >= 1.0\n", False),
        ("started = time.monotonic()\nassert time.monotonic() - started < 600\n", False),
        ("started = time.monotonic()\nassert time.monotonic() - started < JOIN_S / 2\n", False),
        ("assert len(items) < 3\n", False),
    ],
)
def test_the_check_tells_a_tight_limit(source: str, flagged: bool) -> None:
    assert bool(tight_limits(source)) is flagged, tight_limits(source)


def test_no_test_asserts_a_tight_wall_clock_limit() -> None:
    found = [
        f"{path.relative_to(TESTS.parent)}:{line}: {text}"
        for path in sorted(TESTS.rglob("*.py"))
        for line, text in tight_limits(path.read_text(encoding="utf-8"))
    ]
    assert not found, (
        f"wall-clock upper limits written as a number below {HANG_GUARD_S:g} s (wait for an event, "
        "count, or state the limit relative to the timeout under test; see tests/waiting.py):\n" + "\n".join(found)
    )
