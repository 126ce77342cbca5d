"""Cases as evidence: the units of a run (matrix cases, relations, access cases) grouped
into scopes, each scope's answers fetched concurrently and judged as they arrive, and
what was judged folded per requirement. Free of pytest: the plugin makes one item per
requirement and scope and reads its verdict here.

A scope is one customer (``account/customer``: every case, negative case and relation
about that customer), one account (its cases about no customer: probes of missing or
unknown identifiers), or ``access`` (credentials, required fields, account scope). So
``pytest -n`` can spread the scopes over workers, and a worker fetches only the answers
of the scopes its items judge.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance import compare as comparing
from conformance.access import AccessCase
from conformance.cases import Case
from conformance.checks import REGISTRY, Finding, Judged, Observation, registered_checks
from conformance.checks.access import case_requirements
from conformance.client import RETRY_STATUSES
from conformance.fetch import Fetched, Slots
from conformance.harness import Harness
from conformance.relations import Relation
from conformance.report import failure_text, group_failure_text, names_role, response_text
from conformance.request import Exchange, Request, curl_command
from conformance.requirements import catalogue
from conformance.secret import redact
from conformance.tally import Tally

Unit = Case | Relation | AccessCase

EXAMPLES = 3  # failing cases shown in full per requirement and scope
LISTED = 20  # failing cases named (with their first violation) per requirement and scope; the rest counted
ACCESS_SCOPE = "access"
# How many requests of the scopes after the one being judged the run-wide pipeline fetches
# ahead (at least the next scope's): what it holds stays bounded (the answers are the
# harness's interned bodies), and a unit waiting out a Retry-After does not dry it up.
LOOKAHEAD_REQUESTS = 2048
# Which failures can cause others, by area: an answer whose envelope, format or fields
# are wrong makes the checks that read its values fail too. A failure is secondary when
# every case that shows it also fails a requirement of a lower rank.
CAUSE_RANK = {"envelopes": 0, "formats": 0, "answers": 1}


def is_busy(exchange: Exchange) -> bool:
    """The target answered that it is busy (429 Too Many Requests, 503 Service
    Unavailable) and still did after the client's retries."""
    return exchange.transport_error is None and exchange.status in RETRY_STATUSES


def was_busy(exchange: Exchange) -> bool:
    """The target said it was busy while answering this (at the end, or on an attempt
    the client retried): the slots' limit comes down."""
    return is_busy(exchange) or any(r in ("HTTP 429", "HTTP 503") for r in exchange.retry_reasons)


def cause_rank(requirement_id: str) -> int:
    return CAUSE_RANK.get(catalogue()[requirement_id].area, 2)


# -- what a unit is ------------------------------------------------------------------
def unit_kind(unit: Unit) -> str:
    if isinstance(unit, Relation):
        return "relation"
    return "access" if isinstance(unit, AccessCase) else "answer"


def scope_of(unit: Unit) -> str:
    """The scope a unit is evidence in (see the module's docstring)."""
    if isinstance(unit, AccessCase):
        return ACCESS_SCOPE
    if isinstance(unit, Relation):
        customers = {c.customer.label for _, c in unit.members if c.customer is not None}
        return f"{unit.account_id}/{customers.pop()}" if len(customers) == 1 else unit.account_id
    return f"{unit.account_id}/{unit.customer.label}" if unit.customer is not None else unit.account_id


def unit_requests(unit: Unit, harness: Harness) -> list[Request]:
    """The requests a unit's answers come from (a relation's "again" is sent when it is
    judged: it must be a second request)."""
    if isinstance(unit, AccessCase):
        return [unit.request]
    if isinstance(unit, Relation):
        return [c.request(harness.profile.user_id, harness.encoding) for role, c in unit.members if role != "again"]
    return [unit.request(harness.profile.user_id, harness.encoding)]


def unit_areas(unit: Unit, customer_has_buyx: Callable[[Case], bool]) -> list[str]:
    """The areas a unit touches (counted in the certificate's ``items_by_area``)."""
    if isinstance(unit, AccessCase):
        return ["access", "security"]
    if isinstance(unit, Relation):
        return ["coalition", "relations"] if unit.coalition else ["relations"]
    areas = set(unit.areas)
    if unit.customer is not None and customer_has_buyx(unit):
        areas.add("buyx")
    return sorted(areas)


def declared_requirements(kind: str, relation_kinds: Iterable[str] = ()) -> set[str]:
    """Every requirement a check of this kind of evidence may judge (for relations, of
    these relation kinds): the items a scope holding such units gets."""
    relation_kinds = set(relation_kinds)
    found: set[str] = set()
    for check in registered_checks():
        if kind in check.kinds and (kind != "relation" or check.relation in relation_kinds):
            found.update(check.requirements)
    return found


# -- the plan: scopes and their items --------------------------------------------------
@dataclass
class Scope:
    key: str
    units: list[Unit] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)  # its items, in the catalogue's order


def plan_scopes(units: Sequence[Unit]) -> dict[str, Scope]:
    """The units by scope (in the order generated) and the requirements each scope's
    items judge: every requirement a check of its units' kinds may judge. An access case
    names its requirement; one that no access check declares would be judged by none, so
    it is refused here (a harness bug: declare it in checks/access.py)."""
    scopes: dict[str, Scope] = {}
    for unit in units:
        key = scope_of(unit)
        scope = scopes.get(key)
        if scope is None:
            scope = scopes[key] = Scope(key)
        scope.units.append(unit)
    order = list(catalogue())
    judged_by_case = case_requirements()
    for scope in scopes.values():
        kinds = {unit_kind(u) for u in scope.units}
        relation_kinds = {u.kind for u in scope.units if isinstance(u, Relation)}
        wanted: set[str] = set()
        for kind in kinds:
            wanted |= declared_requirements(kind, relation_kinds)
        undeclared = sorted(
            {u.requirement for u in scope.units if isinstance(u, AccessCase) and u.requirement} - judged_by_case
        )
        if undeclared:
            raise ValueError(
                f"access cases name {', '.join(undeclared)}, which no access check declares "
                "(conformance/checks/access.py): no check would judge their answers"
            )
        scope.requirements = [r for r in order if r in wanted]
    return scopes


# -- one scope judged ---------------------------------------------------------------
@dataclass
class Example:
    """A failing unit shown in full: the failure text (violations of this requirement,
    where/expected/got, curl), and the request and answer for the HTML report."""

    unit: str
    text: str
    curl: str
    response: str


@dataclass
class RequirementResult:
    """What one scope's units said of one requirement."""

    exercised: int = 0
    failing_ids: list[str] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)  # "unit id: first violation" beyond the examples
    reasons: Counter[str] = field(default_factory=Counter)  # why units could not judge it
    errors: list[str] = field(default_factory=list)  # harness errors of its checks (the first few)
    error_count: int = 0
    # Failing cases that also break a requirement their answer's reading depends on
    # (CAUSE_RANK), and which: when every failing case does, this failure is secondary.
    caused_by: Counter[str] = field(default_factory=Counter)
    # Per check, the failing cases on which it found this requirement broken (all of
    # them, not only the examples: the check to read may be one the examples lack).
    found_by: Counter[str] = field(default_factory=Counter)

    @property
    def secondary_to(self) -> str | None:
        """The likely cause, when every case that breaks this requirement also breaks a
        more basic one (an answer that is no success envelope cannot filter campaigns)."""
        if not self.failing_ids or sum(self.caused_by.values()) < len(self.failing_ids):
            return None
        return self.caused_by.most_common(1)[0][0]


@dataclass
class NoteSeen:
    severity: str
    check: str
    requirement: str | None
    title: str
    count: int
    unit: str  # the first unit it was seen on
    where: str
    curl: str


@dataclass
class ScopeResult:
    key: str
    units: int
    requirements: dict[str, RequirementResult]
    tally: Tally
    notes: dict[tuple[str, str, str], NoteSeen]
    seconds: float
    requests: int
    compared: int = 0
    differences: list[dict[str, Any]] = field(default_factory=list)
    differing: int = 0
    baseline_seen: dict[str, list[str]] = field(default_factory=dict)  # listed unit id -> its failed requirements

    def carrier(self) -> dict[str, Any]:
        """What crosses to the controller (under xdist) with the scope's first item: the
        tally for the certificate, the notes with a case and curl each, the comparison."""
        return {
            "scope": self.key,
            "tally": self.tally.to_json(),
            "notes": [vars(note) for note in self.notes.values()],
            "compared": self.compared,
            "differing": self.differing,
            "differences": self.differences,
            "baseline_seen": self.baseline_seen,
            "seconds": round(self.seconds, 3),
            "requests": self.requests,
        }


class Evaluator:
    """Judges scopes for one process, each at most once (its items then read the result)."""

    def __init__(
        self,
        harness: Harness,
        concurrency: int,
        customer_has_buyx: Callable[[Case], bool],
        compare: Harness | None = None,
        baseline_ids: frozenset[str] = frozenset(),
        differences_kept: int = 200,
    ) -> None:
        self.harness = harness
        self.concurrency = concurrency
        self.compare = compare
        self.customer_has_buyx = customer_has_buyx
        self.baseline_ids = baseline_ids
        self.differences_kept = differences_kept
        self.results: dict[str, ScopeResult] = {}
        self.scopes: dict[str, Scope] = {}  # every scope of the run (set by the plugin's plan)
        self._shared: set[Request] | None = None  # requests more than one scope needs
        # The scopes in the order this process judges them, when it knows it (one process:
        # the session's items; under xdist a worker is handed its scopes as it goes, so
        # None). Then one run-wide pipeline fetches the next scope's requests while this
        # one is judged: no drain to zero between scopes (remote targets felt it most).
        self.order: list[str] | None = None
        # The run's slots: at most --concurrency requests in flight, fewer while the target
        # says it is busy; a request waiting out a Retry-After holds none (fetch.Slots).
        self.slots = Slots(concurrency)
        self._pipeline: Fetched[Request, Exchange] | None = None
        self._needs: dict[str, list[list[Request]]] = {}

    def close(self) -> None:
        """Stop the run-wide pipeline (the fetches under way end within their deadline)."""
        if self._pipeline is not None:
            self._pipeline.stop()
            self._pipeline = None

    def result(self, scope: Scope) -> ScopeResult:
        if scope.key not in self.results:
            self.results[scope.key] = self._evaluate(scope)
        return self.results[scope.key]

    def _evaluate(self, scope: Scope) -> ScopeResult:
        started = time.monotonic()
        harness = self.harness
        sent_before = harness.requests_sent
        needs = self._requests_of(scope)
        requests = list(dict.fromkeys(r for wanted in needs for r in wanted))
        requirements = {r: RequirementResult() for r in scope.requirements}
        tally = Tally()
        notes: dict[tuple[str, str, str], NoteSeen] = {}
        result = ScopeResult(scope.key, len(scope.units), requirements, tally, notes, 0.0, 0)
        # The answers are fetched --concurrency at a time while this thread judges each
        # unit as soon as its answers are in, in the order generated (so the examples a
        # report shows are the same from run to run).
        # (--compare-url: the other implementation's answers the same way, at its own
        # --concurrency.)
        following = self._following(scope)
        pending = self._pending(requests, following)
        other: Fetched[Case, Observation] | None = None
        try:
            if self.compare is not None:
                compare = self.compare
                compared = [u for u in scope.units if isinstance(u, Case) and u.probe is None]
                other = Fetched(lambda case: comparing.observe(compare, case), compared, self.concurrency)
            for unit, wanted in zip(scope.units, needs, strict=True):
                answered = [pending.result(request) for request in wanted]
                self._judge(unit, answered, result)
                if other is not None and isinstance(unit, Case) and unit.probe is None:
                    self._compare(unit, other.result(unit), result)
        except BaseException:
            # On Ctrl-C (or any error) nothing more is sent.
            self.close()
            pending.stop()
            raise
        finally:
            if other is not None:
                other.stop()
        if pending is self._pipeline:
            # Its next scope's requests go on; this scope's answers are let go.
            pending.release(set(requests) - following)
        else:
            pending.stop()
        # The scope's tally holds its units' judgements: each item's counts are read there.
        for requirement_id, found in requirements.items():
            found.exercised = tally.exercised[requirement_id]
            found.reasons.update(tally.reasons.get(requirement_id, {}))
        # Judged: the answers no other scope needs are dropped (memory grows with the
        # largest scope, and each distinct request is still sent once).
        harness.forget(r for r in requests if r not in self._shared_requests())
        result.seconds = time.monotonic() - started
        result.requests = harness.requests_sent - sent_before
        return result

    def _requests_of(self, scope: Scope) -> list[list[Request]]:
        """Each unit's requests (built once: a case's request is not free)."""
        if scope.key not in self._needs:
            self._needs[scope.key] = [unit_requests(unit, self.harness) for unit in scope.units]
        return self._needs.pop(scope.key)

    def _following(self, scope: Scope) -> set[Request]:
        """The requests of the scopes judged after this one, fetched while it is judged:
        the next scope's, and the ones after until LOOKAHEAD_REQUESTS are (none: no order,
        or the last). One scope was not enough: a request waiting out a Retry-After holds
        the judging thread at its unit for a second, and the fetching ran dry at the end of
        the next scope, a stall per scope (a pairwise run at 5% busy took 1.8x)."""
        if self.order is None or scope.key not in self.order:
            return set()
        following: set[Request] = set()
        for key in self.order[self.order.index(scope.key) + 1 :]:
            if key not in self.scopes or (following and len(following) >= LOOKAHEAD_REQUESTS):
                break
            if key not in self._needs:
                self._needs[key] = [unit_requests(unit, self.harness) for unit in self.scopes[key].units]
            following.update(r for wanted in self._needs[key] for r in wanted)
        return following

    def _pending(self, requests: list[Request], following: set[Request]) -> Fetched[Request, Exchange]:
        """This scope's requests, fetching: through the run-wide pipeline (then the next
        scope's follow them) when the order is known, else a pipeline of its own."""
        if self.order is None:
            return Fetched(self.harness.exchange, requests, self.concurrency, slots=self.slots, busy=was_busy)
        if self._pipeline is None:
            self._pipeline = Fetched(
                self.harness.exchange, requests, self.concurrency, open_ended=True, slots=self.slots, busy=was_busy
            )
        else:
            self._pipeline.extend(requests)
        self._pipeline.extend(following)
        return self._pipeline

    def _shared_requests(self) -> set[Request]:
        if self._shared is None:
            seen: dict[Request, str] = {}
            shared: set[Request] = set()
            for key, scope in self.scopes.items():
                for unit in scope.units:
                    for request in unit_requests(unit, self.harness):
                        if seen.setdefault(request, key) != key:
                            shared.add(request)
            self._shared = shared
        return self._shared

    def _judge(self, unit: Unit, answered: list[Exchange], result: ScopeResult) -> None:
        """Judge one unit (``answered``: the exchanges of its unit_requests) into ``result``."""
        harness = self.harness
        secret = harness.profile.password
        if any(x.transport_error is not None for x in answered):
            harness.confirm_there()  # TargetGone: the target went away; nothing more is judged
        busy = next((x for x in answered if is_busy(x)), None)
        if busy is not None:
            # Busy is not broken: a 429 or 503 still there after the retries says nothing
            # of what the document requires, so the unit is counted, not judged.
            harness.confirm_not_only_busy(busy.status or 0)  # TargetGone: busy for too long
            result.tally.add_busy(unit.id, busy.status or 0)
            return
        observations: dict[str, Observation]
        if isinstance(unit, Relation):
            observations, judged = harness.verify_relation(unit)
        elif isinstance(unit, AccessCase):
            observation, judged = harness.verify_access(unit, answered[0])
            observations = {"": observation}
        else:
            observation, judged = harness.verify(unit, answered[0])
            observations = {"": observation}
        kind = unit_kind(unit)
        unit_id = unit.id
        # The certificate's word for a matrix case is "case" (its checks' evidence kind is "answer").
        result.tally.add_judged(
            "case" if kind == "answer" else kind, unit_id, judged, unit_areas(unit, self.customer_has_buyx)
        )
        if unit_id in self.baseline_ids:
            result.baseline_seen[unit_id] = list(judged.failed)
        for error in judged.errors:
            for requirement_id in REGISTRY[error.check].requirements if error.check in REGISTRY else ():
                found = result.requirements.get(requirement_id)
                if found is not None:
                    found.error_count += 1
                    if len(found.errors) < EXAMPLES:
                        found.errors.append(_text(unit, observations, [error], secret))
        for requirement_id in judged.failed:
            found = result.requirements.get(requirement_id)
            if found is None:  # a requirement no item of this scope judges: a harness bug, said loudly
                found = result.requirements[requirement_id] = RequirementResult()
            found.failing_ids.append(unit_id)
            causes = [r for r in judged.failed if cause_rank(r) < cause_rank(requirement_id)]
            if causes:
                found.caused_by[min(causes, key=cause_rank)] += 1
            violations = [f for f in judged.findings if f.severity == "fail" and f.requirement == requirement_id]
            found.found_by.update({f.check for f in violations})
            if len(found.examples) < EXAMPLES:
                first = _first_named(observations, violations)
                found.examples.append(
                    Example(
                        unit_id,
                        _text(unit, observations, violations, secret),
                        redact(curl_command(first.exchange), secret),
                        response_text(first, secret),
                    )
                )
            elif len(found.listed) < LISTED:
                found.listed.append(redact(f"{unit_id}: {violations[0].title}", secret))
        self._notes(unit, observations, judged, result.notes)

    def _notes(
        self,
        unit: Unit,
        observations: dict[str, Observation],
        judged: Judged,
        notes: dict[tuple[str, str, str], NoteSeen],
    ) -> None:
        secret = self.harness.profile.password
        for finding in judged.findings:
            if finding.severity not in ("warning", "advisory", "unspecified"):
                continue
            key = (finding.severity, finding.check, finding.title)
            seen = notes.get(key)
            if seen is not None:
                seen.count += 1
                continue
            first = next(iter(observations.values()))
            notes[key] = NoteSeen(
                finding.severity,
                finding.check,
                finding.requirement,
                redact(finding.title, secret),
                1,
                unit.id,
                redact(finding.where, secret),
                redact(curl_command(first.exchange), secret),
            )

    def _compare(self, case: Case, theirs: Observation, result: ScopeResult) -> None:
        mine = self.harness.observe(case)
        found = comparing.difference(case, mine, theirs)
        result.compared += 1
        if found:
            result.differing += 1
            if len(result.differences) < self.differences_kept:
                secrets = (self.harness.profile.password, self.compare.profile.password if self.compare else None)
                text = json.dumps(found)
                for secret in secrets:
                    text = redact(text, secret)
                result.differences.append(json.loads(text))


def _first_named(observations: dict[str, Observation], violations: list[Finding]) -> Observation:
    """The observation the first violation names (by role), else the first one."""
    for finding in violations:
        for role, observation in observations.items():
            if role and names_role(finding.where, role):
                return observation
    return next(iter(observations.values()))


def _text(unit: Unit, observations: dict[str, Observation], findings: list[Finding], secret: Any) -> str:
    if isinstance(unit, Case):
        return failure_text(observations[""], findings, secret)
    subject = f"relation {unit.id}" if isinstance(unit, Relation) else f"access case {unit.id}"
    return group_failure_text(subject, observations, findings, secret)


__all__ = [
    "ACCESS_SCOPE",
    "Evaluator",
    "Example",
    "RequirementResult",
    "Scope",
    "ScopeResult",
    "declared_requirements",
    "plan_scopes",
    "scope_of",
    "unit_kind",
]
