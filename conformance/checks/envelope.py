"""Envelopes: an answer came, it is an envelope, and its status is the right one.

These read matrix cases and access cases alike (both carry the statuses they allow).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.cases import expect
from conformance.checks import Evidence, Finding, Kind, Reporter, check
from conformance.document import campaigns

STATUSES = ("success", "no_match", "error")
# The document's example of each envelope: what a body that should be one breaks.
ENVELOPE_REQUIREMENT = {"success": "EXAMPLE-SUCCESS", "no_match": "EXAMPLE-NO-MATCH", "error": "EXAMPLE-ERROR"}
_ANSWER_AND_ACCESS: tuple[Kind, ...] = ("answer", "access")


def allowed_statuses(e: Evidence) -> tuple[str, ...]:
    """The statuses the document allows for this request (an access case says its own)."""
    return tuple(e.case.statuses) if e.kind == "access" else expect(e.case).statuses


def envelope_requirement(statuses: tuple[str, ...]) -> str:
    """The example a body that is no envelope breaks: a success's if a success is due,
    else a no_match's if that is allowed, else the error's."""
    return next(ENVELOPE_REQUIREMENT[s] for s in STATUSES if s in statuses)


@check("target_answered", "CALL-RETRIEVES", kinds=_ANSWER_AND_ACCESS, needs_answer=False)
def target_answered(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """The target sends a complete HTTP answer within the timeout."""
    r.checked("CALL-RETRIEVES")
    if e.exchange.transport_error:
        yield r.fail("CALL-RETRIEVES", "no complete answer from the target", got=e.exchange.transport_error)
    elif e.exchange.truncated:
        yield r.fail(
            "CALL-RETRIEVES", "the answer is larger than --max-response-bytes",
            got=f"more than {len(e.exchange.body)} bytes",
            detail="Raise --max-response-bytes if answers this large are intended.",
        )  # fmt: skip


@check("target_answered_first_time", kinds=_ANSWER_AND_ACCESS, needs_answer=False, records=True)
def target_answered_first_time(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """An answer that needed retries is recorded on its case (a flaky target, or a rate
    limit), so a reader can tell a verdict that rests on a retried exchange."""
    if e.exchange.attempts > 1:
        yield r.warn(
            f"the answer needed {e.exchange.attempts - 1} retr{'y' if e.exchange.attempts == 2 else 'ies'}",
            got="; ".join(e.exchange.retry_reasons),
        )


@check(
    "answer_is_an_envelope",
    "EXAMPLE-SUCCESS",
    "EXAMPLE-NO-MATCH",
    "EXAMPLE-ERROR",
    kinds=_ANSWER_AND_ACCESS,
    needs_answer=False,
)
def answer_is_an_envelope(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """The body parses as XML, JSON or JSONP and carries a documented status."""
    if e.exchange.transport_error or e.exchange.truncated:
        r.not_applicable("no complete answer (target_answered says why)")
        return
    requirement = envelope_requirement(allowed_statuses(e))
    r.checked(requirement)
    if e.answer is None and e.exchange.status in (301, 302, 303, 307, 308):
        location = e.exchange.headers.get("location", "(no Location)")
        yield r.fail(
            requirement, "the answer is a redirect to another origin, which the "
                         "harness does not follow (the request carries the password)",
            expected="an envelope, or a redirect within the target's origin",
            got=f"HTTP {e.exchange.status} to {location}",
        )  # fmt: skip
        return
    if e.answer is None:
        yield r.fail(
            requirement, "the answer is not an API envelope",
            expected="an XML, JSON or JSONP document with a status",
            got=f"HTTP {e.exchange.status} {e.exchange.content_type or '(no Content-Type)'}: {e.parse_error}",
        )  # fmt: skip
        return
    status = e.document.get("status")
    if status not in STATUSES:
        where = "/response/@status" if e.answer.format == "xml" else "/status"
        yield r.fail(
            requirement,
            "the envelope's status is not a documented one",
            where=where,
            expected=" | ".join(STATUSES),
            got=repr(status),
        )


@check("envelope_comes_with_http_200", kinds=_ANSWER_AND_ACCESS, records=True)
def envelope_comes_with_http_200(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """The document names no HTTP status, so any is legal; but real clients lose an
    envelope sent with another status than 200 (real-clients.md): PHP file_get_contents
    clients get false and never see the body, and the Android POS app parses only 200
    answers. Warned, never failed."""
    code = e.exchange.status or 0
    if code == 200:
        return
    status = e.document.get("status")
    lost = "the error text" if status == "error" else "the message" if status == "no_match" else "the answer"
    yield r.warn(
        f"a {status} envelope came with HTTP {code}: PHP file_get_contents "
        f"clients and the Android POS app never read {lost}",
        expected="HTTP 200, as the live service is understood to send every envelope", got=str(code),
    )  # fmt: skip


_STATUS_REQUIREMENTS = ("NOTE-CODE-OR-CARD", "FIELD-CODE", "FIELD-CARD-NUMBER", "EXAMPLE-NO-MATCH")


@check("status_matches_case", *_STATUS_REQUIREMENTS)
def status_matches_case(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """A known customer is a success, an unknown one a no_match, neither identifier an error."""
    status = e.document.get("status")
    wanted = expect(e.case)
    # Negative space: the field whose value is no customer's (cases/inputs.yaml) names it.
    requirement = (
        e.case.cites
        if e.case.cites in _STATUS_REQUIREMENTS
        else {
            "neither": "NOTE-CODE-OR-CARD",
            "empty": "NOTE-CODE-OR-CARD",
            "code": "FIELD-CODE",
            "both": "FIELD-CODE",
            "card_number": "FIELD-CARD-NUMBER",
        }.get(e.case.identifier, "EXAMPLE-NO-MATCH")
    )
    if status not in STATUSES:
        r.not_applicable("no documented status (answer_is_an_envelope says why)")
        return
    if wanted.silence():
        r.not_applicable(f"the document is silent here ({wanted.silence()})")
        if e.case.probe is None:  # a probe has probe_recorded's line
            # One line records what the target chose for the whole silent combination.
            assert e.answer is not None
            seen = [str(status), e.answer.format.upper()]
            if status == "success":
                seen.append(f"{len(campaigns(e.document))} campaign(s)")
            yield r.unspecified(f"{wanted.silence()}: the target answered " + ", ".join(seen))
        return
    r.checked(requirement)
    if status not in wanted.statuses:
        detail = f"The target's error text: {error_text(e.document)!r}" if status == "error" else ""
        yield r.fail(
            requirement, f"the answer's status is {status}, not {' or '.join(wanted.statuses)}",
            where="/response/@status" if e.answer and e.answer.format == "xml" else "/status",
            expected=" or ".join(wanted.statuses), got=str(status), detail=detail,
        )  # fmt: skip


@check("no_match_carries_message", "EXAMPLE-NO-MATCH", kinds=_ANSWER_AND_ACCESS)
def no_match_carries_message(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """Doc: <response status="no_match"><message>...</message></response>."""
    if e.document.get("status") != "no_match":
        r.not_applicable("not a no_match answer")
        return
    r.checked("EXAMPLE-NO-MATCH")
    message = e.document.get("message")
    if not isinstance(message, str) or not message.strip():
        yield r.fail(
            "EXAMPLE-NO-MATCH",
            "a no_match answer without its message",
            where="message",
            expected="a non-empty message",
            got=repr(message),
        )


@check("error_carries_text", "EXAMPLE-ERROR", kinds=_ANSWER_AND_ACCESS)
def error_carries_text(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """Doc: <response status="error"><error>Error message</error></response>."""
    if e.document.get("status") != "error":
        r.not_applicable("not an error answer")
        return
    r.checked("EXAMPLE-ERROR")
    if not error_text(e.document).strip():
        yield r.fail(
            "EXAMPLE-ERROR",
            "an error answer without its error text",
            where="error",
            expected="a non-empty error message",
            got=repr(e.document.get("error")),
        )


def error_text(document: dict[str, Any]) -> str:
    # Real clients read `error` (a string) or `errors` (a list of strings).
    error = document.get("error")
    if isinstance(error, str) and error.strip():
        return error
    errors = document.get("errors")
    if isinstance(errors, list):
        return "; ".join(e for e in errors if isinstance(e, str))
    return ""
