"""Reading the request's fields (the document's field table) into typed options.

HTTP-agnostic: takes the already-decoded field mapping, whatever the request
encoding was, so GET, urlencoded POST and multipart POST behave alike.
Nothing here echoes a field's value back in a message: error texts are
fixed, so a client's password (or markup) is never reflected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

REQUIRED_FIELDS = ("user_id", "user_password", "type", "account_id")

SUPPORTED_TYPE = "customer_info"

MSG_NO_IDENTIFIER = "Either 'code' or 'card_number' must be passed"
MSG_INVALID_TYPE = "Invalid type: this endpoint implements type 'customer_info' only"
MSG_INVALID_CALLBACK = "Invalid callback: it must be a JavaScript identifier or dotted path of identifiers"

# ASCII only and matched whole (fullmatch): `$` alone would accept a
# trailing newline, and Python's Unicode \w accepts characters JavaScript
# identifiers do not.
_CALLBACK = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*", re.ASCII)

OutputFormat = Literal["xml", "json", "jsonp"]


class ParamError(Exception):
    """The request cannot be answered; ``str(exc)`` is the envelope's text."""


@dataclass(frozen=True)
class OutputOptions:
    format: OutputFormat
    condensed: bool = False
    callback: str | None = None


XML_OUTPUT = OutputOptions("xml")


@dataclass(frozen=True)
class LookupRequest:
    user_id: str
    user_password: str
    type: str
    account_id: str
    code: str | None
    card_number: str | None
    include_balances: bool
    campaign_ids: frozenset[str] | None
    hide_custom_field: bool
    show_only_belong_to: bool


def _flag(params: Mapping[str, str], name: str, *, true_values: tuple[str, ...] = ("Y",)) -> bool:
    return params.get(name, "").strip().upper() in true_values


def _given(params: Mapping[str, str], name: str) -> str | None:
    """An empty value counts as not passed."""
    value = params.get(name)
    return value if value else None


def is_valid_callback(callback: str) -> bool:
    return _CALLBACK.fullmatch(callback) is not None


def parse_output(params: Mapping[str, str]) -> tuple[OutputOptions, str | None]:
    """The response format, plus an error text when the callback is unusable.

    output=JSON in any case gives JSON (clients send `JSON` and `json`);
    a callback with output absent or JSON gives JSONP; an explicit
    output=XML (or any other value) gives XML and ignores the callback.
    On a bad callback the options say JSON, so the error envelope still
    reaches a client that asked for JSON(P), without the unsafe callback.
    """
    output = params.get("output", "").strip().lower()
    callback = _given(params, "callback")
    # "condensed yes" in the document; Y accepted like every other flag.
    condensed = _flag(params, "condensed", true_values=("YES", "Y"))
    if output == "json" or (output == "" and callback is not None):
        if callback is None:
            return OutputOptions("json", condensed), None
        if not is_valid_callback(callback):
            return OutputOptions("json", condensed), MSG_INVALID_CALLBACK
        return OutputOptions("jsonp", condensed, callback), None
    return XML_OUTPUT, None


def parse_lookup(params: Mapping[str, str]) -> LookupRequest:
    """Read the fields of a call; raise ParamError when a required one is missing.

    The other checks (credentials, type, account, identifiers) are separate
    steps that service.py runs in a fixed order, so every bad request has
    one predictable answer.
    """
    # Absent fields are named.  An empty type or account_id is as good as
    # absent; empty credentials are left to fail authentication, whose
    # message must not tell a missing password from a wrong one.
    missing = [
        name for name in REQUIRED_FIELDS if name not in params or (name in ("type", "account_id") and not params[name])
    ]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise ParamError(f"Missing required field{plural}: {', '.join(missing)}")
    campaign_ids = frozenset(part.strip() for part in params.get("campaign_id", "").split(",") if part.strip())
    return LookupRequest(
        user_id=params["user_id"],
        user_password=params["user_password"],
        type=params["type"],
        account_id=params["account_id"],
        code=_given(params, "code"),
        card_number=_given(params, "card_number"),
        # Only an explicit N drops the balances.
        include_balances=not _flag(params, "include_balances", true_values=("N",)),
        # One client sends "id1,id2"; an empty list means "not passed".
        campaign_ids=campaign_ids or None,
        hide_custom_field=_flag(params, "hide_custom_field"),
        show_only_belong_to=_flag(params, "show_only_belong_to"),
    )


def check_type(request: LookupRequest) -> None:
    if request.type != SUPPORTED_TYPE:
        raise ParamError(MSG_INVALID_TYPE)


def check_identifiers(request: LookupRequest) -> None:
    if request.code is None and request.card_number is None:
        raise ParamError(MSG_NO_IDENTIFIER)
