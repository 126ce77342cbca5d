"""Serving a WSGI app (the middleware) with waitress in a thread.

Two connection behaviours the variants need, below the WSGI interface:

- ``Connection: close`` after an answer: a WSGI application may not send hop-by-hop
  headers, so the app asks for it by setting ``environ[CLOSE_CONNECTION]``, and the
  task (the server's side) honours it. Per answer, so a rotation can switch it on for
  one answer and off for the next.
- idle keep-alive connections closed by the server (``idle_timeout_s``): waitress's own
  ``channel_timeout``, checked every ``cleanup_interval`` (both whole seconds).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, cast

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import WSGITask

# The WSGI environ key an app sets to have its answer's connection closed after it.
CLOSE_CONNECTION = "conformance.sandbox.close_connection"


class _Task(WSGITask):
    def build_response_header(self) -> bytes:
        # self.environ is the dict the app saw (waitress caches it on the task).
        if self.environ is not None and self.environ.get(CLOSE_CONNECTION):
            self.set_close_on_finish()  # adds "Connection: close" and closes after the answer
        return super().build_response_header()


class _Channel(HTTPChannel):
    task_class = _Task


class Server:
    """A WSGI app (with a ``close()``) served by waitress on ``host`` (default
    127.0.0.1), ``port`` (default: a free one)."""

    def __init__(
        self, app: Any, host: str = "127.0.0.1", port: int = 0, threads: int = 8, idle_timeout_s: int | None = None
    ) -> None:
        self.app = app
        self.map: dict[int, Any] = {}
        options: dict[str, Any] = {}
        if idle_timeout_s is not None:
            options = {"channel_timeout": idle_timeout_s, "cleanup_interval": 1}
        # waitress types create_server loosely (a union without these attributes).
        self.server: Any = cast(
            Any,
            create_server(
                app,
                map=self.map,
                host=host,
                port=port,
                threads=threads,
                asyncore_use_poll=True,
                connection_limit=1000,
                **options,
            ),
        )
        self.server.channel_class = _Channel
        shown = str(self.server.effective_host)
        shown = f"[{shown}]" if ":" in shown else shown
        self.url = f"http://{shown}:{self.server.effective_port}/api.php"
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"sandbox-server-{self.server.effective_port}", daemon=True
        )
        self._thread.start()

    def _loop(self) -> None:
        try:
            while not self._stopping.is_set():
                # A short poll timeout: the idle-connection sweep runs from this loop.
                wasyncore.loop(timeout=0.5, map=self.map, use_poll=True, count=1)
        finally:
            wasyncore.close_all(self.map, ignore_all=True)
            self.server.task_dispatcher.shutdown()

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self.server.pull_trigger()
        self._thread.join(10)
        self.app.close()
