"""Which modules of ``conformance/`` the fast lane exercises, and which only slow tests reach.

    python tools/fast_lane_coverage.py                  # runs the fast lane under coverage (about 1.5x its time)
    python tools/fast_lane_coverage.py --data FILE      # reads a coverage data file made before

The fast lane is ``pytest tests -m "not slow and not network"``, in this process only
(the suite runs it starts in subprocesses are not counted: what the lane's own process
executes is what it proves of a module's logic). For every module it prints the share of
the module's statements executed and, apart, the share of the statements inside its
functions (a module imported and never called still executes its ``def`` lines). Exit
status 1 when some module's functions were never entered (its logic is reached only by
slow tests, or by none), so the lane's promise "every module's own logic" is checked, not
assumed.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "conformance"
FAST_LANE = ["-m", "pytest", "tests", "-m", "not slow and not network", "-q", "-p", "no:cacheprovider"]


@dataclass(frozen=True)
class Reached:
    module: str
    statements: int
    executed: int
    in_functions: int
    executed_in_functions: int

    @property
    def share(self) -> float:
        return self.executed / self.statements if self.statements else 1.0

    @property
    def function_share(self) -> float:
        return self.executed_in_functions / self.in_functions if self.in_functions else 1.0


def function_body_lines(path: Path) -> set[int]:
    """The lines inside a function's body (not its ``def`` line, which runs on import)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first, last = node.body[0].lineno, max(getattr(n, "end_lineno", n.lineno) or n.lineno for n in node.body)
            lines.update(range(first, last + 1))
    return lines


def reached(data_file: Path) -> list[Reached]:
    import coverage

    cov = coverage.Coverage(data_file=str(data_file))
    cov.load()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        _, statements, _, missing, _ = cov.analysis2(str(path))
        executed = set(statements) - set(missing)
        body = function_body_lines(path) & set(statements)
        found.append(
            Reached(str(path.relative_to(ROOT)), len(statements), len(executed), len(body), len(body & executed))
        )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="a coverage data file of a fast-lane run (default: run it now)")
    parser.add_argument(
        "--below", type=float, default=0.5, help="list the modules whose functions ran less than this share (0.5)"
    )
    args = parser.parse_args(argv)
    data = args.data
    if data is None:
        data = Path(tempfile.mkdtemp(prefix="fast-lane-coverage-")) / ".coverage"
        command = [sys.executable, "-m", "coverage", "run", f"--data-file={data}", "--source=conformance", *FAST_LANE]
        print("$", " ".join(command[2:]), flush=True)
        done = subprocess.run(command, cwd=ROOT, check=False)
        if done.returncode != 0:
            print(f"the fast lane failed (exit {done.returncode}); coverage below is of that run", file=sys.stderr)
    rows = reached(data)
    print(f"\n{'module':58} {'statements':>10} {'functions':>10}")
    for row in sorted(rows, key=lambda r: (r.function_share, r.module)):
        print(f"{row.module:58} {row.share:10.0%} {row.function_share:10.0%}")
    never = [r.module for r in rows if r.in_functions and not r.executed_in_functions]
    thin = [r.module for r in rows if r.executed_in_functions and r.function_share < args.below]
    print(f"\nmodules whose functions the fast lane never entered: {', '.join(never) or 'none'}")
    print(f"modules whose functions it ran less than {args.below:.0%} of: {', '.join(thin) or 'none'}")
    return 1 if never else 0


if __name__ == "__main__":
    sys.exit(main())
