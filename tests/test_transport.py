"""Transport: retries with backoff, Retry-After, the rate limit, same-origin redirects,
and TLS verification (with --ca-bundle and --insecure as the only ways out)."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from conformance.client import Client, RateLimiter, build_request
from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH, start

PROFILE = load_profile(PROFILE_PATH)
LOOKUP = build_request(PROFILE.user_id, "greatwidgets", [("code", "89898989898989")])


@pytest.fixture(scope="module")
def reference() -> Iterator[str]:
    with start() as server:
        yield server.url


Handler = Callable[[http.server.BaseHTTPRequestHandler, int], None]


class Scripted:
    """An HTTP server whose n-th request (from 1) is answered by ``script(handler, n)``."""

    def __init__(self, script: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.count = 0
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.count += 1
                script(self, outer.count)

            do_GET = do_POST  # noqa: N815 - http.server calls do_<METHOD>

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}/api.php"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def reply(handler: http.server.BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    handler.send_response(status)
    for name, value in {"Content-Length": str(len(body)), "Content-Type": "application/xml", **headers}.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


NO_MATCH = b'<response status="no_match"><message>No Customers Match Criteria</message></response>'


@pytest.fixture
def scripted() -> Iterator[Callable[..., Scripted]]:
    servers: list[Scripted] = []

    def make(script: Handler, tls: ssl.SSLContext | None = None) -> Scripted:
        servers.append(Scripted(script, tls))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


def test_a_transport_error_is_retried(scripted: Callable[..., Scripted]) -> None:
    def script(handler: http.server.BaseHTTPRequestHandler, n: int) -> None:
        if n == 1:
            handler.close_connection = True
            handler.connection.shutdown(2)  # closes without an answer
        else:
            reply(handler, 200, NO_MATCH)

    server = scripted(script)
    exchange = Client(server.url, PROFILE.password, timeout=5, retries=2, backoff=0.05).send(LOOKUP)
    assert exchange.transport_error is None and exchange.status == 200
    assert exchange.attempts == 2 and len(exchange.retry_reasons) == 1


def test_without_retries_the_error_stands(scripted: Callable[..., Scripted]) -> None:
    def script(handler: http.server.BaseHTTPRequestHandler, n: int) -> None:
        handler.close_connection = True
        handler.connection.shutdown(2)

    server = scripted(script)
    exchange = Client(server.url, PROFILE.password, timeout=5, retries=0).send(LOOKUP)
    assert exchange.transport_error is not None and exchange.attempts == 1
    assert server.count == 1


def test_429_waits_for_retry_after(scripted: Callable[..., Scripted]) -> None:
    def script(handler: http.server.BaseHTTPRequestHandler, n: int) -> None:
        reply(handler, 429, b"slow down", Retry_After="1") if n == 1 else reply(handler, 200, NO_MATCH)

    server = scripted(script)
    started = time.monotonic()
    exchange = Client(server.url, PROFILE.password, timeout=5, retries=2).send(LOOKUP)
    assert exchange.status == 200 and exchange.attempts == 2
    assert exchange.retry_reasons == ("HTTP 429",)
    assert time.monotonic() - started >= 1.0


def test_a_retry_after_beyond_the_timeout_is_not_waited_for(scripted: Callable[..., Scripted]) -> None:
    server = scripted(lambda handler, n: reply(handler, 503, b"down", Retry_After="3600"))
    started = time.monotonic()
    exchange = Client(server.url, PROFILE.password, timeout=2, retries=2).send(LOOKUP)
    assert exchange.status == 503 and exchange.attempts == 1
    assert time.monotonic() - started < 1.5


def test_the_rate_limit_spaces_requests(reference: str) -> None:
    client = Client(reference, PROFILE.password, rate_limiter=RateLimiter(10))
    started = time.monotonic()
    for _ in range(6):
        client.send(LOOKUP)
    assert time.monotonic() - started >= 0.5  # 6 requests at 10/s: 5 intervals of 0.1 s
    unlimited = Client(reference, PROFILE.password)
    started = time.monotonic()
    for _ in range(6):
        unlimited.send(LOOKUP)
    assert time.monotonic() - started < 0.5


def test_a_same_origin_redirect_is_followed_and_recorded(scripted: Callable[..., Scripted]) -> None:
    def script(handler: http.server.BaseHTTPRequestHandler, n: int) -> None:
        if handler.path == "/api.php":
            reply(handler, 307, b"", Location="/v2/api.php")
        else:
            reply(handler, 200, NO_MATCH)

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

    def proxy(handler: http.server.BaseHTTPRequestHandler, n: int) -> None:
        # Answers as the reference does (the request body was read already, so the
        # lookup is replayed: every request here is the same smoke-like lookup).
        answer = requests.post(
            reference, data=dict(LOOKUP.fields) | {"user_password": PROFILE.password.reveal()}, timeout=5
        )
        reply(handler, 200, answer.content)

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
         "--report-dir", str(tmp_path / "r"), "--combinations", "pairwise", "-k", "test_access and missing-user_id"],
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
            "-k",
            "test_access and missing-user_id",
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
    def script(handler: http.server.BaseHTTPRequestHandler, n: int) -> None:
        if n % 2 == 0:
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        answer = requests.post(
            reference, data=dict(LOOKUP.fields) | {"user_password": PROFILE.password.reveal()}, timeout=5
        )
        reply(handler, 200, answer.content, Connection="close")

    server = scripted(script)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
         "--target-url", server.url, "--target-profile", str(PROFILE_PATH), "--report-dir", str(tmp_path / "r"),
         "--combinations", "pairwise", "-k", "test_access and missing", "--concurrency", "1", "--target-retries", "2"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert "needed retries" in run.stdout, run.stdout[-3000:]
    assert "the answer needed 1 retry" in (tmp_path / "r" / "junit.xml").read_text()
