"""A conformance session against one target, free of pytest.

It owns the client, the store of exchanges (each distinct request is sent once, and
every check that needs its answer reads it from the store), what was learned from
the target's own answers (campaign ids), and the smoke request that stops a run
early: before any case when the target cannot be tested at all (TargetUnusable), or
after its own lookup when the target answers no documented envelope (TargetBroken).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from conformance.access import AccessCase
from conformance.cases import Case
from conformance.checks import Evidence, Judged, Observation, judge
from conformance.client import RETRY_STATUSES, Client
from conformance.document import campaigns
from conformance.fetch import Fetched
from conformance.parse import Answer, ParseError, parse_answer
from conformance.preflight import Found, diagnose, lookups
from conformance.profile import Account, Customer, Profile
from conformance.relations import Relation
from conformance.request import Encoding, Exchange, Request, build_request
from conformance.secret import redact
from conformance.wording import plural

# Statuses that say the URL names no endpoint (not found, gone, method not allowed).
PATH_STATUSES = frozenset({404, 405, 410})


def endpoint_hint(url: str) -> str:
    """A question that points at --target-url's path, with the path real endpoints have
    (every URL of the live service seen is the host's root or ends in /api.php)."""
    parts = urlsplit(url)
    if parts.path.endswith("/api.php"):
        return "Is --target-url the API endpoint?"
    return f"Is --target-url the API endpoint, e.g. {urlunsplit((parts.scheme, parts.netloc, '/api.php', '', ''))}?"


class TargetUnusable(Exception):
    """The smoke request shows that no case could be judged; the message says why."""


class TargetBroken(TargetUnusable):
    """The target answered the smoke request, but not with a documented envelope: that
    answer is a verdict (not conformant) and nothing else can be judged. ``case`` is the
    smoke's lookup as a case of the matrix, to run through the checks."""

    def __init__(self, message: str, case: Case) -> None:
        super().__init__(message)
        self.case = case


class TargetGone(Exception):
    """The target stopped answering mid-run (nothing at all for GONE_AFTER_S, or nothing
    but 429/503 for BUSY_STOP_S): nothing sent since has been judged. The message says
    which, when it last answered and after how many requests."""


# A target that answers no request for this long, its first customer's lookup tried again
# every GONE_PROBE_EVERY_S, is gone: the run ends within about half a minute of it going
# away, not an hour of retried refusals later.
GONE_AFTER_S = 20.0
GONE_PROBE_EVERY_S = 2.0
# A target whose every answer for this long was 429/503 (after each request's retries)
# is stopped the same way: busy is not broken, but a run that only waits judges nothing.
BUSY_STOP_S = 20.0


@dataclass(frozen=True)
class Learned:
    """What the target's own full answer for a customer says, for building cases."""

    campaign_ids: tuple[str, ...]
    campaign_types: tuple[str, ...]


class Harness:
    def __init__(self, profile: Profile, client: Client, encoding: Encoding) -> None:
        self.profile = profile
        self.client = client
        self.encoding = encoding
        self._store: dict[Request, Exchange] = {}
        self._lock = threading.Lock()
        self._learned: dict[tuple[str, Customer], Learned] = {}
        self._bodies: dict[bytes, bytes] = {}
        self._parsed: dict[bytes, tuple[Answer | None, str | None]] = {}
        self._sent = 0  # distinct requests sent (the store may have forgotten some: forget())
        # What forgotten exchanges needed of the transport, for transport_notes().
        self._forgotten_retries, self._forgotten_reasons = 0, set[str]()
        self._forgotten_redirects, self._first_redirect = 0, ""
        # Called with every exchange as it is sent (and whether it was a fresh send):
        # --record-dir keeps them. A store hit is not a send, so it is not passed on.
        self.listeners: list[Callable[[Exchange, bool], None]] = []
        # When the target last gave an HTTP answer that was not "busy" (time.monotonic()),
        # and the wall-clock time of it, for the message when it goes away or stays busy;
        # and when it last gave any HTTP answer, busy or not (it is there, if busy).
        self.last_answered = self.last_heard = time.monotonic()
        self.last_answered_at = datetime.now(timezone.utc)

    # -- exchanges -----------------------------------------------------------------
    def exchange(self, request: Request, fresh: bool = False) -> Exchange:
        """The answer to ``request``, sent at most once per session (``fresh``: send anew)."""
        if fresh:
            return self._notify(self.client.send(request), fresh=True)
        with self._lock:
            found = self._store.get(request)
        if found is not None:
            return found
        exchange = self._intern(self._notify(self.client.send(request), fresh=False))
        with self._lock:
            if request not in self._store:
                self._sent += 1
            return self._store.setdefault(request, exchange)

    def _notify(self, exchange: Exchange, fresh: bool) -> Exchange:
        if exchange.status is not None:
            self.last_heard = time.monotonic()
        if exchange.transport_error is None and exchange.status not in RETRY_STATUSES:
            self.last_answered, self.last_answered_at = time.monotonic(), datetime.now(timezone.utc)
        for listener in self.listeners:
            listener(exchange, fresh)
        return exchange

    def _intern(self, exchange: Exchange) -> Exchange:
        # Most answers of a run repeat byte for byte (parameters that do not change
        # the document); each distinct body is kept once.
        digest = hashlib.blake2b(exchange.body, digest_size=16).digest()
        with self._lock:
            body = self._bodies.setdefault(digest, exchange.body)
        return exchange if body is exchange.body else replace(exchange, body=body)

    def parse(self, exchange: Exchange) -> tuple[Answer | None, str | None]:
        """The exchange's answer parsed, once per distinct body (checks never modify it)."""
        if exchange.transport_error is not None or exchange.truncated:
            return None, None
        # A callback sent changes how a body is read (parse_answer): it is part of the key.
        callback = exchange.request.get("callback")
        digest = hashlib.blake2b(exchange.body + (callback or "").encode(), digest_size=16).digest()
        with self._lock:
            found = self._parsed.get(digest)
        if found is None:
            try:
                found = (parse_answer(exchange.body, callback), None)
            except ParseError as exc:
                found = (None, str(exc))
            with self._lock:
                self._parsed[digest] = found
        return found

    def forget(self, requests: Iterable[Request]) -> None:
        """Drop these answers, and every parsed body, once judged: a run's memory then
        grows with its largest scope, not with the whole run (``bench/run.py scale``
        measures it at ten times the reference's customers). What they needed of the
        transport is kept for transport_notes(); a request asked again after this is sent
        again."""
        with self._lock:
            for request in requests:
                exchange = self._store.pop(request, None)
                if exchange is None:
                    continue
                if exchange.attempts > 1:
                    self._forgotten_retries += 1
                    self._forgotten_reasons.update(exchange.retry_reasons)
                if exchange.redirects:
                    self._forgotten_redirects += 1
                    self._first_redirect = self._first_redirect or exchange.redirects[-1]
            self._bodies.clear()
            self._parsed.clear()

    @property
    def requests_sent(self) -> int:
        return self._sent

    def transport_notes(self) -> list[str]:
        """What the transport had to do that a reader should know: retries, redirects."""
        with self._lock:
            exchanges = list(self._store.values())
            reasons = set(self._forgotten_reasons)
            retries, redirects, first_redirect = (
                self._forgotten_retries,
                self._forgotten_redirects,
                self._first_redirect,
            )
        notes = []
        retried = [e for e in exchanges if e.attempts > 1]
        retries += len(retried)
        if retries:
            reasons |= {reason for e in retried for reason in e.retry_reasons}
            notes.append(f"{plural(retries, 'request')} needed retries ({'; '.join(sorted(reasons)[:3])})")
        redirected = [e for e in exchanges if e.redirects]
        redirects += len(redirected)
        if redirects:
            example = first_redirect or redirected[0].redirects[-1]
            notes.append(f"{plural(redirects, 'request')} followed same-origin redirects, e.g. to {example}")
        return notes

    def observe(self, case: Case | AccessCase, exchange: Exchange | None = None) -> Observation:
        if exchange is None:
            request = (
                case.request if isinstance(case, AccessCase) else case.request(self.profile.user_id, self.encoding)
            )
            exchange = self.exchange(request)
        answer, error = self.parse(exchange)
        return Observation(case, exchange, answer, error)

    def verify(self, case: Case, exchange: Exchange | None = None) -> tuple[Observation, Judged]:
        """The case's answer (``exchange``, else from the store) judged by every answer check."""
        observation = self.observe(case, exchange)
        return observation, judge(Evidence.of("answer", observation))

    def verify_relation(self, relation: Relation) -> tuple[dict[str, Observation], Judged]:
        observations = {}
        for role, case in relation.members:
            # "again" must really be sent again: the store would hand back the first answer.
            exchange = self.exchange(case.request(self.profile.user_id, self.encoding), fresh=(role == "again"))
            observations[role] = self.observe(case, exchange)
        return observations, judge(Evidence("relation", relation, observations))

    def verify_access(self, case: AccessCase, exchange: Exchange | None = None) -> tuple[Observation, Judged]:
        observation = self.observe(case, exchange)
        return observation, judge(Evidence.of("access", observation))

    # -- before the cases ----------------------------------------------------------
    def confirm_there(self, recent_s: float = GONE_PROBE_EVERY_S) -> None:
        """Called before judging an exchange that got no answer: an isolated failure (the
        target answered something within ``recent_s``, or answers its first customer's
        lookup now) is the target's to answer for; a target that answers nothing for
        GONE_AFTER_S is gone (TargetGone), and nothing more is judged."""
        if time.monotonic() - self.last_heard <= recent_s:
            return
        request = self.smoke_case().request(self.profile.user_id, self.encoding)
        while True:
            self.exchange(request, fresh=True)  # an answer, even a busy one, updates last_heard
            if time.monotonic() - self.last_heard <= recent_s:
                return
            if time.monotonic() - self.last_heard >= GONE_AFTER_S:
                when = self.last_answered_at.strftime("%H:%M:%S UTC")
                raise TargetGone(
                    f"the target went away: it last answered at {when}, after {plural(self._sent, 'request')}, and has "
                    f"answered nothing for {GONE_AFTER_S:.0f} s since (its first customer's lookup tried every "
                    f"{GONE_PROBE_EVERY_S:.0f} s); the cases judged before are in the reports"
                )
            time.sleep(GONE_PROBE_EVERY_S)

    def confirm_not_only_busy(self, status: int) -> None:
        """Called on an exchange still busy after its retries: a target that has answered
        nothing but 429/503 for BUSY_STOP_S is stopped (TargetGone), the cases judged so
        far kept, rather than waited on request by request until the run's end."""
        if time.monotonic() - self.last_answered < BUSY_STOP_S:
            return
        when = self.last_answered_at.strftime("%H:%M:%S UTC")
        raise TargetGone(
            f"the target stayed busy: every answer since {when} (after {plural(self._sent, 'request')}) was "
            f"HTTP 429 or 503, the last HTTP {status}, each retried after its Retry-After, for "
            f"{BUSY_STOP_S:.0f} s; run again later, with --rate-limit (requests a second) or a lower "
            "--concurrency; the cases judged before are in the reports"
        )

    def smoke_case(self) -> Case:
        """The profile's first customer looked up by code (else card_number), no options:
        the matrix's first case, and the request :meth:`learn` sends for that customer."""
        account = self.profile.accounts[0]
        customer = account.customers[0]
        identifier = "code" if customer.code is not None else "card_number"
        return Case(account.account_id, account.coalition, customer, identifier)

    def smoke(self) -> None:
        """One request for the profile's first customer. Raise TargetUnusable if the
        target cannot be tested (no answer, or the credentials refused), TargetBroken if
        it answered something that is no documented envelope."""
        case = self.smoke_case()
        # Through the store: the same request is the first customer's full answer,
        # which the case generation reads again.
        observation = self.observe(case)
        exchange = observation.exchange
        assert case.customer is not None
        where = f"the smoke request to {self.client.url} (a lookup of {case.customer.label} in {case.account_id})"
        if exchange.transport_error:
            raise TargetUnusable(f"{where} got no answer: {exchange.transport_error}.")
        if exchange.truncated:
            raise TargetUnusable(
                f"{where} got an answer larger than --max-response-bytes ({len(exchange.body)} "
                "bytes read): raise --max-response-bytes if answers this large are intended."
            )
        answer = observation.answer
        answered = f"HTTP {exchange.status}, {exchange.content_type or 'no Content-Type'}"
        if answer is None:
            raise TargetBroken(
                f"{where} did not get an API envelope: {answered}: "
                f"{observation.parse_error}. {endpoint_hint(self.client.url)}",
                case,
            )
        status = answer.document.get("status")
        if status == "error":
            text = redact(str(answer.document.get("error") or answer.document.get("errors")), self.profile.password)
            if exchange.status in PATH_STATUSES:
                # The server says the path is wrong: the credentials were never looked at.
                raise TargetUnusable(
                    f"{where} was answered {answered}, with an error envelope: {text!r}. "
                    f"HTTP {exchange.status} says the path is wrong, not "
                    f"the credentials. {endpoint_hint(self.client.url)}"
                )
            raise TargetUnusable(
                f"{where} was refused with an error envelope ({answered}): {text!r}. "
                "Check the profile's credentials (or TARGET_USER_PASSWORD) and account_id."
            )
        if status not in ("success", "no_match"):
            raise TargetBroken(
                f"{where} got an envelope with status "
                f"{redact(repr(status), self.profile.password)}, not success, no_match or error.",
                case,
            )

    def preflight(self, concurrency: int = 1) -> list[str]:
        """Whether the profile describes the target (conformance/preflight.py): every
        profile customer looked up by each identifier it has, ``concurrency`` at a time,
        through the store, so nothing is sent twice (the matrix and the identifiers
        relation send these requests anyway, and learn() reads the lookups by code from
        the store). One line per profile entry the answers contradict."""
        planned = lookups(self.profile, self.encoding)
        requests = list(dict.fromkeys(lookup.request for lookup in planned))
        fetched = Fetched(self.exchange, requests, concurrency)
        try:
            answers = {}
            for request in requests:
                answer, _ = self.parse(fetched.result(request))
                answers[request] = Found.of(answer.document if answer is not None else None)
        finally:
            fetched.stop()
        return diagnose(self.profile, planned, answers)

    def learn(self, account: Account, customer: Customer) -> Learned:
        """The customer's campaigns, from the target's own full answer (cached)."""
        key = (account.account_id, customer)
        if key not in self._learned:
            exchange = self.exchange(self._lookup(account, customer))
            found: list[dict[str, Any]] = []
            with contextlib.suppress(ParseError):  # the cases themselves will report the broken answer
                found = campaigns(parse_answer(exchange.body).document)
            self._learned[key] = Learned(
                tuple(str(c.get("id")) for c in found if c.get("id")),
                tuple(str(c.get("type")) for c in found),
            )
        return self._learned[key]

    def _lookup(self, account: Account, customer: Customer) -> Request:
        name = "code" if customer.code is not None else "card_number"
        return build_request(
            self.profile.user_id, account.account_id, [(name, getattr(customer, name))], encoding=self.encoding
        )


__all__ = ["Harness", "Learned", "TargetBroken", "TargetUnusable", "endpoint_hint"]
