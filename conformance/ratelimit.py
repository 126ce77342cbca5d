"""The run's rate limit: at most ``--rate-limit`` requests a second, whichever thread sends."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """At most ``rate`` requests a second across all threads (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(self._next, now)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)
