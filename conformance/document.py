"""Reading the canonical document: the documented field lists, numbers, comparison."""

from __future__ import annotations

import difflib
import json
import re
import threading
from collections.abc import Callable, Iterator
from decimal import Context, Decimal, localcontext
from typing import Any

# Doc, success example lines 3-18: the customer fields. "All fields are returned on
# this call" makes each of them required; custom_field is the one the
# hide_custom_field parameter may remove.
CUSTOMER_FIELDS = (
    "code", "card_number", "first_name", "last_name", "phone", "email", "street1", "street2",
    "city", "state", "postal_code", "country", "custom_date", "custom_field", "customer_username",
    "registered",
)  # fmt: skip
# The fields every campaign, reward and BuyX item carries, by the examples (a field the
# examples show in one place and leave out in another, such as monetary_balance,
# currency, glyph, reward_id or item_id, is optional: the examples carry it where the entry
# has one, so its presence follows the data, which only expected data can judge; see
# checks/expected.py and the profile's valueOrNone). None: a points or earned campaign.
CAMPAIGN_FIELDS = ("id", "name", "type", "last_transaction")
CAMPAIGN_FIELDS_BY_TYPE = {"buyx": ("balances",), None: ("balance", "cumulative")}
COALITION_CAMPAIGN_FIELDS = ("balance_coalition", "cumulative_coalition")
REWARD_FIELDS = {"buyx": ("name", "earn_ratio"), None: ("id", "description", "needed_to_redeem")}
ITEM_FIELDS = ("name", "balance", "earned", "cumulative", "redeemed", "earn_ratio")
CUSTOM_FIELD_N = re.compile(r"^custom_field_[0-9]+$")
DOCUMENTED_CAMPAIGN_TYPES = ("points", "earned", "buyx")
# Every field the document defines where it is (required or optional), which is what two
# answers the document ties together must agree on (``comparable``). The top level: the
# success envelope's two parts and the no_match / error texts. A campaign: any field the
# examples give some campaign (``balances`` is the BuyX one's, ``available_rewards`` the
# points and BuyX ones'); the coalition note's "<cumulative_balance>" is not one, it
# names the <cumulative> the example beside it shows as 0. A reward's fields depend on
# its campaign's type (a points reward's "name", which the live service sends, is not
# defined: real-clients.md); a campaign of an undocumented type gets every reward field.
# ``custom_field_N`` (CUSTOM_FIELD_N) is a documented pattern: {label, data}.
TOP_LEVEL_FIELDS = ("status", "customer", "campaigns", "message", "error")
OPTIONAL_CAMPAIGN_FIELDS = ("monetary_balance", "currency", "glyph", "available_rewards")
OPTIONAL_REWARD_FIELDS = {"buyx": ("item_id", "reward_id"), None: ("reward_id",)}
OPTIONAL_ITEM_FIELDS = ("item_id",)
CUSTOM_FIELD_N_FIELDS = ("label", "data")
DEFINED_CAMPAIGN_FIELDS = frozenset(
    CAMPAIGN_FIELDS
    + tuple(name for names in CAMPAIGN_FIELDS_BY_TYPE.values() for name in names)
    + COALITION_CAMPAIGN_FIELDS
    + OPTIONAL_CAMPAIGN_FIELDS
)
DEFINED_REWARD_FIELDS = {kind: frozenset(REWARD_FIELDS[kind] + OPTIONAL_REWARD_FIELDS[kind]) for kind in REWARD_FIELDS}
DEFINED_ITEM_FIELDS = frozenset(ITEM_FIELDS + OPTIONAL_ITEM_FIELDS)
# The lexical space of xs:decimal, the schemas' amount type ("1,500" is not in it),
# with the XML white space a schema collapses around it.
_DECIMAL = re.compile(r"[ \t\r\n]*[+-]?(?P<digits>[0-9]+(\.[0-9]*)?|\.[0-9]+)[ \t\r\n]*")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def customer(document: dict[str, Any]) -> dict[str, Any]:
    value = document.get("customer")
    return value if isinstance(value, dict) else {}


def campaigns(document: dict[str, Any]) -> list[dict[str, Any]]:
    value = document.get("campaigns")
    if not isinstance(value, list):
        return []
    return [c for c in value if isinstance(c, dict)]


def campaign_ids(document: dict[str, Any]) -> list[str]:
    return [str(c.get("id")) for c in campaigns(document)]


def items(campaign: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = campaign.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# The checks do arithmetic on the numbers of an answer: floor(balance / earn_ratio),
# cumulative - redeemed x earn_ratio. Under Python's default decimal context (28
# digits) a 30-digit balance made the floor division raise InvalidOperation, and longer
# products and differences were silently rounded, so a check could pass or fail on a
# rounding. An answer may carry a number of millions of digits (up to
# --max-response-bytes). Hence two rules:
# - a value with more than MAX_DIGITS digits is not a number the checks can judge:
#   number() answers None, as for "1,500" (the documented amounts have a few digits;
#   10,000 keeps even absurd ones, such as a 5,000-digit balance, judged);
# - arithmetic on a Number is exact: it runs in a context whose precision holds any
#   result of +, -, x and // on such numbers (a product or quotient of two has at most
#   2 x MAX_DIGITS digits, a - b x c at most 4 x), so it never rounds and never raises
#   InvalidOperation (DivisionImpossible) or Overflow. Comparisons are exact anyway.
MAX_DIGITS = 10_000
_EXACT = Context(prec=8 * MAX_DIGITS)


class Number(Decimal):
    """A number read from an answer: a Decimal whose arithmetic is exact."""

    __slots__ = ()


def _exactly(name: str) -> Callable[..., Any]:
    operation = getattr(Decimal, name)

    def exact(self: Number, *args: Any) -> Any:
        with localcontext(_EXACT):
            result = operation(self, *args)
        if isinstance(result, tuple):  # divmod
            return tuple(Number(r) for r in result)
        return Number(result) if isinstance(result, Decimal) else result

    exact.__name__ = name
    return exact


for _name in (
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__", "__rtruediv__",
    "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__divmod__", "__rdivmod__", "__neg__", "__pos__",
    "__abs__", "normalize", "to_integral_value",
):  # fmt: skip
    setattr(Number, _name, _exactly(_name))


def number(value: Any) -> Number | None:
    """The value as a number, or None when it is not one ("1,500" is not) or has more
    than MAX_DIGITS digits."""
    if not isinstance(value, str):
        return None
    found = _DECIMAL.fullmatch(value)
    if found is None:
        return None
    digits = found.group("digits")  # digits and at most one "."
    if len(digits) - digits.count(".") > MAX_DIGITS:
        return None
    return Number(value.strip(" \t\r\n"))


def is_date_or_never(value: Any) -> bool:
    # Dates are YYYY-MM-DD; 0000-00-00 (matched by the pattern) means "never", and an
    # empty value means none was recorded.
    return isinstance(value, str) and (value == "" or bool(_DATE.match(value)))


def has_transactions(campaign: dict[str, Any]) -> bool:
    """Evidence that the customer has had a transaction in this campaign: a cumulative
    above zero (its own, or an item's), or a last transaction that happened."""
    if (number(campaign.get("cumulative")) or 0) > 0:
        return True
    if any((number(item.get("cumulative")) or 0) > 0 for item in items(campaign, "balances")):
        return True
    return campaign.get("last_transaction") not in (None, "", "0000-00-00")


def never_transacted(campaign: dict[str, Any]) -> bool:
    """Evidence of the opposite: no last transaction, and nothing accumulated."""
    return campaign.get("last_transaction") in ("", "0000-00-00") and not has_transactions(campaign)


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The document as two answers to requests the document ties together must agree on
    it: the fields it defines (``defined``), normalised (``normalised``). A field it
    does not define is the target's own: two answers may differ there
    (``undefined_differences`` says where). The result is shared: read it, never change it."""
    return _memoised("comparable", lambda d: normalised(defined(d)), document)  # type: ignore[no-any-return]


# The relation checks compare the same parsed document many times: the harness parses each
# distinct answer once and hands every check that one object, which checks never change
# (a pairwise run: 7,157 comparisons of about 400 documents, a third of the judging
# thread's time). So the derived forms are kept per document object, the object held
# with them so that its id is not reused while the entry lives.
_MEMO_SIZE = 4096
_memo: dict[tuple[str, int], tuple[dict[str, Any], Any]] = {}
_memo_lock = threading.Lock()


def _memoised(kind: str, derive: Callable[[dict[str, Any]], Any], document: dict[str, Any]) -> Any:
    key = (kind, id(document))
    with _memo_lock:
        hit = _memo.get(key)
    if hit is not None and hit[0] is document:
        return hit[1]
    value = derive(document)
    with _memo_lock:
        if len(_memo) >= _MEMO_SIZE:
            del _memo[next(iter(_memo))]  # the oldest: a run's scopes move on
        _memo[key] = (document, value)
    return value


def normalised(document: dict[str, Any]) -> dict[str, Any]:
    """The whole document, every field kept, in a form where what carries no meaning is
    gone: order (of elements, of campaigns), an empty list against no list, the spelling
    of a number ("10.00" == "10.0")."""
    result: dict[str, Any] = _normalise(document)
    return result


def defined(document: dict[str, Any]) -> dict[str, Any]:
    """The document with only the fields the document defines where they are (a copy);
    a part of an undocumented shape (a customer that is not an object) is kept whole,
    for the shape checks to judge."""
    return _split(document)[0]


def undefined_fields(document: dict[str, Any]) -> dict[str, Any]:
    """Each field the document does not define, by where it is (``/customer/level``,
    ``/campaigns[id=1]/created_stamp``: a list's entry named by its id, item_id or name),
    its value normalised. The result is shared: read it, never change it."""
    return _memoised("undefined", lambda d: _split(d)[1], document)  # type: ignore[no-any-return]


def undefined_differences(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    """Where two documents differ in fields the document does not define: present in one
    only, or with other values."""
    a, b = undefined_fields(left), undefined_fields(right)
    return sorted(where for where in a.keys() | b.keys() if a.get(where, _ABSENT) != b.get(where, _ABSENT))


_ABSENT = object()


def _split(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    undefined: dict[str, Any] = {}
    kept = _kept(document, frozenset(TOP_LEVEL_FIELDS), "", undefined)
    customer = kept.get("customer")
    if isinstance(customer, dict):
        kept["customer"] = {}
        for name, value in customer.items():
            if CUSTOM_FIELD_N.match(name) and isinstance(value, dict):
                kept["customer"][name] = _kept(value, frozenset(CUSTOM_FIELD_N_FIELDS), f"/customer/{name}", undefined)
            elif name in CUSTOMER_FIELDS or CUSTOM_FIELD_N.match(name):
                kept["customer"][name] = value
            else:
                undefined[f"/customer/{name}"] = _normalise(value)
    if isinstance(kept.get("campaigns"), list):
        kept["campaigns"] = [
            _campaign(campaign, f"/campaigns{_entry(campaign, index)}", undefined)
            if isinstance(campaign, dict)
            else campaign
            for index, campaign in enumerate(kept["campaigns"])
        ]
    return kept, undefined


def _campaign(campaign: dict[str, Any], where: str, undefined: dict[str, Any]) -> dict[str, Any]:
    kept = _kept(campaign, DEFINED_CAMPAIGN_FIELDS, where, undefined)
    kind = campaign.get("type")
    rewards = (
        DEFINED_REWARD_FIELDS["buyx"]
        if kind == "buyx"
        else DEFINED_REWARD_FIELDS[None]
        if kind in DOCUMENTED_CAMPAIGN_TYPES
        else DEFINED_REWARD_FIELDS["buyx"] | DEFINED_REWARD_FIELDS[None]
    )
    for key, names in (("available_rewards", rewards), ("balances", DEFINED_ITEM_FIELDS)):
        if isinstance(kept.get(key), list):
            kept[key] = [
                _kept(entry, names, f"{where}/{key}{_entry(entry, index)}", undefined)
                if isinstance(entry, dict)
                else entry
                for index, entry in enumerate(kept[key])
            ]
    return kept


def _kept(value: dict[str, Any], names: frozenset[str], where: str, undefined: dict[str, Any]) -> dict[str, Any]:
    """``value``'s fields among ``names``; the others go to ``undefined`` by where they are."""
    kept: dict[str, Any] = {}
    for name, child in value.items():
        if name in names:
            kept[name] = child
        else:
            undefined[f"{where}/{name}"] = _normalise(child)
    return kept


def _entry(entry: Any, index: int) -> str:
    # A list's entry is named by what identifies it, not by its place (order carries no meaning).
    if isinstance(entry, dict):
        for name in ("id", "item_id", "name"):
            if isinstance(entry.get(name), str) and entry[name]:
                return f"[{name}={entry[name]}]"
    return f"[{index}]"


def _normalise(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in sorted(value.items()) if not (isinstance(v, list) and not v)}
    if isinstance(value, list):
        normalised = [_normalise(v) for v in value]
        return sorted(normalised, key=lambda v: json.dumps(v, sort_keys=True))
    parsed = number(value)
    if parsed is not None:
        return "0" if parsed == 0 else format(parsed.normalize(), "f")  # -0 is 0
    return value


def diff(
    left: dict[str, Any],
    right: dict[str, Any],
    left_name: str,
    right_name: str,
    limit: int = 60,
    form: Callable[[dict[str, Any]], dict[str, Any]] = comparable,
) -> str:
    """A unified diff of two documents' ``form`` (by default what the document defines,
    ``comparable``; ``normalised``: every field), cut to ``limit`` lines."""
    a = json.dumps(form(left), indent=1, ensure_ascii=False, sort_keys=True).splitlines()
    b = json.dumps(form(right), indent=1, ensure_ascii=False, sort_keys=True).splitlines()
    lines = list(difflib.unified_diff(a, b, left_name, right_name, lineterm="", n=2))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more diff lines)"]
    return "\n".join(lines)


def walk(value: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every (JSON pointer, scalar) of a document."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from walk(child, f"{pointer}/{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from walk(child, f"{pointer}/{index}")
    else:
        yield pointer, value
