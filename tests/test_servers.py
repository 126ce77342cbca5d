"""The test server helper (tests/servers.py): it answers, and it always stops."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.servers import Request, Served, each_request, read_request, send, serve_socket, serve_wsgi


def hello(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]


def refuses(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def test_a_wsgi_app_is_served_and_stopped() -> None:
    with serve_wsgi(hello) as served:
        with requests.Session() as session:
            assert session.get(served.url, timeout=5).text == "hello"
            assert session.get(served.url, timeout=5).text == "hello"
        assert served.url == f"http://127.0.0.1:{served.port}/api.php"
        assert served.connections == 1, "one kept-alive connection carried both requests"
    assert refuses(served.port), "the port still accepts connections after the with block"


def test_a_raw_server_stops_a_handler_that_would_wait_forever() -> None:
    # A handler blocked in recv (no timeout of its own) and one waiting on the event:
    # leaving the block must wake both, even when the block ends with an exception.
    entered, finished = threading.Event(), threading.Event()

    def stuck(conn: socket.socket, served: Served) -> None:
        entered.set()
        try:
            conn.recv(1)  # the client never sends
        finally:
            finished.set()

    client = None
    with pytest.raises(RuntimeError), serve_socket(stuck) as served:
        client = socket.create_connection(("127.0.0.1", served.port), timeout=5)
        assert entered.wait(5)
        raise RuntimeError("the test failed midway")
    # Woken, not timed: the block's end joins each handler for at most 5 s, so a handler
    # still blocked in recv would not have finished.
    assert finished.is_set(), "the handler blocked in recv was not woken when the block ended"
    assert refuses(served.port)
    assert client is not None
    client.close()


def test_each_request_answers_request_after_request_on_one_connection() -> None:
    seen: list[tuple[str, str, dict[str, str], bytes]] = []

    def answer(conn: socket.socket, request: Request, served: Served) -> bool:
        seen.append((request.method, request.target, request.headers, request.body))
        send(conn, 200, request.path.encode())
        return request.path == "/last"  # closes after this one

    with serve_socket(each_request(answer)) as served, requests.Session() as session:
        assert session.post(f"{served.origin}/first?x=1", data={"a": "b c"}, timeout=5).content == b"/first"
        assert session.get(f"{served.origin}/last", timeout=5).content == b"/last"
        assert served.connections == 1
        method, target, headers, body = seen[0]
        assert (method, target, body) == ("POST", "/first?x=1", b"a=b+c")
        assert headers["content-type"] == "application/x-www-form-urlencoded" and headers["content-length"] == "5"
        assert [s[0] for s in seen] == ["POST", "GET"]


def test_a_request_body_is_read_to_its_content_length() -> None:
    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"POST /api.php HTTP/1.1\r\nContent-Length: 10\r\n\r\n01234")
        threading.Timer(0.1, lambda: left.sendall(b"56789")).start()
        request = read_request(right)
        assert request is not None and request.body == b"0123456789" and request.path == "/api.php"
        left.shutdown(socket.SHUT_WR)
        assert read_request(right) is None, "a closed connection reads as no request"
