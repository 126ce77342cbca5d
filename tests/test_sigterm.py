"""SIGTERM, as a CI system sends it to a job that timed out or was cancelled, ends a run
like Ctrl-C: the three reports are written with what was judged, the verdict says the
run stopped early, and the process then ends by SIGTERM (143 in a shell)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from conformance.reference import PROFILE_PATH, make_app
from tests.servers import serve_wsgi
from tests.waiting import HANG_GUARD_S

pytestmark = pytest.mark.slow


class _Counting:
    """The reference, each answer 20 ms late, counting the requests it got."""

    def __init__(self) -> None:
        self.app = make_app()
        self.requests = 0
        self.busy = threading.Event()  # set once the run is well inside its scopes

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        self.requests += 1
        if self.requests >= 60:
            self.busy.set()
        time.sleep(0.02)
        return self.app(environ, start_response)  # type: ignore[no-any-return]


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_sigterm_mid_run_writes_the_three_reports_then_ends_by_the_signal(workers: list[str], tmp_path: Path) -> None:
    app = _Counting()
    env = {k: v for k, v in os.environ.items() if k != "TARGET_USER_PASSWORD"}
    with serve_wsgi(app, threads=8) as served:
        # Its own process group, as a CI job's: SIGTERM reaches the run and its workers.
        process = subprocess.Popen(
            [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
             "--target-url", served.url, "--target-profile", str(PROFILE_PATH),
             "--report-dir", str(tmp_path / "r"), *workers],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
            start_new_session=True,
        )  # fmt: skip
        try:
            assert app.busy.wait(HANG_GUARD_S), "the run never got 60 requests into its scopes"
            os.killpg(process.pid, signal.SIGTERM)
            output, _ = process.communicate(timeout=HANG_GUARD_S)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert process.returncode == -signal.SIGTERM, (process.returncode, output[-3000:])
    report_dir = tmp_path / "r"
    assert {p.name for p in report_dir.iterdir()} >= {"certificate.json", "report.html", "junit.xml"}, output[-3000:]
    certificate = json.loads((report_dir / "certificate.json").read_text(encoding="utf-8"))
    assert certificate["verdict"] == "incomplete", certificate["reasons"]
    assert "verdict: incomplete" in output
