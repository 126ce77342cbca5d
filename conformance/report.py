"""How findings read: one fixed layout for the terminal, the HTML report and JUnit.

Every piece of text that leaves the harness about an exchange passes through
:func:`redact`, so a password a target echoes back never reaches an output.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from conformance.checks import Finding, Observation
from conformance.request import curl_command
from conformance.requirements import catalogue
from conformance.secret import Secret, redact
from conformance.wording import plural

BODY_LIMIT = 4000


def failure_text(observation: Observation, findings: Iterable[Finding], secret: Secret | None) -> str:
    """The message of a failed case: each violation, then how to reproduce it."""
    return _failure_text(f"of the document for case {observation.case.id}", findings, [("", observation)], secret)


def group_failure_text(
    subject: str, observations: dict[str, Observation], findings: Iterable[Finding], secret: Secret | None
) -> str:
    """The message of a failed relation or access case (``subject`` names it): each
    violation, then the requests involved, by role."""
    return _failure_text(f"of the document for {subject}", findings, list(observations.items()), secret)


def _failure_text(
    head: str, findings: Iterable[Finding], observations: list[tuple[str, Observation]], secret: Secret | None
) -> str:
    findings = list(findings)
    failures = [f for f in findings if f.severity == "fail"]
    errors = [f for f in findings if f.severity == "error"]
    known = catalogue()
    blocks = [
        f"HARNESS ERROR (a fault of the harness, not of the target) {f.check}: {f.title} at {f.where}\n  {f.detail}"
        for f in errors
    ]
    for finding in failures:
        lines = [f"[{finding.requirement}] {finding.check}: {finding.title}"]
        if finding.requirement in known:
            lines.append(f'  Document: "{known[finding.requirement].quote}"')
        if finding.where:
            lines.append(f"  Where:    {finding.where}")
        if finding.expected:
            lines.append(f"  Expected: {finding.expected}")
        if finding.got:
            lines.append(f"  Got:      {finding.got}")
        if finding.detail:
            lines.append("  " + finding.detail.replace("\n", "\n  "))
        blocks.append("\n".join(lines))
    # Only the requests a violation names, when it names some: a reader wants two
    # curl commands to compare, not every member of the group.
    named = [(role, o) for role, o in observations if role and any(names_role(f.where, role) for f in failures)]
    observations = named or observations
    reproduce = "\n".join(
        f"  {'# ' + role + chr(10) + '  ' if role else ''}{curl_command(o.exchange)}" for role, o in observations
    )
    tail = f"Reproduce with:\n{reproduce}"
    count = f"{plural(len(failures), 'violation')} {head}" + (
        f"; {plural(len(errors), 'harness error')}" if errors else ""
    )
    return redact("\n\n".join([count, *blocks, tail]), secret)


def response_text(observation: Observation, secret: Secret | None, limit: int = BODY_LIMIT) -> str:
    """The answer as a reader wants it: status line, headers, body pretty-printed and cut."""
    exchange = observation.exchange
    if exchange.transport_error:
        return redact(f"(no answer: {exchange.transport_error})", secret)
    headers = "\n".join(f"{k}: {v}" for k, v in sorted(exchange.headers.items()))
    body = pretty_body(observation)
    if len(body) > limit:
        body = body[:limit] + f"\n... ({len(body) - limit} more characters)"
    return redact(f"HTTP {exchange.status}  ({exchange.elapsed * 1000:.0f} ms)\n{headers}\n\n{body}", secret)


def pretty_body(observation: Observation) -> str:
    body = observation.exchange.body
    answer = observation.answer
    if answer is not None and answer.format in ("json", "jsonp"):
        pretty = json.dumps(answer.document, indent=2, ensure_ascii=False)
        return f"{answer.callback}(\n{pretty}\n)" if answer.format == "jsonp" else pretty
    if answer is not None and answer.format == "xml":
        from lxml import etree

        try:
            return etree.tostring(answer.xml, pretty_print=True, encoding="unicode")
        except (TypeError, ValueError):
            pass
    return body.decode("utf-8", "replace")


def notes_text(findings: Iterable[Finding]) -> str:
    """Warnings, advisories and unspecified behaviours, one line each (they never fail a case)."""
    lines = []
    for finding in findings:
        if finding.severity in ("warning", "advisory", "unspecified"):
            ids = f" [{finding.requirement}]" if finding.requirement else ""
            where = f" at {finding.where}" if finding.where else ""
            lines.append(f"{finding.severity}: {finding.check}{ids}: {finding.title}{where}")
    return "\n".join(lines)


def names_role(where: str, role: str) -> bool:
    """Whether a finding's ``where`` names this role of a relation ("again vs first")."""
    return any(part.strip() == role for part in where.replace(" vs ", "|").split("|"))
