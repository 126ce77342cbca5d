"""Small servers for the certificate, report, baseline, replay and comparison tests.

Kept apart from ``tests/faults.py`` (the fault library, another concern): here a target
is the reference app, optionally behind one byte-level edit of its answers, served by
``tests/servers.py`` (waitress on 127.0.0.1 and a free port).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.reference import make_app
from tests.servers import serve_wsgi

Edit = Callable[[bytes], bytes]


def drop_phone(body: bytes) -> bytes:
    """The customer's phone left out, in XML and in JSON: NOTE-ALL-FIELDS is broken."""
    return re.sub(rb"<phone>[^<]*</phone>|<phone/>|\"phone\": ?\"[^\"]*\",?", b"", body)


class Edited:
    """WSGI middleware: the reference app with every answer body passed through ``edit``."""

    def __init__(self, edit: Edit | None) -> None:
        self.app, self.edit = make_app(), edit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured.update(status=status, headers=headers)
            return lambda data: None

        body = b"".join(self.app(environ, keep))
        if self.edit is not None:
            body = self.edit(body)
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], headers + [("Content-Length", str(len(body)))])
        return [body]


@contextlib.contextmanager
def serve(edit: Edit | None = None) -> Iterator[str]:
    """Yield the endpoint URL of the reference (behind ``edit``) on a free port."""
    with serve_wsgi(Edited(edit), threads=8) as served:
        yield served.url


def run_suite(cwd: Any, *args: str, timeout: int = 600) -> Any:
    """``python -m pytest --pyargs conformance.suite ARGS`` in ``cwd``, as a user runs it."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TARGET_USER_PASSWORD"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q", *args],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout,
    )  # fmt: skip


@dataclass(frozen=True)
class SuiteRun:
    """A finished run of the suite: its exit code, its terminal output, and the directory
    it ran in (its reports in ``directory / "reports"``); read only by the tests that share it."""

    returncode: int
    stdout: str
    directory: Path


_REFERENCE_PAIRWISE: dict[Path, SuiteRun] = {}


def reference_pairwise_run(basetemp: Path) -> SuiteRun:
    """``python -m pytest --pyargs conformance.suite -p no:cacheprovider -q --combinations
    pairwise`` against the embedded reference, reports in ``reports/``: once per ``pytest
    tests`` run (``tests/once.py`` under xdist, kept here otherwise). test_passing_rows,
    test_end_to_end and test_certificate each ran this same command; each now reads this
    one run's output and reports, and asserts what it asserted before."""
    if basetemp not in _REFERENCE_PAIRWISE:
        from tests.once import once_per_run

        def compute(directory: Path) -> SuiteRun:
            run = run_suite(directory, "--combinations", "pairwise")
            return SuiteRun(run.returncode, run.stdout, directory)

        _REFERENCE_PAIRWISE[basetemp] = once_per_run("reference-pairwise", basetemp, compute)
    return _REFERENCE_PAIRWISE[basetemp]
