"""Counts in words, for every text a reader sees (reports, certificate reasons)."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None, *, thousands: bool = False) -> str:
    """``1 case``, ``2 cases`` (``1,000 items`` with ``thousands``): the count and the noun
    that agrees with it."""
    number = f"{count:,}" if thousands else str(count)
    return f"{number} {singular if count == 1 else plural_form or singular + 's'}"


__all__ = ["plural"]
