"""Checks: plain functions with one signature, registered under a name that states the behaviour.

Every check, whether it reads one answer (a matrix case, an access case) or compares
the answers of related requests (a relation), is ``function(evidence, r)``: it reads an
:class:`Evidence` and yields :class:`Finding` objects through its :class:`Reporter`.

A check owns its evidence. For each requirement it may cite, it says whether this
evidence could have shown a violation (``r.checked(REQ)``; a failure implies it) or not
(``r.not_applicable(why, REQ)``); a requirement it says nothing about was not judged.
The certificate is derived from these judgements alone: a requirement passes only where
some check judged it and none found it broken. Each failure cites exactly one
requirement, the one whose sentence the evidence breaks; a check narrows before it
reports. A check that only warns or records cites no requirement and credits nothing.

A check never imports pytest and never raises for a target's fault: an exception inside
a check is the harness's own error, reported as a finding of severity ``error`` that
names the check (never as the target's failure, never as a pass).
"""

from __future__ import annotations

import dataclasses
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from conformance.client import Exchange
from conformance.parse import Answer

Severity = Literal["fail", "warning", "advisory", "unspecified", "error"]
Kind = Literal["answer", "relation", "access"]
KINDS: tuple[Kind, ...] = ("answer", "relation", "access")


@dataclass(frozen=True)
class Finding:
    """One thing a check saw. ``fail`` is a violation of the document, citing the one
    requirement it breaks; ``warning`` is legal but risky for real clients; ``advisory``
    is a security weakness the document says nothing about; ``unspecified`` records what
    the target chose where the document is silent; ``error`` is the harness's own fault
    (a check that raised). Only ``fail`` is the target's failure."""

    check: str
    severity: Severity
    requirement: str | None
    title: str
    where: str = ""
    expected: str = ""
    got: str = ""
    detail: str = ""


def failed_requirements(findings: Iterable[Finding]) -> list[str]:
    """The requirement ids the failing findings cite, sorted, each once."""
    return sorted({f.requirement for f in findings if f.severity == "fail" and f.requirement})


@dataclass(frozen=True)
class Observation:
    """A request, the exchange, and the parsed answer (or why it has none)."""

    case: Any  # conformance.cases.Case or conformance.access.AccessCase
    exchange: Exchange
    answer: Answer | None
    parse_error: str | None = None

    @property
    def document(self) -> dict[str, Any]:
        return self.answer.document if self.answer else {}


@dataclass(frozen=True)
class Evidence:
    """What one pytest item gives its checks: one answer (``answer``: a matrix case;
    ``access``: an access case) or the answers of a group of related requests by role
    (``relation``). For one answer, ``case``, ``exchange``, ``answer`` and ``document``
    read the observation directly."""

    kind: Kind
    subject: Any  # Case | AccessCase | Relation
    observations: Mapping[str, Observation]

    @classmethod
    def of(cls, kind: Kind, observation: Observation) -> Evidence:
        return cls(kind, observation.case, {"": observation})

    @property
    def one(self) -> Observation:
        return self.observations[""]

    @property
    def case(self) -> Any:
        return self.subject

    @property
    def exchange(self) -> Exchange:
        return self.one.exchange

    @property
    def answer(self) -> Answer | None:
        return self.one.answer

    @property
    def parse_error(self) -> str | None:
        return self.one.parse_error

    @property
    def document(self) -> dict[str, Any]:
        return self.one.document


CheckFunction = Callable[[Evidence, "Reporter"], Iterator[Finding]]


@dataclass(frozen=True)
class Check:
    """A registered check. ``requirements``: every id its failures may cite (and that it
    may credit); none for a check that only warns, records or advises. ``kinds``: the
    evidence it reads. ``relation``: for relation checks, the kind of relation."""

    name: str
    requirements: tuple[str, ...]
    function: CheckFunction
    kinds: tuple[Kind, ...] = ("answer",)
    relation: str | None = None
    needs_answer: bool = True
    advisory: bool = False  # a security practice the document does not state
    ground_truth: bool = False  # judges against the data the profile says the target holds
    doc: str = field(default="", repr=False)

    def applies_to(self, evidence: Evidence) -> bool:
        if evidence.kind not in self.kinds:
            return False
        if evidence.kind == "relation":
            kind: str = evidence.subject.kind  # a Relation's
            return self.relation == kind
        return True

    def run(self, evidence: Evidence) -> Judged:
        """The check's findings and its judgement per requirement; an exception inside
        the check becomes an ``error`` finding and judges nothing."""
        r = Reporter(self)
        if self.needs_answer and evidence.kind != "relation" and evidence.answer is None:
            r.not_applicable("no answer to read (the envelope checks say why)")
            return r.judged([])
        try:
            findings = list(self.function(evidence, r))
        except Exception as exc:  # noqa: BLE001 - a broken check must not pass or blame the target
            where = traceback.extract_tb(exc.__traceback__)[-1]
            error = Finding(
                self.name,
                "error",
                None,
                f"harness error: the check {self.name} raised {type(exc).__name__}: {str(exc)[:200]}",
                where=f"{where.filename.rsplit('/', 1)[-1]}:{where.lineno}",
                detail="This is a fault of the harness, not of the target: "
                "please report it with the curl command below.",
            )
            return Judged(
                [error],
                frozenset(),
                {requirement: "the check broke (harness error)" for requirement in self.requirements},
            )
        judged = r.judged(findings)
        if self.ground_truth:
            return dataclasses.replace(judged, expected_data=judged.checked | frozenset(judged.failed))
        return judged


@dataclass(frozen=True)
class Judged:
    """What checks found on one piece of evidence, and what they judged: ``checked``, the
    requirements some check could have seen broken here; ``not_applicable``, for the
    others a check cites, why this evidence could not show their violation."""

    findings: list[Finding]
    checked: frozenset[str]
    not_applicable: dict[str, str]
    # Of ``checked``, those judged against expected data (a ``ground_truth`` check), not
    # only for the answers' internal consistency.
    expected_data: frozenset[str] = frozenset()

    @property
    def failed(self) -> list[str]:
        return failed_requirements(self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @staticmethod
    def merge(parts: Iterable[Judged]) -> Judged:
        findings: list[Finding] = []
        checked: set[str] = set()
        expected_data: set[str] = set()
        reasons: dict[str, str] = {}
        for part in parts:
            findings += part.findings
            checked |= part.checked
            expected_data |= part.expected_data
            for requirement, reason in part.not_applicable.items():
                # The reason that says what profile data would judge it reads best.
                if requirement not in reasons or ("profile" in reason and "profile" not in reasons[requirement]):
                    reasons[requirement] = reason
        checked |= set(failed_requirements(findings))
        return Judged(
            findings,
            frozenset(checked),
            {r: why for r, why in reasons.items() if r not in checked},
            frozenset(expected_data),
        )


REGISTRY: dict[str, Check] = {}


def check(
    name: str,
    *requirements: str,
    kinds: tuple[Kind, ...] = ("answer",),
    relation: str | None = None,
    needs_answer: bool = True,
    advisory: bool = False,
    records: bool = False,
    ground_truth: bool = False,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under ``name``. ``requirements``: the ids it judges; a check that
    only warns or records (``records=True``) or advises (``advisory=True``) names none.
    ``ground_truth``: it compares answers with the data the profile says the target holds
    (the certificate tells these judgements from internal consistency)."""

    def register(function: CheckFunction) -> CheckFunction:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} is registered twice")
        if bool(requirements) == (advisory or records):
            raise ValueError(
                f"check {name!r}: a check judges requirement ids, or only "
                "records/advises (records=True, advisory=True), not both or neither"
            )
        if (relation is None) == ("relation" in kinds):
            raise ValueError(
                f"check {name!r}: a relation check names its relation kind, and only a relation check does"
            )
        REGISTRY[name] = Check(
            name,
            requirements,
            function,
            kinds,
            relation,
            needs_answer,
            advisory,
            ground_truth,
            (function.__doc__ or "").strip(),
        )
        return function

    return register


CHECKED = ""  # the judgement "checked": no reason needed
VALUE_LIMIT = 300  # characters of an expected/got value shown (a 5,000-digit balance is legal input)


def _bounded(fields: dict[str, str]) -> dict[str, str]:
    """Expected and got cut to VALUE_LIMIT characters, saying how much was left out."""
    for name in ("expected", "got", "where"):
        value = fields.get(name)
        if value is not None and len(value) > VALUE_LIMIT:
            fields[name] = f"{value[:VALUE_LIMIT]}... ({len(value) - VALUE_LIMIT} more characters)"
    return fields


class Reporter:
    """Builds one check's findings and judgements, so a check body reads as its rule."""

    def __init__(self, registered: Check) -> None:
        self.check = registered
        self._judged: dict[str, str] = {}

    def checked(self, *requirements: str) -> None:
        """This evidence could have shown these requirements broken (and did not, unless
        a failure says so)."""
        for requirement in requirements:
            self._cite(requirement)
            self._judged[requirement] = CHECKED

    def not_applicable(self, why: str, *requirements: str) -> None:
        """This evidence cannot show these requirements (default: all the check's) broken,
        because ``why``; say what data would make them judgeable where it helps."""
        for requirement in requirements or self.check.requirements:
            self._cite(requirement)
            self._judged.setdefault(requirement, why)

    def fail(self, requirement: str, title: str, **kw: str) -> Finding:
        self.checked(requirement)
        return Finding(self.check.name, "fail", requirement, title, **_bounded(kw))

    def warn(self, title: str, **kw: str) -> Finding:
        # Legal, so no requirement is broken: a warning cites none and credits nothing.
        return Finding(self.check.name, "warning", None, title, **kw)

    def advise(self, title: str, **kw: str) -> Finding:
        # The document says nothing here: no requirement to cite, a severity instead.
        return Finding(self.check.name, "advisory", None, title, **kw)

    def unspecified(self, title: str, **kw: str) -> Finding:
        # Silence has no requirement to cite: the finding names none.
        return Finding(self.check.name, "unspecified", None, title, **kw)

    def judged(self, findings: list[Finding]) -> Judged:
        for requirement in self.check.requirements:
            self._judged.setdefault(requirement, f"{self.check.name} found nothing to judge here")
        checked = frozenset(r for r, why in self._judged.items() if why == CHECKED)
        return Judged(findings, checked, {r: why for r, why in self._judged.items() if why != CHECKED})

    def _cite(self, requirement: str) -> None:
        if requirement not in self.check.requirements:
            # A harness bug: the registry must say every id a check may cite.
            raise ValueError(f"check {self.check.name} cites {requirement}, which it does not declare")


def judge(evidence: Evidence) -> Judged:
    """Every registered check that reads this kind of evidence, in the families' order."""
    return Judged.merge(registered.run(evidence) for registered in _in_order() if registered.applies_to(evidence))


def registered_checks() -> list[Check]:
    """Every check, in the run order (importing the families registers them)."""
    return list(_in_order())


def run_checks(observation: Observation) -> list[Finding]:
    """The findings of every single-answer check on a matrix case's answer."""
    return judge(Evidence.of("answer", observation)).findings


# The run order: the envelope first, expected data last. It decides which check's reason
# an item keeps for a requirement none judged (the first that names the profile data):
# what the answer lacks (a BuyX item) comes before what the profile lacks (expect).
FAMILIES = (
    "envelope",
    "shape",
    "parameters",
    "values",
    "coalition",
    "buyx",
    "security",
    "relations",
    "access",
    "expected",
)
_ORDERED: list[Check] = []


def _load_families() -> None:
    # Importing a family registers its checks (in whatever order modules were imported).
    import importlib

    for family in FAMILIES:
        importlib.import_module(f"conformance.checks.{family}")


def _in_order() -> list[Check]:
    """The registry in FAMILIES order (registration order within a family), not in the
    order some test or plugin happened to import the modules."""
    if len(_ORDERED) != len(REGISTRY) or not _ORDERED:
        _load_families()
        position = {family: i for i, family in enumerate(FAMILIES)}
        _ORDERED[:] = sorted(
            REGISTRY.values(), key=lambda c: position.get(c.function.__module__.rsplit(".", 1)[-1], len(FAMILIES))
        )
    return _ORDERED
