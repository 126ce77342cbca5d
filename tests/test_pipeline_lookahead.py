"""The run-wide pipeline fetches ahead of the scope being judged: the next scope's requests
and the ones after, up to LOOKAHEAD_REQUESTS (conformance/evaluation.py). A unit whose
answer is slow (a request waiting out a Retry-After) holds the judging thread; the fetching
goes on into the scopes after the next meanwhile, instead of running dry at the end of the
next one (a stall per scope: a pairwise run at 5% of answers "503, Retry-After: 1" took
1.8x the same run never busy)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from werkzeug.wrappers import Request

from conformance.reference import PROFILE_PATH, make_app
from tests.servers import serve_wsgi
from tests.targets import run_suite

pytestmark = pytest.mark.slow

HOLD_S = 20.0  # how long the held answer waits for a request of the third scope at most


class _HoldsOneAnswer:
    """The reference; the first request of the first scope with an option (not the smoke
    or a pre-flight lookup) is answered only once a request for the third scope's customer
    (greatwidgets, code 56565656565656) has come in after it, or after HOLD_S."""

    def __init__(self) -> None:
        self.app = make_app()
        self.lock = threading.Lock()
        self.holding = False
        self.third_after_hold = threading.Event()
        self.held_s: float | None = None
        self.released_by_third = False  # the third scope's request came while the answer was held

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        fields = Request({**environ, "wsgi.input": io.BytesIO(body)}).values
        hold = False
        with self.lock:
            if self.holding and fields.get("code") == "56565656565656":
                self.third_after_hold.set()
            if (
                self.held_s is None
                and not self.holding
                and fields.get("account_id") == "greatwidgets"
                and fields.get("code") == "89898989898989"
                and "include_balances" in fields
            ):
                self.holding = hold = True
        if hold:
            import time

            started = time.monotonic()
            self.released_by_third = self.third_after_hold.wait(HOLD_S)
            self.held_s = time.monotonic() - started
        return self.app(environ, start_response)  # type: ignore[no-any-return]


def test_the_scopes_after_the_next_are_fetched_while_a_unit_waits(tmp_path: Path) -> None:
    app = _HoldsOneAnswer()
    with serve_wsgi(app, threads=16) as served:
        result = run_suite(
            tmp_path, "--target-url", served.url, "--target-profile", str(PROFILE_PATH), "--combinations", "pairwise",
            "--report-dir", str(tmp_path / "r"), "--target-timeout", str(HOLD_S + 10),
        )  # fmt: skip
    assert app.held_s is not None, "no request of the first scope with an option was seen"
    assert app.released_by_third, (
        f"while the first scope's answer was held ({app.held_s:.1f} s), no request of the third scope was sent: "
        "the pipeline fetched no further than the next scope"
    )
    certificate = json.loads((tmp_path / "r" / "certificate.json").read_text(encoding="utf-8"))
    assert not [r for r, e in certificate["requirements"].items() if e["verdict"] == "fail"], result.stdout[-3000:]
