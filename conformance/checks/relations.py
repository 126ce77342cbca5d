"""Relation checks: what the document says about answers to related requests.

Each takes a :class:`~conformance.relations.Relation` and its members' observations
(by role) and yields findings. Only answers that parsed and are a ``success`` are
compared: anything else is the single-answer checks' business.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Iterator

from conformance.checks import Finding, Observation, Reporter
from conformance.document import campaigns, comparable, customer, diff, has_transactions
from conformance.relations import Relation

Answers = dict[str, Observation]
RelationCheck = Callable[[Relation, Answers, Reporter], Iterator[Finding]]


class _Registered:
    def __init__(self, name: str, kind: str, requirements: tuple[str, ...], function: RelationCheck) -> None:
        self.name, self.kind, self.requirements, self.function = name, kind, requirements, function


RELATION_REGISTRY: dict[str, _Registered] = {}


def relation_check(name: str, kind: str, *requirements: str) -> Callable[[RelationCheck], RelationCheck]:
    def register(function: RelationCheck) -> RelationCheck:
        if name in RELATION_REGISTRY:
            raise ValueError(f"relation check {name!r} is registered twice")
        RELATION_REGISTRY[name] = _Registered(name, kind, requirements, function)
        return function

    return register


def run_relation_checks(relation: Relation, answers: Answers) -> list[Finding]:
    findings: list[Finding] = []
    for registered in RELATION_REGISTRY.values():
        if registered.kind == relation.kind:
            findings += registered.function(relation, answers, Reporter(registered.name, registered.requirements))
    return findings


def _success(answers: Answers, role: str) -> dict[str, Any] | None:
    observation = answers.get(role)
    if observation is None or observation.answer is None or observation.document.get("status") != "success":
        return None
    return observation.document


def _both(answers: Answers, left: str, right: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The two roles' documents, when both are successes (else nothing to compare)."""
    a, b = _success(answers, left), _success(answers, right)
    return (a, b) if a is not None and b is not None else None


def _differs(r: Reporter, title: str, left: tuple[str, dict], right: tuple[str, dict], **kw: Any) -> Iterator[Finding]:
    if comparable(left[1]) != comparable(right[1]):
        yield r.fail(title, where=f"{left[0]} vs {right[0]}", detail="Diff of the two documents:\n" + diff(left[1], right[1], left[0], right[0]), **kw)


# -- formats ---------------------------------------------------------------------------
@relation_check("formats_carry_same_document", "formats", "OUTPUT-JSON", "OUTPUT-CALLBACK-JSONP", "OUTPUT-CONDENSED")
def formats_carry_same_document(relation: Relation, answers: Answers, r: Reporter) -> Iterator[Finding]:
    """The same request in XML, JSON, condensed JSON and JSONP carries one document."""
    xml = _success(answers, "xml")
    if xml is None:
        return
    for role in ("json", "json-condensed", "jsonp"):
        other = _success(answers, role)
        if other is not None:
            yield from _differs(r, f"the {role} answer carries another document than the XML one", ("xml", xml), (role, other))


@relation_check("absent_output_equals_xml", "formats", "OUTPUT-DEFAULT-XML")
def absent_output_equals_xml(relation: Relation, answers: Answers, r: Reporter) -> Iterator[Finding]:
    """No output parameter answers what output=XML answers."""
    if pair := _both(answers, "default", "xml"):
        default, xml = pair
        yield from _differs(r, "the answer without output differs from the output=XML answer", ("default", default), ("xml", xml))


@relation_check("condensed_changes_nothing_in_xml", "formats", "OUTPUT-CONDENSED-JSON-ONLY")
def condensed_changes_nothing_in_xml(relation: Relation, answers: Answers, r: Reporter) -> Iterator[Finding]:
    """condensed "Applies only to JSON(P) output": with XML it changes nothing."""
    if pair := _both(answers, "xml", "xml-condensed"):
        xml, condensed = pair
        yield from _differs(r, "condensed=yes changed an XML answer", ("xml", xml), ("xml-condensed", condensed))


# -- identifiers ------------------------------------------------------------------------
@relation_check("code_and_card_number_same_answer", "identifiers", "FIELD-CODE", "FIELD-CARD-NUMBER")
def code_and_card_number_same_answer(relation: Relation, answers: Answers, r: Reporter) -> Iterator[Finding]:
    """Looking a customer up by code, by card number or by both gives one answer."""
    found = [(role, doc) for role, _ in relation.members if (doc := _success(answers, role)) is not None]
    for role, document in found[1:]:
        yield from _differs(r, f"lookup by {role} answers differently from lookup by {found[0][0]}", found[0], (role, document))


# -- filters ----------------------------------------------------------------------------
def _without_custom_field(document: dict) -> dict:
    trimmed = copy.deepcopy(document)
    trimmed.get("customer", {}).pop("custom_field", None)
    return trimmed


@relation_check("hide_custom_field_removes_only_custom_field", "filters", "FIELD-HIDE-CUSTOM-FIELD")
def hide_custom_field_removes_only_custom_field(relation: Relation, answers: Answers, r: Reporter) -> Iterator[Finding]:
    """hide_custom_field=Y answers the full answer without custom_field, nothing else changed."""
    if pair := _both(answers, "full", "hide-Y"):
        full, hidden = pair
        yield from _differs(r, "hide_custom_field=Y changed more than custom_field", ("full without custom_field", _without_custom_field(full)), ("hide-Y", _without_custom_field(hidden)))


@relation_check("hide_custom_field_n_is_the_default", "filters", "NOTE-HIDE-CUSTOM-FIELD-N")
def hide_custom_field_n_is_the_default(relation: Relation, answers: Answers, r: Reporter) -> Iterator[Finding]:
    """"There is no need to pass on a value equivalent to hide_custom_field = N": N is the default."""
    if pair := _both(answers, "full", "hide-N"):
        full, shown = pair
        yield from _differs(r, "hide_custom_field=N answers differently from no hide_custom_field", ("full", full), ("hide-N", shown))


@relation_check("include_balances_n_is_the_customer_part", "filters", "NOTE-INCLUDE-BALANCES-N")
def include_balances_n_is_the_customer_part(relation: Relation, answers: Answers, r: Reporter) -> Iterator[Finding]:
    """include_balances=N: "JUST the customer info", the full answer's customer part."""
    if pair := _both(answers, "full", "balances-N"):
        full, only = pair
        yield from _differs(r, "include_balances=N does not answer the full answer's customer part", ("full customer", {"customer": customer(full)}), ("balances-N", {"customer": customer(only), "campaigns": only.get("campaigns", [])}))


@relation_check("include_balances_y_is_the_default", "filters", "FIELD-INCLUDE-BALANCES")
def include_balances_y_is_the_default(relation: Relation, answers: Answers, r: Reporter) -> Iterator[Finding]:
    """Only include_balances=N restricts the answer ("add the include_balances parameter
    set to N"); Y, which real clients send, answers what no include_balances answers."""
    if pair := _both(answers, "full", "balances-Y"):
        full, included = pair
        yield from _differs(r, "include_balances=Y answers differently from no include_balances", ("full", full), ("balances-Y", included))


@relation_check("show_only_belong_to_n_is_the_default", "filters", "NOTE-COALITION-ALL-CAMPAIGNS", "FIELD-SHOW-ONLY-BELONG-TO")
def show_only_belong_to_n_is_the_default(relation: Relation, answers: Answers, r: Reporter) -> Iterator[Finding]:
    """In a coalition the call returns ALL campaigns; only show_only_belong_to "set to Y"
    restricts them: N answers what no show_only_belong_to answers."""
    if not relation.coalition:
        return  # outside a coalition the document says nothing about show_only_belong_to
    if pair := _both(answers, "full", "belong-N"):
        full, shown = pair
        yield from _differs(r, "show_only_belong_to=N answers differently from no show_only_belong_to", ("full", full), ("belong-N", shown))


@relation_check("campaign_id_is_that_campaign_of_the_full_answer", "filters", "NOTE-CAMPAIGN-ID")
def campaign_id_is_that_campaign_of_the_full_answer(relation: Relation, answers: Answers, r: Reporter) -> Iterator[Finding]:
    """campaign_id=X answers the customer and campaign X exactly as the full answer has them."""
    full = _success(answers, "full")
    if full is None:
        return
    by_id = {c.get("id"): c for c in campaigns(full)}
    for role, case in relation.members:
        if not role.startswith("campaign:"):
            continue
        single = _success(answers, role)
        if single is None:
            continue
        expected = {**full, "campaigns": [by_id.get(case.campaign, {})]}
        yield from _differs(r, f"campaign_id={case.campaign} is not that campaign of the full answer", ("full", expected), (role, single))


@relation_check("show_only_belong_to_is_a_subset", "filters", "NOTE-SHOW-ONLY-BELONG-TO", "FIELD-SHOW-ONLY-BELONG-TO", "NOTE-COALITION-ALL-CAMPAIGNS")
def show_only_belong_to_is_a_subset(relation: Relation, answers: Answers, r: Reporter) -> Iterator[Finding]:
    """In a coalition, show_only_belong_to=Y keeps the full answer's campaigns the customer
    has had a transaction with, unchanged, and drops only ones it has not."""
    if not relation.coalition:
        return
    full, belong = _success(answers, "full"), _success(answers, "belong-Y")
    if full is None or belong is None:
        return
    by_id = {c.get("id"): c for c in campaigns(full)}
    kept = {c.get("id") for c in campaigns(belong)}
    for campaign in campaigns(belong):
        original = by_id.get(campaign.get("id"))
        if original is None:
            yield r.fail("show_only_belong_to=Y answers a campaign the full answer does not have", where=f"belong-Y campaign {campaign.get('id')}", expected="a subset of: " + ", ".join(map(str, by_id)), got=str(campaign.get("id")))
        elif comparable(original) != comparable(campaign):
            yield from _differs(r, f"show_only_belong_to=Y changed campaign {campaign.get('id')}", ("full", original), ("belong-Y", campaign))
    for campaign_id, campaign in by_id.items():
        if campaign_id not in kept and has_transactions(campaign):
            yield r.fail(f"show_only_belong_to=Y drops campaign {campaign_id}, where the customer has transactions", where="belong-Y campaigns", expected=f"campaign {campaign_id} (cumulative {campaign.get('cumulative')}, last transaction {campaign.get('last_transaction')})", got="absent")


# -- over time and across customers ------------------------------------------------------
@relation_check("same_request_same_answer", "repeat", "CALL-RETRIEVES")
def same_request_same_answer(relation: Relation, answers: Answers, r: Reporter) -> Iterator[Finding]:
    """The call reads; it changes nothing: the same request twice gets the same answer."""
    if pair := _both(answers, "first", "again"):
        first, again = pair
        yield from _differs(r, "the same request got a different answer the second time", ("first", first), ("again", again))


@relation_check("coalition_lists_all_campaigns", "coalition-campaigns", "NOTE-COALITION-ALL-CAMPAIGNS")
def coalition_lists_all_campaigns(relation: Relation, answers: Answers, r: Reporter) -> Iterator[Finding]:
    """"In coalitions accounts only, this call will return ALL campaigns in the coalition":
    every customer of a coalition account sees the same campaigns."""
    seen = [(role, sorted(str(c.get("id")) for c in campaigns(doc))) for role, _ in relation.members if (doc := _success(answers, role)) is not None]
    for role, ids in seen[1:]:
        if ids != seen[0][1]:
            yield r.fail(f"customers {seen[0][0]} and {role} of one coalition see different campaigns", where="campaigns", expected=", ".join(seen[0][1]), got=", ".join(ids))
