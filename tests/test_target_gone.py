"""A target that goes away mid-run ends the run soon after (GONE_AFTER_S), not an hour of
retried refusals later: the verdict is incomplete with when and after how many requests,
the three reports hold the cases judged before, no requirement fails for it, exit 4.
And a target that fails one request now and then is not taken for gone."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from conformance.harness import GONE_AFTER_S
from conformance.reference import PROFILE_PATH, make_app
from tests.servers import serve_wsgi
from tests.waiting import HANG_GUARD_S

pytestmark = pytest.mark.slow


class _Counting:
    def __init__(self, after: int) -> None:
        self.app = make_app()
        self.requests = 0
        self.after = after
        self.reached = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.requests += 1
        if self.requests >= self.after:
            self.reached.set()
        return self.app(environ, start_response)  # type: ignore[no-any-return]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_a_target_killed_mid_run_ends_the_run_incomplete_with_its_reports(workers: list[str], tmp_path: Path) -> None:
    app = _Counting(after=500)
    with serve_wsgi(app, threads=8) as served:
        process = subprocess.Popen(
            [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
             "--target-url", served.url, "--target-profile", str(PROFILE_PATH), "--report-dir", str(tmp_path / "r"),
             "--target-retries", "1", *workers],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            assert app.reached.wait(HANG_GUARD_S), "the run never sent 500 requests"
            served.stop()  # every request from now on is refused
            gone_at = time.monotonic()
            output, _ = process.communicate(timeout=GONE_AFTER_S + HANG_GUARD_S)
            took = time.monotonic() - gone_at
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 4, (process.returncode, output[-3000:])
    certificate = json.loads((tmp_path / "r" / "certificate.json").read_text(encoding="utf-8"))
    assert certificate["verdict"] == "incomplete", certificate["reasons"]
    assert certificate["reasons"][0].startswith("stopped early: the target went away"), certificate["reasons"]
    assert re.search(r"after \d+ requests?\b", certificate["reasons"][0]), certificate["reasons"][0]
    assert not [r for r, e in certificate["requirements"].items() if e["verdict"] == "fail"]
    assert {p.name for p in (tmp_path / "r").iterdir()} >= {"certificate.json", "report.html", "junit.xml"}
    assert "the target went away" in output
    print(f"ended {took:.1f} s after the target went away")  # the figure the closing note gives


def test_a_target_too_slow_on_some_requests_is_not_gone(tmp_path: Path) -> None:
    """One request in fifty gets no answer within --target-timeout while the others are
    answered: those cases are the target's to answer for (CALL-RETRIEVES fails), and the
    run goes on to the end."""
    inner = make_app()
    count = iter(range(10**9))
    lock = threading.Lock()

    def slow_now_and_then(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with lock:
            number = next(count)
        if number > 20 and number % 50 == 0:
            time.sleep(3.0)  # beyond --target-timeout 1
        return inner(environ, start_response)  # type: ignore[no-any-return]

    with serve_wsgi(slow_now_and_then, threads=16) as served:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
             "--target-url", served.url, "--target-profile", str(PROFILE_PATH), "--report-dir", str(tmp_path / "r"),
             "--combinations", "pairwise", "--target-retries", "0", "--target-timeout", "1"],
            cwd=tmp_path, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    certificate = json.loads((tmp_path / "r" / "certificate.json").read_text(encoding="utf-8"))
    assert result.returncode == 1, result.stdout[-3000:]
    assert not any("went away" in r for r in certificate["reasons"]), certificate["reasons"]
    assert certificate["requirements"]["CALL-RETRIEVES"]["verdict"] == "fail"
