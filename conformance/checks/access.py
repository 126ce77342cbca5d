"""Access: refused requests answer the documented envelope and no customer data."""

from __future__ import annotations

from conformance.access import AccessCase
from conformance.checks import Finding, Observation, REGISTRY, Reporter
from conformance.checks.envelope import STATUSES

_ENVELOPE_CHECKS = (
    "target_answered", "target_answered_first_time", "answer_is_an_envelope", "no_match_carries_message", "error_carries_text",
    "target_never_echoes_password", "server_error_status", "jsonp_callback_is_not_reflected_unsafely",
)  # fmt: skip


def run_access_checks(observation: Observation) -> list[Finding]:
    """The envelope checks, then: the status is the one expected, and no customer is in it."""
    from conformance.checks import _load_families

    _load_families()
    findings: list[Finding] = []
    for name in _ENVELOPE_CHECKS:
        findings += REGISTRY[name].run(observation)
    if observation.answer is None:
        return findings
    case: AccessCase = observation.case
    r = Reporter(case.check, case.requirements)
    status = observation.document.get("status")
    if status in STATUSES and status not in case.statuses:
        findings.append(r.fail(f"{case.description}: answered {status}", where="status", expected=" or ".join(case.statuses), got=str(status)))
    if observation.document.get("customer") and not case.allow_customer:
        findings.append(r.fail(f"{case.description}: the answer carries customer data", where="customer", expected="no customer", got="a customer"))
    return findings
