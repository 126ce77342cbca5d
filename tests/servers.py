"""One way for the harness's own tests to run a server of their own.

``serve_wsgi(app)`` serves a WSGI app with waitress; ``serve_socket(handle)`` hands every
accepted connection to ``handle(conn, served)`` on a thread of its own, so anything at all
can be sent (a half answer, a trickle, a hang-up). Both listen on 127.0.0.1 and a free
port, and both stop when their ``with`` block ends, however it ends: the listener is
closed, open connections are shut down (a handler blocked reading or sending wakes up
with ``OSError``, which is expected and swallowed) and ``served.stopping`` is set, so a
handler that waits on purpose waits on that event.

``each_request(answer)`` turns a per-request function into a connection handler that
reads request after request on a kept-alive connection, as an HTTP/1.1 server does.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

HOST = "127.0.0.1"
WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Served:
    """A running server: where it listens, and the means to stop it from a test."""

    port: int
    scheme: str = "http"
    stopping: threading.Event = field(default_factory=threading.Event)
    connections: int = 0  # connections accepted so far
    _stop: Callable[[], None] = lambda: None
    _stop_listening: Callable[[], None] = lambda: None

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """The endpoint the harness is pointed at."""
        return f"{self.origin}/api.php"

    def stop(self) -> None:
        """Stop now (idempotent; the ``with`` block's end calls it too)."""
        self._stop()

    def stop_listening(self) -> None:
        """Refuse new connections from now on (a target that dies mid-run); open ones go on."""
        self._stop_listening()


@dataclass(frozen=True)
class Request:
    """One HTTP request as read off a raw socket."""

    head: bytes
    body: bytes

    @property
    def method(self) -> str:
        return self.head.split(b" ", 1)[0].decode("latin-1")

    @property
    def target(self) -> str:
        """The request target as sent: path and query."""
        parts = self.head.split(b"\r\n", 1)[0].split(b" ")
        return parts[1].decode("latin-1") if len(parts) > 1 else ""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def headers(self) -> dict[str, str]:
        """Header fields by lower-case name (the last of a repeated one)."""
        fields: dict[str, str] = {}
        for line in self.head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            fields[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
        return fields


def read_request(conn: socket.socket) -> Request | None:
    """The next request on ``conn`` (its body read to its Content-Length), or None when
    the client closed the connection first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(Request(head, b"").headers.get("content-length") or 0)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return Request(head, body)


def send(
    conn: socket.socket,
    status: int,
    body: bytes,
    content_type: str = "application/xml",
    extra: str = "",
    close: bool = False,
) -> None:
    """A whole answer at once; ``extra`` is more header lines, each ending in CRLF."""
    connection = "Connection: close\r\n" if close else ""
    head = (
        f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{connection}{extra}\r\n"
    )
    conn.sendall(head.encode() + body)


ConnectionHandler = Callable[[socket.socket, Served], None]
# Answers one request; returns True to close the connection after it.
RequestHandler = Callable[[socket.socket, Request, Served], "bool | None"]


def each_request(answer: RequestHandler, timeout: float = 5) -> ConnectionHandler:
    """A connection handler that answers request after request on one connection until
    the client closes it, ``answer`` returns True, or the server stops."""

    def handle(conn: socket.socket, served: Served) -> None:
        conn.settimeout(timeout)
        while not served.stopping.is_set():
            request = read_request(conn)
            if request is None or answer(conn, request, served):
                return

    return handle


@contextlib.contextmanager
def serve_socket(handle: ConnectionHandler, tls: ssl.SSLContext | None = None) -> Iterator[Served]:
    """Serve every connection with ``handle(conn, served)``, each on its own thread; with
    ``tls``, connections are TLS (a failed handshake just closes the connection)."""
    listener = socket.create_server((HOST, 0))
    listener.settimeout(0.05)  # the accept loop looks at ``stopping`` this often
    served = Served(port=listener.getsockname()[1], scheme="https" if tls else "http")
    lock = threading.Lock()
    open_conns: list[socket.socket] = []
    threads: list[threading.Thread] = []

    def run(conn: socket.socket) -> None:
        try:
            if tls is not None:
                conn.settimeout(5)
                conn = tls.wrap_socket(conn, server_side=True)
                with lock:
                    open_conns.append(conn)
            handle(conn, served)
        except OSError:
            pass  # the client went away, or the server is stopping: both end the handler
        finally:
            conn.close()

    def accept() -> None:
        while not served.stopping.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # the listener was closed
            with lock:
                served.connections += 1
                open_conns.append(conn)
                thread = threading.Thread(target=run, args=(conn,), daemon=True)
                threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept, daemon=True)

    def stop_listening() -> None:
        with contextlib.suppress(OSError):
            listener.close()

    def stop() -> None:
        served.stopping.set()
        stop_listening()
        acceptor.join(5)
        with lock:
            conns, running = list(open_conns), list(threads)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # wakes a handler blocked in recv or send
        for thread in running:
            thread.join(5)

    served._stop, served._stop_listening = stop, stop_listening
    acceptor.start()
    try:
        yield served
    finally:
        stop()


@contextlib.contextmanager
def serve_wsgi(app: WSGIApp, threads: int = 4) -> Iterator[Served]:
    """Serve ``app`` with waitress; ``served.connections`` counts the distinct client
    connections its requests came on."""
    seen: set[tuple[str, str]] = set()

    def counted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        seen.add((environ.get("REMOTE_ADDR", ""), environ.get("REMOTE_PORT", "")))
        served.connections = len(seen)
        return app(environ, start_response)

    socket_map: dict[int, Any] = {}
    server: Any = create_server(counted, map=socket_map, host=HOST, port=0, threads=threads)
    served = Served(port=int(server.effective_port))
    stopped = threading.Event()

    def loop() -> None:
        # Our own loop, ended by the event: closing the sockets under waitress's
        # server.run() from another thread raced its select() (EBADF in the thread).
        try:
            while not stopped.is_set():
                wasyncore.loop(timeout=0.2, map=socket_map, count=1)
        finally:
            wasyncore.close_all(socket_map, ignore_all=True)
            server.task_dispatcher.shutdown()

    runner = threading.Thread(target=loop, daemon=True)

    def stop() -> None:
        served.stopping.set()
        if not stopped.is_set():
            stopped.set()
            with contextlib.suppress(OSError):
                server.pull_trigger()
            runner.join(5)

    served._stop = served._stop_listening = stop
    runner.start()
    try:
        yield served
    finally:
        stop()
