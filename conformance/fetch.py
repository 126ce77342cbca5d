"""A scope's answers, fetched ``concurrency`` at a time in the order they are needed,
while the judging thread takes each one as soon as it is in.

Lighter than ``concurrent.futures`` for this one pattern: a full run fetches an answer
per distinct request (docs/performance.md counts them), and a Future per answer (a
condition of its own, the executor's queue and semaphore, a wake-up per result) cost the
judging thread, whose CPU bounds the run, about 5% of its time. Here the fetch threads
take the next request from one iterator and wake the judging thread only for the answer
it is waiting for.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")
_END = object()
# A request waiting out a Retry-After or a backoff holds a thread, not a slot: a stand-in
# thread takes the next request meanwhile. At 5% of answers "503, Retry-After: 1" and a
# thousand answers a second, some fifty requests wait at once; a fixed four waiting
# threads per slot left the run waiting on its own threads (a pairwise run 2.2x slower
# than the same run never busy). At most this many stand-ins at once (then a wait holds
# its thread, and the run goes on more slowly, never unbounded).
MAX_STAND_INS = 512


class _Raised:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


# -- slots: requests in flight, and waiting that is not working ------------------------------
class Slots:
    """At most ``limit`` requests in flight, ``limit`` adapting between 1 and ``ceiling``:
    halved when the target says it is busy (429/503; at most once per ``limit`` answers),
    raised by one after ``limit`` answers in a row that were not (additive increase,
    multiplicative decrease), so a
    rate-limited target is asked no faster than it answers, without tuning.

    A thread holding a slot that must wait (a Retry-After, a backoff) gives it back for
    the wait (:func:`pause`): waiting is not working, and another request goes out (in a
    :class:`Fetched`, on a stand-in thread started for the while)."""

    def __init__(self, ceiling: int) -> None:
        self.ceiling = max(1, ceiling)
        self.limit = self.ceiling
        self.lowest = self.ceiling  # the lowest limit the run came down to (for its summary)
        self._held = 0
        self._calm = 0  # answers in a row that were not busy
        self._since_decrease = 0  # answers since the limit last came down
        self._changed = threading.Condition()

    def acquire(self) -> None:
        with self._changed:
            while self._held >= self.limit:
                self._changed.wait()
            self._held += 1
        _local.slots = self

    def release(self) -> None:
        _local.slots = None
        with self._changed:
            self._held -= 1
            self._changed.notify()

    def answered(self, busy: bool) -> None:
        """One answer's news: busy (429/503) or not."""
        with self._changed:
            self._since_decrease += 1
            if busy:
                self._calm = 0
                # Once per window of answers (as TCP halves once per round trip): the
                # requests already out when the target said so are no new news.
                if self._since_decrease >= self.limit:
                    self.limit = max(1, self.limit // 2)
                    self.lowest = min(self.lowest, self.limit)
                    self._since_decrease = 0
                return
            self._calm += 1
            if self._calm >= self.limit and self.limit < self.ceiling:
                self.limit += 1
                self._calm = 0
                self._changed.notify()


_local = threading.local()


class FetchStopped(Exception):
    """The fetching stopped (the run ended: stopped early, Ctrl-C, SIGTERM, the target gone)
    while this request waited to be retried: it is not sent again."""


def pause(seconds: float) -> None:
    """Sleep ``seconds``; a thread that holds a slot gives it back for the while, and a
    fetch thread gets a stand-in. A fetch thread's wait ends when its :class:`Fetched`
    stops (FetchStopped): a run that ends does not wait for retries it will not judge."""
    slots: Slots | None = getattr(_local, "slots", None)
    fetched: Fetched[object, object] | None = getattr(_local, "fetched", None)
    if slots is not None:
        slots.release()
    if fetched is not None:
        fetched._pausing()
    try:
        if fetched is None:
            time.sleep(seconds)
        elif fetched._stopping.wait(seconds):
            raise FetchStopped("the fetching stopped while this request waited to be retried")
    finally:
        if fetched is not None:
            fetched._resumed()
        if slots is not None:
            slots.acquire()


class Fetched(Generic[Key, Value]):
    """``fetch(key)`` for each of ``keys``, in their order, ``concurrency`` at a time;
    :meth:`result` waits for one. Call :meth:`stop` when done (or on any error).

    ``open_ended``: the keys may grow (:meth:`extend`): the fetch threads wait for more
    instead of ending, so one run-wide pipeline carries scope after scope with no drain
    between them; :meth:`release` drops a judged scope's answers."""

    def __init__(
        self,
        fetch: Callable[[Key], Value],
        keys: Sequence[Key],
        concurrency: int,
        open_ended: bool = False,
        slots: Slots | None = None,
        busy: Callable[[Value], bool] | None = None,
    ) -> None:
        self._fetch = fetch
        self._keys = set(keys)
        self._next: Iterator[Key] = iter(keys)
        self._take = threading.Lock()
        self._more = threading.Condition(self._take)  # open-ended: keys were added, or stop
        self._open = open_ended
        # With slots, a request waiting out a Retry-After gives its slot back, and a
        # stand-in thread takes the next request meanwhile (pause, _pausing); ``busy``
        # says which answers were busy, for the slots' limit.
        self._slots = slots
        self._busy = busy
        self._stopped = False
        self._stopping = threading.Event()  # set with _stopped: wakes the requests waiting to be retried
        self._done: dict[Key, Value | _Raised] = {}
        self._arrived = threading.Condition()
        self._awaited: Key | None = None
        # Threads not waiting out a pause: kept at ``_working_target`` (stand-ins start when
        # one pauses, and as many end when the waits are over).
        self._working_target = max(1, concurrency if open_ended else min(concurrency, len(keys)))
        self._working = 0
        self._stand_ins = 0
        self._threads: list[threading.Thread] = []
        with self._take:
            for _ in range(self._working_target):
                self._start_thread()

    def _start_thread(self) -> None:
        # Called with self._take held.
        thread = threading.Thread(target=self._work, name=f"conformance-fetch-{len(self._threads)}", daemon=True)
        self._threads.append(thread)
        self._working += 1
        thread.start()

    def _pausing(self) -> None:
        """A fetch thread starts waiting: a stand-in takes its place meanwhile."""
        with self._take:
            self._working -= 1
            if not self._stopped and self._working < self._working_target and self._stand_ins < MAX_STAND_INS:
                self._stand_ins += 1
                self._start_thread()

    def _resumed(self) -> None:
        with self._take:
            self._working += 1

    def _work(self) -> None:
        _local.fetched = self
        while True:
            with self._take:
                if self._working > self._working_target and self._stand_ins > 0:
                    # Back from a wait while a stand-in works: one of the two ends here.
                    self._working -= 1
                    self._stand_ins -= 1
                    self._threads.remove(threading.current_thread())
                    return
                key = _END if self._stopped else next(self._next, _END)
                while key is _END and self._open and not self._stopped:
                    self._more.wait()
                    key = _END if self._stopped else next(self._next, _END)
                if key is _END:
                    self._working -= 1
                    self._threads.remove(threading.current_thread())
                    return
            value: Value | _Raised
            slots = self._slots
            if slots is not None:
                slots.acquire()
            try:
                value = self._fetch(key)  # type: ignore[arg-type]
            except BaseException as exc:  # noqa: BLE001 - raised in the judging thread, by result()
                value = _Raised(exc)
            finally:
                if slots is not None:
                    slots.release()
            if slots is not None and self._busy is not None and not isinstance(value, _Raised):
                slots.answered(self._busy(value))
            with self._arrived:
                self._done[key] = value  # type: ignore[index]
                if self._awaited == key:
                    self._arrived.notify()

    def result(self, key: Key) -> Value:
        """The answer for ``key`` (one of the keys given), once it is in; what ``fetch``
        raised for it is raised here."""
        if key not in self._keys:
            raise KeyError(key)
        with self._arrived:
            while key not in self._done:
                self._awaited = key
                self._arrived.wait()
            self._awaited = None
            value = self._done[key]
        if isinstance(value, _Raised):
            raise value.error
        return value

    def extend(self, keys: Iterable[Key]) -> None:
        """More keys, fetched after those given before (an open-ended pipeline); a key it
        already has is not fetched again."""
        with self._take:
            new = [k for k in dict.fromkeys(keys) if k not in self._keys]
            self._keys.update(new)
            self._next = itertools.chain(self._next, new)
            self._more.notify_all()

    def release(self, keys: Iterable[Key]) -> None:
        """Forget these keys' answers (all taken): what the pipeline holds stays bounded
        by what is in flight and the scopes not yet judged."""
        keys = list(keys)
        with self._take:
            self._keys.difference_update(keys)
        with self._arrived:
            for key in keys:
                self._done.pop(key, None)

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` has taken effect: no fetch starts from then on. (The own
        tests hold fetches until it has, to see that nothing more starts without timing it.)"""
        return self._stopped

    def stop(self) -> None:
        """Nothing more is fetched; the fetches under way end (each within its own
        deadline; one waiting to be retried at once, FetchStopped) before this returns."""
        with self._take:
            self._stopped = True
            self._stopping.set()
            self._more.notify_all()
            threads = list(self._threads)
        for thread in threads:
            thread.join()
