"""The values of one call and what came of it: :class:`Request`, :class:`Exchange`, the
documented field order (:func:`build_request`), the password a request stands for on the
wire (:func:`wire_password`), and the curl command that sends the same request.

A :class:`Request` never holds the password: its ``user_password`` field holds the
placeholder ``$TARGET_USER_PASSWORD``, which the transport swaps for the real secret
only while the bytes go onto the wire. So requests can be hashed, stored, printed and
turned into curl commands without care. Nothing here touches the network.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from conformance import alterations
from conformance.secret import OTHER_PLACEHOLDER, PLACEHOLDER, Secret

Encoding = Literal["form", "multipart", "query"]
ENCODINGS: tuple[Encoding, ...] = ("form", "multipart", "query")
PASSWORD_FIELD = "user_password"


@dataclass(frozen=True)
class Request:
    """The fields of one call, in the order they are sent, and how they are encoded."""

    fields: tuple[tuple[str, str], ...]
    encoding: Encoding = "form"

    def get(self, name: str) -> str | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None

    def without(self, *names: str) -> Request:
        return Request(tuple(f for f in self.fields if f[0] not in names), self.encoding)

    def with_fields(self, **values: str) -> Request:
        kept = tuple(f for f in self.fields if f[0] not in values)
        return Request(kept + tuple(values.items()), self.encoding)

    def describe(self) -> str:
        """The fields as one line, credentials left out: for titles and logs."""
        return " ".join(f"{k}={v!r}" for k, v in self.fields if k not in ("user_id", PASSWORD_FIELD))


@dataclass(frozen=True)
class Exchange:
    """What happened when one request was sent: an answer, or why there was none."""

    request: Request
    url: str
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""  # the password, if the target echoed it, is already replaced
    elapsed: float = 0.0
    truncated: bool = False
    transport_error: str | None = None
    attempts: int = 1
    retry_reasons: tuple[str, ...] = ()  # why each earlier attempt was retried
    redirects: tuple[str, ...] = ()  # same-origin URLs followed, in order
    echoed_password: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def build_request(
    user_id: str,
    account_id: str,
    identifiers: Iterable[tuple[str, str]],
    options: Iterable[tuple[str, str]] = (),
    encoding: Encoding = "form",
) -> Request:
    """The documented field order: credentials, type, account, identifiers, options."""
    fields = [
        ("user_id", user_id),
        (PASSWORD_FIELD, PLACEHOLDER),
        ("type", "customer_info"),
        ("account_id", account_id),
    ]
    fields += list(identifiers) + list(options)
    return Request(tuple(fields), encoding)


def wire_password(value: str, secret: Secret, other: Secret | None = None) -> str:
    """The password a request's ``user_password`` stands for: ``$TARGET_USER_PASSWORD``
    (or ``$TARGET_OTHER_USER_PASSWORD``) is the secret, ``...|SPEC`` the secret altered by
    SPEC (conformance/alterations.py); any other value is sent as written."""
    placeholder, bar, spec = value.partition("|")
    if placeholder == PLACEHOLDER:
        real = secret.reveal()
    elif placeholder == OTHER_PLACEHOLDER and other is not None:
        real = other.reveal()
    else:
        return value
    return alterations.apply(spec, real) if bar else real


def curl_command(exchange_or_request: Exchange | Request, url: str | None = None) -> str:
    """A ready-to-paste curl command that sends the same request.

    The password stays ``$TARGET_USER_PASSWORD`` (in double quotes so the shell
    expands it from the environment); every other value is single-quoted.
    """
    if isinstance(exchange_or_request, Exchange):
        request, url = exchange_or_request.request, exchange_or_request.url
    else:
        request = exchange_or_request
    assert url is not None
    flag = {"form": "--data-urlencode", "query": "--data-urlencode", "multipart": "--form-string"}[request.encoding]
    parts = ["curl", "-sS"]
    if request.encoding == "query":
        parts.append("-G")
    parts.append(shlex.quote(url))
    for key, value in request.fields:
        placeholder, bar, spec = value.partition("|")
        if key == PASSWORD_FIELD and placeholder in (PLACEHOLDER, OTHER_PLACEHOLDER):
            # Double quotes: the shell expands it from the environment, as the transport
            # swaps in the secret for this one field (altered, for the negative space,
            # by the same operator the harness applied).
            variable = placeholder[1:]
            shown = f"$(python3 -m conformance.alterations {shlex.quote(spec)} {variable})" if bar else f"${variable}"
            parts += [flag, f'"{key}={shown}"']
        else:
            parts += [flag, shlex.quote(f"{key}={value}")]
    return " ".join(parts)
