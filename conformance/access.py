"""Access cases: requests the document requires a target to refuse or not to match.

Required fields left out, a wrong password, an account the credentials may not read,
and a customer looked up through another account. These do not cross the parameter
matrix: each is one request with one expected outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.client import Encoding, Request, build_request
from conformance.profile import Profile

REQUIRED_FIELDS = {
    "user_id": "FIELD-USER-ID-REQUIRED",
    "user_password": "FIELD-USER-PASSWORD-REQUIRED",
    "type": "FIELD-TYPE-REQUIRED",
    "account_id": "FIELD-ACCOUNT-ID-REQUIRED",
}
WRONG_PASSWORD = "conformance-wrong-password"


@dataclass(frozen=True)
class AccessCase:
    id: str
    request: Request
    statuses: tuple[str, ...]
    requirement: str | None  # the one sentence a wrong answer breaks (None: only recorded)
    description: str
    coalition: bool = False
    allow_customer: bool = False
    check: str = "access_is_refused"  # the name its status finding is reported under


def generate_access_cases(profile: Profile, encoding: Encoding) -> list[AccessCase]:
    account = profile.accounts[0]
    customer = account.customers[0]
    name = "code" if customer.code is not None else "card_number"
    lookup = [(name, getattr(customer, name))]
    base = build_request(profile.user_id, account.account_id, lookup, encoding=encoding)
    cases = [
        AccessCase(
            f"missing-{field}", base.without(field), ("error",), requirement, f"{field} is required and not sent"
        )
        for field, requirement in REQUIRED_FIELDS.items()
    ]
    cases.append(
        AccessCase(
            "wrong-password",
            base.with_fields(user_password=WRONG_PASSWORD),
            ("error",),
            "FIELD-USER-PASSWORD-REQUIRED",
            "a wrong password reads no customer",
        )
    )
    cases.append(
        AccessCase(
            "wrong-user-id",
            base.with_fields(user_id=profile.user_id + "-not"),
            ("error",),
            "FIELD-USER-ID-REQUIRED",
            "an unknown user id reads no customer",
        )
    )
    cases.append(
        AccessCase(
            "empty-user-id",
            base.with_fields(user_id=""),
            ("error",),
            "FIELD-USER-ID-REQUIRED",
            "an empty user id reads no customer",
        )
    )
    cases.append(
        AccessCase(
            "empty-password",
            base.with_fields(user_password=""),
            ("error",),
            "FIELD-USER-PASSWORD-REQUIRED",
            "an empty password reads no customer",
        )
    )
    cases.append(
        AccessCase(
            "wrong-type",
            base.with_fields(type="customer_infos"),
            ("error",),
            "FIELD-TYPE-REQUIRED",
            "type must be customer_info",
        )
    )
    if profile.forbidden_account_id:
        request = build_request(profile.user_id, profile.forbidden_account_id, lookup, encoding=encoding)
        cases.append(
            AccessCase(
                f"forbidden-account-{profile.forbidden_account_id}",
                request,
                ("error",),
                "FIELD-ACCOUNT-ID-REQUIRED",
                "an account these credentials may not read",
            )
        )
    # A customer is found only through its own account: look each one up through
    # every other account that does not list the same identifier.
    for home in profile.accounts:
        for other in profile.accounts:
            if other is home:
                continue
            taken = {(f, getattr(c, f)) for c in other.customers for f in ("code", "card_number")}
            for guest in home.customers:
                field = "code" if guest.code is not None else "card_number"
                value = getattr(guest, field)
                if (field, value) in taken:
                    continue
                request = build_request(profile.user_id, other.account_id, [(field, value)], encoding=encoding)
                cases.append(
                    AccessCase(
                        f"scope-{home.account_id}-{guest.label}-via-{other.account_id}",
                        request,
                        ("no_match",),
                        "FIELD-ACCOUNT-ID-REQUIRED",
                        f"a customer of {home.account_id} looked up through {other.account_id}",
                        other.coalition,
                    )
                )
    cases += _encoding_cases(base, encoding)
    cases += _injection_cases(profile, account.account_id, encoding)
    cases += _callback_cases(base)
    return cases


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
            check="request_encoding_is_read",
        )
        for other in ("form", "multipart")
        if other != encoding
    ]


# Values that name no customer but reach a database, an XML writer or a parser in
# ways a careless implementation gets wrong. Each must answer no_match or error.
HOSTILE_VALUES = {
    "sql-quote": "' OR '1'='1",
    "sql-comment": "1; DROP TABLE customers; --",
    "sql-wildcard": "%",
    "xml-metacharacters": "<x>&amp;]]>\"'",
    "very-long": "9" * 10_000,
    "non-ascii": "Zoë-Åsa-名前",
    "nul-byte": "8989\x008989",
}


def _injection_cases(profile: Profile, account_id: str, encoding: Encoding) -> list[AccessCase]:
    cases = []
    for field in ("code", "card_number"):
        for name, value in HOSTILE_VALUES.items():
            request = build_request(profile.user_id, account_id, [(field, value)], encoding=encoding)
            # A value that names no customer must not find one: FIELD-CODE / FIELD-CARD-NUMBER
            # name the column the value is matched against.
            requirement = "FIELD-CODE" if field == "code" else "FIELD-CARD-NUMBER"
            cases.append(
                AccessCase(
                    f"injection-{field}-{name}",
                    request,
                    ("no_match", "error"),
                    requirement,
                    f"a {field} that names no customer ({name})",
                )
            )
    return cases


def _callback_cases(base: Request) -> list[AccessCase]:
    # What the target answers is up to it; reflecting the callback is advisory.
    every = ("success", "no_match", "error")
    return [
        AccessCase(
            f"callback-{name}",
            base.with_fields(output="JSON", callback=value),
            every,
            None,
            f"callback {value!r}",
            allow_customer=True,
        )
        for name, value in (("script-call", "alert(1);//"), ("script-tag", "<script>alert(1)</script>"))
    ]
