"""Transport: retries with backoff, Retry-After, the rate limit, same-origin redirects,
and TLS verification (with --ca-bundle and --insecure as the only ways out)."""

from __future__ import annotations

import base64
import contextlib
import importlib.util
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import requests

import conformance
import conformance.client
import conformance.ratelimit
from conformance.client import BUSY_RETRY_FACTOR, MAX_BACKOFF_S, Client, Encoding, RateLimiter, build_request
from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH, start
from tests.servers import Request, Served, each_request, read_request, serve_socket
from tests.waiting import HANG_GUARD_S, returns_within

PROFILE = load_profile(PROFILE_PATH)
LOOKUP = build_request(PROFILE.user_id, "greatwidgets", [("code", "89898989898989")])


@pytest.fixture(scope="module")
def reference() -> Iterator[str]:
    with start() as server:
        yield server.url


# Answers the n-th request (from 1); returns True to close the connection after it.
Script = Callable[[socket.socket, Request, int], "bool | None"]


class Scripted:
    """A target whose n-th request (from 1), on whichever connection, is answered by
    ``script(conn, request, n)``."""

    def __init__(self, script: Script) -> None:
        self.script, self.count, self.url = script, 0, ""
        self._lock = threading.Lock()  # connections are answered on threads of their own

    def answer(self, conn: socket.socket, request: Request, served: Served) -> bool | None:
        with self._lock:
            self.count += 1
            n = self.count
        return self.script(conn, request, n)


def reply(conn: socket.socket, status: int, body: bytes = b"", **headers: str) -> bool:
    """An answer with ``headers`` (``Retry_After`` is sent as ``Retry-After``); True when
    it says ``Connection: close``, so that a script can ``return reply(...)``."""
    fields = {
        "Content-Length": str(len(body)),
        "Content-Type": "application/xml",
        **headers,
    }
    head = f"HTTP/1.1 {status} X\r\n" + "".join(
        f"{name.replace('_', '-')}: {value}\r\n" for name, value in fields.items()
    )
    conn.sendall(head.encode() + b"\r\n" + body)
    return fields.get("Connection") == "close"


def hang_up(conn: socket.socket) -> bool:
    """Closes the connection without an answer."""
    conn.shutdown(socket.SHUT_RDWR)
    return True


NO_MATCH = b'<response status="no_match"><message>No Customers Match Criteria</message></response>'


@pytest.fixture
def scripted() -> Iterator[Callable[..., Scripted]]:
    """``scripted(script, tls=None)``: a target answering by ``script``, stopped when the test ends."""
    with contextlib.ExitStack() as servers:

        def make(script: Script, tls: ssl.SSLContext | None = None) -> Scripted:
            target = Scripted(script)
            target.url = servers.enter_context(serve_socket(each_request(target.answer), tls)).url
            return target

        yield make


def test_a_transport_error_is_retried(scripted: Callable[..., Scripted]) -> None:
    def script(conn: socket.socket, request: Request, n: int) -> bool | None:
        if n == 1:
            return hang_up(conn)
        return reply(conn, 200, NO_MATCH)

    server = scripted(script)
    exchange = Client(server.url, PROFILE.password, timeout=5, retries=2, backoff=0.05).send(LOOKUP)
    assert exchange.transport_error is None and exchange.status == 200
    assert exchange.attempts == 2 and len(exchange.retry_reasons) == 1


def test_without_retries_the_error_stands(scripted: Callable[..., Scripted]) -> None:
    def script(conn: socket.socket, request: Request, n: int) -> bool | None:
        return hang_up(conn)

    server = scripted(script)
    exchange = Client(server.url, PROFILE.password, timeout=5, retries=0).send(LOOKUP)
    assert exchange.transport_error is not None and exchange.attempts == 1
    assert server.count == 1


def test_429_waits_for_retry_after(scripted: Callable[..., Scripted]) -> None:
    def script(conn: socket.socket, request: Request, n: int) -> bool | None:
        return reply(conn, 429, b"slow down", Retry_After="1") if n == 1 else reply(conn, 200, NO_MATCH)

    server = scripted(script)
    started = time.monotonic()
    exchange = Client(server.url, PROFILE.password, timeout=5, retries=2).send(LOOKUP)
    assert exchange.status == 200 and exchange.attempts == 2
    assert exchange.retry_reasons == ("HTTP 429",)
    assert time.monotonic() - started >= 1.0


def test_a_retry_after_beyond_the_timeout_is_not_waited_for(
    scripted: Callable[..., Scripted],
) -> None:
    # Not retried (the counts), and not waited for either: a client that slept the hour
    # is still asleep when the hang guard, far below an hour, runs out.
    server = scripted(lambda conn, request, n: reply(conn, 503, b"down", Retry_After="3600"))
    client = Client(server.url, PROFILE.password, timeout=2, retries=2)
    exchange = returns_within(HANG_GUARD_S, lambda: client.send(LOOKUP), "send() after a Retry-After of 3600 s")
    assert exchange.status == 503 and exchange.attempts == 1
    assert server.count == 1, f"{server.count} requests: a Retry-After beyond the timeout was retried"


def test_a_busy_answer_is_retried_five_times_as_often_as_an_error(scripted: Callable[..., Scripted]) -> None:
    # At 5% of answers busy, three attempts leave about one request in 8,000 unanswered:
    # a full run's verdict would change from run to run. Busy answers get
    # BUSY_RETRY_FACTOR times the retries (11 attempts at the default 2).
    busy_until = 2 * BUSY_RETRY_FACTOR  # answered on the last attempt allowed
    server = scripted(
        lambda conn, request, n: (
            reply(conn, 503, b"busy", Retry_After="0") if n <= busy_until else reply(conn, 200, NO_MATCH)
        )
    )
    exchange = Client(server.url, PROFILE.password, timeout=5, retries=2).send(LOOKUP)
    assert exchange.status == 200 and exchange.attempts == busy_until + 1, exchange.retry_reasons
    always = scripted(lambda conn, request, n: reply(conn, 429, b"busy", Retry_After="0"))
    exchange = Client(always.url, PROFILE.password, timeout=5, retries=2).send(LOOKUP)
    assert exchange.status == 429 and always.count == 2 * BUSY_RETRY_FACTOR + 1, always.count
    none = scripted(lambda conn, request, n: reply(conn, 503, b"busy", Retry_After="0"))
    exchange = Client(none.url, PROFILE.password, timeout=5, retries=0).send(LOOKUP)
    assert exchange.status == 503 and none.count == 1, "--target-retries 0 retried a busy answer"


def test_a_busy_answer_without_retry_after_backs_off_at_most_max_backoff(
    scripted: Callable[..., Scripted], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ten busy retries doubling from 0.25 s would wait 256 s for the last one.
    waits: list[float] = []
    monkeypatch.setattr(conformance.client, "pause", waits.append)
    server = scripted(lambda conn, request, n: reply(conn, 503, b"busy"))
    Client(server.url, PROFILE.password, timeout=5, retries=2, backoff=0.25).send(LOOKUP)
    assert len(waits) == 2 * BUSY_RETRY_FACTOR and waits[:3] == [0.25, 0.5, 1.0], waits
    assert max(waits) == MAX_BACKOFF_S, waits


class Sleeps:
    """Stands in for ``time`` in conformance/client.py (backoff, Retry-After) and
    conformance/ratelimit.py (the rate limit): the clock as it is, every sleep the
    client takes recorded, then slept."""

    monotonic = staticmethod(time.monotonic)

    def __init__(self) -> None:
        self.taken: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.taken.append(seconds)
        time.sleep(seconds)


def test_the_rate_limit_spaces_requests(reference: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps = Sleeps()
    monkeypatch.setattr(conformance.client, "time", sleeps)
    monkeypatch.setattr(conformance.ratelimit, "time", sleeps)
    client = Client(reference, PROFILE.password, rate_limiter=RateLimiter(10))
    started = time.monotonic()
    for _ in range(6):
        client.send(LOOKUP)
    # A lower bound: a busy machine only makes the six requests slower.
    assert time.monotonic() - started >= 0.5  # 6 requests at 10/s: 5 intervals of 0.1 s
    sleeps.taken.clear()
    unlimited = Client(reference, PROFILE.password)
    for _ in range(6):
        unlimited.send(LOOKUP)
    assert sleeps.taken == [], f"a client with no rate limit waited {sleeps.taken} s between its requests"


def test_a_same_origin_redirect_is_followed_and_recorded(
    scripted: Callable[..., Scripted],
) -> None:
    def script(conn: socket.socket, request: Request, n: int) -> bool | None:
        if request.path == "/api.php":
            return reply(conn, 307, b"", Location="/v2/api.php")
        return reply(conn, 200, NO_MATCH)

    server = scripted(script)
    exchange = Client(server.url, PROFILE.password, timeout=5).send(LOOKUP)
    assert exchange.status == 200 and exchange.body == NO_MATCH
    assert exchange.redirects == (server.url.replace("/api.php", "/v2/api.php"),)


# -- TLS -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate to test TLS with")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path], scripted: Callable[..., Scripted], reference: str) -> Scripted:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))

    def proxy(conn: socket.socket, request: Request, n: int) -> bool | None:
        # Answers as the reference does (the request body was read already, so the
        # lookup is replayed: every request here is the same smoke-like lookup).
        answer = requests.post(
            reference,
            data=dict(LOOKUP.fields) | {"user_password": PROFILE.password.reveal()},
            timeout=5,
        )
        return reply(conn, 200, answer.content)

    return scripted(proxy, context)


def test_tls_is_verified_by_default(tls_server: Scripted) -> None:
    exchange = Client(tls_server.url, PROFILE.password, timeout=5).send(LOOKUP)
    assert exchange.transport_error is not None
    assert "TLS failed" in exchange.transport_error and "--ca-bundle" in exchange.transport_error


def test_ca_bundle_and_insecure_are_the_ways_out(tls_server: Scripted, certificate: tuple[Path, Path]) -> None:
    trusted = Client(tls_server.url, PROFILE.password, timeout=5, verify=str(certificate[0])).send(LOOKUP)
    assert trusted.transport_error is None and trusted.status == 200
    unverified = Client(tls_server.url, PROFILE.password, timeout=5, verify=False).send(LOOKUP)
    assert unverified.transport_error is None and unverified.status == 200


def test_insecure_is_said_in_the_summary(tls_server: Scripted, tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
         "--insecure", "--target-url", tls_server.url, "--target-profile", str(PROFILE_PATH),
         "--report-dir", str(tmp_path / "r"), "--combinations", "pairwise", "--cases", "access=missing-user_id"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "WARNING: --insecure" in run.stdout, run.stdout[-2000:] + run.stderr[-2000:]
    assert "--insecure" in (tmp_path / "r" / "report.html").read_text()


def test_insecure_has_an_ini_twin(tls_server: Scripted, tmp_path: Path) -> None:
    # Like every other option: a CI may keep it in its ini file (pytest.ini / tox.ini).
    (tmp_path / "pytest.ini").write_text("[pytest]\ninsecure = true\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "conformance.suite",
            "-p",
            "no:cacheprovider",
            "-q",
            "-c",
            "pytest.ini",
            "--target-url",
            tls_server.url,
            "--target-profile",
            str(PROFILE_PATH),
            "--report-dir",
            str(tmp_path / "r"),
            "--combinations",
            "pairwise",
            "--cases",
            "access=missing-user_id",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "WARNING: --insecure" in run.stdout, run.stdout[-2000:] + run.stderr[-2000:]


def test_cases_that_needed_retries_are_named(scripted: Callable[..., Scripted], reference: str, tmp_path: Path) -> None:
    # Every second connection is dropped unanswered: the harness retries, and the
    # cases whose answers needed it carry a note in the JUnit XML and the summary.
    def script(conn: socket.socket, request: Request, n: int) -> bool | None:
        if n % 2 == 0:
            return hang_up(conn)
        answer = requests.post(
            reference,
            data=dict(LOOKUP.fields) | {"user_password": PROFILE.password.reveal()},
            timeout=5,
        )
        return reply(conn, 200, answer.content, Connection="close")

    server = scripted(script)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
         "--target-url", server.url, "--target-profile", str(PROFILE_PATH), "--report-dir", str(tmp_path / "r"),
         "--combinations", "pairwise", "--cases", "access=missing-*", "--concurrency", "1", "--target-retries", "2"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "needed retries" in run.stdout, run.stdout[-3000:]
    assert "the answer needed 1 retry" in (tmp_path / "r" / "junit.xml").read_text()


# -- the environment: read once per session, as requests would read it per request ------
def _recording(scripted: Callable[..., Scripted], seen: list[Request]) -> Scripted:
    def record(conn: socket.socket, request: Request, n: int) -> bool | None:
        seen.append(request)
        return reply(conn, 200, NO_MATCH)

    return scripted(record)


def test_a_proxy_named_by_the_environment_carries_the_requests(
    scripted: Callable[..., Scripted], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Request] = []
    proxy = _recording(scripted, seen)
    monkeypatch.setenv("HTTP_PROXY", proxy.url.rsplit("/", 1)[0])
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    exchange = Client("http://target.invalid/api.php", PROFILE.password, timeout=5).send(LOOKUP)
    assert exchange.status == 200, exchange.transport_error
    # A proxy is sent the absolute URL (a direct request would fail: .invalid never resolves).
    assert [r.target for r in seen] == ["http://target.invalid/api.php"]


def test_no_proxy_in_the_environment_goes_direct(reference: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.create_server(("127.0.0.1", 0)) as dead:
        port = dead.getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    exchange = Client(reference, PROFILE.password, timeout=5).send(LOOKUP)
    assert exchange.transport_error is None and exchange.status == 200


def test_requests_ca_bundle_stands_for_the_default_verification(
    tls_server: Scripted, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate[0]))
    exchange = Client(tls_server.url, PROFILE.password, timeout=5).send(LOOKUP)
    assert exchange.transport_error is None and exchange.status == 200


def test_no_credentials_from_a_netrc_file_are_sent(
    scripted: Callable[..., Scripted], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests adds Basic auth from ~/.netrc for a matching host: the harness sends the
    # request's fields and nothing else (a target must not receive a user's other secrets).
    seen: list[Request] = []
    target = _recording(scripted, seen)
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone password elsewhere-secret\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    exchange = Client(target.url, PROFILE.password, timeout=5).send(LOOKUP)
    assert exchange.status == 200, exchange.transport_error
    assert b"authorization:" not in seen[0].head.lower()


def test_a_proxy_named_with_credentials_is_sent_them(
    scripted: Callable[..., Scripted], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The credentials in HTTP_PROXY's URL (percent-encoded, as a URL needs) go to the
    # proxy as Basic auth, decoded: as requests sends them.
    seen: list[Request] = []
    proxy = _recording(scripted, seen)
    origin = proxy.url.rsplit("/", 1)[0].replace("http://", "http://us%40er:pa%3Ass@")
    monkeypatch.setenv("HTTP_PROXY", origin)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    exchange = Client("http://target.invalid/api.php", PROFILE.password, timeout=5).send(LOOKUP)
    assert exchange.status == 200, exchange.transport_error
    assert seen[0].headers.get("proxy-authorization") == "Basic " + base64.b64encode(b"us@er:pa:ss").decode()


def test_a_socks_proxy_this_machine_cannot_use_is_said_so(monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec("socks") is not None:
        pytest.skip("PySocks is installed here: a SOCKS proxy can be used")
    monkeypatch.setenv("ALL_PROXY", "socks5://someone:secret@127.0.0.1:1080")
    exchange = Client("http://target.invalid/api.php", PROFILE.password, timeout=5).send(LOOKUP)
    assert exchange.status is None and exchange.transport_error is not None
    assert "PySocks" in exchange.transport_error and "ALL_PROXY" in exchange.transport_error
    assert "secret" not in exchange.transport_error  # the proxy's credentials are not repeated


def test_a_ca_bundle_the_environment_names_but_is_not_there_is_said_so(
    tls_server: Scripted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "gone.pem"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(missing))
    exchange = Client(tls_server.url, PROFILE.password, timeout=5).send(LOOKUP)
    assert exchange.status is None
    assert exchange.transport_error == f"the CA bundle {missing} does not exist (REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE?)"


@pytest.mark.parametrize("encoding", ["form", "multipart", "query"])
def test_a_query_in_the_target_url_is_kept(scripted: Callable[..., Scripted], encoding: Encoding) -> None:
    # A target URL may carry a query of its own (a site, a version): every request keeps
    # it, and a query-encoded request adds its fields after it.
    seen: list[Request] = []
    target = _recording(scripted, seen)
    request = replace(LOOKUP, encoding=encoding)
    exchange = Client(target.url + "?site=a%20b", PROFILE.password, timeout=5).send(request)
    assert exchange.status == 200, exchange.transport_error
    path, _, query = seen[0].target.partition("?")
    assert path == "/api.php"
    sent = parse_qsl(query, keep_blank_values=True)
    assert sent[0] == ("site", "a b")
    if encoding == "query":
        assert seen[0].method == "GET"
        assert sent[1:] == [(k, PROFILE.password.reveal() if k == "user_password" else v) for k, v in LOOKUP.fields]
    else:
        assert seen[0].method == "POST" and sent == [("site", "a b")]


def test_requests_name_the_harness(scripted: Callable[..., Scripted]) -> None:
    # A target's logs can tell the harness's traffic from its clients'.
    seen: list[Request] = []
    target = _recording(scripted, seen)
    Client(target.url, PROFILE.password, timeout=5).send(LOOKUP)
    assert seen[0].headers["user-agent"].startswith(f"customer-info-conformance/{conformance.__version__} ")


def test_connections_outlive_the_threads_that_opened_them() -> None:
    # The evaluator's fetch threads end with each scope; the next scope's threads reuse
    # the connections (no more open than were ever in flight at once).
    with serve_socket(each_request(lambda conn, request, served: reply(conn, 200, NO_MATCH))) as served:
        client = Client(served.url, PROFILE.password, timeout=5)
        for _scope in range(3):
            with ThreadPoolExecutor(max_workers=4) as threads:
                exchanges = list(threads.map(client.send, [LOOKUP] * 8))
            assert [e.status for e in exchanges] == [200] * 8, [e.transport_error for e in exchanges]
        client.close()
    assert 1 <= served.connections <= 4, f"{served.connections} connections for at most 4 requests in flight"


def test_an_https_target_is_reached_through_the_proxys_tunnel(
    tls_server: Scripted, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # HTTPS_PROXY for an https target: a CONNECT tunnel, TLS end to end with the target
    # (verified against --ca-bundle), the proxy seeing only where to connect.
    asked: list[str] = []

    def tunnel(conn: socket.socket, served: Served) -> None:
        request = read_request(conn)
        assert request is not None
        asked.append(request.head.split(b"\r\n", 1)[0].decode())
        host, port = request.target.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as upstream:
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            relay = threading.Thread(target=_pipe, args=(upstream, conn), daemon=True)
            relay.start()
            _pipe(conn, upstream)
            relay.join(5)

    with serve_socket(tunnel) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.origin)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        exchange = Client(tls_server.url, PROFILE.password, timeout=5, verify=str(certificate[0])).send(LOOKUP)
    assert exchange.status == 200, exchange.transport_error
    assert b'status="success"' in exchange.body
    port = tls_server.url.split(":")[2].split("/")[0]
    assert [line.rsplit(" ", 1)[0] for line in asked] == [f"CONNECT 127.0.0.1:{port}"]  # HTTP/1.0 or 1.1, by Python


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)
