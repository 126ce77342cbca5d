"""--target-timeout bounds the whole exchange (connect, headers, body, redirects), not
each socket read: a target that trickles its answer fails its cases saying so, and the
run ends within a bound derived from the timeout and the retries. A same-origin
redirect loop is said to be one."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.client import Client, build_request
from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH
from tests import hostile
from tests.once import once_per_run
from tests.servers import Request, Served, each_request, send, serve_socket

PROFILE = load_profile(PROFILE_PATH)
# Not the smoke request (hostile targets answer that one from the reference).
LOOKUP = build_request(PROFILE.user_id, "greatwidgets", [("code", "no-such-code")])
TIMEOUT = 1.0
BACKOFF = 0.25  # the harness's (Client's default)
INTERVAL = 0.3  # one byte every INTERVAL s: every read returns well within TIMEOUT
SLACK = 3  # measured bounds are asserted three times over: the machine is shared
HEADERS_LATE = "no answer within 1 s, the --target-timeout for the whole exchange: the headers had not all arrived"
BODY_LATE = (
    "the answer was not complete after 1 s, the --target-timeout for the whole exchange: the body was still arriving"
)
LOOP = (
    "6 redirects within the target's origin, more than the 5 the harness follows: "
    "/api.php -> /a -> /api.php -> /a -> /api.php -> /a -> /api.php (a loop?)"
)


def budget(retries: int) -> float:
    """What one send() may take: each attempt its timeout, and the backoffs between."""
    return TIMEOUT * (retries + 1) + BACKOFF * (2**retries - 1)


@pytest.fixture(scope="module")
def reference_url() -> Iterator[str]:
    with hostile.reference() as url:
        yield url


# -- One exchange ----------------------------------------------------------------------
@pytest.mark.parametrize("retries", [0, 1])
@pytest.mark.parametrize(
    ("behaviour", "expected"),
    [
        (hostile.trickle_headers(INTERVAL), HEADERS_LATE),
        (hostile.trickle_body(INTERVAL), BODY_LATE),
    ],
    ids=["headers", "body"],
)
def test_a_trickling_answer_ends_at_the_deadline(
    reference_url: str, behaviour: hostile.Behaviour, expected: str, retries: int
) -> None:
    with hostile.serve(behaviour, reference_url) as server:
        client = Client(
            server.url,
            PROFILE.password,
            timeout=TIMEOUT,
            retries=retries,
            backoff=BACKOFF,
        )
        started = time.monotonic()
        exchange = client.send(LOOKUP)
        took = time.monotonic() - started
        client.close()
    assert exchange.transport_error is not None and expected in exchange.transport_error, exchange.transport_error
    assert exchange.attempts == retries + 1 and server.requests_seen == retries + 1
    # Each attempt ran to its deadline (not cut short), and none ran past it for long.
    assert TIMEOUT * (retries + 1) * 0.9 <= took < budget(retries) * SLACK, (
        f"took {took:.1f} s; the budget is {budget(retries):g} s"
    )


def test_a_connect_that_hangs_ends_at_the_deadline() -> None:
    # A listener that never accepts, its backlog full: the kernel drops further SYNs,
    # so the connect hangs (as behind a firewall that drops packets).
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = listener.getsockname()[1]
    fillers = [socket.socket() for _ in range(3)]
    for filler in fillers:
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
    time.sleep(0.2)
    client = Client(
        f"http://127.0.0.1:{port}/api.php",
        PROFILE.password,
        timeout=TIMEOUT,
        retries=1,
        backoff=BACKOFF,
    )
    started = time.monotonic()
    exchange = client.send(LOOKUP)
    took = time.monotonic() - started
    client.close()
    for sock in [*fillers, listener]:
        sock.close()
    expected = "no connection within 1 s, the --target-timeout for the whole exchange: still connecting"
    assert exchange.transport_error is not None and expected in exchange.transport_error, exchange.transport_error
    assert exchange.attempts == 2 and took < budget(1) * SLACK, f"took {took:.1f} s"


def _stall_until_close(conn: socket.socket, server: hostile.HostileServer) -> None:
    # No Content-Length: the body ends when the connection does. 40 bytes, then nothing.
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nConnection: close\r\n\r\n" + hostile.XML_OK[:40])
    server.stopping.wait(30)


def test_a_body_cut_at_the_deadline_is_not_taken_for_a_whole_one(
    reference_url: str,
) -> None:
    # A body read to the close of the connection ends at EOF: the EOF the deadline's
    # shutdown causes must not pass for the end of the answer.
    with hostile.serve(_stall_until_close, reference_url) as server:
        client = Client(server.url, PROFILE.password, timeout=TIMEOUT, retries=0)
        exchange = client.send(LOOKUP)
        client.close()
    assert exchange.transport_error is not None and f"{BODY_LATE} (40 bytes received)" in exchange.transport_error, (
        exchange
    )


def test_a_kept_alive_connection_is_held_to_the_deadline_too(
    reference_url: str,
) -> None:
    # The smoke lookup is answered at once and the connection kept alive; the next
    # request, on the same connection, has its headers trickled.
    customer = PROFILE.accounts[0].customers[0]
    smoke = build_request(PROFILE.user_id, PROFILE.accounts[0].account_id, [("code", customer.code or "")])
    with hostile.serve(hostile.trickle_headers(INTERVAL), reference_url) as server:
        client = Client(server.url, PROFILE.password, timeout=TIMEOUT, retries=0)
        assert client.send(smoke).status == 200
        started = time.monotonic()
        exchange = client.send(LOOKUP)
        took = time.monotonic() - started
        client.close()
    assert server.connections == 1, f"{server.connections} connections: the second request did not reuse the first's"
    assert exchange.transport_error is not None and HEADERS_LATE in exchange.transport_error, exchange.transport_error
    assert took < budget(0) * SLACK, f"took {took:.1f} s"


def _by_path(conn: socket.socket, request: Request, served: Served) -> None:
    """Answers by path: /slow/N redirects to /slow/N+1 after 0.4 s; /loop/a and /loop/b
    redirect to each other; anything else is a quick no_match. Connections are kept alive."""
    if request.path.startswith("/slow/"):
        time.sleep(0.4)
        send(
            conn,
            307,
            b"",
            extra=f"Location: /slow/{int(request.path.rsplit('/', 1)[1]) + 1}\r\n",
        )
    elif request.path.startswith("/loop/"):
        send(
            conn,
            307,
            b"",
            extra=f"Location: {'/loop/b' if request.path == '/loop/a' else '/loop/a'}\r\n",
        )
    else:
        send(conn, 200, hostile.XML_OK)


@pytest.fixture
def paths() -> Iterator[Served]:
    with serve_socket(each_request(_by_path)) as served:
        yield served


def test_redirects_share_the_deadline_of_their_request(paths: Served) -> None:
    # Five hops of 0.4 s each: every hop is quick, the chain is not.
    client = Client(f"{paths.origin}/slow/1", PROFILE.password, timeout=TIMEOUT, retries=0)
    started = time.monotonic()
    exchange = client.send(LOOKUP)
    took = time.monotonic() - started
    client.close()
    assert (
        exchange.transport_error is not None
        and "the --target-timeout for the whole exchange" in exchange.transport_error
    ), exchange
    assert took < TIMEOUT * SLACK, f"took {took:.1f} s"


def test_a_kept_alive_connection_outlives_the_deadline_of_its_first_exchange(
    paths: Served,
) -> None:
    # The watchdog must not shut the connection down once its exchange is over: the
    # second request, sent after the first one's deadline, reuses the connection.
    client = Client(paths.url, PROFILE.password, timeout=0.5)
    first = client.send(LOOKUP)
    time.sleep(1.0)  # past the first exchange's deadline
    second = client.send(LOOKUP)
    client.close()
    assert first.status == 200 and second.status == 200, (
        first.transport_error,
        second.transport_error,
    )
    assert paths.connections == 1, f"{paths.connections} connections: the kept-alive one was shut down"


def test_a_same_origin_redirect_loop_is_said_to_be_one(paths: Served) -> None:
    client = Client(f"{paths.origin}/loop/a", PROFILE.password, timeout=5, retries=2)
    exchange = client.send(LOOKUP)
    client.close()
    assert exchange.transport_error == LOOP.replace("/api.php", "/loop/a").replace("-> /a ", "-> /loop/b "), (
        exchange.transport_error
    )
    assert exchange.status == 307 and len(exchange.redirects) == 5
    assert exchange.attempts == 1, "a redirect loop is an answer, and would only repeat: it is not retried"


# -- Whole runs ------------------------------------------------------------------------
SELECTION = (
    "kind=answer and account=greatwidgets and customer=89898989898989 and by=code and (output=JSON or output=json)"
)
RUNS = {
    # name: (behaviour, --target-retries, what each case's failure says)
    "at-once": (
        lambda conn, server: hostile.send(conn, 200, hostile.XML_OK, close=True),
        0,
        None,
    ),  # the baseline
    "headers-r0": (hostile.trickle_headers(INTERVAL), 0, HEADERS_LATE),
    "headers-r1": (hostile.trickle_headers(INTERVAL), 1, HEADERS_LATE),
    "body-r0": (hostile.trickle_body(INTERVAL), 0, BODY_LATE),
    "body-r1": (hostile.trickle_body(INTERVAL), 1, BODY_LATE),
    "redirect-loop": (hostile.redirect_loop, 0, LOOP),
}


@dataclass(frozen=True)
class Run:
    returncode: int
    output: str
    wall: float
    attempts: int  # requests the target saw, the smoke's included
    failures: dict[str, str]  # case name -> its failure text, from the JUnit XML
    cases: int


def _run(name: str, reference_url: str, directory: Path) -> Run:
    behaviour, retries, _ = RUNS[name]
    with hostile.serve(behaviour, reference_url) as server:
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
             "--combinations", "pairwise", "--cases", SELECTION, "--target-url", server.url,
             "--target-profile", str(PROFILE_PATH), "--report-dir", str(directory / "reports"),
             "--target-timeout", f"{TIMEOUT:g}", "--target-retries", str(retries)],
            cwd=directory, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        wall = time.monotonic() - started
        attempts = server.requests_seen
    cases = list(ET.parse(directory / "reports" / "junit.xml").getroot().iter("testcase"))
    failures: dict[str, str] = {}
    for case in cases:
        failure = case.find("failure")
        if failure is not None:
            failures[case.get("name", "")] = (failure.get("message") or "") + (failure.text or "")
    return Run(done.returncode, done.stdout + done.stderr, wall, attempts, failures, len(cases))


def _run_all(directory: Path) -> dict[str, Run]:
    """Side by side: the runs mostly wait on their deadlines."""
    with (
        hostile.reference() as reference_url,
        ThreadPoolExecutor(max_workers=len(RUNS)) as pool,
    ):
        futures = {}
        for name in RUNS:
            (directory / name).mkdir()
            futures[name] = pool.submit(_run, name, reference_url, directory / name)
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    return once_per_run("deadline-runs", tmp_path_factory.getbasetemp(), _run_all)


@pytest.mark.parametrize("name", [name for name in RUNS if name != "at-once"])
def test_a_run_against_the_target_fails_each_case_saying_why(name: str, runs: dict[str, Run]) -> None:
    run, expected = runs[name], RUNS[name][2]
    assert run.returncode == 1, run.output[-3000:]
    assert "INTERNALERROR" not in run.output and "Traceback" not in run.output, run.output[-3000:]
    assert run.cases >= 3 and len(run.failures) == run.cases, (
        f"{len(run.failures)} of {run.cases} cases failed:\n{run.output[-3000:]}"
    )
    for case, text in run.failures.items():
        assert expected is not None and expected in text, (
            f"{case}: the failure does not say {expected!r}:\n{text[:1500]}"
        )


@pytest.mark.parametrize("name", ["headers-r0", "headers-r1", "body-r0", "body-r1"])
def test_a_run_against_a_trickling_target_ends_within_its_bound(name: str, runs: dict[str, Run]) -> None:
    # Every request but the smoke meets the trickle; even sent one after another, each
    # send() takes at most budget(retries). The run may take that, three times over,
    # on top of what the same run takes against a target that answers at once.
    run, retries = runs[name], RUNS[name][1]
    baseline = runs["at-once"]
    sends = (run.attempts - 1) // (retries + 1)
    assert sends >= 3, f"{run.attempts} requests reached the target"
    bound = baseline.wall + SLACK * sends * budget(retries)
    assert run.wall < bound, (
        f"the run took {run.wall:.1f} s; bound {bound:.1f} s ({sends} requests "
        f"of at most {budget(retries):g} s, start-up {baseline.wall:.1f} s)"
    )


def test_the_redirect_loop_is_not_called_a_redirect_elsewhere(
    runs: dict[str, Run],
) -> None:
    output = runs["redirect-loop"].output
    assert "redirect to another origin" not in output, output[-3000:]
    assert re.search(r"Got: +6 redirects within the target's origin", output), output[-3000:]
