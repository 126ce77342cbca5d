"""Access: refused requests answer the documented envelope and no customer data.

An access case (conformance/access.py) names the one requirement a wrong answer to it
breaks, and the statuses it allows; the envelope and security checks read access cases
too (they are registered for both kinds of evidence).
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.checks import Evidence, Finding, Reporter, check
from conformance.checks.envelope import STATUSES

ACCESS_REQUIREMENTS = (
    "FIELD-USER-ID-REQUIRED", "FIELD-USER-PASSWORD-REQUIRED", "FIELD-TYPE-REQUIRED", "FIELD-ACCOUNT-ID-REQUIRED",
    "FIELD-CODE", "FIELD-CARD-NUMBER",
)  # fmt: skip


def _judge_access(e: Evidence, r: Reporter, name: str) -> Iterator[Finding]:
    case = e.case
    if case.check != name:
        return
    if case.requirement is None:
        r.not_applicable("the document allows any answer here (recorded only)")
        return
    status = e.document.get("status")
    if status not in STATUSES:
        r.not_applicable("no documented status (answer_is_an_envelope says why)")
        return
    r.checked(case.requirement)
    if status not in case.statuses:
        yield r.fail(
            case.requirement,
            f"{case.description}: answered {status}",
            where="status",
            expected=" or ".join(case.statuses),
            got=str(status),
        )
    if e.document.get("customer") and not case.allow_customer:
        yield r.fail(
            case.requirement,
            f"{case.description}: the answer carries customer data",
            where="customer",
            expected="no customer",
            got="a customer",
        )


@check("access_is_refused", *ACCESS_REQUIREMENTS, kinds=("access",))
def access_is_refused(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """A request the document does not let read a customer (a required field missing,
    wrong credentials, another account, a value that names no customer) is answered
    with the refusal it allows, and no customer data."""
    yield from _judge_access(e, r, "access_is_refused")


@check("request_encoding_is_read", "REQUEST-PHP-EXAMPLE", kinds=("access",))
def request_encoding_is_read(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """The lookup sent in the other POST encoding (multipart/form-data is what the
    document's PHP example sends) is answered like the first: a success."""
    yield from _judge_access(e, r, "request_encoding_is_read")
