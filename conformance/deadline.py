"""The deadline of one whole exchange (connect, TLS, request, headers, body), enforced
by one watchdog thread for the process.

requests and urllib3 bound each socket operation (a connect, one recv), never the
exchange: a target that sends its headers a byte every 0.9 s, with a 1 s timeout,
keeps a request open as long as it likes. Two ways to bound the whole exchange:
  - before each read, set the socket's timeout to what is left of the deadline. The
    reads that matter are not ours: ssl reads the handshake, http.client the status
    line and headers line by line, urllib3 the chunk framing, each with its own recv
    on a socket it holds privately; shortening the timeout between them needs a hook
    into every layer, and one layer missed is a hang.
  - a watchdog that shuts the connection's socket down at the deadline. shutdown()
    wakes every recv or send blocked on that connection, in whichever layer, with EOF
    or an error, plain or TLS alike; it needs only the socket, which urllib3's
    connection class hands over when it connects and when a kept-alive connection is
    reused (conformance/transport.py's connection classes call :func:`watching`).
The watchdog is the reliable one, so it is used. Its hazard is shutting down a socket
no longer the exchange's (a kept-alive connection already serving the next request,
or a descriptor closed and reused by another thread's connection). So it shuts down
only a duplicate descriptor the exchange owns (the same TCP connection; no one else
can close or reuse it), and only while the exchange is armed: disarming takes the
same lock, and the duplicates are closed only after it.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time

# How far an exchange got when its deadline passed, as a failure message says it.
PHASES = {
    "connect": "still connecting",
    "tls": "the TLS handshake was not finished",
    "send": "the request was still being sent",
    "headers": "the headers had not all arrived",
    "body": "the body was still arriving",
}


class DeadlineExceeded(Exception):
    """The exchange's deadline passed in ``phase``, after ``received`` bytes of body."""

    def __init__(self, phase: str, received: int) -> None:
        super().__init__(phase, received)
        self.phase = phase
        self.received = received


class Watch:
    """The deadline of one exchange, how far the exchange got, and the sockets it uses."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.phase = "connect"
        self.fired = False
        self.fired_in = ""  # the phase the exchange was in when the deadline passed
        self.done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def add(self, sock: socket.socket, phase: str) -> None:
        """Watch ``sock`` (through a duplicate descriptor) from now on."""
        self.phase = phase
        try:
            own = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except OSError:
            return  # closed already: nothing left to interrupt
        with self._lock:
            if not self.done:
                self._sockets.append(own)
                if self.fired:  # connected after the deadline passed
                    _shut(own)
                return
        own.close()

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired, self.fired_in = True, self.phase
            for own in self._sockets:
                _shut(own)

    def disarm(self) -> None:
        """The exchange is over: from here on, nothing of it is shut down."""
        with self._lock:
            self.done = True
            owned, self._sockets = self._sockets, []
        for own in owned:
            own.close()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # the peer closed it first
        sock.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """One thread for the process that fires each armed watch at its deadline (a
    threading.Timer per request would start a thread per request: 38,000 a full run)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, watch: Watch) -> None:
        with self._wake:
            heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="conformance-deadline", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            due: list[Watch] = []
            with self._wake:
                now = time.monotonic()
                while self._heap and (self._heap[0][2].done or self._heap[0][0] <= now):
                    watch = heapq.heappop(self._heap)[2]
                    if not watch.done:
                        due.append(watch)
                if not due:
                    self._wake.wait(self._heap[0][0] - now if self._heap else None)
            for watch in due:
                watch.fire()


_WATCHDOG = Watchdog()
_exchange = threading.local()  # .watch: the watch of the exchange this thread is sending


def arm(deadline: float) -> Watch:
    """Start watching the exchange this thread is about to send: the sockets its
    connections hand over (:func:`watching`) are shut down at ``deadline``."""
    watch = Watch(deadline)
    _WATCHDOG.arm(watch)
    _exchange.watch = watch
    return watch


def end(watch: Watch) -> None:
    """This thread's exchange is over: stop watching it (before its connection is
    closed or handed back to a pool)."""
    _exchange.watch = None
    watch.disarm()


def watching(sock: socket.socket | None, phase: str) -> None:
    """Called by the connection classes: this thread's exchange has reached ``phase``,
    on ``sock`` (None: on the socket it already watches)."""
    watch: Watch | None = getattr(_exchange, "watch", None)
    if watch is not None:
        if sock is not None:
            watch.add(sock, phase)
        else:
            watch.phase = phase
