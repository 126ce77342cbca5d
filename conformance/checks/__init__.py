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

import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from conformance.parse import Answer
from conformance.request import Exchange

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

    # Cached: every check of the answer's kind reads these (a frozen dataclass keeps them in its
    # __dict__, which cached_property writes directly).
    @cached_property
    def one(self) -> Observation:
        return self.observations[""]

    @property
    def case(self) -> Any:
        return self.subject

    @cached_property
    def exchange(self) -> Exchange:
        return self.one.exchange

    @cached_property
    def answer(self) -> Answer | None:
        return self.one.answer

    @cached_property
    def parse_error(self) -> str | None:
        return self.one.parse_error

    @cached_property
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
    cites: frozenset[str] = field(init=False, repr=False, compare=False)
    silent_reason: str = field(init=False, repr=False, compare=False)

    def applies_to(self, evidence: Evidence) -> bool:
        if evidence.kind not in self.kinds:
            return False
        if evidence.kind == "relation":
            kind: str = evidence.subject.kind  # a Relation's
            return self.relation == kind
        return True

    def __post_init__(self) -> None:
        # Derived once (a check runs on every answer): the ids it may cite, as a set, and
        # the reason for a declared requirement its body said nothing about.
        object.__setattr__(self, "cites", frozenset(self.requirements))
        object.__setattr__(self, "silent_reason", f"{self.name} found nothing to judge here")

    def run(self, evidence: Evidence) -> Judged:
        """The check's findings and its judgement per requirement; an exception inside
        the check becomes an ``error`` finding and judges nothing."""
        fold = Fold()
        self.run_into(evidence, fold)
        return fold.judged()

    def run_into(self, evidence: Evidence, fold: Fold) -> None:
        """Run the check and fold what it found and judged into ``fold``."""
        r = Reporter(self)
        if self.needs_answer and evidence.kind != "relation" and evidence.answer is None:
            r.not_applicable("no answer to read (the envelope checks say why)")
            fold.add(self, [], r.judgements())
            return
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
            # What it judged before it broke is not kept: a broken check credits nothing.
            fold.add(self, [error], dict.fromkeys(self.requirements, "the check broke (harness error)"), broke=True)
            return
        fold.add(self, findings, r.judgements())


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
    def exercised(self) -> frozenset[str]:
        """The requirements this evidence judged: checked, or found broken (a failure is
        judged even where its check did not also say ``checked``). The one definition:
        the tally, the certificate and the tests read it here."""
        return self.checked.union(self.failed)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @staticmethod
    def merge(parts: Iterable[Judged]) -> Judged:
        fold = Fold()
        for part in parts:
            fold.add_judged(part)
        return fold.judged()


def _better_reason(reason: str, kept: str | None) -> bool:
    # The reason that says what profile data would judge it reads best.
    return kept is None or ("profile" in reason and "profile" not in kept)


class Fold:
    """What several checks found and judged on one piece of evidence, folded as they run
    (a run judges every answer with every check of its kind: no Judged per check).

    A requirement is checked when some check could have seen it broken (or a failure
    cites it); for the others, the best reason any check gave (one naming the profile
    data that would judge it, else the first)."""

    __slots__ = ("checked", "expected_data", "findings", "reasons")

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.checked: set[str] = set()
        self.expected_data: set[str] = set()
        self.reasons: dict[str, str] = {}

    def add(self, check: Check, findings: list[Finding], judgements: dict[str, str], broke: bool = False) -> None:
        """One check's findings and judgements (requirement -> CHECKED or why not)."""
        self.findings += findings
        reasons = self.reasons
        for requirement, why in judgements.items():
            if why == CHECKED:
                self.checked.add(requirement)
            elif _better_reason(why, reasons.get(requirement)):
                reasons[requirement] = why
        if check.ground_truth and not broke:
            self.expected_data.update(r for r, why in judgements.items() if why == CHECKED)
            self.expected_data.update(failed_requirements(findings))

    def add_judged(self, part: Judged) -> None:
        self.findings += part.findings
        self.checked |= part.checked
        self.expected_data |= part.expected_data
        reasons = self.reasons
        for requirement, why in part.not_applicable.items():
            if _better_reason(why, reasons.get(requirement)):
                reasons[requirement] = why

    def judged(self) -> Judged:
        checked = self.checked
        checked.update(failed_requirements(self.findings))
        return Judged(
            self.findings,
            frozenset(checked),
            {r: why for r, why in self.reasons.items() if r not in checked},
            frozenset(self.expected_data),
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

    def judgements(self) -> dict[str, str]:
        """Requirement -> CHECKED, or why this evidence could not show it broken; a
        declared requirement the check said nothing about was found nothing to judge."""
        judged = self._judged
        for requirement in self.check.requirements:
            if requirement not in judged:
                judged[requirement] = self.check.silent_reason
        return judged

    def _cite(self, requirement: str) -> None:
        if requirement not in self.check.cites:
            # A harness bug: the registry must say every id a check may cite.
            raise ValueError(f"check {self.check.name} cites {requirement}, which it does not declare")


def judge(evidence: Evidence) -> Judged:
    """Every registered check that reads this kind of evidence, in the families' order."""
    fold = Fold()
    for registered in _checks_for(evidence):
        registered.run_into(evidence, fold)
    return fold.judged()


_FOR_KIND: dict[tuple[str, str | None, int], list[Check]] = {}


def _checks_for(evidence: Evidence) -> list[Check]:
    """The checks that read this evidence: by kind (and relation kind), listed once per
    registry size (a test may register a check after the first judgement)."""
    relation = evidence.subject.kind if evidence.kind == "relation" else None
    key = (evidence.kind, relation, len(REGISTRY))
    found = _FOR_KIND.get(key)
    if found is None:
        found = _FOR_KIND[key] = [c for c in _in_order() if c.applies_to(evidence)]
    return found


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
