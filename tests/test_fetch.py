"""conformance.fetch.Fetched: a scope's answers fetched N at a time, in order, each
taken by the judging thread as soon as it is in. Concurrency is seen with a barrier
and counters, never by sleeping and hoping the threads overlap."""

from __future__ import annotations

import threading
import time

import pytest

from conformance.fetch import Fetched, FetchStopped, Slots, pause
from tests.waiting import HANG_GUARD_S, returns_within, wait_for


class Recorder:
    """A fetch that records which keys start, in which order, and how many run at once.
    With ``together``, every fetch waits at a barrier for ``together`` fetches in all:
    they are in flight at the same moment, or the fetch fails saying how many were (the
    keys must then come in whole groups)."""

    def __init__(self, together: int = 0) -> None:
        self.together = together
        self._barrier = threading.Barrier(together) if together else None
        self.started: list[int] = []
        self.running = 0
        self.most = 0
        self.changed = threading.Condition()

    def __call__(self, key: int) -> str:
        with self.changed:
            self.started.append(key)
            self.running += 1
            self.most = max(self.most, self.running)
            self.changed.notify_all()
        try:
            if self._barrier is not None:
                try:
                    self._barrier.wait(HANG_GUARD_S)
                except threading.BrokenBarrierError:
                    raise AssertionError(
                        f"{self.together} fetches were never in flight at once "
                        f"(at most {self.most} after {HANG_GUARD_S:g} s)"
                    ) from None
            self.hold(key)
        finally:
            with self.changed:
                self.running -= 1
                self.changed.notify_all()
        if key == 13:
            raise ValueError("thirteen")
        return f"answer {key}"

    def hold(self, key: int) -> None:
        """Keeps the fetch of ``key`` in flight a while (here: not at all)."""


def test_every_answer_is_fetched_once_in_order_at_most_n_at_a_time() -> None:
    fetch = Recorder(together=4)
    fetched = Fetched(fetch, list(range(40)), concurrency=4)
    try:
        assert [fetched.result(k) for k in range(12)] == [f"answer {k}" for k in range(12)]
        assert fetched.result(39) == "answer 39"  # out of order too
    finally:
        fetched.stop()
    assert sorted(fetch.started) == list(range(40))
    assert fetch.started[:4] == sorted(fetch.started[:4])  # taken in the order given
    # The barrier let every four through only together: four were in flight at once, ten
    # times over. A fifth fetch running meanwhile would be counted while it waited at the
    # barrier for the next group (a safety count: it can only fail when one ran).
    assert fetch.most == 4, f"{fetch.most} fetches in flight at once with concurrency 4"


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


class HeldUntilStopped(Recorder):
    """Every key but the first stays in flight until the Fetched has stopped: no key can
    then be taken between a fetch's end and the stop, so every fetch that ever starts is
    one that was under way when stop() was called."""

    def __init__(self) -> None:
        super().__init__()
        self.fetched: Fetched[int, str] | None = None
        self._gave_up = threading.Event()  # one guard run out: let everything through

    def hold(self, key: int) -> None:
        if key == 0 or self._gave_up.is_set():
            return
        deadline = time.monotonic() + HANG_GUARD_S
        # (The Fetched's threads start in its constructor, before ``fetched`` is set.)
        while self.fetched is None or not self.fetched.stopped:
            if time.monotonic() > deadline:
                self._gave_up.set()
                raise AssertionError(f"stop() had not taken effect after {HANG_GUARD_S:g} s")
            time.sleep(0.001)


def test_stop_sends_nothing_more_and_waits_for_what_is_under_way() -> None:
    # On Ctrl-C or an error in the judging thread, the run stops fetching: the fetches
    # under way end, no other starts.
    fetch = HeldUntilStopped()
    fetched = Fetched(fetch, list(range(100)), concurrency=3)
    fetch.fetched = fetched
    assert fetched.result(0) == "answer 0"
    wait_for(fetch.changed, lambda: fetch.running == 3, HANG_GUARD_S, "three fetches in flight")
    under_way = sorted(fetch.started)
    assert under_way == [0, 1, 2, 3]
    fetched.stop()
    with fetch.changed:
        assert fetch.running == 0, f"stop() returned with {fetch.running} fetch(es) under way"
        assert sorted(fetch.started) == under_way, f"started after stop(): {sorted(set(fetch.started) - {*under_way})}"


# -- the run-wide pipeline (open_ended): scope after scope with no drain between them ---------
class Holding(Recorder):
    """A fetch that holds the keys in ``held`` until :attr:`go` is set."""

    def __init__(self, held: set[int]) -> None:
        super().__init__()
        self.held = held
        self.go = threading.Event()

    def hold(self, key: int) -> None:
        if key in self.held:
            assert self.go.wait(HANG_GUARD_S), f"key {key} held for {HANG_GUARD_S:g} s"


def test_the_next_scopes_requests_start_while_this_scope_still_waits_for_one() -> None:
    """Scope one is 0 and 1, with 0 slow; scope two (100, 101) is added while scope one is
    judged: the free slot takes 100 and 101 before 0 is in, instead of draining to zero."""
    fetch = Holding(held={0})
    pipeline = Fetched(fetch, [0, 1], concurrency=2, open_ended=True)
    try:
        assert pipeline.result(1) == "answer 1"
        pipeline.extend([100, 101])
        wait_for(
            fetch.changed, lambda: {100, 101} <= set(fetch.started), HANG_GUARD_S, "the next scope's requests started"
        )
        assert 0 not in pipeline._done  # scope one's slow request is still out
        fetch.go.set()
        assert [pipeline.result(k) for k in (0, 100, 101)] == ["answer 0", "answer 100", "answer 101"]
        assert fetch.most <= 2
    finally:
        fetch.go.set()
        pipeline.stop()


def test_an_open_ended_pipeline_keeps_its_bound_and_fetches_each_key_once() -> None:
    fetch = Recorder()
    pipeline = Fetched(fetch, list(range(10)), concurrency=3, open_ended=True)
    try:
        for start in (10, 20, 30):
            pipeline.extend(list(range(start - 5, start + 10)))  # half of it known already
        assert [pipeline.result(k) for k in range(40) if k != 13] == [f"answer {k}" for k in range(40) if k != 13]
        assert sorted(fetch.started) == list(range(40)) and fetch.most <= 3
    finally:
        pipeline.stop()
    assert pipeline.stopped


def test_a_released_scope_is_forgotten_and_stop_ends_waiting_threads() -> None:
    fetch = Recorder()
    pipeline = Fetched(fetch, [1, 2], concurrency=2, open_ended=True)
    assert pipeline.result(2) == "answer 2"
    pipeline.release([1, 2])
    with pytest.raises(KeyError):
        pipeline.result(2)
    stopping = threading.Thread(target=pipeline.stop)
    stopping.start()
    stopping.join(HANG_GUARD_S)
    assert not stopping.is_alive(), "stop() did not end threads waiting for more keys"


# -- slots: waiting is not working; busy lowers the limit, calm raises it -------------------
def test_a_request_waiting_out_a_retry_after_gives_its_slot_back() -> None:
    """One slot: a request that must wait pauses; meanwhile another request goes out."""
    slots = Slots(1)
    waiting, other_sent = threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        slots.acquire()
        try:
            waiting.set()
            pause(0.5)  # its Retry-After; the other request must go out meanwhile
            seen.append(other_sent.is_set())
        finally:
            slots.release()

    thread = threading.Thread(target=first)
    thread.start()
    assert waiting.wait(HANG_GUARD_S)
    slots.acquire()  # while the first pauses
    other_sent.set()
    slots.release()
    thread.join(HANG_GUARD_S)
    assert seen == [True], "the other request waited for the pause to end"


def test_busy_answers_halve_the_limit_once_per_window_and_calm_ones_raise_it() -> None:
    slots = Slots(16)
    for _ in range(16):
        slots.answered(busy=False)
    slots.answered(busy=True)
    assert slots.limit == 8
    slots.answered(busy=True)  # the same window: no new news
    assert slots.limit == 8
    for _ in range(8):
        slots.answered(busy=False)
    slots.answered(busy=True)
    assert slots.limit == 4 and slots.lowest == 4
    for expected in (5, 6, 7):
        for _ in range(slots.limit):
            slots.answered(busy=False)
        assert slots.limit == expected
    for _ in range(1000):
        slots.answered(busy=False)
    assert slots.limit == 16  # never above --concurrency
    for _ in range(200):
        for _ in range(slots.limit):
            slots.answered(busy=False)
        slots.answered(busy=True)
    assert slots.limit >= 1


def test_fetched_with_slots_keeps_the_limit_in_flight() -> None:
    slots = Slots(3)
    fetch = Recorder()
    fetched = Fetched(fetch, list(range(60)), concurrency=3, slots=slots, busy=lambda answer: answer.endswith("7"))
    try:
        assert [fetched.result(k) for k in range(60) if k != 13] == [f"answer {k}" for k in range(60) if k != 13]
    finally:
        fetched.stop()
    assert fetch.most <= 3 and slots.lowest < 3


def test_every_request_waiting_out_a_retry_after_has_a_stand_in_meanwhile() -> None:
    """At 5% of answers "503, Retry-After: 1" and a thousand answers a second, some fifty
    requests wait at once. Each wait gets a stand-in thread: all the waits overlap, while
    the requests in flight stay within the slots; the stand-ins end with the waits."""
    slots = Slots(2)
    lock = threading.Lock()
    counts = {"waiting": 0, "most_waiting": 0, "in_flight": 0, "most_in_flight": 0}
    every_wait_started = threading.Event()
    keys = list(range(40))

    def fetch(key: int) -> int:
        with lock:
            counts["in_flight"] += 1
            counts["most_in_flight"] = max(counts["most_in_flight"], counts["in_flight"])
            counts["in_flight"] -= 1
            counts["waiting"] += 1
            counts["most_waiting"] = max(counts["most_waiting"], counts["waiting"])
            if counts["most_waiting"] == len(keys):
                every_wait_started.set()
        pause(2.0)  # its Retry-After: every request waits at once, if each has a stand-in
        with lock:
            counts["waiting"] -= 1
        return key

    fetched = Fetched(fetch, keys, concurrency=2, slots=slots, busy=lambda answer: False)
    try:
        assert [fetched.result(k) for k in keys] == keys
    finally:
        fetched.stop()
    assert counts["most_waiting"] == len(keys), counts  # 8 with four waiting threads a slot
    assert counts["most_in_flight"] <= 2, counts
    assert every_wait_started.is_set()
    assert fetched._threads == [], "threads outlived the fetching"


@pytest.mark.parametrize("with_slots", [True, False], ids=["slots", "no-slots"])
def test_a_request_waiting_to_be_retried_ends_when_the_fetching_stops(with_slots: bool) -> None:
    """A run that ends (stopped early, Ctrl-C, the target gone or busy for good) does not wait
    out the Retry-Afters of requests it will never judge: their waits end at stop()."""
    waiting = threading.Event()
    raised: list[BaseException] = []

    def fetch(key: int) -> int:
        waiting.set()
        try:
            pause(HANG_GUARD_S * 10)  # a Retry-After far longer than the guard below
        except BaseException as exc:
            raised.append(exc)
            raise
        return key

    fetched = Fetched(fetch, [1], concurrency=1, slots=Slots(1) if with_slots else None, busy=lambda answer: False)
    assert waiting.wait(HANG_GUARD_S)
    returns_within(HANG_GUARD_S, fetched.stop, "stop() while a request waited to be retried")
    assert len(raised) == 1 and isinstance(raised[0], FetchStopped), raised
