"""--target-timeout bounds the whole exchange (connect, headers, body, redirects), not
each socket read: a target that trickles its answer fails its cases saying so, each
request cut at its deadline and retried as often as asked. A same-origin redirect loop
is said to be one. No upper limit here is near what it bounds: a send is held to the
hang guard of tests/waiting.py (60 s, over ten times the slowest median, 3.1 s with a
retry), and what a deadline cuts short is counted (attempts, hops), not timed."""

from __future__ import annotations

import json
import re
import select
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance.client import MAX_REDIRECTS, Client, build_request
from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH
from tests import hostile
from tests.once import once_per_run
from tests.servers import Request, Served, each_request, send, serve_socket
from tests.waiting import HANG_GUARD_S, returns_within

PROFILE = load_profile(PROFILE_PATH)
# Not the smoke request (hostile targets answer that one from the reference).
LOOKUP = build_request(PROFILE.user_id, "greatwidgets", [("code", "no-such-code")])
TIMEOUT = 1.0
BACKOFF = 0.25  # the harness's (Client's default)
INTERVAL = 0.3  # one byte every INTERVAL s: every read returns well within TIMEOUT
HEADERS_LATE = "no answer within 1 s, the --target-timeout for the whole exchange: the headers had not all arrived"
BODY_LATE = (
    "the answer was not complete after 1 s, the --target-timeout for the whole exchange: the body was still arriving"
)
LOOP = (
    "6 redirects within the target's origin, more than the 5 the harness follows: "
    "/api.php -> /a -> /api.php -> /a -> /api.php -> /a -> /api.php (a loop?)"
)


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
        # Without a deadline on the whole exchange, each attempt lasts the trickle (18 s
        # of headers, 33 s of body) and then succeeds: the message below says it was cut.
        exchange = returns_within(HANG_GUARD_S, lambda: client.send(LOOKUP), f"send() of a trickle, {retries} retries")
        took = time.monotonic() - started
        client.close()
    assert exchange.transport_error is not None and expected in exchange.transport_error, exchange.transport_error
    assert exchange.attempts == retries + 1 and server.requests_seen == retries + 1
    # Each attempt ran to its deadline, not cut short (a lower bound: load only adds).
    assert took >= TIMEOUT * (retries + 1) * 0.9, f"took {took:.1f} s for {retries + 1} attempt(s) of {TIMEOUT:g} s"


def test_a_connect_that_hangs_ends_at_the_deadline() -> None:
    # A listener that never accepts, its backlog full: the kernel drops further SYNs,
    # so the connect hangs (as behind a firewall that drops packets).
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = listener.getsockname()[1]
    fillers = [socket.socket() for _ in range(3)]
    for filler in fillers:
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
    # The backlog is full once a connection waits in it: the listener is then readable
    # (rather than sleeping and hoping the handshakes are done).
    if not select.select([listener], [], [], HANG_GUARD_S)[0]:
        pytest.fail(f"no connection reached the listener's backlog within {HANG_GUARD_S:g} s")
    client = Client(
        f"http://127.0.0.1:{port}/api.php",
        PROFILE.password,
        timeout=TIMEOUT,
        retries=1,
        backoff=BACKOFF,
    )
    try:
        # The kernel retries a dropped SYN for about two minutes: only the deadline ends it.
        exchange = returns_within(HANG_GUARD_S, lambda: client.send(LOOKUP), "send() to a connect that hangs")
    finally:
        client.close()
        for sock in [*fillers, listener]:
            sock.close()
    expected = "no connection within 1 s, the --target-timeout for the whole exchange: still connecting"
    assert exchange.transport_error is not None and expected in exchange.transport_error, exchange.transport_error
    assert exchange.attempts == 2, exchange.attempts


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
        exchange = returns_within(HANG_GUARD_S, lambda: client.send(LOOKUP), "send() on a kept-alive connection")
        client.close()
    assert server.connections == 1, f"{server.connections} connections: the second request did not reuse the first's"
    # Cut, not waited out: the trickle would have ended with a whole answer (18 s).
    assert exchange.transport_error is not None and HEADERS_LATE in exchange.transport_error, exchange.transport_error


HOP_S = 0.4  # each /slow/ hop answers after this
CHAIN = MAX_REDIRECTS + 1  # requests of a /slow/ chain followed to its end


class Paths:
    """Answers by path: /slow/N redirects to /slow/N+1 after HOP_S; /loop/a and /loop/b
    redirect to each other; anything else is a quick no_match. Connections are kept
    alive. ``slow_hops`` counts the /slow/ requests received."""

    def __init__(self) -> None:
        self.served = Served(port=0)  # replaced by the running server's in ``paths``
        self.slow_hops = 0

    @property
    def origin(self) -> str:
        return self.served.origin

    @property
    def url(self) -> str:
        return self.served.url

    @property
    def connections(self) -> int:
        return self.served.connections

    def answer(self, conn: socket.socket, request: Request, served: Served) -> None:
        if request.path.startswith("/slow/"):
            self.slow_hops += 1
            time.sleep(HOP_S)
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
def paths() -> Iterator[Paths]:
    server = Paths()
    with serve_socket(each_request(server.answer)) as served:
        server.served = served
        yield server


def test_redirects_share_the_deadline_of_their_request(paths: Paths) -> None:
    # Hops of 0.4 s each: every hop is quick, the chain (6 requests, 2.4 s) is not. With
    # one deadline of 1 s for the chain, it is cut at its third hop or so; with a
    # deadline per hop, it runs to its end (and is then called a redirect loop).
    client = Client(f"{paths.origin}/slow/1", PROFILE.password, timeout=TIMEOUT, retries=0)
    try:
        exchange = returns_within(HANG_GUARD_S, lambda: client.send(LOOKUP), "send() through a chain of slow redirects")
    finally:
        client.close()
    assert paths.slow_hops < CHAIN, f"all {paths.slow_hops} hops of the chain were followed: it was not cut short"
    assert (
        exchange.transport_error is not None
        and "the --target-timeout for the whole exchange" in exchange.transport_error
    ), exchange


def test_a_kept_alive_connection_outlives_the_deadline_of_its_first_exchange(
    paths: Paths,
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


def test_a_same_origin_redirect_loop_is_said_to_be_one(paths: Paths) -> None:
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
    attempts: int  # requests the target saw, but the smoke lookup's (at start, and as "still there?")
    failures: dict[str, str]  # item name (REQ[scope]) -> its failure text, from the JUnit XML
    skipped: dict[str, str]  # item name -> why it was not exercised
    items: int
    certificate: dict[str, Any]


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
        # The smoke lookup is sent at start and again before the first failure is judged
        # (Harness.confirm_there: is the target still there?): counted apart.
        attempts = server.requests_seen - server.smokes_seen
    items = list(ET.parse(directory / "reports" / "junit.xml").getroot().iter("testcase"))
    failures: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for item in items:
        failure, skip = item.find("failure"), item.find("skipped")
        if failure is not None:
            failures[item.get("name", "")] = failure.text or ""
        if skip is not None:
            skipped[item.get("name", "")] = skip.get("message") or ""
    certificate = json.loads((directory / "reports" / "certificate.json").read_text())
    return Run(done.returncode, done.stdout + done.stderr, wall, attempts, failures, skipped, len(items), certificate)


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


# A case of a failure shown in full ("--- case 1 of 4: ID" ... its Got: line), and one
# only named after them ("  ID: title").
CASE_IN_FULL = re.compile(r"^--- case \d+ of \d+: (?P<id>\S+)\n(?P<body>.*?)(?=^--- |\Z)", re.MULTILINE | re.DOTALL)
CASE_NAMED = re.compile(r"^  (?P<id>\S+): (?P<title>.+)$", re.MULTILINE)
SCOPE = "greatwidgets/89898989898989"


@pytest.mark.parametrize("name", [name for name in RUNS if name != "at-once"])
def test_a_run_against_the_target_fails_each_case_saying_why(name: str, runs: dict[str, Run]) -> None:
    # Every case of the selection gets no answer: each breaks CALL-RETRIEVES, the one
    # requirement a missing answer can show broken; the scope's other requirements are
    # not exercised (skipped, saying there was no answer), never failed.
    run, expected = runs[name], RUNS[name][2]
    assert expected is not None
    assert run.returncode == 1, run.output[-3000:]
    assert "INTERNALERROR" not in run.output and "Traceback" not in run.output, run.output[-3000:]
    assert list(run.failures) == [f"CALL-RETRIEVES[{SCOPE}]"], list(run.failures)
    assert run.items >= 3 and len(run.skipped) == run.items - 1, run.output[-3000:]
    assert all(re.search(r": no (complete )?answer\b", why) for why in run.skipped.values()), run.skipped
    # The certificate: every selected case failed, and only that requirement.
    selected = run.certificate["requirements"]["CALL-RETRIEVES"]["exercised"]["cases"]
    failed = run.certificate["requirements"]["CALL-RETRIEVES"]["failed"]
    assert len(selected) >= 3 and failed["cases"] == selected and failed["count"] == len(selected), failed
    assert run.certificate["reasons"][0] == "1 requirement failed: CALL-RETRIEVES", run.certificate["reasons"]
    # The failure: its first line counts them all; the first cases in full each say
    # why their answer is missing, the others are named, each once.
    (text,) = run.failures.values()
    cases = f"{len(selected)} case{'s' if len(selected) != 1 else ''}"
    verb = "breaks" if len(selected) == 1 else "break"
    first = f"CALL-RETRIEVES: {len(selected)} of {cases} in {SCOPE} {verb} it ({cases}"
    assert text.startswith(first), text[:500]
    in_full = {m.group("id"): m.group("body") for m in CASE_IN_FULL.finditer(text)}
    assert len(in_full) == min(3, len(selected)), text[:3000]
    for case, body in in_full.items():
        assert re.search(rf"^  Got: +{re.escape(expected)}", body, re.MULTILINE), (
            f"{case}: the failure does not say {expected!r}:\n{body[:1500]}"
        )
    others = text.split("--- the other cases that break it:\n", 1)[1] if len(selected) > 3 else ""
    named = {m.group("id"): m.group("title") for m in CASE_NAMED.finditer(others)}
    assert set(named.values()) <= {"no complete answer from the target"}, named
    assert sorted([*in_full, *named]) == sorted(selected), (sorted(in_full), sorted(named), sorted(selected))


@pytest.mark.parametrize("name", ["headers-r0", "headers-r1", "body-r0", "body-r1"])
def test_a_run_against_a_trickling_target_sends_each_request_retries_plus_one_times(
    name: str, runs: dict[str, Run]
) -> None:
    # Counted, not timed: the run sends the requests of the same run against a target
    # that answers at once, each cut at its deadline (the failures say so) and sent
    # exactly --target-retries + 1 times, no request waited out or repeated beyond that.
    # (Each run starts a suite, about a minute on a loaded machine side by side with the
    # others: a limit on its wall time is the subprocess's 600 s guard, no closer.)
    run, retries = runs[name], RUNS[name][1]
    requests = runs["at-once"].attempts
    assert requests >= 3, f"{runs['at-once'].attempts} requests reached the target that answers at once"
    assert run.attempts == requests * (retries + 1), (
        f"{run.attempts} requests but the smoke lookup's reached the trickling target; "
        f"{requests} distinct requests, each sent {retries + 1} time(s), make {requests * (retries + 1)}"
    )


def test_the_redirect_loop_is_not_called_a_redirect_elsewhere(
    runs: dict[str, Run],
) -> None:
    output = runs["redirect-loop"].output
    assert "redirect to another origin" not in output, output[-3000:]
    assert re.search(r"Got: +6 redirects within the target's origin", output), output[-3000:]
