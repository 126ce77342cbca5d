"""Checks: plain functions, registered under a name that states the behaviour.

A check takes an :class:`Observation` (one case and the target's answer) and yields
:class:`Finding` objects; it never raises for a target's fault and never imports
pytest. Each check names the requirement ids of ``requirements.yaml`` it enforces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Literal

from conformance.client import Exchange
from conformance.parse import Answer

Severity = Literal["fail", "warning", "advisory", "unspecified"]


@dataclass(frozen=True)
class Finding:
    """One thing a check saw. ``fail`` is a violation of the document; ``warning`` is
    legal but risky for real clients; ``advisory`` is a security weakness the document
    says nothing about; ``unspecified`` records what the target chose where the
    document is silent. Only ``fail`` fails a case."""

    check: str
    severity: Severity
    requirements: tuple[str, ...]
    title: str
    where: str = ""
    expected: str = ""
    got: str = ""
    detail: str = ""


def failed_requirements(findings: Iterable[Finding]) -> list[str]:
    """The requirement ids the failing findings cite, sorted, each once."""
    return sorted({r for f in findings if f.severity == "fail" for r in f.requirements})


@dataclass(frozen=True)
class Observation:
    """A case's request, the exchange, and the parsed answer (or why it has none)."""

    case: Any  # conformance.cases.Case; typed loosely to keep checks free of the matrix
    exchange: Exchange
    answer: Answer | None
    parse_error: str | None = None

    @property
    def document(self) -> dict[str, Any]:
        return self.answer.document if self.answer else {}


CheckFunction = Callable[[Observation, "Reporter"], Iterator[Finding]]


@dataclass(frozen=True)
class Check:
    name: str
    requirements: tuple[str, ...]
    function: CheckFunction
    needs_answer: bool = True
    doc: str = field(default="", repr=False)
    advisory: bool = False  # checks a security practice the document does not state

    def run(self, observation: Observation) -> list[Finding]:
        if self.needs_answer and observation.answer is None:
            return []
        return list(self.function(observation, Reporter(self.name, self.requirements)))


REGISTRY: dict[str, Check] = {}


def check(name: str, *requirements: str, needs_answer: bool = True, advisory: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check under ``name``, enforcing the given requirement ids.

    The function is called as ``function(observation, r)``, where ``r`` is a
    :class:`Reporter` that stamps each finding with the check's name and ids.
    """

    def register(function: CheckFunction) -> CheckFunction:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} is registered twice")
        if not requirements and not advisory:
            raise ValueError(f"check {name!r} names no requirement id and is not advisory")
        REGISTRY[name] = Check(name, requirements, function, needs_answer, (function.__doc__ or "").strip(), advisory)
        return function

    return register


class Reporter:
    """Builds findings for one check, so a check body reads as the rule it enforces."""

    def __init__(self, name: str, requirements: tuple[str, ...]) -> None:
        self.name, self.requirements = name, requirements

    def fail(self, title: str, *, requirements: tuple[str, ...] = (), **kw: str) -> Finding:
        return Finding(self.name, "fail", requirements or self.requirements, title, **kw)

    def warn(self, title: str, *, requirements: tuple[str, ...] = (), **kw: str) -> Finding:
        return Finding(self.name, "warning", requirements or self.requirements, title, **kw)

    def advise(self, title: str, **kw: str) -> Finding:
        # The document says nothing here: no requirement to cite, a severity instead.
        return Finding(self.name, "advisory", (), title, **kw)

    def unspecified(self, title: str, **kw: str) -> Finding:
        # Silence has no requirement to cite: the finding names none.
        return Finding(self.name, "unspecified", (), title, **kw)


def run_checks(observation: Observation) -> list[Finding]:
    """Every registered single-answer check, in registration order."""
    _load_families()
    findings: list[Finding] = []
    for registered in REGISTRY.values():
        findings.extend(registered.run(observation))
    return findings


def _load_families() -> None:
    # Importing a family registers its checks; the import order is the run order.
    from conformance.checks import envelope, shape, parameters, values, coalition, buyx, security  # noqa: F401
