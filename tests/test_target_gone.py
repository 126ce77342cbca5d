"""A target that goes away mid-run ends the run soon after (GONE_AFTER_S), not an hour of
retried refusals later: the verdict is incomplete with when and after how many requests,
the three reports hold the cases judged before, no requirement fails for it, exit 4.
And a target that fails one request now and then is not taken for gone."""

from __future__ import annotations

import contextlib
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


MODES = {"one-process": [], "xdist": ["-n", "2"]}


def test_a_target_killed_mid_run_ends_the_run_incomplete_with_its_reports(tmp_path: Path) -> None:
    """In one process and under xdist, side by side (each run waits GONE_AFTER_S of silence:
    the waits overlap instead of adding up)."""
    with contextlib.ExitStack() as stack:
        runs = {}
        for mode, workers in MODES.items():
            app = _Counting(after=500)
            served = stack.enter_context(serve_wsgi(app, threads=8))
            process = subprocess.Popen(
                [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
                 "--target-url", served.url, "--target-profile", str(PROFILE_PATH),
                 "--report-dir", str(tmp_path / mode / "r"), "--target-retries", "1", *workers],
                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
            stack.callback(_kill, process)
            runs[mode] = (app, served, process)
        gone_at, outputs, took = {}, {}, {}
        for mode, (app, served, _) in runs.items():
            assert app.reached.wait(HANG_GUARD_S), f"{mode}: the run never sent 500 requests"
            served.stop()  # every request from now on is refused
            gone_at[mode] = time.monotonic()
        for mode, (_, _, process) in runs.items():
            outputs[mode], _ = process.communicate(timeout=GONE_AFTER_S + HANG_GUARD_S)
            took[mode] = time.monotonic() - gone_at[mode]
    for mode, (_, _, process) in runs.items():
        output, reports = outputs[mode], tmp_path / mode / "r"
        assert process.returncode == 4, (mode, process.returncode, output[-3000:])
        certificate = json.loads((reports / "certificate.json").read_text(encoding="utf-8"))
        assert certificate["verdict"] == "incomplete", (mode, certificate["reasons"])
        assert certificate["reasons"][0].startswith("stopped early: the target went away"), certificate["reasons"]
        assert re.search(r"after \d+ requests?\b", certificate["reasons"][0]), certificate["reasons"][0]
        assert not [r for r, e in certificate["requirements"].items() if e["verdict"] == "fail"], mode
        assert {p.name for p in reports.iterdir()} >= {"certificate.json", "report.html", "junit.xml"}, mode
        assert "the target went away" in output, mode
        print(f"{mode}: ended {took[mode]:.1f} s after the target went away")  # the closing note's figure


def _kill(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


def test_a_target_too_slow_on_some_requests_is_not_gone(tmp_path: Path) -> None:
    """One request in 150 gets no answer within --target-timeout while the others are
    answered: those cases are the target's to answer for (CALL-RETRIEVES fails), and the
    run goes on to the end."""
    inner = make_app()
    count = iter(range(10**9))
    lock = threading.Lock()

    def slow_now_and_then(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with lock:
            number = next(count)
        if number > 20 and number % 150 == 0:
            time.sleep(1.5)  # beyond --target-timeout 0.5
        return inner(environ, start_response)  # type: ignore[no-any-return]

    with serve_wsgi(slow_now_and_then, threads=16) as served:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
             "--target-url", served.url, "--target-profile", str(PROFILE_PATH), "--report-dir", str(tmp_path / "r"),
             "--combinations", "pairwise", "--target-retries", "0", "--target-timeout", "0.5"],
            cwd=tmp_path, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    certificate = json.loads((tmp_path / "r" / "certificate.json").read_text(encoding="utf-8"))
    assert result.returncode == 1, result.stdout[-3000:]
    assert not any("went away" in r for r in certificate["reasons"]), certificate["reasons"]
    assert certificate["requirements"]["CALL-RETRIEVES"]["verdict"] == "fail"
