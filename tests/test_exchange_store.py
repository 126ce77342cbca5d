"""The harness's exchange store (conformance/harness.py), with a client that answers from
a table: each distinct request is sent once, ``fresh`` sends anew, bodies are kept once,
each distinct body is parsed once, prefetch sends what is missing with bounded
concurrency, and what the transport had to do is noted. No server."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from conformance.cases import Case
from conformance.client import Exchange, Request, build_request
from conformance.harness import Harness, TargetBroken, TargetUnusable
from conformance.parse import Answer, parse_answer
from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH
from conformance.relations import Relation

PROFILE = load_profile(PROFILE_PATH)
NO_MATCH = b'<?xml version="1.0"?><response status="no_match"><message>No Customers Match Criteria</message></response>'
SUCCESS = (
    b'<?xml version="1.0"?><response status="success"><customer><code>89898989898989</code></customer>'
    b"<campaigns><campaign><id>111</id><type>points</type></campaign><campaign><id>222</id><type>buyx</type></campaign></campaigns></response>"
)


def lookup(code: str) -> Request:
    return build_request(PROFILE.user_id, "greatwidgets", [("code", code)])


class TableClient:
    """Stands in for ``client.Client``: answers each request with ``answer(request)``
    (default: a fresh copy of NO_MATCH, so equal bodies are distinct objects) and counts
    what it was sent; ``delay`` keeps each send in flight a while."""

    url = "http://table.invalid/api.php"

    def __init__(self, answer: Callable[[Request], Exchange] | None = None, delay: float = 0.0) -> None:
        self.answer = answer or (
            lambda request: Exchange(request, self.url, status=200, body=bytes(bytearray(NO_MATCH)))
        )
        self.delay = delay
        self.sent: Counter[Request] = Counter()
        self.in_flight = self.most_in_flight = 0
        self._lock = threading.Lock()

    def send(self, request: Request) -> Exchange:
        with self._lock:
            self.sent[request] += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(self.delay)
        with self._lock:
            self.in_flight -= 1
        return self.answer(request)


def harness(client: TableClient) -> Harness:
    return Harness(PROFILE, client, "form")  # type: ignore[arg-type]


def test_each_distinct_request_is_sent_once() -> None:
    client = TableClient()
    store = harness(client)
    first = store.exchange(lookup("1"))
    assert store.exchange(lookup("1")) is first, "the second ask is answered from the store"
    store.exchange(lookup("2"))
    assert client.sent == Counter({lookup("1"): 1, lookup("2"): 1})
    assert store.requests_sent == 2


def test_fresh_sends_again_and_leaves_the_stored_answer() -> None:
    client = TableClient()
    store = harness(client)
    stored = store.exchange(lookup("1"))
    again = store.exchange(lookup("1"), fresh=True)
    assert again is not stored and client.sent[lookup("1")] == 2
    assert store.exchange(lookup("1")) is stored and store.requests_sent == 1


def test_listeners_hear_every_send_and_no_store_hit() -> None:
    heard: list[tuple[Request, bool]] = []
    store = harness(TableClient())
    store.listeners.append(lambda exchange, fresh: heard.append((exchange.request, fresh)))
    store.exchange(lookup("1"))
    store.exchange(lookup("1"))
    store.exchange(lookup("1"), fresh=True)
    assert heard == [(lookup("1"), False), (lookup("1"), True)]


def test_equal_bodies_are_kept_once() -> None:
    store = harness(TableClient())
    one, two = store.exchange(lookup("1")), store.exchange(lookup("2"))
    assert one.body == two.body == NO_MATCH and one.body is two.body


def test_each_distinct_body_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[bytes] = []

    def counting(body: bytes, callback: str | None = None) -> Answer:
        parsed.append(body)
        return parse_answer(body, callback)

    monkeypatch.setattr("conformance.harness.parse_answer", counting)
    store = harness(TableClient())
    first = store.parse(store.exchange(lookup("1")))
    second = store.parse(store.exchange(lookup("2")))
    assert first[0] is not None and first == second and parsed == [NO_MATCH]


def test_no_answer_and_a_cut_answer_are_not_parsed() -> None:
    store = harness(TableClient())
    request = lookup("1")
    assert store.parse(Exchange(request, TableClient.url, transport_error="connection refused")) == (None, None)
    assert store.parse(Exchange(request, TableClient.url, status=200, body=NO_MATCH[:20], truncated=True)) == (
        None,
        None,
    )
    answer, error = store.parse(Exchange(request, TableClient.url, status=200, body=b"<html>oops"))
    assert answer is None and error


def test_transport_notes_say_what_needed_retries_and_redirects() -> None:
    def answer(request: Request) -> Exchange:
        code = request.get("code")
        if code == "retried":
            return Exchange(
                request, TableClient.url, status=200, body=NO_MATCH, attempts=2, retry_reasons=("HTTP 503",)
            )
        if code == "moved":
            return Exchange(
                request, TableClient.url, status=200, body=NO_MATCH, redirects=("http://table.invalid/v2/api.php",)
            )
        return Exchange(request, TableClient.url, status=200, body=NO_MATCH)

    store = harness(TableClient(answer))
    store.exchange(lookup("plain"))
    assert store.transport_notes() == []
    store.exchange(lookup("retried"))
    store.exchange(lookup("moved"))
    assert store.transport_notes() == [
        "1 request needed retries (HTTP 503)",
        "1 request followed same-origin redirects, e.g. to http://table.invalid/v2/api.php",
    ]


def test_a_repeat_relation_sends_its_second_member_again() -> None:
    client = TableClient()
    store = harness(client)
    case = Case("greatwidgets", False, PROFILE.accounts[0].customers[0], "code")
    request = case.request(PROFILE.user_id, "form")
    store.exchange(request)
    store.verify_relation(Relation("repeat", "greatwidgets", False, (("first", case), ("again", case)), "x"))
    assert client.sent[request] == 2, "'again' was answered from the store"


def test_learn_reads_the_campaigns_from_one_stored_lookup() -> None:
    client = TableClient(lambda request: Exchange(request, TableClient.url, status=200, body=SUCCESS))
    store = harness(client)
    account = PROFILE.accounts[0]
    learned = store.learn(account, account.customers[0])
    assert (learned.campaign_ids, learned.campaign_types) == (("111", "222"), ("points", "buyx"))
    assert store.learn(account, account.customers[0]) is learned
    store.smoke()  # the smoke lookup is the same request: answered from the store
    assert sum(client.sent.values()) == 1


@pytest.mark.parametrize(
    ("exchange", "error", "says"),
    [
        (dict(transport_error="connection refused"), TargetUnusable, "got no answer: connection refused"),
        (
            dict(status=200, body=b"<html>x</html>", headers={"content-type": "text/html"}),
            TargetBroken,
            "did not get an API envelope: HTTP 200, text/html",
        ),
        (
            dict(status=200, body=b'<response status="error"><error>bad password</error></response>'),
            TargetUnusable,
            "refused with an error envelope (HTTP 200, no Content-Type): 'bad password'",
        ),
        (
            dict(status=200, body=b'<response status="maybe"/>'),
            TargetBroken,
            "with status 'maybe', not success, no_match or error",
        ),
    ],
    ids=["no-answer", "not-an-envelope", "refused", "unknown-status"],
)
def test_the_smoke_stops_a_target_that_cannot_be_tested(
    exchange: dict[str, Any], error: type[Exception], says: str
) -> None:
    store = harness(TableClient(lambda request: Exchange(request, TableClient.url, **exchange)))
    with pytest.raises(error) as raised:
        store.smoke()
    assert says in str(raised.value) and type(raised.value) is error


def test_forgotten_answers_keep_their_count_and_transport_notes() -> None:
    # A judged scope's answers are dropped (evaluation.Evaluator): the run still counts
    # them as sent and still says what they needed of the transport; asked again, the
    # request is sent again (the evaluator forgets only what no other scope needs).
    def answer(request: Request) -> Exchange:
        if request.get("code") == "retried":
            return Exchange(
                request, TableClient.url, status=200, body=NO_MATCH, attempts=2, retry_reasons=("HTTP 503",)
            )
        return Exchange(request, TableClient.url, status=200, body=NO_MATCH, redirects=("http://table.invalid/v2",))

    client = TableClient(answer)
    store = harness(client)
    store.exchange(lookup("retried"))
    store.exchange(lookup("moved"))
    store.forget([lookup("retried"), lookup("moved")])
    assert store.requests_sent == 2
    assert store.transport_notes() == [
        "1 request needed retries (HTTP 503)",
        "1 request followed same-origin redirects, e.g. to http://table.invalid/v2",
    ]
    store.exchange(lookup("moved"))
    assert client.sent[lookup("moved")] == 2 and store.requests_sent == 3
