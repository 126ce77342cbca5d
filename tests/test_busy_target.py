"""Busy is not broken: a target that answers 429 or 503 (legal, and common in front of real
APIs) leaves the cases it would not answer unjudged, never failed, and the verdict says
why and what to do; a target busy now and then is retried and judged as if it never was."""

from __future__ import annotations

import io
import itertools
import json
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from conformance.reference import PROFILE_PATH, make_app
from tests.servers import serve_wsgi
from tests.targets import reference_pairwise_run, run_suite

pytestmark = pytest.mark.slow

_PAGE = b"<html><body><h1>503 Service Unavailable</h1>Try again later.</body></html>"


class _Busy:
    """The reference, answering 503 (an HTML page, Retry-After 0) to the requests ``busy``
    picks (by their number, and what they ask)."""

    def __init__(
        self,
        busy: Callable[[int, bytes], bool],
        status: str = "503 Service Unavailable",
        once: bool = False,
        retry_after: str = "0",
    ) -> None:
        self.app = make_app()
        self.retry_after = retry_after
        self.first_refused: float | None = None  # time.monotonic() of the first busy answer
        self.busy = busy
        self.status = status
        self.once = once  # each request refused at most once: its retry is answered
        self._count = itertools.count(1)
        self._lock = threading.Lock()
        self._refused: set[bytes] = set()
        self.refused = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        # A multipart body's boundary is new on each attempt: the retry is the same request.
        boundary = environ.get("CONTENT_TYPE", "").partition("boundary=")[2].encode()
        request = environ.get("QUERY_STRING", "").encode() + (body.replace(boundary, b"") if boundary else body)
        with self._lock:
            number = next(self._count)
            refuse = self.busy(number, request) and not (self.once and request in self._refused)
            if refuse:
                self._refused.add(request)
        if refuse:
            self.refused += 1
            self.first_refused = self.first_refused or time.monotonic()
            start_response(self.status, [("Content-Type", "text/html"), ("Retry-After", self.retry_after)])
            return [_PAGE]
        return self.app(environ, start_response)  # type: ignore[no-any-return]


def _run(app: _Busy, tmp_path: Path) -> tuple[dict[str, Any], str, int]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    with serve_wsgi(app, threads=8) as served:
        result = run_suite(
            tmp_path, "--target-url", served.url, "--target-profile", str(PROFILE_PATH),
            "--combinations", "pairwise", "--report-dir", str(tmp_path / "r"), "--target-retries", "1",
        )  # fmt: skip
    certificate = json.loads((tmp_path / "r" / "certificate.json").read_text(encoding="utf-8"))
    return certificate, result.stdout + result.stderr, result.returncode


def _busy_on_some(number: int, request: bytes) -> bool:
    """Busy, always, on about one distinct request in forty (whatever its attempt)."""
    return zlib.crc32(request) % 40 == 0


def test_requests_a_target_is_always_busy_on_are_unjudged_not_failed(tmp_path: Path) -> None:
    """The rest answered, so the run goes on to its end: the busy ones counted, not judged.
    (429 here; 503 in the two tests below: the harness reads them alike, is_busy.)"""
    status = "429 Too Many Requests"
    app = _Busy(_busy_on_some, status)
    certificate, output, _ = _run(app, tmp_path)
    failed = [r for r, e in certificate["requirements"].items() if e["verdict"] == "fail"]
    assert not failed, (failed, output[-3000:])
    assert certificate["verdict"] == "incomplete"
    busy = certificate["counts"]["unjudged_busy"]
    assert busy["count"] > 0 and set(busy["statuses"]) == {status[:3]} and busy["cases"], busy
    reason = next(r for r in certificate["reasons"] if "not judged: the target was busy" in r)
    assert "--rate-limit" in reason and f"HTTP {status[:3]}" in reason
    assert "not judged: the target was busy" in output
    assert not any("stayed busy" in r for r in certificate["reasons"]), certificate["reasons"]


def test_a_target_that_stays_busy_is_stopped_not_waited_on(tmp_path: Path) -> None:
    """503 + Retry-After: 1 to everything after the first 40 requests: each request would
    wait out five retries (--target-retries 1); after BUSY_STOP_S (20 s) of nothing but busy
    answers the run stops, exit 4, incomplete, the reports written, nothing failed."""
    app = _Busy(lambda number, request: number > 40, retry_after="1")
    certificate, output, returncode = _run(app, tmp_path)
    ended = time.monotonic()
    assert app.first_refused is not None
    # What shows the stop is the exit status and the reason below: without it the run
    # goes on to its end (every case unjudged). The time is only bounded, at ten times
    # the 30 s measured (28.6-35.5 s: the stop, the retries under way, the reports).
    took = ended - app.first_refused
    assert took <= 10 * 30, (took, output[-3000:])
    print(f"stopped {took:.1f} s after the target went busy")
    assert returncode == 4, output[-3000:]
    assert certificate["verdict"] == "incomplete"
    assert not [r for r, e in certificate["requirements"].items() if e["verdict"] == "fail"]
    reason = next(r for r in certificate["reasons"] if "the target stayed busy" in r)
    assert "--rate-limit" in reason and "HTTP 503" in reason, reason
    assert "the target stayed busy" in output


def test_a_target_busy_now_and_then_is_retried_and_judged_in_full(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every seventh request answered 503 (each request at most once): each is retried, and
    the run judges what it would have judged against the same server never busy (the
    reference's pairwise run that test_end_to_end and others share)."""
    app = _Busy(lambda number, request: number % 7 == 0, once=True)
    certificate, output, _ = _run(app, tmp_path / "busy")
    calm_run = reference_pairwise_run(tmp_path_factory.getbasetemp())
    calm = json.loads((calm_run.directory / "reports" / "certificate.json").read_text(encoding="utf-8"))
    assert app.refused > 100
    assert certificate["counts"]["unjudged_busy"]["count"] == 0, output[-3000:]
    assert certificate["verdict"] == calm["verdict"]
    assert {r: e["verdict"] for r, e in certificate["requirements"].items()} == {
        r: e["verdict"] for r, e in calm["requirements"].items()
    }
    assert certificate["counts"]["items_by_kind"] == calm["counts"]["items_by_kind"]
