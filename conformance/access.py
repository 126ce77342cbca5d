"""Access cases: requests the document requires a target to refuse or not to match.

The refusals (required fields left out, credentials, type and account altered, a
customer looked up through another account, hostile identifiers) are generated from the
input model by conformance/negative.py; this module adds the lookup in the other POST
encoding and hostile callbacks. These do not cross the parameter matrix: each is one
request with one expected outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.cases import POST_ENCODINGS
from conformance.profile import Profile
from conformance.request import Encoding, Request, build_request


@dataclass(frozen=True)
class AccessCase:
    id: str
    request: Request
    statuses: tuple[str, ...]
    requirement: (
        str | None
    )  # the one sentence a wrong answer breaks, judged by the access check declaring it (None: only recorded)
    description: str
    coalition: bool = False
    allow_customer: bool = False


def generate_access_cases(profile: Profile, encoding: Encoding) -> list[AccessCase]:
    """The access cases of a run in ``encoding``: the refusals the input model generates
    (conformance/negative.py: credentials, type, account, account scope, hostile
    identifiers; every account, in this encoding and the other POST encodings), the
    lookup in the other POST encodings, and hostile callbacks."""
    from conformance.negative import generate_refusals

    others = tuple(e for e in POST_ENCODINGS if e != encoding)
    account = profile.accounts[0]
    customer = account.customers[0]
    name = "code" if customer.code is not None else "card_number"
    base = build_request(profile.user_id, account.account_id, [(name, getattr(customer, name))], encoding=encoding)
    card = customer.card_number
    by_card = base.without("code").with_fields(card_number=card) if name == "code" and card is not None else None
    return (
        generate_refusals(profile, (encoding, *others))
        + _encoding_cases(base, encoding)
        + _callback_cases(base, by_card, others)
    )


def _encoding_cases(base: Request, encoding: Encoding) -> list[AccessCase]:
    # Whatever --request-encoding the run uses, the lookup is also sent in the other
    # POST encoding: multipart/form-data is what the document's PHP example (every PHP
    # client) sends, urlencoded what the other clients send. Both must be read.
    return [
        AccessCase(
            f"encoding-{other}",
            Request(base.fields, other),
            ("success",),
            "REQUEST-PHP-EXAMPLE",
            f"the first customer looked up with a {other} body",
            allow_customer=True,
        )
        for other in ("form", "multipart")
        if other != encoding
    ]


def _callback_cases(base: Request, by_card: Request | None, others: tuple[Encoding, ...]) -> list[AccessCase]:
    # What the target answers is up to it; reflecting the callback is advisory. Like every
    # refusal, each hostile callback is also sent in the other shapes of a request (a
    # lookup by card number, the other POST encodings): a server that validates the
    # callback on one path only reflects it on another.
    every = ("success", "no_match", "error")
    shapes = [("", base)] + [(f"-as-{other}", Request(base.fields, other)) for other in others]
    shapes += [("-by-card_number", by_card)] if by_card is not None else []
    return [
        AccessCase(
            f"callback-{name}{suffix}",
            request.with_fields(output="JSON", callback=value),
            every,
            None,
            f"callback {value!r}",
            allow_customer=True,
        )
        for name, value in (("script-call", "alert(1);//"), ("script-tag", "<script>alert(1)</script>"))
        for suffix, request in shapes
    ]
