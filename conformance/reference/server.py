"""Running the reference app under waitress in a background thread.

waitress gives real HTTP/1.1 behaviour (keep-alive, TCP_NODELAY, a pool of
worker threads), so the harness measures against a server that behaves like
a remote one.  ``start`` returns only once the socket listens; ``stop``
shuts everything down from the serving thread itself, so no socket is
closed under the feet of the event loop.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from waitress import wasyncore
from waitress.server import create_server

from .app import ReferenceApp
from .db import Database
from .paths import PROFILE_PATH

ENDPOINT_PATH = "/api.php"

# The event loop wakes this often even when idle, to notice a stop request
# that raced with the trigger (normally stop() wakes it at once).
_POLL_TIMEOUT_S = 0.5
_STOP_TIMEOUT_S = 10.0


def _numeric_host(host: str) -> str:
    """One numeric address for ``host``.

    waitress binds every address a name resolves to ("localhost" -> 127.0.0.1
    and ::1), each on its own port when port is 0; resolving first keeps a
    single socket and a single URL.
    """
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return str(infos[0][4][0])


class ListenError(OSError):
    """The server cannot listen where it was asked to; the message names the address
    and how to fix it (an OSError, with the errno of the failure)."""

    @classmethod
    def of(cls, exc: OSError, host: str, port: int) -> ListenError:
        where = f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            how = (
                f"port {port} on {host} is already in use (another server listens there): stop that server, "
                "choose another port with --port, or --port 0 to pick a free one"
            )
        elif exc.errno == errno.EACCES:
            how = (
                f"no permission to listen on {where} (ports below 1024 need "
                "privileges): choose a port of 1024 or more, or --port 0"
            )
        elif exc.errno == errno.EADDRNOTAVAIL:
            how = f"{host} is not an address of this machine: choose one with --host (e.g. 127.0.0.1)"
        else:
            how = f"cannot listen on {where}: {exc.strerror or exc}"
        return cls(exc.errno, how)

    def __str__(self) -> str:
        # The bare message: "[Errno 98] ..." says less than the message itself.
        return str(self.strerror)


class RunningServer:
    """A reference server serving in a daemon thread.

    Attributes: ``url`` (endpoint URL, http://HOST:PORT/api.php), ``base_url``
    (http://HOST:PORT/), ``host``, ``port``, ``profile_path``.
    """

    def __init__(self, server: Any, socket_map: dict[int, Any], app: ReferenceApp) -> None:
        self._server = server
        self._map = socket_map
        self._app = app
        self.host: str = str(server.effective_host)
        self.port: int = int(server.effective_port)
        url_host = f"[{self.host}]" if ":" in self.host else self.host
        self.base_url: str = f"http://{url_host}:{self.port}/"
        self.url: str = f"http://{url_host}:{self.port}{ENDPOINT_PATH}"
        self.profile_path: Path = PROFILE_PATH
        self._stopping = threading.Event()
        self._stop_lock = threading.Lock()
        self._stopped = False
        self._thread = threading.Thread(target=self._serve, name=f"reference-server-{self.port}", daemon=True)

    def _serve(self) -> None:
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=_POLL_TIMEOUT_S, map=self._map, use_poll=True, count=1)
        finally:
            # Close the client connections first: a worker blocked writing to
            # one then gets ClientDisconnected instead of waiting forever, so
            # the dispatcher's shutdown can join its threads.
            wasyncore.close_all(self._map, ignore_all=True)
            self._server.task_dispatcher.shutdown()

    def stop(self) -> None:
        """Stop serving, close every connection and the database. Idempotent."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        self._stopping.set()
        if self._thread.is_alive():
            with contextlib.suppress(OSError):  # loop already gone; the join below still applies
                self._server.pull_trigger()  # wake the event loop now
            self._thread.join(_STOP_TIMEOUT_S)
        self._app.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running"
        return f"<RunningServer {self.url} {state}>"


def start(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    db_path: str | Path | None = None,
    latency_ms: int = 0,
    threads: int = 8,
) -> RunningServer:
    """Serve the reference API; return once the socket is listening.

    ``port`` 0 picks a free port (see ``.port`` / ``.url``).  ``db_path``
    None uses a fresh in-memory database; a path keeps a SQLite file.
    ``latency_ms`` delays every answer, to simulate a remote target.
    """
    if threads < 1:
        raise ValueError("threads must be >= 1")
    app = ReferenceApp(Database.open(db_path), latency_ms=latency_ms)
    socket_map: dict[int, Any] = {}
    try:
        server = create_server(
            app,
            map=socket_map,
            host=_numeric_host(host),
            port=port,
            threads=threads,
            # poll() rather than select(): no limit at fd 1024 in a busy
            # test process.
            asyncore_use_poll=True,
            # The harness opens many keep-alive connections at once.
            connection_limit=1000,
        )
    except OSError as exc:
        app.close()
        raise ListenError.of(exc, host, port) from exc
    except BaseException:
        app.close()
        raise
    running = RunningServer(server, socket_map, app)
    running._thread.start()
    return running
