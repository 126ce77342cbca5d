"""Waiting in the harness's own tests without timing them.

A test waits for what it is about: an event set, a count reached, a call returned. A
limit on such a wait is only a guard against a hang: far above what the wait takes on
a busy machine (``HANG_GUARD_S``, at least ten times the slowest median of the tests
that use it), and when it is reached the failure says what never happened. Where a
duration is the behaviour itself (a deadline that must cut a slow server short), the
server is made much slower than the guard, so the guard tells a deadline that works
from one that does not without being near either.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")

# The slowest median under these guards: 3.1 s (a trickle cut at a 1 s deadline, then
# retried, on a machine at load 20); the commit messages of their users give the others.
HANG_GUARD_S = 60.0


def returns_within(seconds: float, call: Callable[[], T], what: str) -> T:
    """``call()`` on a thread of its own: what it returned (or raised), or a failure
    saying ``what`` had not returned after ``seconds``. The thread is left to end on its
    own (a daemon: a server stopped at the test's end usually wakes it)."""
    outcome: list[tuple[bool, object]] = []
    took: list[float] = []

    def run() -> None:
        started = time.monotonic()
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            outcome.append((False, exc))
        took.append(time.monotonic() - started)

    thread = threading.Thread(target=run, name=f"returns-within: {what}", daemon=True)
    thread.start()
    thread.join(seconds)
    # A call holding the GIL in C code can delay join() past its timeout and finish
    # before it is looked at: its own measure of how long it took says so.
    if thread.is_alive() or took[0] > seconds:
        pytest.fail(f"{what}: not returned after {seconds:g} s", pytrace=False)
    ok, value = outcome[0]
    if not ok:
        assert isinstance(value, BaseException)
        raise value
    return value  # type: ignore[return-value]


def wait_for(condition: threading.Condition, predicate: Callable[[], bool], seconds: float, what: str) -> None:
    """Wait on ``condition`` (notified whenever what ``predicate`` reads changes) until
    ``predicate()`` holds; fail saying ``what`` did not happen within ``seconds``."""
    with condition:
        if not condition.wait_for(predicate, seconds):
            pytest.fail(f"{what}: not after {seconds:g} s", pytrace=False)
