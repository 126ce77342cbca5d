"""Access: refused requests answer the documented envelope and no customer data.

An access case (conformance/access.py) names the one requirement a wrong answer to it
breaks, and the statuses it allows. Each access check judges the cases whose requirement
it declares, like every other check judges what it declares: the requirement a case
names decides which check reads it, and conformance/evaluation.py refuses an access case
whose requirement no access check declares. The envelope and security checks read access
cases too (they are registered for both kinds of evidence).
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.checks import Evidence, Finding, Reporter, check, registered_checks
from conformance.checks.envelope import STATUSES

ACCESS_REQUIREMENTS = (
    "FIELD-USER-ID-REQUIRED", "FIELD-USER-PASSWORD-REQUIRED", "FIELD-TYPE-REQUIRED", "FIELD-ACCOUNT-ID-REQUIRED",
    "FIELD-CODE", "FIELD-CARD-NUMBER",
)  # fmt: skip


def case_requirements() -> frozenset[str]:
    """The requirements an access case may name: those the access checks (the checks
    that read access cases only, this module's) declare. Each judges the cases naming
    one of its own."""
    return frozenset(r for c in registered_checks() if c.kinds == ("access",) for r in c.requirements)


def _judge_access(e: Evidence, r: Reporter) -> Iterator[Finding]:
    case = e.case
    if case.requirement is None:
        r.not_applicable("the document allows any answer here (recorded only)")
        return
    if case.requirement not in r.check.cites:
        return  # another access check's case (r says why this one judged nothing)
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
    yield from _judge_access(e, r)


@check("request_encoding_is_read", "REQUEST-PHP-EXAMPLE", kinds=("access",))
def request_encoding_is_read(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """The lookup sent in the other POST encoding (multipart/form-data is what the
    document's PHP example sends) is answered like the first: a success."""
    yield from _judge_access(e, r)
