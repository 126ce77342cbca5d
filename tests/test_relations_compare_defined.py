"""Relations compare what the document defines, by construction (``document.comparable``,
``checks/relations.py``'s ``_differs``): for every relation check and every member it
compares, two answers that differ only in fields the document does not define pass with
an ``unspecified`` note saying where; two that differ in a field it defines fail, a
``custom_field_N`` present in one answer only (a documented pattern) and an optional
documented field (``reward_id``) present in one only included.

Crafted evidence, no server: the document's own examples, each relation member answered
in the format its request asks for (``tests/test_every_requirement_can_fail.py``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from conformance.checks import Finding, judge
from conformance.document import comparable, defined, undefined_differences, undefined_fields
from conformance.relations import Relation
from tests.test_every_requirement_can_fail import (
    coalition_with_unjoined_acme,
    example,
    filters_answers,
    related,
    relation,
)

Alteration = Callable[[dict[str, Any]], dict[str, Any]]


def _undefined(document: dict[str, Any]) -> dict[str, Any]:
    """Fields the document does not define, everywhere one can be (the live service's
    extras, real-clients.md), at each level of the answer."""
    document = copy.deepcopy(document)
    document["error_code"] = "0"
    customer = document.get("customer")
    if isinstance(customer, dict):
        customer["record_timestamp"] = "2017-11-23 12:45:38"
        if isinstance(customer.get("custom_field_2"), dict):
            customer["custom_field_2"]["position"] = "2"
    for campaign in document.get("campaigns") or []:
        campaign["created_stamp"] = "2017-11-23 12:45:38"
        campaign["points_ratio"] = "0.05"
        for reward in campaign.get("available_rewards") or []:
            reward["level"] = "1"
            if campaign.get("type") != "buyx":
                reward["name"] = reward.get("description", "")  # a points reward's name is not defined
        for entry in campaign.get("balances") or []:
            entry["sku"] = "X-1"
    return document


def _custom_field_9(document: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(document)
    if isinstance(document.get("customer"), dict):
        document["customer"]["custom_field_9"] = {"label": "Sentinel ALT", "data": ""}
    return document


def _reward_id_on_753(document: dict[str, Any]) -> dict[str, Any]:
    """reward_id (optional: the example gives it to reward 678, not to 753) given to 753."""
    document = copy.deepcopy(document)
    for campaign in document.get("campaigns") or []:
        for reward in campaign.get("available_rewards") or []:
            if reward.get("id") == "753":
                reward["reward_id"] = "A-753"
    return document


def _first_name(document: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(document)
    if isinstance(document.get("customer"), dict):
        document["customer"]["first_name"] = "Johnny"
    return document


DEFINED: dict[str, tuple[Alteration, str]] = {  # name -> (alteration, the part it changes)
    "custom_field_9 in one answer only": (_custom_field_9, "customer"),
    "reward_id in one answer only": (_reward_id_on_753, "campaigns"),
    "another first_name": (_first_name, "customer"),
}

# (relation kind, coalition) -> the member whose answer is changed -> the requirements a
# change of a part of it is blamed on ("campaigns": only its campaigns are compared).
BLAMED: dict[tuple[str, bool], dict[str, dict[str, set[str]]]] = {
    ("formats", False): {
        "default": {"customer": {"OUTPUT-DEFAULT-XML"}},
        "xml-condensed": {"customer": {"OUTPUT-CONDENSED-JSON-ONLY"}},
        # JSONP and condensed JSON are compared with plain JSON: its change shows in all three.
        "json": {"customer": {"OUTPUT-JSON", "OUTPUT-CALLBACK-JSONP", "OUTPUT-CONDENSED"}},
        "jsonp": {"customer": {"OUTPUT-CALLBACK-JSONP"}},
        "json-condensed": {"customer": {"OUTPUT-CONDENSED"}},
    },
    ("identifiers", False): {
        "code": {"customer": {"FIELD-CODE"}},
        "card_number": {"customer": {"FIELD-CARD-NUMBER"}},
        "both": {"customer": {"NOTE-CODE-OR-CARD"}},
    },
    ("repeat", False): {"again": {"customer": {"CALL-RETRIEVES"}}},
    ("filters", False): {
        "hide-Y": {"customer": {"FIELD-HIDE-CUSTOM-FIELD"}},
        "hide-N": {"customer": {"NOTE-HIDE-CUSTOM-FIELD-N"}},
        "balances-N": {"customer": {"NOTE-INCLUDE-BALANCES-N"}},
        "balances-Y": {"customer": {"FIELD-INCLUDE-BALANCES"}},
        "campaign:1234567890123456": {"customer": {"NOTE-CAMPAIGN-ID"}},
    },
    ("filters", True): {
        "hide-Y": {"customer": {"FIELD-HIDE-CUSTOM-FIELD"}},
        "belong-N": {"customer": {"FIELD-SHOW-ONLY-BELONG-TO"}},
        # show_only_belong_to=Y is compared campaign by campaign with the full answer.
        "belong-Y": {"campaigns": {"NOTE-SHOW-ONLY-BELONG-TO"}},
        "campaign:1234567890123456": {"customer": {"NOTE-CAMPAIGN-ID"}},
    },
}
for _roles in BLAMED.values():  # a change of the customer is a change of the answer
    for _parts in _roles.values():
        if "customer" in _parts:
            _parts["campaigns"] = _parts["customer"]


def _conformant(the_relation: Relation) -> dict[str, dict[str, Any]]:
    """What a conformant target answers each member."""
    if the_relation.kind == "filters":
        full = coalition_with_unjoined_acme() if the_relation.coalition else example("success")
        return filters_answers(the_relation, full, {})
    full = example("coalition-success" if the_relation.coalition else "success")
    return {role: full for role, _ in the_relation.members}


def _judged(the_relation: Relation, role: str, alteration: Alteration) -> tuple[list[Finding], list[Finding]]:
    """(failures, unspecified notes) with ``role``'s answer altered."""
    answers = _conformant(the_relation)
    answers[role] = alteration(answers[role])
    findings = judge(related(the_relation, answers)).findings
    return [f for f in findings if f.severity == "fail"], [f for f in findings if f.severity == "unspecified"]


CASES = [(kind, coalition, role) for (kind, coalition), roles in BLAMED.items() for role in roles]


def _id(case: tuple[str, bool, str]) -> str:
    kind, coalition, role = case
    return f"{kind}{'-coalition' if coalition else ''}-{role}"


@pytest.mark.parametrize("kind, coalition, role", CASES, ids=[_id(c) for c in CASES])
def test_undefined_fields_that_differ_are_recorded_not_failed(kind: str, coalition: bool, role: str) -> None:
    the_relation = relation(kind, coalition)
    assert not _judged(the_relation, role, lambda d: d)[0], "the conformant answers fail"
    failures, notes = _judged(the_relation, role, _undefined)
    assert not failures, [(f.requirement, f.title, f.detail[:600]) for f in failures]
    # Recorded by the check that compared, saying where.
    assert notes, "no unspecified note for fields the document does not define that differ"
    wheres = " ".join(n.where for n in notes)
    assert role in wheres, wheres
    assert "created_stamp" in wheres or "record_timestamp" in wheres, wheres


@pytest.mark.parametrize("change", list(DEFINED))
@pytest.mark.parametrize("kind, coalition, role", CASES, ids=[_id(c) for c in CASES])
def test_a_defined_field_that_differs_fails(kind: str, coalition: bool, role: str, change: str) -> None:
    alteration, part = DEFINED[change]
    the_relation = relation(kind, coalition)
    answers = _conformant(the_relation)
    if alteration(answers[role]) == answers[role]:
        pytest.skip(f"{role}'s answer has nothing for {change!r} to change")
    failures, _ = _judged(the_relation, role, alteration)
    expected = BLAMED[(kind, coalition)][role].get(part, set())
    assert {f.requirement for f in failures} == expected, [(f.requirement, f.title) for f in failures]


def test_the_comparable_form_keeps_what_the_document_defines_where_it_is() -> None:
    document = _undefined(example("success"))
    kept = defined(document)
    assert set(kept) == {"status", "customer", "campaigns"}
    assert "record_timestamp" not in kept["customer"] and set(kept["customer"]["custom_field_2"]) == {"label", "data"}
    points, _, buyx = kept["campaigns"]
    assert "created_stamp" not in points and "glyph" in points and "monetary_balance" in points
    # "name" is a BuyX reward's field, not a points reward's.
    assert all("name" not in reward and "level" not in reward for reward in points["available_rewards"])
    assert all("name" in reward for reward in buyx["available_rewards"])
    assert all("sku" not in entry and "name" in entry for entry in buyx["balances"])
    assert set(undefined_fields(document)) >= {
        "/error_code",
        "/customer/record_timestamp",
        "/customer/custom_field_2/position",
        "/campaigns[id=1234567890123456]/created_stamp",
        "/campaigns[id=1234567890123456]/available_rewards[id=678]/name",
        "/campaigns[id=3456789012345678]/available_rewards[item_id=96]/level",
        "/campaigns[id=3456789012345678]/balances[item_id=96]/sku",
    }
    # A campaign of a type the document does not define: every reward field is compared.
    odd = {"campaigns": [{"id": "1", "type": "stamps", "available_rewards": [{"id": "2", "name": "A"}]}]}
    assert comparable(odd) != comparable(
        {**odd, "campaigns": [{**odd["campaigns"][0], "available_rewards": [{"id": "2"}]}]}
    )


def test_undefined_differences_name_where() -> None:
    left = example("success")
    right = _custom_field_9(_undefined(left))
    differences = undefined_differences(left, right)
    assert "/customer/record_timestamp" in differences
    assert not any("custom_field_9" in where for where in differences)  # documented: compared, not recorded
    assert undefined_differences(right, right) == []


def test_the_forms_kept_per_document_object_are_the_forms_of_that_object() -> None:
    """comparable() and undefined_fields() are kept per document object (the harness hands
    every check the one parsed object of an answer): the same object gives the kept form,
    an equal copy the same form, and another document its own, however many come between."""
    import conformance.document as document_module

    base = _undefined(example("success"))
    first = comparable(base)
    assert comparable(base) is first  # kept
    assert comparable(copy.deepcopy(base)) == first  # an equal document: an equal form, computed anew
    other = copy.deepcopy(base)
    other["customer"]["first_name"] = "Someone else"
    assert comparable(other) != first and comparable(other)["customer"]["first_name"] == "Someone else"
    assert undefined_fields(base) == undefined_fields(copy.deepcopy(base)) and undefined_fields(base)
    # More documents than the memo holds: the oldest go, and each still gets its own form.
    many = [copy.deepcopy(base) for _ in range(document_module._MEMO_SIZE + 10)]
    for index, doc in enumerate(many):
        doc["customer"]["first_name"] = f"n{index}"
        assert comparable(doc)["customer"]["first_name"] == f"n{index}"
    assert len(document_module._memo) <= document_module._MEMO_SIZE
    assert comparable(many[0])["customer"]["first_name"] == "n0"
