"""conformance.fetch.Fetched: a scope's answers fetched N at a time, in order, each
taken by the judging thread as soon as it is in."""

from __future__ import annotations

import threading
import time

import pytest

from conformance.fetch import Fetched


class Recorder:
    """A fetch that records how many run at once and in which order they start."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.started: list[int] = []
        self.running = 0
        self.most = 0
        self._lock = threading.Lock()

    def __call__(self, key: int) -> str:
        with self._lock:
            self.started.append(key)
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(self.delay)
        with self._lock:
            self.running -= 1
        if key == 13:
            raise ValueError("thirteen")
        return f"answer {key}"


def test_every_answer_is_fetched_once_in_order_at_most_n_at_a_time() -> None:
    fetch = Recorder(delay=0.005)
    fetched = Fetched(fetch, list(range(40)), concurrency=4)
    try:
        assert [fetched.result(k) for k in range(12)] == [f"answer {k}" for k in range(12)]
        assert fetched.result(39) == "answer 39"  # out of order too
    finally:
        fetched.stop()
    assert sorted(fetch.started) == list(range(40))
    assert fetch.started[:4] == sorted(fetch.started[:4])  # taken in the order given
    assert 2 <= fetch.most <= 4


def test_what_a_fetch_raised_is_raised_to_the_judging_thread() -> None:
    fetched = Fetched(Recorder(), [12, 13, 14], concurrency=2)
    try:
        assert fetched.result(12) == "answer 12"
        with pytest.raises(ValueError, match="thirteen"):
            fetched.result(13)
        assert fetched.result(14) == "answer 14"
    finally:
        fetched.stop()


def test_a_key_never_given_is_an_error_not_a_wait_forever() -> None:
    fetched = Fetched(Recorder(), [1], concurrency=1)
    try:
        with pytest.raises(KeyError):
            fetched.result(2)
    finally:
        fetched.stop()


def test_stop_sends_nothing_more_and_waits_for_what_is_under_way() -> None:
    # On Ctrl-C or an error in the judging thread, the run stops fetching: the fetches
    # under way end, no other starts.
    fetch = Recorder(delay=0.05)
    fetched = Fetched(fetch, list(range(100)), concurrency=3)
    fetched.result(0)
    fetched.stop()
    started = len(fetch.started)
    assert fetch.running == 0
    time.sleep(0.1)
    assert len(fetch.started) == started < 10
