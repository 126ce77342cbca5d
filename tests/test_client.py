"""The client: one capped, timed, redirect-free exchange; the password only on the wire.

Every server here listens on 127.0.0.1 in a thread of this process and is stopped
when its test ends.
"""

from __future__ import annotations

import contextlib
import email.parser
import gzip
import http
import os
import shlex
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from conformance.client import (
    ENCODINGS,
    Client,
    Request,
    build_request,
    curl_command,
)
from conformance.parse import parse_answer
from conformance.reference import start
from conformance.secret import PLACEHOLDER, Secret
from tests.servers import Served, serve_socket, serve_wsgi
from tests.waiting import HANG_GUARD_S, returns_within

REFERENCE_PASSWORD = "1959caadac9b13dcb3"
# Distinctive, with characters every encoding must carry faithfully.
PASSWORD = "Zq9-sekret w'x\"$HOME&=+%/\u00fc"
LOOKUP = [("code", "89898989898989")]


# -- servers ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reference() -> Iterator[Any]:
    server = start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def fields(self) -> list[tuple[str, str]]:
        """The request's fields, whatever the encoding."""
        content_type = self.headers.get("content-type", "")
        if self.method == "GET":
            return parse_qsl(urlsplit(self.path).query, keep_blank_values=True)
        if content_type.startswith("multipart/form-data"):
            message = email.parser.BytesParser().parsebytes(
                b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + self.body
            )
            return [
                (
                    part.get_param("name", header="content-disposition"),
                    part.get_payload(decode=True).decode("utf-8"),
                )
                for part in message.get_payload()
            ]
        return parse_qsl(self.body.decode("ascii"), keep_blank_values=True)


@dataclass
class Recorder:
    """A WSGI app that records what it receives and answers ``answer``."""

    status: int = 200
    answer: bytes = b'{"status": "no_match", "message": "none"}'
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            name[5:].replace("_", "-").lower(): value for name, value in environ.items() if name.startswith("HTTP_")
        }
        headers.update(
            {
                name.replace("_", "-").lower(): environ[name]
                for name in ("CONTENT_TYPE", "CONTENT_LENGTH")
                if environ.get(name)
            }
        )
        query = environ.get("QUERY_STRING", "")
        path = environ.get("PATH_INFO", "") + (f"?{query}" if query else "")
        self.received.append(Received(environ["REQUEST_METHOD"], path, headers, body))
        reason = http.HTTPStatus(self.status).phrase
        start_response(
            f"{self.status} {reason}",
            [*self.headers.items(), ("Content-Length", str(len(self.answer)))],
        )
        return [self.answer]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    app = Recorder()
    with serve_wsgi(app) as served:
        app.url = served.url
        yield app


@pytest.fixture
def other_recorder() -> Iterator[Recorder]:
    app = Recorder()
    with serve_wsgi(app) as served:
        app.url = served.url
        yield app


# A raw server's connection handler: ``handle(conn, served)``; it waits on ``served.stopping``.
RawHandler = Callable[[socket.socket, Served], None]


@pytest.fixture
def raw_server() -> Iterator[Callable[[RawHandler], Served]]:
    """Start raw servers inside a test; each is stopped when the test ends."""
    with contextlib.ExitStack() as servers:
        yield lambda handle: servers.enter_context(serve_socket(handle))


def read_request_head(conn: socket.socket) -> bytes:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def lookup(encoding: str, options: list[tuple[str, str]] | None = None) -> Request:
    return build_request("john1970", "greatwidgets", LOOKUP, options or [], encoding=encoding)  # type: ignore[arg-type]


# -- encodings ---------------------------------------------------------------------------------
@pytest.mark.parametrize("output", [[], [("output", "json")]], ids=["xml", "json"])
def test_every_encoding_gets_the_same_answer(reference: Any, output: list[tuple[str, str]]) -> None:
    client = Client(reference.url, Secret(REFERENCE_PASSWORD), timeout=10)
    try:
        exchanges = {encoding: client.send(lookup(encoding, output)) for encoding in ENCODINGS}
    finally:
        client.close()
    for encoding, exchange in exchanges.items():
        assert exchange.transport_error is None, encoding
        assert exchange.status == 200, encoding
        assert not exchange.truncated
        assert exchange.elapsed > 0
    documents = {encoding: parse_answer(e.body).document for encoding, e in exchanges.items()}
    assert documents["form"]["status"] == "success"
    assert documents["form"]["customer"]["code"] == "89898989898989"
    assert documents["multipart"] == documents["form"]
    assert documents["query"] == documents["form"]
    assert exchanges["multipart"].body == exchanges["form"].body == exchanges["query"].body


def test_wrong_password_is_refused(reference: Any) -> None:
    # The comparison above can fail: the password does reach the server and matters.
    client = Client(reference.url, Secret("not-the-password"), timeout=10)
    try:
        exchange = client.send(lookup("form"))
    finally:
        client.close()
    assert parse_answer(exchange.body).document["status"] == "error"


def test_build_request_field_order() -> None:
    request = build_request("u1", "acct", [("card_number", "12")], [("output", "json")], encoding="query")
    assert request.fields == (
        ("user_id", "u1"),
        ("user_password", PLACEHOLDER),
        ("type", "customer_info"),
        ("account_id", "acct"),
        ("card_number", "12"),
        ("output", "json"),
    )
    assert request.encoding == "query"
    assert "u1" not in request.describe() and "user_password" not in request.describe()
    assert "card_number='12'" in request.describe()


# -- the password ------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_password_only_on_the_wire(recorder: Recorder, encoding: str) -> None:
    request = lookup(encoding)
    client = Client(recorder.url, Secret(PASSWORD), timeout=5)
    try:
        exchange = client.send(request)
    finally:
        client.close()
    assert exchange.status == 200 and exchange.transport_error is None
    (received,) = recorder.received
    assert received.method == ("GET" if encoding == "query" else "POST")
    if encoding == "multipart":
        assert received.headers["content-type"].startswith("multipart/form-data")
    elif encoding == "form":
        assert received.headers["content-type"] == "application/x-www-form-urlencoded"
    sent = received.fields()
    assert ("user_password", PASSWORD) in sent
    assert PLACEHOLDER not in [value for _, value in sent]
    assert sent == [(k, PASSWORD if v == PLACEHOLDER else v) for k, v in request.fields]
    # What the harness keeps and prints never holds it.
    for text in (
        repr(request),
        str(request),
        request.describe(),
        repr(exchange),
        curl_command(exchange),
        curl_command(request, recorder.url),
    ):
        assert PASSWORD not in text
    assert request.get("user_password") == PLACEHOLDER
    assert exchange.request.get("user_password") == PLACEHOLDER


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_curl_command_is_valid_shell(encoding: str) -> None:
    request = lookup(encoding, [("output", "json"), ("callback", "it's $(echo pwned) `x`; & | <a>")])
    command = curl_command(request, "http://127.0.0.1:8080/api.php?x=1&y=2")
    tokens = shlex.split(command)
    assert tokens[:2] == ["curl", "-sS"]
    assert "http://127.0.0.1:8080/api.php?x=1&y=2" in tokens
    assert ("-G" in tokens) == (encoding == "query")
    flag = "--form-string" if encoding == "multipart" else "--data-urlencode"
    values = [tokens[i + 1] for i, token in enumerate(tokens) if token == flag]
    assert values == [
        f"{k}={v}" if v != PLACEHOLDER else "user_password=$TARGET_USER_PASSWORD" for k, v in request.fields
    ]
    assert "callback=it's $(echo pwned) `x`; & | <a>" in values
    assert PASSWORD not in command and REFERENCE_PASSWORD not in command


CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")


def run_curl(command: str, password: str) -> subprocess.CompletedProcess[bytes]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TARGET_USER_PASSWORD": password,
    }
    return subprocess.run(command, shell=True, env=env, capture_output=True, timeout=20)  # noqa: S602 - the point of the test


@needs_curl
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_curl_command_gets_the_same_answer(reference: Any, encoding: str) -> None:
    client = Client(reference.url, Secret(REFERENCE_PASSWORD), timeout=10)
    try:
        exchange = client.send(lookup(encoding, [("output", "json")]))
    finally:
        client.close()
    result = run_curl(curl_command(exchange), REFERENCE_PASSWORD)
    assert result.returncode == 0, result.stderr
    assert parse_answer(result.stdout).document["status"] == "success"
    assert result.stdout == exchange.body


@needs_curl
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_curl_command_sends_the_same_fields(recorder: Recorder, encoding: str) -> None:
    request = lookup(encoding, [("callback", "it's $(echo pwned) `x`; & @file =<a>")])
    client = Client(recorder.url, Secret(PASSWORD), timeout=5)
    try:
        client.send(request)
    finally:
        client.close()
    result = run_curl(curl_command(request, recorder.url), PASSWORD)
    assert result.returncode == 0, result.stderr
    by_client, by_curl = recorder.received
    assert by_curl.method == by_client.method
    assert by_curl.fields() == by_client.fields()
    assert ("user_password", PASSWORD) in by_curl.fields()


@needs_curl
def test_curl_command_matches_client_for_placeholder_in_another_field(
    recorder: Recorder,
) -> None:
    request = lookup("form").with_fields(code=PLACEHOLDER)
    client = Client(recorder.url, Secret(PASSWORD), timeout=5)
    try:
        client.send(request)
    finally:
        client.close()
    result = run_curl(curl_command(request, recorder.url), PASSWORD)
    assert result.returncode == 0, result.stderr
    by_client, by_curl = recorder.received
    assert by_curl.fields() == by_client.fields()


# -- caps, deadlines, failures -------------------------------------------------------------
def test_large_answer_is_cut_and_marked_truncated(reference: Any) -> None:
    client = Client(reference.url, Secret(REFERENCE_PASSWORD), timeout=10, max_response_bytes=100)
    full_client = Client(reference.url, Secret(REFERENCE_PASSWORD), timeout=10)
    try:
        cut = client.send(lookup("form"))
        full = full_client.send(lookup("form"))
    finally:
        client.close()
        full_client.close()
    assert len(full.body) > 100 and not full.truncated
    assert cut.truncated is True
    assert cut.transport_error is None and cut.status == 200
    assert cut.body == full.body[:100]


@pytest.mark.parametrize(
    ("size", "cap", "truncated"),
    [(100, 100, False), (101, 100, True), (99, 100, False)],
)
def test_cap_boundary(recorder: Recorder, size: int, cap: int, truncated: bool) -> None:
    recorder.answer = b"x" * size
    client = Client(recorder.url, Secret(PASSWORD), timeout=5, max_response_bytes=cap)
    try:
        exchange = client.send(lookup("form"))
    finally:
        client.close()
    assert exchange.truncated is truncated
    assert len(exchange.body) == min(size, cap)


def test_cap_counts_decoded_bytes(recorder: Recorder) -> None:
    recorder.answer = gzip.compress(b"0" * 1_000_000)
    recorder.headers = {"Content-Type": "text/plain", "Content-Encoding": "gzip"}
    assert len(recorder.answer) < 10_000
    client = Client(recorder.url, Secret(PASSWORD), timeout=5, max_response_bytes=50_000)
    try:
        exchange = client.send(lookup("form"))
    finally:
        client.close()
    assert exchange.truncated is True
    assert exchange.body == b"0" * 50_000


def test_server_that_never_answers_times_out(
    raw_server: Callable[[RawHandler], Served],
) -> None:
    def silent(conn: socket.socket, served: Served) -> None:
        read_request_head(conn)
        served.stopping.wait(600)  # silent until the test ends

    server = raw_server(silent)
    client = Client(server.url, Secret(PASSWORD), timeout=1)
    try:
        # A client without a deadline waits as long as the server is silent: 600 s, far
        # beyond the guard, itself 30 times the 1 s timeout.
        exchange = returns_within(HANG_GUARD_S, lambda: client.send(lookup("query")), "send() to a silent server")
    finally:
        client.close()
    assert exchange.status is None and exchange.body == b""
    assert exchange.transport_error is not None
    assert "no answer within 1 s" in exchange.transport_error
    assert "--target-timeout" in exchange.transport_error
    assert PASSWORD not in exchange.transport_error


def test_connection_refused_is_clear() -> None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # bound once, never listening: connections are refused
    # Said at once, not after the timeout: 600 s, far beyond the guard.
    client = Client(f"http://127.0.0.1:{port}/api.php", Secret(PASSWORD), timeout=600)
    try:
        exchange = returns_within(HANG_GUARD_S, lambda: client.send(lookup("query")), "send() to a closed port")
    finally:
        client.close()
    assert exchange.status is None
    assert exchange.transport_error is not None
    assert exchange.transport_error.startswith("connection refused")
    assert "--target-url" in exchange.transport_error
    assert PASSWORD not in exchange.transport_error


def test_server_closing_without_answer_is_clear(
    raw_server: Callable[[RawHandler], Served],
) -> None:
    def hang_up(conn: socket.socket, served: Served) -> None:
        read_request_head(conn)
        conn.close()

    server = raw_server(hang_up)
    client = Client(server.url, Secret(PASSWORD), timeout=2)
    try:
        exchange = client.send(lookup("query"))
    finally:
        client.close()
    assert exchange.transport_error == "the target closed the connection without answering"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_redirect_is_not_followed(recorder: Recorder, other_recorder: Recorder, status: int, encoding: str) -> None:
    recorder.status = status
    recorder.answer = b""
    recorder.headers = {"Location": other_recorder.url + "?stolen=1"}
    client = Client(recorder.url, Secret(PASSWORD), timeout=5)
    try:
        exchange = client.send(lookup(encoding))
    finally:
        client.close()
    assert len(recorder.received) == 1
    assert other_recorder.received == []
    assert exchange.status == status
    assert exchange.headers["location"] == other_recorder.url + "?stolen=1"
    assert exchange.transport_error is None


def test_other_recorder_would_see_a_request(other_recorder: Recorder) -> None:
    # The redirect test can fail: a request to the other server is recorded.
    client = Client(other_recorder.url, Secret(PASSWORD), timeout=5)
    try:
        client.send(lookup("form"))
    finally:
        client.close()
    assert len(other_recorder.received) == 1


TRICKLE_HEADERS = {
    "chunked": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    "content-length": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n",
    "until-close": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
}


@pytest.mark.parametrize(
    "framing",
    ["chunked", "content-length", "until-close"],
)
def test_trickling_body_stops_at_the_deadline(raw_server: Callable[[RawHandler], Served], framing: str) -> None:
    def trickle(conn: socket.socket, served: Served) -> None:
        read_request_head(conn)
        conn.sendall(TRICKLE_HEADERS[framing])
        byte = b"1\r\n \r\n" if framing == "chunked" else b" "
        while not served.stopping.wait(0.2):
            conn.sendall(byte)

    server = raw_server(trickle)
    client = Client(server.url, Secret(PASSWORD), timeout=1)
    try:
        # The trickle never ends: only the 1 s deadline ends the send, long before the guard.
        exchange = returns_within(
            HANG_GUARD_S, lambda: client.send(lookup("form")), "send() of a body trickling with timeout 1 s"
        )
    finally:
        server.stop()  # ends the trickle, so a hung send returns too
        client.close()
    assert exchange.transport_error is not None
    assert "not complete after 1 s" in exchange.transport_error
