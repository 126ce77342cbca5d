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

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")
_END = object()


class _Raised:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class Fetched(Generic[Key, Value]):
    """``fetch(key)`` for each of ``keys``, in their order, ``concurrency`` at a time;
    :meth:`result` waits for one. Call :meth:`stop` when done (or on any error)."""

    def __init__(self, fetch: Callable[[Key], Value], keys: Sequence[Key], concurrency: int) -> None:
        self._fetch = fetch
        self._keys = set(keys)
        self._next = iter(keys)
        self._take = threading.Lock()
        self._stopped = False
        self._done: dict[Key, Value | _Raised] = {}
        self._arrived = threading.Condition()
        self._awaited: Key | None = None
        self._threads = [
            threading.Thread(target=self._work, name=f"conformance-fetch-{n}", daemon=True)
            for n in range(max(1, min(concurrency, len(keys))))
        ]
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        while True:
            with self._take:
                key = _END if self._stopped else next(self._next, _END)
            if key is _END:
                return
            value: Value | _Raised
            try:
                value = self._fetch(key)  # type: ignore[arg-type]
            except BaseException as exc:  # noqa: BLE001 - raised in the judging thread, by result()
                value = _Raised(exc)
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

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` has taken effect: no fetch starts from then on. (The own
        tests hold fetches until it has, to see that nothing more starts without timing it.)"""
        return self._stopped

    def stop(self) -> None:
        """Nothing more is fetched; the fetches under way end (each within its own
        deadline) before this returns."""
        with self._take:
            self._stopped = True
        for thread in self._threads:
            thread.join()
