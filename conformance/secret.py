"""The target's password, kept out of every output the harness writes.

The value is reachable only through :meth:`Secret.reveal`; ``str`` and ``repr`` show a
placeholder, so a password that slips into a message, a traceback's locals or a
report shows up as the placeholder instead. :func:`redact` scrubs text that came from
elsewhere (a target may echo the password back in its answer).
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from urllib.parse import quote, quote_plus

import markupsafe

PLACEHOLDER = "$TARGET_USER_PASSWORD"
OTHER_PLACEHOLDER = "$TARGET_OTHER_USER_PASSWORD"  # the profile's other_user's password


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def spellings(value: str) -> list[str]:
    """How a password may appear in text: plain, URL-encoded, XML- and JSON-escaped, and
    as the report's templates escape it (markupsafe: &#34; and &#39;, not html's &quot;
    and &#x27;). Longest first, so a longer spelling is replaced before a part of it."""
    found = {
        value,
        quote(value, safe=""),
        quote_plus(value),
        html.escape(value, quote=True),
        html.escape(value, quote=False),
        str(markupsafe.escape(value)),
        json.dumps(value)[1:-1],
    }
    return sorted(found, key=len, reverse=True)


@lru_cache(maxsize=8)
def _near_copies(value: str) -> tuple[str, ...]:
    """The password's altered forms the negative space sends (conformance/alterations.py)
    that keep most of it: a target echoing one would show nearly the password."""
    from conformance.alterations import altered

    kept = {text.strip() for text in altered(value) if len(text.strip()) >= max(4, len(value) // 2)}
    return tuple(sorted({s for text in kept for s in spellings(text)}, key=len, reverse=True))


def redact(text: str, secret: Secret | None) -> str:
    """Replace every spelling of the secret in ``text``."""
    if secret is None or not secret.reveal():
        return text
    for spelling in spellings(secret.reveal()):
        text = text.replace(spelling, PLACEHOLDER)
    for spelling in _near_copies(secret.reveal()):
        text = text.replace(spelling, PLACEHOLDER)
    return text
