"""Relation checks: what the document says about answers to related requests.

Each reads a :class:`~conformance.relations.Relation`'s members' observations by role
(``e.observations``). Only answers that parsed and are a ``success`` are compared:
anything else is the single-answer checks' business, and a relation with a member that
is not a success judges nothing.

Every comparison of two answers goes through ``_differs``: they must agree on what the
document defines (``document.comparable``, ``custom_field_N`` included); where they
differ in a field it does not define (the live service sends many), that is recorded
as ``unspecified`` with where, never failed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from conformance.checks import CheckFunction, Evidence, Finding, Reporter, check
from conformance.document import (
    campaigns,
    comparable,
    customer,
    diff,
    has_transactions,
    never_transacted,
    undefined_differences,
)

NOT_SUCCESSES = "a member of the relation is not a success (the single-answer checks say why)"


def relation_check(name: str, kind: str, *requirements: str) -> Callable[[CheckFunction], CheckFunction]:
    """A check of one kind of relation (its evidence: the members' observations by role)."""
    return check(name, *requirements, kinds=("relation",), relation=kind)


def _success(e: Evidence, role: str) -> dict[str, Any] | None:
    observation = e.observations.get(role)
    if observation is None or observation.answer is None or observation.document.get("status") != "success":
        return None
    return observation.document


def _both(
    e: Evidence, r: Reporter, left: str, right: str, *requirements: str
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The two roles' documents, when both are successes: then ``requirements`` are
    judged; else they are not applicable and there is nothing to compare."""
    a, b = _success(e, left), _success(e, right)
    if a is None or b is None:
        r.not_applicable(NOT_SUCCESSES, *requirements)
        return None
    r.checked(*requirements)
    return a, b


UNDEFINED_SHOWN = 8  # fields named in an unspecified note's where


def _differs(
    r: Reporter,
    requirement: str,
    title: str,
    left: tuple[str, dict[str, Any]],
    right: tuple[str, dict[str, Any]],
    **kw: Any,
) -> Iterator[Finding]:
    """The one comparison of two answers the document ties together: a failure of
    ``requirement`` where they differ in what the document defines (the diff shows only
    that), an ``unspecified`` note where they differ in fields it does not define."""
    (left_name, a), (right_name, b) = left, right
    if comparable(a) != comparable(b):
        yield r.fail(
            requirement,
            title,
            where=f"{left_name} vs {right_name}",
            detail="Diff of what the document defines in the two answers:\n" + diff(a, b, left_name, right_name),
            **kw,
        )
    undefined = undefined_differences(a, b)
    if undefined:
        more = len(undefined) - UNDEFINED_SHOWN
        yield r.unspecified(
            f"answers that {requirement} ties together differ in fields the document does not define (not judged)",
            where=f"{left_name} vs {right_name}: "
            + ", ".join(undefined[:UNDEFINED_SHOWN])
            + (f" and {more} more" if more > 0 else ""),
        )


# -- formats ---------------------------------------------------------------------------
_FORMAT_ROLES = (("json", "OUTPUT-JSON"), ("jsonp", "OUTPUT-CALLBACK-JSONP"), ("json-condensed", "OUTPUT-CONDENSED"))


@relation_check("formats_carry_same_document", "formats", "OUTPUT-JSON", "OUTPUT-CALLBACK-JSONP", "OUTPUT-CONDENSED")
def formats_carry_same_document(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """The same request in XML and JSON carries one document ("output JSON or XML"); JSONP
    and condensed JSON carry the JSON one. Each JSON variant is compared with plain JSON
    where there is one, so a defect is blamed once, on the format that has it."""
    xml, json_document = _success(e, "xml"), _success(e, "json")
    for role, requirement in _FORMAT_ROLES:
        other = _success(e, role)
        base_name, base = ("xml", xml) if role == "json" or json_document is None else ("json", json_document)
        if other is None or base is None:
            r.not_applicable(NOT_SUCCESSES, requirement)
            continue
        r.checked(requirement)
        yield from _differs(
            r,
            requirement,
            f"the {role} answer carries another document than the {base_name} one",
            (base_name, base),
            (role, other),
        )


@relation_check("absent_output_equals_xml", "formats", "OUTPUT-DEFAULT-XML")
def absent_output_equals_xml(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """No output parameter answers what output=XML answers."""
    if pair := _both(e, r, "default", "xml", "OUTPUT-DEFAULT-XML"):
        default, xml = pair
        yield from _differs(
            r,
            "OUTPUT-DEFAULT-XML",
            "the answer without output differs from the output=XML answer",
            ("default", default),
            ("xml", xml),
        )


@relation_check("condensed_changes_nothing_in_xml", "formats", "OUTPUT-CONDENSED-JSON-ONLY")
def condensed_changes_nothing_in_xml(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """condensed "Applies only to JSON(P) output": with XML it changes nothing."""
    if pair := _both(e, r, "xml", "xml-condensed", "OUTPUT-CONDENSED-JSON-ONLY"):
        xml, condensed = pair
        yield from _differs(
            r,
            "OUTPUT-CONDENSED-JSON-ONLY",
            "condensed=yes changed an XML answer",
            ("xml", xml),
            ("xml-condensed", condensed),
        )


# -- identifiers ------------------------------------------------------------------------
_LOOKUP_REQUIREMENT = {"code": "FIELD-CODE", "card_number": "FIELD-CARD-NUMBER", "both": "NOTE-CODE-OR-CARD"}


@relation_check(
    "code_and_card_number_same_answer", "identifiers", "FIELD-CODE", "FIELD-CARD-NUMBER", "NOTE-CODE-OR-CARD"
)
def code_and_card_number_same_answer(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """Looking a customer up by code, by card number or by both gives one answer. The
    lookup whose answer differs from the others' is the one blamed (with two lookups,
    the card number's: the code is the document's first identifier)."""
    found = {role: doc for role in e.observations if (doc := _success(e, role)) is not None}
    if len(found) < 2 or len(found) < len(e.observations):
        r.not_applicable(NOT_SUCCESSES)
        return
    r.checked(*(_LOOKUP_REQUIREMENT[role] for role in found))
    keys = {role: comparable(doc) for role, doc in found.items()}
    odd = [role for role in found if sum(keys[other] == keys[role] for other in found) == 1]
    if len(odd) == len(found):  # no majority: blame the card number lookup
        odd = [role for role in found if role != "code"][:1]
    reference = next(role for role in found if role not in odd)
    for role in found:
        # The odd ones fail; the others agree with the reference on what the document
        # defines, and are compared for the fields it does not (recorded).
        if role == reference or (role not in odd and keys[role] != keys[reference]):
            continue
        yield from _differs(
            r,
            _LOOKUP_REQUIREMENT[role],
            f"lookup by {role} answers differently from lookup by {reference}",
            (reference, found[reference]),
            (role, found[role]),
        )


# -- filters ----------------------------------------------------------------------------
def _without_custom_field(document: dict[str, Any]) -> dict[str, Any]:
    trimmed = copy.deepcopy(document)
    trimmed.get("customer", {}).pop("custom_field", None)
    return trimmed


@relation_check("hide_custom_field_removes_only_custom_field", "filters", "FIELD-HIDE-CUSTOM-FIELD")
def hide_custom_field_removes_only_custom_field(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """hide_custom_field=Y answers the full answer without custom_field, nothing else changed."""
    if pair := _both(e, r, "full", "hide-Y", "FIELD-HIDE-CUSTOM-FIELD"):
        full, hidden = pair
        yield from _differs(
            r,
            "FIELD-HIDE-CUSTOM-FIELD",
            "hide_custom_field=Y changed more than custom_field",
            ("full without custom_field", _without_custom_field(full)),
            ("hide-Y", _without_custom_field(hidden)),
        )


@relation_check("hide_custom_field_n_is_the_default", "filters", "NOTE-HIDE-CUSTOM-FIELD-N")
def hide_custom_field_n_is_the_default(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """ "There is no need to pass on a value equivalent to hide_custom_field = N": N is the default."""
    if pair := _both(e, r, "full", "hide-N", "NOTE-HIDE-CUSTOM-FIELD-N"):
        full, shown = pair
        yield from _differs(
            r,
            "NOTE-HIDE-CUSTOM-FIELD-N",
            "hide_custom_field=N answers differently from no hide_custom_field",
            ("full", full),
            ("hide-N", shown),
        )


@relation_check("include_balances_n_is_the_customer_part", "filters", "NOTE-INCLUDE-BALANCES-N")
def include_balances_n_is_the_customer_part(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """include_balances=N: "JUST the customer info", the full answer's customer part."""
    if pair := _both(e, r, "full", "balances-N", "NOTE-INCLUDE-BALANCES-N"):
        full, only = pair
        yield from _differs(
            r,
            "NOTE-INCLUDE-BALANCES-N",
            "include_balances=N does not answer the full answer's customer part",
            ("full customer", {"customer": customer(full)}),
            ("balances-N", {"customer": customer(only), "campaigns": only.get("campaigns", [])}),
        )


@relation_check("include_balances_y_is_the_default", "filters", "FIELD-INCLUDE-BALANCES")
def include_balances_y_is_the_default(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """Only include_balances=N restricts the answer ("add the include_balances parameter
    set to N"); Y, which real clients send, answers what no include_balances answers."""
    if pair := _both(e, r, "full", "balances-Y", "FIELD-INCLUDE-BALANCES"):
        full, included = pair
        yield from _differs(
            r,
            "FIELD-INCLUDE-BALANCES",
            "include_balances=Y answers differently from no include_balances",
            ("full", full),
            ("balances-Y", included),
        )


@relation_check("show_only_belong_to_n_is_the_default", "filters", "FIELD-SHOW-ONLY-BELONG-TO")
def show_only_belong_to_n_is_the_default(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """In a coalition, only show_only_belong_to "set to Y" restricts the campaigns (the
    field table's value is Y): N answers what no show_only_belong_to answers."""
    if not e.subject.coalition:
        r.not_applicable("not a coalition account: the document says nothing of show_only_belong_to there")
        return
    if pair := _both(e, r, "full", "belong-N", "FIELD-SHOW-ONLY-BELONG-TO"):
        full, shown = pair
        yield from _differs(
            r,
            "FIELD-SHOW-ONLY-BELONG-TO",
            "show_only_belong_to=N answers differently from no show_only_belong_to",
            ("full", full),
            ("belong-N", shown),
        )


@relation_check("campaign_id_is_that_campaign_of_the_full_answer", "filters", "NOTE-CAMPAIGN-ID")
def campaign_id_is_that_campaign_of_the_full_answer(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """campaign_id=X answers the customer and campaign X exactly as the full answer has them."""
    full = _success(e, "full")
    singles = [(role, case) for role, case in e.subject.members if role.startswith("campaign:")]
    if full is None or not singles:
        r.not_applicable(NOT_SUCCESSES if singles else "the customer has no campaign to ask for")
        return
    by_id = {str(c.get("id")): c for c in campaigns(full)}
    for role, case in singles:
        single = _success(e, role)
        if single is None:
            continue
        r.checked("NOTE-CAMPAIGN-ID")
        expected = {**full, "campaigns": [by_id.get(case.campaign, {})]}
        yield from _differs(
            r,
            "NOTE-CAMPAIGN-ID",
            f"campaign_id={case.campaign} is not that campaign of the full answer",
            ("full", expected),
            (role, single),
        )
    r.not_applicable(NOT_SUCCESSES)


@relation_check("show_only_belong_to_is_a_subset", "filters", "NOTE-SHOW-ONLY-BELONG-TO")
def show_only_belong_to_is_a_subset(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """In a coalition, show_only_belong_to=Y keeps the full answer's campaigns the customer
    has had a transaction with, unchanged, and drops those it has not."""
    if not e.subject.coalition:
        r.not_applicable("not a coalition account: the document says nothing of show_only_belong_to there")
        return
    full, belong = _success(e, "full"), _success(e, "belong-Y")
    if full is None or belong is None:
        r.not_applicable(NOT_SUCCESSES)
        return
    by_id = {str(c.get("id")): c for c in campaigns(full)}
    if not any(never_transacted(c) for c in by_id.values()):
        # Then Y has nothing to drop: a target that ignores it could not be told apart.
        r.not_applicable(
            "the customer has had a transaction in every campaign listed: show_only_belong_to=Y has "
            "nothing to drop (give the profile a coalition customer with no transaction in some campaign)"
        )
    else:
        r.checked("NOTE-SHOW-ONLY-BELONG-TO")
    kept = {str(c.get("id")) for c in campaigns(belong)}
    for campaign in campaigns(belong):
        original = by_id.get(str(campaign.get("id")))
        if original is None:
            yield r.fail(
                "NOTE-SHOW-ONLY-BELONG-TO",
                "show_only_belong_to=Y answers a campaign the full answer does not have",
                where=f"belong-Y campaign {campaign.get('id')}",
                expected="a subset of: " + ", ".join(map(str, by_id)),
                got=str(campaign.get("id")),
            )
            continue
        changed = list(
            _differs(
                r,
                "NOTE-SHOW-ONLY-BELONG-TO",
                f"show_only_belong_to=Y changed campaign {campaign.get('id')}",
                ("full", {"campaigns": [original]}),
                ("belong-Y", {"campaigns": [campaign]}),
            )
        )
        yield from changed
        if never_transacted(original) and not any(f.severity == "fail" for f in changed):
            yield r.fail(
                "NOTE-SHOW-ONLY-BELONG-TO",
                f"show_only_belong_to=Y keeps campaign {campaign.get('id')}, where the customer has no transaction",
                where=f"belong-Y campaign {campaign.get('id')}",
                expected="only campaigns the customer has had a transaction with",
                got=f"last_transaction {original.get('last_transaction')!r}, cumulative {original.get('cumulative')!r}",
            )
    for campaign_id, campaign in by_id.items():
        if campaign_id not in kept and has_transactions(campaign):
            yield r.fail(
                "NOTE-SHOW-ONLY-BELONG-TO",
                f"show_only_belong_to=Y drops campaign {campaign_id}, where the customer has transactions",
                where="belong-Y campaigns",
                expected=f"campaign {campaign_id} (cumulative {campaign.get('cumulative')}, "
                f"last transaction {campaign.get('last_transaction')})",
                got="absent",
            )


# -- over time and across customers ------------------------------------------------------
@relation_check("same_request_same_answer", "repeat", "CALL-RETRIEVES")
def same_request_same_answer(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """The call reads; it changes nothing: the same request twice gets the same answer."""
    if pair := _both(e, r, "first", "again", "CALL-RETRIEVES"):
        first, again = pair
        yield from _differs(
            r,
            "CALL-RETRIEVES",
            "the same request got a different answer the second time",
            ("first", first),
            ("again", again),
        )


ALL_CAMPAIGNS_NEEDS = (
    "NOTE-COALITION-ALL-CAMPAIGNS is judged by comparing the campaigns two customers of one coalition "
    "see, where one of them has had no transaction in some campaign: give a coalition account two such customers"
)


@relation_check("coalition_lists_all_campaigns", "coalition-campaigns", "NOTE-COALITION-ALL-CAMPAIGNS")
def coalition_lists_all_campaigns(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """ "In coalitions accounts only, this call will return ALL campaigns in the coalition":
    every customer of a coalition account sees the same campaigns. The comparison could
    show a target that lists only the campaigns a customer joined only where some
    customer has not joined them all."""
    if len(e.subject.members) < 2:
        r.not_applicable(
            f"the profile has one customer in coalition account {e.subject.account_id}; " + ALL_CAMPAIGNS_NEEDS
        )
        return
    seen = [(role, doc) for role, _ in e.subject.members if (doc := _success(e, role)) is not None]
    if len(seen) < 2:
        r.not_applicable(NOT_SUCCESSES + "; " + ALL_CAMPAIGNS_NEEDS)
        return
    ids = [(role, sorted(str(c.get("id")) for c in campaigns(doc))) for role, doc in seen]
    differ = any(listed != ids[0][1] for _, listed in ids[1:])
    unjoined = any(never_transacted(c) for _, doc in seen for c in campaigns(doc))
    if not (differ or unjoined):
        r.not_applicable(
            "every customer compared has had a transaction in every campaign listed; " + ALL_CAMPAIGNS_NEEDS
        )
        return
    r.checked("NOTE-COALITION-ALL-CAMPAIGNS")
    for role, listed in ids[1:]:
        if listed != ids[0][1]:
            yield r.fail(
                "NOTE-COALITION-ALL-CAMPAIGNS",
                f"customers {ids[0][0]} and {role} of one coalition see different campaigns",
                where="campaigns",
                expected=", ".join(ids[0][1]),
                got=", ".join(listed),
            )
