"""Hostile and broken targets, served from a raw socket so that anything can be sent.

Every target lets the harness's smoke request through to the real reference server
(otherwise the run would stop at the smoke, and no case would meet the behaviour),
then answers everything else its own way.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl

import requests

from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH, start
from tests import servers
from tests.servers import Request, Served, send

Behaviour = Callable[[socket.socket, "HostileServer"], None]
SECRET_FILE_TEXT = "TOPSECRET-local-file-7c41e2"


def _smoke_fields() -> dict[str, str]:
    profile = load_profile(PROFILE_PATH)
    account = profile.accounts[0]
    customer = account.customers[0]
    return {
        "user_id": profile.user_id,
        "type": "customer_info",
        "account_id": account.account_id,
        "code": customer.code or "",
    }


class HostileServer:
    """Lets the smoke lookup through to the reference, and answers everything else with
    ``behaviour``; served by ``tests/servers.py`` (see ``serve`` below)."""

    def __init__(self, behaviour: Behaviour, reference_url: str) -> None:
        self.behaviour = behaviour
        self.reference_url = reference_url
        self.requests_seen = 0
        self.smokes_seen = 0  # the smoke lookup, sent at start and as the "still there?" probe
        self._handling = threading.local()  # each connection is handled on a thread of its own
        self.smoke = _smoke_fields()
        self.served = Served(port=0)  # replaced by the running server's in ``serve``

    @property
    def url(self) -> str:
        return self.served.url

    @property
    def port(self) -> int:
        return self.served.port

    @property
    def connections(self) -> int:
        return self.served.connections

    @property
    def stopping(self) -> threading.Event:
        return self.served.stopping

    def answer(self, conn: socket.socket, request: Request, served: Served) -> bool:
        self.requests_seen += 1
        self._handling.head = request.head
        fields = dict(parse_qsl(request.body.decode("latin-1"), keep_blank_values=True))
        if {k: v for k, v in fields.items() if k != "user_password"} == self.smoke:
            self.smokes_seen += 1
            answer = requests.post(self.reference_url, data=fields, timeout=5)
            send(
                conn,
                200,
                answer.content,
                answer.headers.get("content-type", "application/xml"),
            )
            return False
        self.behaviour(conn, self)
        return True  # one hostile answer per connection keeps behaviours simple

    @property
    def request_head(self) -> bytes:
        """The head of the request being answered on this thread (behaviours may read it)."""
        head: bytes = self._handling.head
        return head

    def stop(self) -> None:
        self.served.stop()


XML_OK = b'<?xml version="1.0"?><response status="no_match"><message>No Customers Match Criteria</message></response>'


def _fixed(status: int, body: bytes, content_type: str = "application/xml", extra: str = "") -> Behaviour:
    # The connection is closed after a hostile answer, and says so.
    return lambda conn, server: send(conn, status, body, content_type, extra, close=True)


def _half(conn: socket.socket, server: HostileServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 2000\r\n\r\n" + XML_OK[:60])


def _huge(conn: socket.socket, server: HostileServer) -> None:
    # Announces 300 MB and sends as fast as the client reads, until it stops reading.
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: "
        b'314572800\r\n\r\n<response status="success"><customer><code>'
    )
    block = b"9" * 65536
    for _ in range(4800):
        conn.sendall(block)


def _endless(conn: socket.socket, server: HostileServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    block = b"10000\r\n" + b" " * 65536 + b"\r\n"
    while not server.stopping.is_set():
        conn.sendall(block)


def _slow(conn: socket.socket, server: HostileServer) -> None:
    server.stopping.wait(60)  # answers after 60 s, or never when the test ends first
    send(conn, 200, XML_OK)


def _dribble(conn: socket.socket, server: HostileServer, data: bytes, interval: float) -> None:
    for i in range(len(data)):
        if server.stopping.wait(interval):
            return
        conn.sendall(data[i : i + 1])


def trickle_headers(interval: float) -> Behaviour:
    """A valid answer: the status line at once, then the header fields one byte every
    ``interval`` seconds (about 60 bytes: 18 s at 0.3 s), then the body at once. Every
    read returns within the interval, so only a deadline on the whole exchange stops
    it; and cut short mid-field, the headers still parse (http.client takes EOF for
    their end), so only the client's own bookkeeping can tell they were cut."""
    fields = f"Content-Type: application/xml\r\nContent-Length: {len(XML_OK)}\r\n\r\n".encode()

    def behaviour(conn: socket.socket, server: HostileServer) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        _dribble(conn, server, fields, interval)
        conn.sendall(XML_OK)

    return behaviour


def trickle_body(interval: float) -> Behaviour:
    """A valid answer whose headers come at once, then its body one byte every
    ``interval`` seconds (about 110 bytes: 33 s at 0.3 s)."""
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {len(XML_OK)}\r\n\r\n".encode()

    def behaviour(conn: socket.socket, server: HostileServer) -> None:
        conn.sendall(head)
        _dribble(conn, server, XML_OK, interval)

    return behaviour


def redirect_loop(conn: socket.socket, server: HostileServer) -> None:
    """Same-origin redirects that lead back where they started: /api.php -> /a -> /api.php."""
    path = server.request_head.split(b" ")[1].split(b"?")[0]
    send(
        conn,
        307,
        b"",
        "text/plain",
        f"Location: {'/a' if path == b'/api.php' else '/api.php'}\r\n",
        close=True,
    )


def _close(conn: socket.socket, server: HostileServer) -> None:
    conn.close()


def _refuse_after_smoke(conn: socket.socket, server: HostileServer) -> None:
    # The target dies mid-run: nothing listens on the port any more.
    server.served.stop_listening()
    conn.close()


def _xxe(secret_path: str) -> Behaviour:
    body = (
        f'<?xml version="1.0"?><!DOCTYPE response [<!ENTITY leak SYSTEM "file://{secret_path}">]>'
        '<response status="error"><error>&leak;</error></response>'
    ).encode()
    return _fixed(200, body)


BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY '
    b'lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    + b"".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'.encode() for i in range(2, 10))
    + b']><response status="error"><error>&lol9;</error></response>'
)


def _network_dtd(dtd_url: str) -> Behaviour:
    body = (
        '<?xml version="1.0"?><!DOCTYPE response SYSTEM '
        f'"{dtd_url}"><response status="error"><error>x</error></response>'
    ).encode()
    return _fixed(200, body)


DEEP_JSON = b'{"status":"success","customer":' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def _redirect(location: str) -> Behaviour:
    return _fixed(307, b"", "text/plain", f"Location: {location}\r\n")


class Listener:
    """A port that records whether anything connected (a DTD host, a redirect target),
    and the first bytes each connection sent; served by ``listening()``."""

    def __init__(self) -> None:
        self.received = b""
        self.served = Served(port=0)  # replaced by the running server's in ``listening``

    @property
    def port(self) -> int:
        return self.served.port

    @property
    def connections(self) -> int:
        return self.served.connections

    def record(self, conn: socket.socket, served: Served) -> None:
        conn.settimeout(1)
        self.received += conn.recv(65536)


@contextmanager
def listening() -> Iterator[Listener]:
    listener = Listener()
    with servers.serve_socket(listener.record) as served:
        listener.served = served
        yield listener


@contextmanager
def reference() -> Iterator[str]:
    server = start()
    try:
        yield server.url
    finally:
        server.stop()


@contextmanager
def serve(behaviour: Behaviour, reference_url: str) -> Iterator[HostileServer]:
    server = HostileServer(behaviour, reference_url)
    with servers.serve_socket(servers.each_request(server.answer)) as served:
        server.served = served
        yield server


def behaviours(secret_path: str, listener: Listener) -> dict[str, Behaviour]:
    local = f"http://127.0.0.1:{listener.port}"
    return {
        "html-500": _fixed(
            500,
            b"<html><body><h1>500 Internal Server Error</h1></body></html>",
            "text/html",
        ),
        "empty-body": _fixed(200, b""),
        "half-body": _half,
        "invalid-utf8": _fixed(
            200,
            b'{"status":"no_match","message":"\xff\xfe broken"}',
            "application/json",
        ),
        "wrong-content-type-garbage": _fixed(200, b"\x89PNG\r\n\x1a\n\x00\x00", "application/xml"),
        "xxe-local-file": _xxe(secret_path),
        "entity-bomb": _fixed(200, BOMB),
        "dtd-over-network": _network_dtd(f"{local}/evil.dtd"),
        "huge-body": _huge,
        "endless-body": _endless,
        "answer-after-60s": _slow,
        "close-without-answer": _close,
        "refused-mid-run": _refuse_after_smoke,
        "json-100000-deep": _fixed(200, DEEP_JSON, "application/json"),
        "malformed-jsonp": _fixed(200, b'cb({"status":"no_match","message":"x"}', "application/javascript"),
        "redirect-other-host": _redirect(f"{local}/api.php"),
    }


def wait_until(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
