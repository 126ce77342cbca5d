"""Envelopes: an answer came, it is an envelope, and its status is the right one."""

from __future__ import annotations

from typing import Iterator

from conformance.cases import expect
from conformance.checks import Finding, Observation, Reporter, check

STATUSES = ("success", "no_match", "error")
_STATUS_REQUIREMENT = {"success": "CALL-RETRIEVES", "no_match": "EXAMPLE-NO-MATCH", "error": "EXAMPLE-ERROR"}


@check("target_answered", "CALL-RETRIEVES", needs_answer=False)
def target_answered(o: Observation, r: Reporter) -> Iterator[Finding]:
    """The target sends a complete HTTP answer within the timeout."""
    if o.exchange.transport_error:
        yield r.fail("no answer from the target", got=o.exchange.transport_error)
    elif o.exchange.truncated:
        yield r.fail(
            "the answer is larger than --max-response-bytes",
            got=f"more than {len(o.exchange.body)} bytes",
            detail="Raise --max-response-bytes if answers this large are intended.",
        )


@check("target_answered_first_time", "CALL-RETRIEVES", needs_answer=False)
def target_answered_first_time(o: Observation, r: Reporter) -> Iterator[Finding]:
    """An answer that needed retries is recorded on its case (a flaky target, or a rate
    limit), so a reader can tell a verdict that rests on a retried exchange."""
    if o.exchange.attempts > 1:
        yield r.warn(f"the answer needed {o.exchange.attempts - 1} retr{'y' if o.exchange.attempts == 2 else 'ies'}", got="; ".join(o.exchange.retry_reasons))


@check("answer_is_an_envelope", "EXAMPLE-SUCCESS", "EXAMPLE-NO-MATCH", "EXAMPLE-ERROR", "REQUEST-PHP-EXAMPLE", needs_answer=False)
def answer_is_an_envelope(o: Observation, r: Reporter) -> Iterator[Finding]:
    """The body parses as XML, JSON or JSONP and carries a documented status, for a
    request sent as the PHP example builds it (--request-encoding multipart) or as
    the other real clients do (form, query)."""
    if o.exchange.transport_error or o.exchange.truncated:
        return
    if o.answer is None and o.exchange.status in (301, 302, 303, 307, 308):
        location = o.exchange.headers.get("location", "(no Location)")
        yield r.fail(
            "the answer is a redirect to another origin, which the harness does not follow (the request carries the password)",
            expected="an envelope, or a redirect within the target's origin",
            got=f"HTTP {o.exchange.status} to {location}",
        )
        return
    if o.answer is None:
        yield r.fail(
            "the answer is not an API envelope",
            expected="an XML, JSON or JSONP document with a status",
            got=f"HTTP {o.exchange.status} {o.exchange.content_type or '(no Content-Type)'}: {o.parse_error}",
        )
        return
    status = o.document.get("status")
    if status not in STATUSES:
        where = "/response/@status" if o.answer.format == "xml" else "/status"
        yield r.fail("the envelope's status is not a documented one", where=where, expected=" | ".join(STATUSES), got=repr(status))


@check("http_status_fits_envelope", "EXAMPLE-SUCCESS", "EXAMPLE-NO-MATCH", needs_answer=True)
def http_status_fits_envelope(o: Observation, r: Reporter) -> Iterator[Finding]:
    """The document names no HTTP status. Clients that read the body of any answer
    (PHP cURL) cope with anything; `file_get_contents` fails on a non-2xx, so a
    success or no_match answer outside 2xx is a warning, and an error's status is
    recorded."""
    code = o.exchange.status or 0
    if 200 <= code < 300:
        return
    status = o.document.get("status")
    if status == "error":
        yield r.unspecified(f"an error envelope came with HTTP {code}")
    elif status in ("success", "no_match"):
        yield r.warn(f"a {status} envelope came with HTTP {code}; clients using PHP file_get_contents treat that as a failure", got=str(code), expected="2xx")


@check("status_matches_case", "CALL-RETRIEVES", "NOTE-CODE-OR-CARD", "EXAMPLE-NO-MATCH", "EXAMPLE-ERROR", "FIELD-CODE", "FIELD-CARD-NUMBER")
def status_matches_case(o: Observation, r: Reporter) -> Iterator[Finding]:
    """A known customer is a success, an unknown one a no_match, neither identifier an error."""
    status = o.document.get("status")
    allowed = expect(o.case).statuses
    if status in STATUSES and status not in allowed:
        why = {
            "neither": "NOTE-CODE-OR-CARD",
            "empty": "NOTE-CODE-OR-CARD",
            "code": "FIELD-CODE",
            "card_number": "FIELD-CARD-NUMBER",
        }.get(o.case.identifier, _STATUS_REQUIREMENT[allowed[0]])
        detail = ""
        if status == "error":
            detail = f"The target's error text: {_error_text(o.document)!r}"
        yield r.fail(
            f"the answer's status is {status}, not {' or '.join(allowed)}",
            requirements=(why,),
            where="/response/@status" if o.answer and o.answer.format == "xml" else "/status",
            expected=" or ".join(allowed),
            got=str(status),
            detail=detail,
        )


@check("no_match_carries_message", "EXAMPLE-NO-MATCH")
def no_match_carries_message(o: Observation, r: Reporter) -> Iterator[Finding]:
    """Doc: <response status="no_match"><message>...</message></response>."""
    if o.document.get("status") == "no_match":
        message = o.document.get("message")
        if not isinstance(message, str) or not message.strip():
            yield r.fail("a no_match answer without its message", where="message", expected="a non-empty message", got=repr(message))


@check("error_carries_text", "EXAMPLE-ERROR")
def error_carries_text(o: Observation, r: Reporter) -> Iterator[Finding]:
    """Doc: <response status="error"><error>Error message</error></response>."""
    if o.document.get("status") == "error" and not _error_text(o.document).strip():
        yield r.fail("an error answer without its error text", where="error", expected="a non-empty error message", got=repr(o.document.get("error")))


def _error_text(document: dict) -> str:
    # Real clients read `error` (a string) or `errors` (a list of strings).
    error = document.get("error")
    if isinstance(error, str) and error.strip():
        return error
    errors = document.get("errors")
    if isinstance(errors, list):
        return "; ".join(e for e in errors if isinstance(e, str))
    return ""
