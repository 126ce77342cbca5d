"""No check crashes on an extreme answer (property-based, Hypothesis).

A target may answer anything: a 5,000-digit balance (which made
``buyx_earned_is_floor_of_balance`` raise ``decimal.InvalidOperation``), 1e999999, -0,
"NaN", an earn_ratio of 0 or below, a list where a string belongs, null, duplicate
keys, documents nested deep or wide. Whatever it is, the harness must judge it:

- ``parse_answer`` returns an answer or raises ``ParseError``, nothing else;
- ``run_checks`` raises nothing and returns no finding with severity "error" (a check
  that broke), and ``document.comparable`` (which the relation checks use) raises
  nothing. A "fail" is fine: most of these answers do violate the document.

The hostile answers start from real answers of the reference implementation
(tests/reference_answers.py) whose canonical documents are edited (a value replaced, a
key deleted or given twice, a list emptied or wrapped) and written back as JSON or XML.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from conformance.checks import run_checks
from conformance.document import MAX_DIGITS, comparable, number
from conformance.parse import LIST_CONTAINERS, ParseError, parse_answer
from tests.reference_answers import Sample, describe, judge, observe, samples

SAMPLES = [s for s in samples() if parse_answer(s.body).document.get("status") == "success"] + [
    s for s in samples() if parse_answer(s.body).document.get("status") != "success"
][:2]
BUYX_SAMPLE = samples()[0]  # greatwidgets John by code: points, earned and BuyX campaigns
COALITION_SAMPLE = next(s for s in samples() if s.case.coalition and s.case.option("show_only_belong_to") == "absent")


@dataclass(frozen=True)
class Raw:
    """A JSON value written as this text, unquoted (a number literal, or not JSON at all)."""

    text: str


@dataclass(frozen=True)
class Deep:
    """Objects and arrays nested ``depth`` levels (written without recursion, so that the
    test reaches depths the parser itself must refuse)."""

    depth: int

    def json(self) -> str:
        opening = "".join('{"x":' if level % 2 else "[" for level in range(self.depth))
        closing = "".join("}" if level % 2 else "]" for level in reversed(range(self.depth)))
        return opening + '"1"' + closing

    def xml(self) -> str:
        return "<x>" * self.depth + "1" + "</x>" * self.depth


@dataclass(frozen=True)
class Pairs:
    """A JSON object written with these members, duplicates included (XML: repeated elements)."""

    members: tuple[tuple[str, Any], ...]


# -- writing a hostile document ----------------------------------------------------------------


def to_json(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, Deep):
        return value.json()
    if isinstance(value, Pairs):
        return "{" + ",".join(f"{json.dumps(k)}:{to_json(v)}" for k, v in value.members) + "}"
    if isinstance(value, dict):
        return to_json(Pairs(tuple(value.items())))
    if isinstance(value, list):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    return json.dumps(value)


def to_xml(document: Any) -> str:
    status = document.get("status") if isinstance(document, dict) else None
    members = document.members if isinstance(document, Pairs) else tuple(document.items())
    attribute = f' status="{_escape(status)}"' if isinstance(status, str) else ""
    inner = "".join(_element(k, v) for k, v in members if not (k == "status" and isinstance(v, str)))
    return f"<response{attribute}>{inner}</response>"


def _element(name: str, value: Any) -> str:
    if isinstance(value, Pairs):
        content = "".join(_element(k, v) for k, v in value.members)
    elif isinstance(value, dict):
        content = "".join(_element(k, v) for k, v in value.items())
    elif isinstance(value, list):
        content = "".join(_element(LIST_CONTAINERS.get(name, "item"), v) for v in value)
    elif value is None:
        return f"<{name}/>"
    elif isinstance(value, bool):
        content = "true" if value else "false"
    elif isinstance(value, Raw):
        content = _escape(value.text)
    elif isinstance(value, Deep):
        content = value.xml()
    else:
        content = _escape(str(value))
    return f"<{name}>{content}</{name}>"


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#13;")
    )


def write(document: Any, fmt: str) -> bytes:
    return (to_json(document) if fmt == "json" else to_xml(document)).encode("utf-8")


def _event(text: str) -> None:
    # What the examples turned out to be (--hypothesis-show-statistics), in a Hypothesis test.
    if currently_in_test_context():
        event(text)


def assert_survives(sample: Sample, body: bytes) -> None:
    """The property: a ParseError or an answer every check judges without breaking."""
    try:
        answer = parse_answer(body)
    except ParseError:
        _event("not readable (ParseError)")
        return
    _event(f"read as {answer.format}")
    comparable(answer.document)
    broken = [f for f in run_checks(observe(sample, body)) if f.severity == "error"]
    assert not broken, f"checks broke on {body[:300]!r}...:\n{describe(broken)}"


# -- hostile values ------------------------------------------------------------------------------

EXTREME_NUMBERS = (
    "1" * 5000, "-" + "9" * 5000, "1" * 40, "0." + "0" * 5000 + "1", "1" + "0" * 4300, "1e999999", "1E-999999",
    "-1e+999999999", "-0", "-0.0", "0", "0.0", "-1", "-10", "NaN", "Infinity", "-Infinity", "1e308", "1.5", ".5",
    "5.", "+5", "1_000", "\u0661\u0662\u0663", "0x10", "1,500", " 7 ", "",
)  # fmt: skip
# Extreme as JSON number literals: all valid JSON numbers (NaN and Infinity are not JSON:
# those bodies must be a ParseError, which the property accepts).
EXTREME_LITERALS = (
    "1" * 5000,
    "-" + "9" * 5000,
    "1e999999",
    "1E-999999",
    "-0",
    "-0.0",
    "0",
    "-1",
    "1.5",
    "1e308",
    "NaN",
    "Infinity",
)

digit_runs = st.builds(
    lambda sign, n, fraction: sign + "7" * n + fraction,
    st.sampled_from(("", "-", "+")),
    st.integers(1, 12_000),
    st.sampled_from(("", ".5", "." + "3" * 5000, ".")),
)
number_texts = (
    st.sampled_from(EXTREME_NUMBERS)
    | digit_runs
    | st.integers().map(str)
    | st.decimals().map(str)
    | st.floats().map(repr)
)
json_number_literals = (
    st.sampled_from(EXTREME_LITERALS)
    | st.integers().map(str)
    | st.floats(allow_nan=False, allow_infinity=False).map(repr)
)
names = st.from_regex(r"\A[a-z_][a-z0-9_]{0,8}\Z")
safe_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"), max_size=20
)


small_values = st.recursive(
    st.none() | st.booleans() | safe_text | number_texts | json_number_literals.map(Raw),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=4),
    max_leaves=8,
)
hostile_values = st.one_of(
    number_texts,
    json_number_literals.map(Raw),
    small_values,
    st.sampled_from(([], {}, "", None, [[]], [{}], [""], [None])),
    # Deep: past what each parser accepts too (lxml refuses 256 levels, json about 1,000).
    st.integers(1, 1200).map(Deep),
    st.builds(lambda n, v: [v] * n, st.integers(50, 300), small_values),  # wide
)


# -- edits of a real document ----------------------------------------------------------------------


def places(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every path to a value in the document, dict keys and list indexes, down to the
    depth of documented values (so that edits do not pile deep values on deep values)."""
    if len(path) > 6:
        return
    if isinstance(value, dict):
        if "__pairs__" in value:
            return  # an object given duplicate keys: left as it is
        for key, child in value.items():
            yield path + (key,)
            yield from places(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield path + (index,)
            yield from places(child, path + (index,))


def edit(document: Any, path: tuple, how: str, value: Any) -> None:
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    key = path[-1]
    if how == "set":
        parent[key] = value
    elif how == "delete":
        del parent[key]
    elif how == "wrap":
        parent[key] = [parent[key]] if isinstance(value, list) else {"x": parent[key]}
    elif how == "duplicate" and isinstance(parent, dict):
        # The key twice: JSON keeps the last (the parser notes it), XML the first.
        members = tuple(parent.items()) + ((key, value),)
        parent.clear()
        parent["__pairs__"] = Pairs(members)


def materialise(value: Any) -> Any:
    """Turn dicts marked by a duplicate edit into Pairs, recursively."""
    if isinstance(value, dict):
        if set(value) == {"__pairs__"}:
            pairs = value["__pairs__"]
            return Pairs(tuple((k, materialise(v)) for k, v in pairs.members))
        return {k: materialise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [materialise(v) for v in value]
    return value


CAMPAIGN_NUMBERS = ("balance", "cumulative", "monetary_balance", "balance_coalition", "cumulative_coalition")
ITEM_NUMBERS = ("balance", "earned", "cumulative", "redeemed", "earn_ratio")
REWARD_NUMBERS = ("needed_to_redeem", "earn_ratio")
NUMERIC_NAMES = set(CAMPAIGN_NUMBERS + ITEM_NUMBERS + REWARD_NUMBERS)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_hostile_answer_breaks_no_check(data: st.DataObject) -> None:
    sample = data.draw(st.sampled_from(SAMPLES), label="sample")
    document = copy.deepcopy(parse_answer(sample.body).document)
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        paths = list(places(document))
        numeric = [p for p in paths if p[-1] in NUMERIC_NAMES]
        if not paths:
            break
        # Half the edits hit a number the checks compute with: the likeliest to break one.
        path = data.draw(
            st.sampled_from(numeric)
            if numeric and data.draw(st.booleans(), label="numeric?")
            else st.sampled_from(paths),
            label="path",
        )
        how = data.draw(st.sampled_from(("set", "set", "set", "delete", "wrap", "duplicate")), label="how")
        # A copy: sampled_from hands out the same list object to every test case, and an
        # edit into it would change what later test cases draw.
        edit(document, path, how, copy.deepcopy(data.draw(hostile_values, label="value")))
    fmt = data.draw(st.sampled_from(("json", "xml")), label="format")
    assert_survives(sample, write(materialise(document), fmt))


# -- every numeric field, every extreme number ---------------------------------------------------

NUMERIC_FIELDS = (
    [("campaign", f) for f in CAMPAIGN_NUMBERS]
    + [("item", f) for f in ITEM_NUMBERS]
    + [("reward", f) for f in REWARD_NUMBERS]
)


def with_number(sample: Sample, where: str, name: str, value: Any) -> dict[str, Any]:
    """The sample's document with ``name`` set to ``value`` in every campaign, BuyX item
    or reward (only those that have it; a campaign gets it whatever it had)."""
    document = copy.deepcopy(parse_answer(sample.body).document)
    for campaign in document.get("campaigns", []):
        targets = {
            "campaign": [campaign],
            "item": campaign.get("balances", []),
            "reward": campaign.get("available_rewards", []),
        }[where]
        for target in targets:
            if where == "campaign" or name in target:
                target[name] = value
    return document


@pytest.mark.parametrize(("where", "name"), NUMERIC_FIELDS, ids=[f"{w}.{n}" for w, n in NUMERIC_FIELDS])
def test_extreme_numbers_break_no_check(where: str, name: str) -> None:
    for sample in (BUYX_SAMPLE, COALITION_SAMPLE):
        for text in EXTREME_NUMBERS:
            assert_survives(sample, write(with_number(sample, where, name, text), "json"))
            assert_survives(sample, write(with_number(sample, where, name, text), "xml"))
        for literal in EXTREME_LITERALS:
            assert_survives(sample, write(with_number(sample, where, name, Raw(literal)), "json"))


def test_five_thousand_digit_balance_is_judged() -> None:
    # The answer a user saw crash the run: a 5,000-digit JSON integer as a BuyX balance.
    # Judged, not crashed: earned (1) is not floor(balance / earn_ratio) (4,999 digits).
    document = copy.deepcopy(parse_answer(BUYX_SAMPLE.body).document)
    item = next(c for c in document["campaigns"] if c["type"] == "buyx")["balances"][0]
    item["balance"] = Raw("1" * 5000)
    for fmt in ("json", "xml"):
        findings = judge(BUYX_SAMPLE, write(document, fmt))
        failed = {f.check for f in findings if f.severity == "fail"}
        assert "buyx_earned_is_floor_of_balance" in failed, describe(findings)
        assert not [f for f in findings if f.severity == "error"], describe(findings)


# -- document.number: what the checks compute with ------------------------------------------------


def test_number_arithmetic_is_exact() -> None:
    balance, ratio = number("1" * 40), number("10")
    assert balance // ratio == number("1" * 39)  # raised DivisionImpossible in a 28-digit context
    assert number("1" * 30) // number("0.0000001") == number("1" * 30 + "0" * 7)
    cumulative, redeemed = number("1" * 60), number("3")
    assert cumulative - redeemed * ratio == number("1" * 57 + "081")  # was rounded to 28 digits
    assert isinstance(balance // ratio, type(balance))  # so chained operations stay exact
    big = number("9" * MAX_DIGITS)
    assert (big * big) // big == big


def test_number_reads_the_decimal_lexical_space() -> None:
    # What the schemas' amount type accepts (xs:decimal), XML white space around it.
    for text, value in [
        ("1500", "1500"),
        ("16.50", "16.5"),
        ("+5", "5"),
        (".5", "0.5"),
        ("5.", "5"),
        ("-0", "0"),
        (" 7\n", "7"),
    ]:
        assert number(text) == number(value), text
    for text in ["1,500", "1 500", "1e3", "NaN", "Infinity", "0x10", "1_000", "\u0661\u0662", "5\u00a0", "", "-", "."]:
        assert number(text) is None, text
    assert number("1" * MAX_DIGITS) is not None
    assert number("1" * (MAX_DIGITS + 1)) is None
    assert number("1" * (MAX_DIGITS // 2) + "." + "1" * (MAX_DIGITS // 2)) is not None


def test_comparable_numbers_by_value() -> None:
    def campaign(**amounts: str) -> dict[str, Any]:  # documented fields: comparable() keeps only those
        return {"campaigns": [{"id": "1", **amounts}]}

    assert comparable(campaign(balance="-0", cumulative="10.00", monetary_balance="+5")) == comparable(
        campaign(balance="0", cumulative="10", monetary_balance="5.0")
    )
    # not equal after rounding
    assert comparable(campaign(balance="1" * 40 + "1")) != comparable(campaign(balance="1" * 40 + "2"))
