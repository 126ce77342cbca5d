"""``cases.expect``: what the document requires of each parameter combination, and where
it is silent. No server: a case is built by hand and its expectation read.

Each rule is stated once, here, as the document states it (cases/parameters.yaml holds
the data, cases.py the reconciliation); the last test sweeps every combination of one
customer's matrix for the invariants that tie the fields together.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from conformance.cases import ABSENT, EACH, FOREIGN, UNKNOWN, Case, Expectation, expect, load_space
from conformance.profile import Customer

CUSTOMER = Customer(code="89898989898989", card_number="1212121212")
CAMPAIGN = "1234567890123456"
EVERY_STATUS = ("success", "no_match", "error")


def case(identifier: str = "code", coalition: bool = False, **options: str) -> Case:
    """A case of the matrix: options in the matrix's parameter order, ``each`` resolved."""
    space = load_space()
    ordered = tuple((name, options[name]) for name in space.parameters if options.get(name, ABSENT) != ABSENT)
    campaign = CAMPAIGN if options.get("campaign_id") in (EACH, FOREIGN) else None
    customer = CUSTOMER if identifier in ("code", "card_number", "both") else None
    return Case("greatwidgets", coalition, customer, identifier, ordered, campaign)


def is_silent(expectation: Expectation, reason: str) -> bool:
    """Silent as a whole: every status allowed, nothing about format or contents judged."""
    return (
        expectation.silence() is not None
        and reason in expectation.silence()  # type: ignore[operator]
        and expectation.statuses == EVERY_STATUS
        and (expectation.format, expectation.custom_field, expectation.campaigns, expectation.campaign)
        == (None, None, None, None)
    )


# -- the plain lookup -------------------------------------------------------------------------
def test_a_plain_lookup_is_a_success_in_xml_with_custom_fields() -> None:
    # "output: XML (default)"; custom fields are shown unless hide_custom_field=Y.
    assert expect(case()) == Expectation(statuses=("success",), format="xml", custom_field="present")
    assert expect(case()).silence() is None


@pytest.mark.parametrize(
    ("identifier", "statuses"),
    [
        ("code", ("success",)),
        ("card_number", ("success",)),
        ("both", ("success",)),
        ("neither", ("error",)),  # code or card_number is required
        ("unknown_code", ("no_match",)),
        ("unknown_card_number", ("no_match",)),
        ("empty", ("error", "no_match")),  # the document does not say which, but never a customer
    ],
)
def test_the_identifier_decides_the_status(identifier: str, statuses: tuple[str, ...]) -> None:
    assert expect(case(identifier)).statuses == statuses


# -- format ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("output", "fmt", "strict"),
    [(ABSENT, "xml", True), ("XML", "xml", True), ("JSON", "json", True), ("json", "json", False)],
)
def test_output_decides_the_format(output: str, fmt: str, strict: bool) -> None:
    # Lower-case json is what real clients send; the document names only JSON, so a
    # target that answers XML to it is warned about, not failed.
    expectation = expect(case(output=output))
    assert (expectation.format, expectation.format_strict) == (fmt, strict)


@pytest.mark.parametrize("output", ["JSON", "json"])
def test_a_callback_with_json_is_jsonp_wrapped_in_that_callback(output: str) -> None:
    expectation = expect(case(output=output, callback="conformanceCallback"))
    assert (expectation.format, expectation.callback, expectation.silence()) == ("jsonp", "conformanceCallback", None)


@pytest.mark.parametrize("output", [ABSENT, "XML"])
def test_a_callback_without_json_is_silent(output: str) -> None:
    # The document pairs callback with output=JSON only.
    assert is_silent(expect(case(output=output, callback="conformanceCallback")), "callback without output=JSON")


@pytest.mark.parametrize(
    ("output", "callback", "condensed"),
    [
        ("JSON", ABSENT, True),
        ("json", ABSENT, True),
        ("JSON", "conformanceCallback", True),
        (ABSENT, ABSENT, False),
        ("XML", ABSENT, False),
    ],
)
def test_condensed_applies_to_json_and_jsonp_only(output: str, callback: str, condensed: bool) -> None:
    assert expect(case(output=output, callback=callback, condensed="yes")).condensed is condensed
    assert expect(case(output=output, callback=callback)).condensed is False


# -- custom fields ---------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "custom_field"), [(ABSENT, "present"), ("Y", "absent"), ("N", "present")])
def test_hide_custom_field(value: str, custom_field: str) -> None:
    assert expect(case(hide_custom_field=value)).custom_field == custom_field


# -- campaigns -------------------------------------------------------------------------------
@pytest.mark.parametrize("coalition", [False, True])
def test_include_balances_n_asks_for_no_campaigns_and_y_for_no_restriction(coalition: bool) -> None:
    assert expect(case(coalition=coalition, include_balances="N")).campaigns == "none"
    assert expect(case(coalition=coalition, include_balances="Y")).campaigns is None


@pytest.mark.parametrize("coalition", [False, True])
def test_campaign_id_asks_for_that_campaign_alone(coalition: bool) -> None:
    expectation = expect(case(coalition=coalition, campaign_id=EACH))
    assert (expectation.campaigns, expectation.campaign) == ("single", CAMPAIGN)


def test_show_only_belong_to_y_restricts_in_a_coalition_only() -> None:
    assert expect(case(coalition=True, show_only_belong_to="Y")).campaigns == "subset"
    assert expect(case(coalition=True, show_only_belong_to="N")).campaigns is None
    # "In coalitions accounts only ...": elsewhere the document does not say what Y does.
    assert is_silent(expect(case(coalition=False, show_only_belong_to="Y")), "not a coalition")
    assert expect(case(coalition=False, show_only_belong_to="N")).silence() is None


def test_no_campaigns_wins_over_a_subset_of_them() -> None:
    # include_balances=N with show_only_belong_to=Y: none is a subset of any subset.
    assert expect(case(coalition=True, include_balances="N", show_only_belong_to="Y")).campaigns == "none"


@pytest.mark.parametrize(
    ("coalition", "options", "reason"),
    [
        (False, {"campaign_id": UNKNOWN}, "a campaign_id that no campaign has"),
        (True, {"campaign_id": UNKNOWN}, "a campaign_id that no campaign has"),
        (False, {"campaign_id": FOREIGN}, "a campaign_id of another account"),
        (False, {"include_balances": "N", "campaign_id": EACH}, "include_balances=N together with campaign_id"),
        (True, {"campaign_id": EACH, "show_only_belong_to": "Y"}, "campaign_id together with show_only_belong_to=Y"),
    ],
    ids=["unknown", "unknown-coalition", "foreign", "balances-N-and-campaign", "campaign-and-belong-Y"],
)
def test_combinations_the_document_does_not_settle_are_silent(
    coalition: bool, options: dict[str, str], reason: str
) -> None:
    assert is_silent(expect(case(coalition=coalition, **options)), reason)


def test_every_silent_part_is_named() -> None:
    # Two silent parts: both are reasons, so a reader sees all that is unsettled.
    silence = expect(case(output="XML", callback="conformanceCallback", campaign_id=UNKNOWN)).silence()
    assert silence is not None and "callback without output=JSON" in silence and "no campaign has" in silence


def test_a_silent_combination_judges_nothing_of_its_settled_parts() -> None:
    # hide_custom_field=Y alone says custom fields are absent; next to an unknown
    # campaign_id the answer may well be an error, so that is not judged either.
    assert expect(case(hide_custom_field="Y")).custom_field == "absent"
    assert expect(case(hide_custom_field="Y", campaign_id=UNKNOWN)).custom_field is None


def test_a_probe_is_silent_with_its_own_reason() -> None:
    probe = Case(
        "greatwidgets", False, None, "output-CSV", (("output", "CSV"),), probe="an output value other than JSON or XML"
    )
    assert is_silent(expect(probe), "an output value other than JSON or XML")


# -- every combination of one customer's matrix ----------------------------------------------
def matrix() -> list[tuple[bool, str, dict[str, str]]]:
    space = load_space()
    names = list(space.parameters)
    rows = []
    for coalition, identifier in itertools.product((False, True), ("code", "neither", "empty")):
        for values in itertools.product(*(space.parameters[n]["values"] for n in names)):
            rows.append((coalition, identifier, {n: str(v) for n, v in zip(names, values, strict=True)}))
    return rows


def test_every_combination_is_either_settled_or_silent_as_a_whole() -> None:
    space = load_space()
    rows = matrix()
    assert len(rows) == 2 * 3 * 3 * 3 * 3 * 3 * 4 * 2 * 2  # the parameter space as cases/parameters.yaml has it
    silent = 0
    for coalition, identifier, options in rows:
        this = case(identifier, coalition, **options)
        e = expect(this)
        where: Any = (coalition, identifier, options, e)
        if e.silence() is not None:
            silent += 1
            assert is_silent(e, ""), where
            continue
        assert e.statuses == tuple(space.identifiers[identifier]["status"]), where
        assert e.format in ("xml", "json", "jsonp"), where
        assert (e.format == "jsonp") == (options["callback"] != ABSENT), where
        assert e.callback == (None if options["callback"] == ABSENT else options["callback"]), where
        assert not e.condensed or e.format in ("json", "jsonp"), where
        assert e.custom_field == ("absent" if options["hide_custom_field"] == "Y" else "present"), where
        assert (e.campaign is not None) == (e.campaigns == "single"), where
        assert e.campaigns != "subset" or coalition, where
    # Both kinds occur.
    assert 0 < silent < len(rows), silent
