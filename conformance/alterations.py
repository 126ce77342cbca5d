"""Alteration operators: from a real value of a request field, values that are not it.

One function per operator, each giving the variants it makes of a value as *specs*
(``"prefix:4"``, ``"changed-last"``): a spec names the operator and its argument, so the
same alteration can be made again from the value alone. The negative space
(conformance/negative.py) applies them to values it holds; the client applies them to
the password on the wire (a request holds ``$TARGET_USER_PASSWORD|<spec>``, never the
password or a near copy of it), and ``python -m conformance.alterations SPEC`` prints
the altered ``$TARGET_USER_PASSWORD`` for a curl command to reproduce it.

No dependency on the rest of the harness: the client and the secret's redaction import it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

# Look-alike characters: a digit read as a letter and back (0/O, 1/l, 5/S, 8/B, 2/Z, 6/G).
_LOOK_ALIKE = {"0": "O", "1": "l", "2": "Z", "5": "S", "6": "G", "8": "B"}
_LOOK_ALIKE.update({v: k for k, v in list(_LOOK_ALIKE.items())})
_LOOK_ALIKE.update({"o": "0", "I": "1", "s": "5", "b": "6"})


def _other_char(char: str) -> str:
    """A different character of the same kind: a digit for a digit, a letter for a letter."""
    if char.isdigit():
        return "0123456789"[(int(char) + 1) % 10] if char.isascii() else "0"
    if char.isalpha() and char.isascii():
        base = "a" if char.islower() else "A"
        return chr(ord(base) + (ord(char) - ord(base) + 1) % 26)
    return "x" if char != "x" else "y"


def _change(value: str, at: int) -> str:
    return value[:at] + _other_char(value[at]) + value[at + 1 :] if value else value


def _prefix_lengths(value: str) -> list[int]:
    """Several prefix lengths: one character, about half, and all but two (shortened is all but one)."""
    return sorted({n for n in (1, len(value) // 2, len(value) - 2) if 0 < n < len(value) - 1})


def _look_alike(value: str) -> str:
    for at, char in enumerate(value):
        if char in _LOOK_ALIKE:
            return value[:at] + _LOOK_ALIKE[char] + value[at + 1 :]
    return value


# operator -> (specs for a value, apply(spec argument, value))
_Apply = Callable[[str, str], str]
OPERATORS: dict[str, tuple[Callable[[str], list[str]], _Apply]] = {
    "shortened": (lambda v: ["shortened"], lambda _, v: v[:-1]),
    "prefix": (lambda v: [f"prefix:{n}" for n in _prefix_lengths(v)], lambda n, v: v[: int(n)]),
    "lengthened": (lambda v: ["lengthened"], lambda _, v: v + (v[-1] if v else "0")),
    "changed-first": (lambda v: ["changed-first"], lambda _, v: _change(v, 0)),
    "changed-middle": (lambda v: ["changed-middle"], lambda _, v: _change(v, len(v) // 2)),
    "changed-last": (lambda v: ["changed-last"], lambda _, v: _change(v, len(v) - 1)),
    "case-swapped": (lambda v: ["case-swapped"], lambda _, v: v.swapcase()),
    "padded": (lambda v: ["padded"], lambda _, v: f" {v} "),
    # A LIKE pattern that matches the real value: the start then %, all but the last then _.
    "wildcard-percent": (lambda v: ["wildcard-percent"], lambda _, v: v[: max(1, len(v) // 2)] + "%"),
    "wildcard-underscore": (lambda v: ["wildcard-underscore"], lambda _, v: v[:-1] + "_"),
    # A C string ends at the NUL: the real value followed by one and more text.
    "nul": (lambda v: ["nul"], lambda _, v: v + "\x00" + "1"),
    "look-alike": (lambda v: ["look-alike"], lambda _, v: _look_alike(v)),
    "empty": (lambda v: ["empty"], lambda _, v: ""),
}


def variants(operator: str, value: str) -> list[str]:
    """The specs ``operator`` makes of ``value`` (KeyError: not a value operator)."""
    return OPERATORS[operator][0](value)


def apply(spec: str, value: str) -> str:
    """The value ``spec`` (``operator`` or ``operator:argument``) makes of ``value``."""
    operator, _, argument = spec.partition(":")
    return OPERATORS[operator][1](argument, value)


def altered(value: str, specs: list[str] | None = None) -> list[str]:
    """Every altered form of ``value`` (by every operator, or those ``specs`` name) that
    differs from it: what redaction scrubs besides the value itself."""
    found = []
    for operator in OPERATORS:
        for spec in variants(operator, value):
            if specs is None or spec in specs:
                text = apply(spec, value)
                if text != value:
                    found.append(text)
    return found


def main(argv: list[str]) -> int:
    """``python -m conformance.alterations SPEC [VARIABLE]``: print the altered value of the
    environment variable (default TARGET_USER_PASSWORD), with no newline: a curl command
    the harness writes uses it to send an altered password without showing it."""
    if not argv or len(argv) > 2:
        print("usage: python -m conformance.alterations SPEC [VARIABLE]", file=sys.stderr)
        return 2
    variable = argv[1] if len(argv) == 2 else "TARGET_USER_PASSWORD"
    value = os.environ.get(variable)
    if value is None:
        print(f"set {variable} first", file=sys.stderr)
        return 2
    sys.stdout.write(apply(argv[0], value))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
