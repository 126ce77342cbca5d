"""Writing a document as JSON or JSONP in the ways other servers do: amounts as JSON
numbers, PHP's ``json_encode`` spelling, a guarded JSONP call, another key order."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from .parser import Parsed

# JSON values that are amounts: what a server typing its numbers would write unquoted.
AMOUNTS = frozenset(
    {
        "balance",
        "cumulative",
        "monetary_balance",
        "balance_coalition",
        "cumulative_coalition",
        "earned",
        "redeemed",
        "earn_ratio",
        "needed_to_redeem",
    }
)
_NUMBER = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")
_MARK = "\x00number:"
_MARKED = re.compile(r'"\\u0000number:(-?[0-9.]+)"')


def _mark_amounts(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _mark_amounts(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_amounts(v) for v in value]
    if key in AMOUNTS and isinstance(value, str) and _NUMBER.match(value):
        return _MARK + value
    return value


def write_json(
    parsed: Parsed,
    *,
    numbers: bool = False,
    php: bool = False,
    prefix: str = "",
    suffix: str = "",
    order: Callable[[Any], Any] | None = None,
) -> bytes:
    """JSON or JSONP as other servers write it: amounts as JSON numbers (``numbers``,
    their literal text kept: "16.50" is written 16.50), PHP's ``json_encode`` (``php``:
    no white space, ``\\/``, ``\\uXXXX``), a JSONP wrapper with ``prefix``/``suffix``
    (``/**/name(...);``), another key order."""
    document: Any = parsed.document
    if order is not None:
        document = order(document)
    if numbers:
        document = _mark_amounts(document)
    if php or parsed.condensed:
        text = json.dumps(document, ensure_ascii=php, separators=(",", ":"))
    else:
        text = json.dumps(document, ensure_ascii=False, indent=2)
    if numbers:
        text = _MARKED.sub(r"\1", text)
    if php:
        text = text.replace("/", "\\/")
    if parsed.format == "jsonp":
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        text = f"{prefix}{parsed.callback}({text}){suffix}"
    return text.encode("utf-8")
