"""Every testable requirement can fail, and warn-only checks credit nothing.

A certificate that says "pass" for a requirement means something only if some check
would have said "fail" had the target broken it. So, for each testable requirement of
conformance/requirements.yaml, this file holds one crafted violation (the document's
own example, changed minimally, sent for a realistic request): the registry must fail
it citing exactly that requirement, and nothing else unless the same evidence
unavoidably breaks another sentence too (``ALSO`` says which and why). The same
evidence without the violation (the example as it is, or its conformant counterpart)
must fail nothing: the pass side, so no violation passes vacuously.

The second half: a check that only warns, records or advises (it declares no
requirement) is run on evidence where it does speak, and must judge nothing, so the
certificate credits no requirement for it.

No server: every answer is built by hand (tests/evidence.py) and judged by the registry.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pytest

from conformance.access import AccessCase, generate_access_cases
from conformance.cases import Case, expect, load_space
from conformance.checks import REGISTRY, Evidence, Judged, _load_families, judge
from conformance.parse import LIST_CONTAINERS, parse_answer
from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH
from conformance.relations import Relation, generate_relations
from conformance.requirements import catalogue
from tests.evidence import case, observation
from tests.expected_data import changed, customer_from, expect_block
from tests.records import item_record

EXAMPLES = Path(__file__).parent / "data" / "spec-examples"
TESTABLE = sorted(r.id for r in catalogue().values() if not r.untestable)
CALLBACK = "conformanceCallback"  # the matrix's callback value (cases/parameters.yaml)
POINTS, EARNED, BUYX = "1234567890123456", "2345678901234567", "3456789012345678"  # the success example's campaigns
WIDGET, ACME = "1234567890123456", "0123456123456789"  # the coalition example's campaigns


# -- answers: the document's examples, rendered in the format a request asks for -----------
@cache
def _example(name: str) -> str:
    return (EXAMPLES / f"{name}.json").read_text(encoding="utf-8")


def example(name: str) -> dict[str, Any]:
    """A fresh copy of one of the document's examples (success, coalition-success, no-match, error)."""
    return json.loads(_example(name))


def to_xml(document: dict[str, Any]) -> bytes:
    """The canonical document as the document's XML: <response status>, lists as
    repeated <campaign>/<reward>/<item> (test_xml_rendering_is_the_documents_xml)."""

    def element(name: str, value: Any) -> str:
        if isinstance(value, list):
            child = LIST_CONTAINERS[name]
            return f"<{name}>" + "".join(element(child, v) for v in value) + f"</{name}>"
        if isinstance(value, dict):
            return f"<{name}>" + "".join(element(k, v) for k, v in value.items()) + f"</{name}>"
        text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"<{name}>{text}</{name}>"

    body = "".join(element(k, v) for k, v in document.items() if k != "status")
    return f'<response status="{document["status"]}">\n{body}\n</response>\n'.encode()


def render(document: dict[str, Any], fmt: str, callback: str = CALLBACK, condensed: bool = False) -> bytes:
    if fmt == "xml":
        return to_xml(document)
    text = json.dumps(document, separators=(",", ":")) if condensed else json.dumps(document, indent=2)
    return f"{callback}({text})".encode() if fmt == "jsonp" else text.encode()


def answer_for(the_case: Case, document: dict[str, Any]) -> bytes:
    """``document`` in the format ``the_case`` asks for, as a conformant target sends it."""
    wanted = expect(the_case)
    return render(document, wanted.format or "xml", wanted.callback or CALLBACK, wanted.condensed)


def single(
    the_case: Case, document: dict[str, Any] | None = None, body: bytes | None = None, status: int = 200
) -> Evidence:
    """One matrix case answered with ``document`` in the format it asks for (or ``body`` as is)."""
    return Evidence.of(
        "answer", observation(the_case, body if body is not None else answer_for(the_case, document or {}), status)
    )


def access(case_id: str, document: dict[str, Any]) -> Evidence:
    the_case = access_case(case_id)
    return Evidence.of("access", observation(the_case, to_xml(document), request=the_case.request))


def related(relation: Relation, documents: dict[str, dict[str, Any]]) -> Evidence:
    """Each member of ``relation`` answered with its document, in the format its request asks for."""
    return Evidence(
        "relation",
        relation,
        {
            role: observation(member, answer_for(member, documents[role]))
            for role, member in relation.members
            if role in documents
        },
    )


# -- requests: the reference profile's own cases --------------------------------------------
SUCCESS_CAMPAIGNS = [POINTS, EARNED, BUYX]


@lru_cache(maxsize=1)
def _profile() -> Any:
    return load_profile(PROFILE_PATH)


def access_case(case_id: str) -> AccessCase:
    return next(c for c in generate_access_cases(_profile(), "form") if c.id == case_id)


@lru_cache(maxsize=1)
def _relations() -> list[Relation]:
    campaigns = {False: SUCCESS_CAMPAIGNS, True: [WIDGET, ACME]}
    return generate_relations(_profile(), lambda account, customer: campaigns[account.coalition])


def relation(kind: str, coalition: bool = False) -> Relation:
    """The first relation of ``kind`` (for formats: the one without filter options), John's."""
    found = [
        r
        for r in _relations()
        if r.kind == kind and r.coalition is coalition and (kind != "formats" or r.label.count(":") == 0)
    ]
    return found[0]


def with_exchange(evidence: Evidence, **changes: Any) -> Evidence:
    one = evidence.one
    return dataclasses.replace(
        evidence, observations={"": dataclasses.replace(one, exchange=dataclasses.replace(one.exchange, **changes))}
    )


def without(document: dict[str, Any], *path: Any) -> dict[str, Any]:
    document = copy.deepcopy(document)
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]
    return document


def only_campaigns(document: dict[str, Any], *ids: str) -> dict[str, Any]:
    return {**document, "campaigns": [c for c in document["campaigns"] if c["id"] in ids]}


def item(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The BuyX item ``name`` of the success example's Frequent Buyer campaign."""
    return next(i for i in document["campaigns"][2]["balances"] if i["name"] == name)


# -- the crafted violations -------------------------------------------------------------------
# A builder takes ``violated``: True gives the evidence with the violation, False the same
# evidence without it (the pass side).
Builder = Callable[[bool], Evidence]
VIOLATIONS: dict[str, Builder] = {}
# Requirements a crafted violation unavoidably breaks too, and why (so the test accepts them).
ALSO: dict[str, tuple[frozenset[str], str]] = {}


def violation(requirement: str, also: tuple[str, ...] = (), why: str = "") -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        assert requirement not in VIOLATIONS, f"two crafted violations of {requirement}"
        VIOLATIONS[requirement] = builder
        if also:
            assert why, f"{requirement}: say why the violation also breaks {also}"
            ALSO[requirement] = (frozenset(also), why)
        return builder

    return register


@violation("CALL-RETRIEVES")
def _(violated: bool) -> Evidence:
    # The points campaign listed twice: which of its balances would a client believe?
    document = example("success")
    if violated:
        document["campaigns"].append(copy.deepcopy(document["campaigns"][0]))
    return single(case(), document)


# Access: a request the document does not let read a customer, answered with John's.
@violation("FIELD-USER-ID-REQUIRED")
def _(violated: bool) -> Evidence:
    return access("missing-user_id", example("success" if violated else "error"))


@violation("FIELD-USER-PASSWORD-REQUIRED")
def _(violated: bool) -> Evidence:
    return access("wrong-password", example("success" if violated else "error"))


@violation("FIELD-TYPE-REQUIRED")
def _(violated: bool) -> Evidence:
    return access("missing-type", example("success" if violated else "error"))


@violation("FIELD-ACCOUNT-ID-REQUIRED")
def _(violated: bool) -> Evidence:
    return access("forbidden-account-otherco", example("success" if violated else "error"))


@violation("REQUEST-PHP-EXAMPLE")
def _(violated: bool) -> Evidence:
    # The lookup in multipart/form-data (what the PHP example sends) not read: no identifier seen.
    return access("encoding-multipart", example("error" if violated else "success"))


@violation("FIELD-CODE")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:  # looked up by John's code, another customer answered
        document["customer"]["code"] = "70707070707070"
    return single(case(identifier="code"), document)


@violation("FIELD-CARD-NUMBER")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:
        document["customer"]["card_number"] = "3434343434"
    return single(case(identifier="card_number", output="JSON"), document)


@violation("NOTE-CODE-OR-CARD")
def _(violated: bool) -> Evidence:
    # Neither code nor card_number sent: a customer must not be found.
    return single(case(identifier="neither"), example("success" if violated else "error"))


@violation("FIELD-INCLUDE-BALANCES")
def _(violated: bool) -> Evidence:
    # include_balances=Y read as N: the campaigns are gone.
    the_relation = relation("filters")
    return related(
        the_relation,
        filters_answers(the_relation, example("success"), {"balances-Y": customer_only} if violated else {}),
    )


@violation("FIELD-SHOW-ONLY-BELONG-TO")
def _(violated: bool) -> Evidence:
    # show_only_belong_to=N read as Y, in a coalition where the customer never used ACME Rewards.
    full = coalition_with_unjoined_acme()
    the_relation = relation("filters", coalition=True)
    return related(
        the_relation,
        filters_answers(the_relation, full, {"belong-N": lambda d: only_campaigns(d, WIDGET)} if violated else {}),
    )


@violation("FIELD-CAMPAIGN-ID")
def _(violated: bool) -> Evidence:
    # campaign_id=Employee Rewards answers one campaign, but another one.
    document = only_campaigns(example("success"), POINTS if violated else EARNED)
    return single(case(campaign=EARNED, campaign_id="each", output="JSON"), document)


@violation("NOTE-CAMPAIGN-ID")
def _(violated: bool) -> Evidence:
    # campaign_id ignored: every campaign answered.
    document = example("success") if violated else only_campaigns(example("success"), BUYX)
    return single(case(campaign=BUYX, campaign_id="each"), document)


@violation("FIELD-HIDE-CUSTOM-FIELD")
def _(violated: bool) -> Evidence:
    document = example("success")
    return single(case(hide_custom_field="Y"), document if violated else without(document, "customer", "custom_field"))


@violation("NOTE-CUSTOM-FIELD-DEFAULT")
def _(violated: bool) -> Evidence:
    document = example("success")
    return single(case(output="JSON"), without(document, "customer", "custom_field") if violated else document)


@violation("NOTE-HIDE-CUSTOM-FIELD-N")
def _(violated: bool) -> Evidence:
    document = example("success")
    return single(case(hide_custom_field="N"), without(document, "customer", "custom_field") if violated else document)


@violation("NOTE-INCLUDE-BALANCES-N")
def _(violated: bool) -> Evidence:
    document = example("success")
    return single(case(include_balances="N", output="JSON"), document if violated else customer_only(document))


@violation("NOTE-SHOW-ONLY-BELONG-TO")
def _(violated: bool) -> Evidence:
    # show_only_belong_to=Y keeps ACME Rewards, where the customer never had a transaction.
    # Judged against the full answer (the relation): one answer cannot show what was dropped.
    the_relation = relation("filters", coalition=True)
    full = coalition_with_unjoined_acme()
    return related(the_relation, filters_answers(the_relation, full, {"belong-Y": lambda d: d} if violated else {}))


@violation("NOTE-COALITION-ALL-CAMPAIGNS")
def _(violated: bool) -> Evidence:
    # The second coalition customer never used ACME Rewards; a target that lists only the
    # campaigns a customer joined hides it from them, though it is a coalition campaign.
    the_relation = relation("coalition-campaigns", coalition=True)
    (first, _), (second, member) = the_relation.members
    other = coalition_with_unjoined_acme()
    other["customer"].update(code=member.customer.code, card_number=member.customer.card_number)
    return related(
        the_relation,
        {first: example("coalition-success"), second: only_campaigns(other, WIDGET) if violated else other},
    )


@violation("OUTPUT-DEFAULT-XML")
def _(violated: bool) -> Evidence:
    # No output parameter: XML is due; JSON came.
    the_case = case()
    return single(the_case, body=render(example("success"), "json" if violated else "xml"))


@violation("OUTPUT-JSON")
def _(violated: bool) -> Evidence:
    the_case = case(output="JSON")
    return single(the_case, body=render(example("success"), "xml" if violated else "json"))


@violation("OUTPUT-CALLBACK-JSONP")
def _(violated: bool) -> Evidence:
    the_case = case(output="JSON", callback=CALLBACK)
    return single(the_case, body=render(example("success"), "jsonp", callback="callback" if violated else CALLBACK))


@violation("OUTPUT-CONDENSED")
def _(violated: bool) -> Evidence:
    the_case = case(output="JSON", condensed="yes")
    return single(the_case, body=render(example("success"), "json", condensed=not violated))


@violation("OUTPUT-CONDENSED-JSON-ONLY")
def _(violated: bool) -> Evidence:
    # condensed=yes with XML squeezed the spaces out of the values ("123MainSt.").
    full = example("success")
    answers = {role: full for role, _ in relation("formats").members}
    if violated:
        squeezed = copy.deepcopy(full)
        squeezed["customer"] = {k: v.replace(" ", "") if isinstance(v, str) else v for k, v in full["customer"].items()}
        answers["xml-condensed"] = squeezed
    return related(relation("formats"), answers)


@violation("NOTE-COALITION-BALANCE")
def _(violated: bool) -> Evidence:
    # Each campaign shows its store balance (1500) but the coalition's is 2000.
    document = example("coalition-success")
    if violated:
        for campaign in document["campaigns"]:
            campaign["balance_coalition"] = "2000"
    return single(case(coalition=True, output="JSON"), document)


@violation(
    "COALITION-SAME-BALANCE",
    also=("NOTE-COALITION-BALANCE",),
    why="each campaign's balance is its balance_coalition (NOTE-COALITION-BALANCE) and the "
    "example has one for each: two balances that differ make either two balance_coalition "
    "values or a balance that is not its balance_coalition, both NOTE-COALITION-BALANCE",
)
def _(violated: bool) -> Evidence:
    document = example("coalition-success")
    if violated:  # ACME shows its own balance, the coalition's shared one elsewhere
        document["campaigns"][1]["balance"] = "900"
        document["campaigns"][1]["balance_coalition"] = "900"
    return single(case(coalition=True), document)


@violation("COALITION-STORE-CUMULATIVE")
def _(violated: bool) -> Evidence:
    document = example("coalition-success")
    if violated:  # a store's lifetime points above the whole coalition's
        document["campaigns"][1]["cumulative"] = "9000"
    return single(case(coalition=True), document)


@violation("EXAMPLE-COALITION")
def _(violated: bool) -> Evidence:
    document = example("coalition-success")
    return single(
        case(coalition=True, output="JSON"),
        without(document, "campaigns", 1, "cumulative_coalition") if violated else document,
    )


@violation("NOTE-ALL-FIELDS")
def _(violated: bool) -> Evidence:
    # A field "turned off" in the web interface left out.
    document = example("success")
    return single(case(), without(document, "customer", "email") if violated else document)


@violation("NOTE-REGISTERED")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:
        document["customer"]["registered"] = "yes"
    return single(case(output="JSON"), document)


@violation("EXAMPLE-SUCCESS")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:  # a date not written YYYY-MM-DD
        document["campaigns"][1]["last_transaction"] = "31/12/2011"
    return single(case(), document)


@violation("EXAMPLE-CUSTOM-FIELD-N")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:  # the data without its label
        document["customer"]["custom_field_2"] = "Single"
    return single(case(output="JSON"), document)


@violation("EXAMPLE-POINTS-REWARDS")
def _(violated: bool) -> Evidence:
    document = example("success")
    # In JSON: the same answer in XML is mis-cited (KNOWN_MISCITATIONS).
    return single(
        case(output="JSON"),
        without(document, "campaigns", 0, "available_rewards", 1, "needed_to_redeem") if violated else document,
    )


@violation("EXAMPLE-BUYX-ITEMS")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:  # Books without its lifetime count (an item no redemption rule can read)
        del item(document, "Books")["cumulative"]
    return single(case(output="JSON"), document)


@violation("BUYX-BALANCE")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:  # half a purchase in the balance (earned stays floor(2.5 / 5) = 0)
        item(document, "Books").update(balance="2.5", cumulative="2.5")
    return single(case(), document)


@violation("BUYX-EARNED")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:  # 11 cakes at 10 a cake earn one, not two
        item(document, "Cakes")["earned"] = "2"
    return single(case(output="JSON"), document)


@violation("BUYX-CUMULATIVE")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:  # the lifetime count below what is in the balance now
        item(document, "Coffees")["cumulative"] = "13"
    return single(case(), document)


@violation("BUYX-REDEEMED")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:  # one free book, but 2 purchases cannot earn one at 5 a book
        item(document, "Books")["redeemed"] = "1"
    return single(case(output="JSON"), document)


@violation("BUYX-REDEMPTION")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:  # the free coffee took 9 purchases off the balance, not the 10 that earned it
        item(document, "Coffees")["balance"] = "15"
    return single(case(), document)


@violation("BUYX-EXAMPLE")
def _(violated: bool) -> Evidence:
    # 14 purchases, one free coffee redeemed, balance still 14: the example says 4 (14-10).
    # (Either the redemption was not deducted or cumulative lost the redeemed purchases:
    # one answer cannot tell which, so the worked example is what it breaks.)
    document = example("success")
    if violated:
        item(document, "Coffees").update(cumulative="14")
    else:
        item(document, "Coffees").update(cumulative="14", balance="4", earned="0")
        document["campaigns"][2]["available_rewards"].pop(0)  # no coffee earned now
    return single(case(output="JSON"), document)


@violation("BUYX-AVAILABLE-REWARDS")
def _(violated: bool) -> Evidence:
    document = example("success")
    return single(case(), without(document, "campaigns", 2, "available_rewards", 1) if violated else document)


@violation("EXAMPLE-NO-MATCH")
def _(violated: bool) -> Evidence:
    document = example("no-match")
    return single(case(identifier="unknown_code"), {"status": "no_match", "message": ""} if violated else document)


@violation("EXAMPLE-ERROR")
def _(violated: bool) -> Evidence:
    document = example("error")
    return single(
        case(identifier="neither", output="JSON"), {"status": "error", "error": " "} if violated else document
    )


# -- shared variants of the examples ----------------------------------------------------------
def customer_only(document: dict[str, Any]) -> dict[str, Any]:
    """The answer to include_balances=N: "JUST the customer info"."""
    return {"status": document["status"], "customer": document["customer"]}


def coalition_with_unjoined_acme() -> dict[str, Any]:
    """The coalition example, for a customer who never had a transaction at ACME."""
    document = example("coalition-success")
    document["campaigns"][1].update(cumulative="0", last_transaction="0000-00-00")
    return document


def filters_answers(
    the_relation: Relation, full: dict[str, Any], broken: dict[str, Callable[[dict[str, Any]], dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """What a conformant target answers each member of a filters relation whose full
    answer is ``full``; the roles in ``broken`` answer their transform of it instead."""

    def conformant(role: str, member: Case) -> dict[str, Any]:
        if role == "hide-Y":
            return without(full, "customer", "custom_field")
        if role == "balances-N":
            return customer_only(full)
        if role == "belong-Y":
            return {**full, "campaigns": [c for c in full["campaigns"] if c.get("last_transaction") != "0000-00-00"]}
        if role.startswith("campaign:"):
            return only_campaigns(full, member.campaign)
        return full

    return {
        role: broken[role](full) if role in broken else conformant(role, member)
        for role, member in the_relation.members
    }


# -- more crafted violations: other paths to the same requirements --------------------------
# label -> (requirement, builder). Not needed for coverage; each takes another route
# through the checks (another check, another part of the answer), so a mis-citation there
# shows too.
VARIANTS: dict[str, tuple[str, Builder]] = {}


def variant(label: str, requirement: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        VARIANTS[label] = (requirement, builder)
        return builder

    return register


@variant("single answer keeps an unjoined campaign", "NOTE-SHOW-ONLY-BELONG-TO")
def _(violated: bool) -> Evidence:
    # The same fault as NOTE-SHOW-ONLY-BELONG-TO's, seen in the one answer to show_only_belong_to=Y.
    full = coalition_with_unjoined_acme()
    return single(case(coalition=True, show_only_belong_to="Y"), full if violated else only_campaigns(full, WIDGET))


@variant("BuyX reward without its name", "EXAMPLE-BUYX-ITEMS")
def _(violated: bool) -> Evidence:
    document = example("success")
    return single(case(), without(document, "campaigns", 2, "available_rewards", 1, "name") if violated else document)


@variant("another account's campaign_id answered with that campaign", "FIELD-ACCOUNT-ID-REQUIRED")
def _(violated: bool) -> Evidence:
    # campaign_id names a campaign of another account (negative space): whatever the
    # answer, never that campaign.
    from conformance.cases import FOREIGN

    document = example("success")
    foreign = "9999000011112222"
    document["campaigns"] = [{**document["campaigns"][0], "id": foreign}] if violated else []
    return single(case(campaign=foreign, campaign_id=FOREIGN), document)


@variant("stores adding up to more than the coalition", "COALITION-STORE-CUMULATIVE")
def _(violated: bool) -> Evidence:
    document = example("coalition-success")
    if violated:  # each store within 8350, together 4500 + 4500 above it
        document["campaigns"][0]["cumulative"] = "4500"
    return single(case(coalition=True), document)


@variant("status success for an unknown code", "EXAMPLE-NO-MATCH")
def _(violated: bool) -> Evidence:
    return single(case(identifier="unknown_code"), example("success" if violated else "no-match"))


@variant("transport error", "CALL-RETRIEVES")
def _(violated: bool) -> Evidence:
    evidence = single(case(), example("success"))
    if not violated:
        return evidence
    # As the client records it: no status, no body, so no answer to parse.
    broken = with_exchange(evidence, status=None, body=b"", transport_error="connection reset by peer")
    return dataclasses.replace(broken, observations={"": dataclasses.replace(broken.one, answer=None)})


@variant("the same request answered differently", "CALL-RETRIEVES")
def _(violated: bool) -> Evidence:
    again = example("success")
    if violated:
        again["campaigns"][0]["balance"] = "1400"
    return related(relation("repeat"), {"first": example("success"), "again": again})


@variant("lookup by both identifiers answers another document", "NOTE-CODE-OR-CARD")
def _(violated: bool) -> Evidence:
    both = example("success")
    if violated:
        del both["campaigns"][1]
    return related(
        relation("identifiers"), {"code": example("success"), "card_number": example("success"), "both": both}
    )


@variant("JSON carries another document than XML", "OUTPUT-JSON")
def _(violated: bool) -> Evidence:
    full = example("success")
    answers = {role: full for role, _ in relation("formats").members}
    if violated:
        answers = {
            **answers,
            "json": without(full, "customer", "street2"),
            "json-condensed": without(full, "customer", "street2"),
            "jsonp": without(full, "customer", "street2"),
        }
    return related(relation("formats"), answers)


HTML_ERROR_PAGE = b"<!DOCTYPE html><html><body><h1>Internal error</h1></body></html>"


@variant("an HTML page where a success is due", "EXAMPLE-SUCCESS")
def _(violated: bool) -> Evidence:
    return single(case(), body=HTML_ERROR_PAGE) if violated else single(case(), example("success"))


@variant("an HTML page where a no_match is due", "EXAMPLE-NO-MATCH")
def _(violated: bool) -> Evidence:
    the_case = case(identifier="unknown_code")
    return single(the_case, body=HTML_ERROR_PAGE) if violated else single(the_case, example("no-match"))


@variant("a redirect to another origin where an error is due", "EXAMPLE-ERROR")
def _(violated: bool) -> Evidence:
    evidence = single(case(identifier="neither"), example("error"))
    if not violated:
        return evidence
    moved = with_exchange(evidence, status=302, body=b"", headers={"location": "https://elsewhere.example/api.php"})
    return dataclasses.replace(
        moved, observations={"": dataclasses.replace(moved.one, answer=None, parse_error="the body is empty")}
    )


@variant("an error envelope without its error", "EXAMPLE-ERROR")
def _(violated: bool) -> Evidence:
    return single(case(identifier="neither"), {"status": "error"} if violated else example("error"))


@variant("no_match for a known code", "FIELD-CODE")
def _(violated: bool) -> Evidence:
    return single(case(identifier="code"), example("no-match" if violated else "success"))


@variant("error for a known card number", "FIELD-CARD-NUMBER")
def _(violated: bool) -> Evidence:
    return single(case(identifier="card_number", output="JSON"), example("error" if violated else "success"))


@variant("a coalition campaign without its name", "EXAMPLE-COALITION")
def _(violated: bool) -> Evidence:
    document = example("coalition-success")
    return single(case(coalition=True), without(document, "campaigns", 1, "name") if violated else document)


@variant("a campaign without its cumulative", "EXAMPLE-SUCCESS")
def _(violated: bool) -> Evidence:
    document = example("success")
    return single(case(output="JSON"), without(document, "campaigns", 1, "cumulative") if violated else document)


@variant("a points reward listed twice", "EXAMPLE-POINTS-REWARDS")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:
        document["campaigns"][0]["available_rewards"].append(
            copy.deepcopy(document["campaigns"][0]["available_rewards"][0])
        )
    return single(case(), document)


@variant("a BuyX item listed twice", "EXAMPLE-BUYX-ITEMS")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:
        document["campaigns"][2]["balances"].append(copy.deepcopy(item(document, "Books")))
    return single(case(output="JSON"), document)


@variant("JSON where JSONP is due", "OUTPUT-CALLBACK-JSONP")
def _(violated: bool) -> Evidence:
    the_case = case(output="JSON", callback=CALLBACK)
    return single(the_case, body=render(example("success"), "json" if violated else "jsonp"))


@variant("a balance with a thousands separator", "EXAMPLE-SUCCESS")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:
        document["campaigns"][0]["balance"] = "1,500"
    return single(case(), document)


@variant("a BuyX earn_ratio in words", "EXAMPLE-BUYX-ITEMS")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:
        item(document, "Books")["earn_ratio"] = "five"
    return single(case(output="JSON"), document)


@variant("half a free item redeemed", "BUYX-REDEEMED")
def _(violated: bool) -> Evidence:
    document = example("success")
    if violated:
        item(document, "Cakes")["redeemed"] = "0.5"
    return single(case(), document)


def _formats_answers(broken: dict[str, Callable[[dict[str, Any]], dict[str, Any]]]) -> Evidence:
    full = example("success")
    return related(
        relation("formats"),
        {role: broken[role](full) if role in broken else full for role, _ in relation("formats").members},
    )


@variant("JSONP carries another document than JSON", "OUTPUT-CALLBACK-JSONP")
def _(violated: bool) -> Evidence:
    return _formats_answers({"jsonp": lambda d: without(d, "campaigns", 1)} if violated else {})


@variant("condensed JSON carries another document than JSON", "OUTPUT-CONDENSED")
def _(violated: bool) -> Evidence:
    # condensed=yes dropped the empty glyph along with the white space.
    return _formats_answers({"json-condensed": lambda d: without(d, "campaigns", 0, "glyph")} if violated else {})


@variant("no output answers another document than output=XML", "OUTPUT-DEFAULT-XML")
def _(violated: bool) -> Evidence:
    return _formats_answers({"default": lambda d: without(d, "customer", "custom_field_2")} if violated else {})


def _identifiers_answers(odd: str | None) -> Evidence:
    # The odd lookup answers the success example without its Employee Rewards campaign.
    return related(
        relation("identifiers"),
        {
            role: without(example("success"), "campaigns", 1) if role == odd else example("success")
            for role in ("code", "card_number", "both")
        },
    )


@variant("lookup by code answers another document", "FIELD-CODE")
def _(violated: bool) -> Evidence:
    return _identifiers_answers("code" if violated else None)


@variant("lookup by card number answers another document", "FIELD-CARD-NUMBER")
def _(violated: bool) -> Evidence:
    return _identifiers_answers("card_number" if violated else None)


def _filters_variant(role: str, change: Callable[[dict[str, Any]], dict[str, Any]], violated: bool) -> Evidence:
    the_relation = relation("filters")
    full = example("success")
    conformant = filters_answers(the_relation, full, {})
    return related(the_relation, {**conformant, role: change(conformant[role])} if violated else conformant)


@variant("hide_custom_field=Y drops the email too", "FIELD-HIDE-CUSTOM-FIELD")
def _(violated: bool) -> Evidence:
    return _filters_variant("hide-Y", lambda d: without(d, "customer", "email"), violated)


@variant("hide_custom_field=N hides custom_field", "NOTE-HIDE-CUSTOM-FIELD-N")
def _(violated: bool) -> Evidence:
    return _filters_variant("hide-N", lambda d: without(d, "customer", "custom_field"), violated)


@variant("include_balances=N drops a customer field", "NOTE-INCLUDE-BALANCES-N")
def _(violated: bool) -> Evidence:
    return _filters_variant("balances-N", lambda d: without(d, "customer", "phone"), violated)


@variant("campaign_id answers the campaign changed", "NOTE-CAMPAIGN-ID")
def _(violated: bool) -> Evidence:
    # The single campaign answered without its rewards (the full answer has them).
    return _filters_variant(f"campaign:{POINTS}", lambda d: without(d, "campaigns", 0, "available_rewards"), violated)


@variant("a SQL quote as code finds a customer", "FIELD-CODE")
def _(violated: bool) -> Evidence:
    return access("injection-code-sql-quote", example("success" if violated else "no-match"))


@variant("a wildcard as card number finds a customer", "FIELD-CARD-NUMBER")
def _(violated: bool) -> Evidence:
    return access("injection-card_number-sql-wildcard", example("success" if violated else "error"))


# -- ground truth: the answer differs from the data the profile says the target holds -------
# The document's example as it is, the customer's expect block written from it
# (tests/expected_data.py); the violation changes one expected value, so no answer
# alone could show it: only answer_matches_expected_data can.
def _expected(requirement: str, path: str, coalition: bool = False) -> Builder:
    def build(violated: bool) -> Evidence:
        document = example("coalition-success" if coalition else "success")
        block = expect_block(document, transacted={c["id"]: True for c in document["campaigns"]} if coalition else None)
        ids = [c["id"] for c in document["campaigns"]] if coalition else None
        customer = customer_from(
            changed(block, path) if violated else block, coalition=coalition, account_campaigns=ids
        )
        return single(case(coalition=coalition, customer=customer), document)

    return build


for _label, _requirement, _path, _coalition in (
    ("expected data: another first_name", "NOTE-ALL-FIELDS", "customer/first_name", False),
    ("expected data: registered flipped", "NOTE-REGISTERED", "customer/registered", False),
    ("expected data: a custom field's label", "EXAMPLE-CUSTOM-FIELD-N", "customer/custom_field_2/label", False),
    ("expected data: a campaign's name", "EXAMPLE-SUCCESS", "campaigns/1/name", False),
    (
        "expected data: a points reward's needed_to_redeem",
        "EXAMPLE-POINTS-REWARDS",
        "campaigns/0/available_rewards/0/needed_to_redeem",
        False,
    ),
    ("expected data: a BuyX item's earn_ratio", "EXAMPLE-BUYX-ITEMS", "campaigns/2/balances/0/earn_ratio", False),
    ("expected data: a BuyX item's balance", "BUYX-BALANCE", "campaigns/2/balances/0/balance", False),
    ("expected data: a BuyX item's earned", "BUYX-EARNED", "campaigns/2/balances/1/earned", False),
    ("expected data: a BuyX item's cumulative", "BUYX-CUMULATIVE", "campaigns/2/balances/2/cumulative", False),
    ("expected data: a BuyX item's redeemed", "BUYX-REDEEMED", "campaigns/2/balances/0/redeemed", False),
    (
        "expected data: a BuyX reward's reward_id",
        "BUYX-AVAILABLE-REWARDS",
        "campaigns/2/available_rewards/0/reward_id",
        False,
    ),
    ("expected data: the coalition balance", "NOTE-COALITION-BALANCE", "campaigns/0/balance", True),
    ("expected data: a store's cumulative", "COALITION-STORE-CUMULATIVE", "campaigns/1/cumulative", True),
    (
        "expected data: a coalition campaign's last_transaction",
        "EXAMPLE-COALITION",
        "campaigns/1/last_transaction",
        True,
    ),
):
    variant(_label, _requirement)(_expected(_requirement, _path, _coalition))


@variant("expected data: a campaign of the customer missing", "CALL-RETRIEVES")
def _(violated: bool) -> Evidence:
    document = example("success")
    customer = customer_from(expect_block(document))
    return single(case(customer=customer), only_campaigns(document, POINTS, BUYX) if violated else document)


@variant("expected data: a coalition campaign missing", "NOTE-COALITION-ALL-CAMPAIGNS")
def _(violated: bool) -> Evidence:
    # The account's campaigns name a third store; the customer never used it.
    document = example("coalition-success")
    block = expect_block(document, transacted={WIDGET: True, ACME: True})
    third = {
        "id": "9999888877776666",
        "name": "Third Store",
        "type": "points",
        "balance": "1500",
        "cumulative": "0",
        "last_transaction": "0000-00-00",
        "balance_coalition": "1500",
        "cumulative_coalition": "8350",
        "available_rewards": [],
    }
    block["campaigns"].append({"id": third["id"], "transacted": False})
    customer = customer_from(block, coalition=True, account_campaigns=[WIDGET, ACME, third["id"]])
    return single(
        case(coalition=True, customer=customer),
        document if violated else {**document, "campaigns": document["campaigns"] + [third]},
    )


@variant("expected data: show_only_belong_to=Y leaves out a transacted campaign", "NOTE-SHOW-ONLY-BELONG-TO")
def _(violated: bool) -> Evidence:
    # The answer looks like a customer who never used ACME (cumulative 0, no last
    # transaction), but the profile says the customer has transacted there: dropping it
    # under show_only_belong_to=Y is a failure no answer alone could show.
    full = coalition_with_unjoined_acme()
    customer = customer_from(
        expect_block(full, transacted={WIDGET: True, ACME: violated}), coalition=True, account_campaigns=[WIDGET, ACME]
    )
    return single(case(coalition=True, customer=customer, show_only_belong_to="Y"), only_campaigns(full, WIDGET))


@variant("expected data: campaign_id answers another campaign too", "NOTE-CAMPAIGN-ID")
def _(violated: bool) -> Evidence:
    document = example("success")
    customer = customer_from(expect_block(document))
    listed = only_campaigns(document, POINTS, BUYX) if violated else only_campaigns(document, BUYX)
    return single(case(customer=customer, campaign=BUYX, campaign_id="each"), listed)


@variant("expected data: custom_field not returned without hide_custom_field", "NOTE-CUSTOM-FIELD-DEFAULT")
def _(violated: bool) -> Evidence:
    document = example("success")
    customer = customer_from(expect_block(document))
    return single(case(customer=customer), without(document, "customer", "custom_field") if violated else document)


@variant("expected data: include_balances=N with campaigns", "NOTE-INCLUDE-BALANCES-N")
def _(violated: bool) -> Evidence:
    document = example("success")
    customer = customer_from(expect_block(document))
    return single(
        case(customer=customer, include_balances="N"), document if violated else {**document, "campaigns": []}
    )


# -- known mis-citations: a check fails the right evidence citing a wrong requirement ------
# (label or requirement, format) -> (check, the id it wrongly cites, why it is wrong). The
# check belongs to the lead; until it is fixed the affected test is an expected failure,
# and once fixed the entry must go (the test says so).
MISCITED = "response_schema_conformance narrows a schema error by its location"
# Fixed in conformance/checks/shape.py (the schema check narrows by the location and an
# assertion's test; coalition campaigns cite EXAMPLE-COALITION in both checks). A new
# mis-citation is listed here, with why, until its check is fixed.
KNOWN_MISCITATIONS: dict[tuple[str, str], tuple[str, str, str]] = {}


# -- part 1: every testable requirement has a crafted violation that fails it ---------------
def _failures(judged: Judged) -> list[tuple[str, str | None]]:
    return [(f.check, f.requirement) for f in judged.findings if f.severity == "fail"]


def _shown(judged: Judged) -> str:
    return (
        "\n".join(
            f"  {f.severity} [{f.requirement}] {f.check}: {f.title} "
            f"at {f.where!r} (expected {f.expected!r}, got {f.got!r})"
            for f in judged.findings
            if f.severity in ("fail", "error")
        )
        or "  (no failure)"
    )


def _format_of(evidence: Evidence) -> str:
    """The format of a single answer's evidence ("relation" for a relation)."""
    return evidence.answer.format if evidence.kind != "relation" and evidence.answer else evidence.kind


def in_other_format(evidence: Evidence) -> Evidence:
    """The same single answer to the same request, in the other format: XML <-> JSON."""
    the_case = evidence.case
    options = dict(the_case.options)
    if evidence.answer.format == "xml":
        options["output"] = "JSON"
    else:
        options.pop("output", None)
    other = case(
        identifier=the_case.identifier,
        coalition=the_case.coalition,
        customer=the_case.customer,
        campaign=the_case.campaign,
        **options,
    )
    return single(other, evidence.document, status=evidence.exchange.status or 200)


def _assert_fails_only(label: str, requirement: str, judged: Judged, fmt: str) -> None:
    """``judged`` fails ``requirement`` and nothing else (but what ``ALSO`` declares unavoidable)."""
    assert not judged.errors, f"{label} ({fmt}): a check raised on the crafted violation:\n{_shown(judged)}"
    cited = {r for _, r in _failures(judged)}
    assert requirement in cited, (
        f"{label} ({fmt}): no check fails the crafted violation "
        f"citing {requirement}; the registry found:\n{_shown(judged)}"
    )
    allowed, _why = ALSO.get(label, (frozenset(), ""))
    others = cited - {requirement} - allowed
    known = KNOWN_MISCITATIONS.get((label, fmt))
    if known is not None:
        check_name, wrong, why = known
        assert (check_name, wrong) in _failures(judged), (
            f"{label} ({fmt}): the known mis-citation [{wrong}] "
            f"{check_name} is gone: remove its KNOWN_MISCITATIONS entry"
        )
        assert others == {wrong}, f"{label} ({fmt}): fails {sorted(others)} besides {requirement}:\n{_shown(judged)}"
        pytest.xfail(f"known mis-citation, {check_name} cites {wrong}: {why}")
    assert not others, (
        f"{label} ({fmt}): the crafted violation also fails "
        f"{sorted(others)}, which it should not break:\n{_shown(judged)}"
    )
    if allowed:
        # Declared unavoidable: it must really be there, or the declaration is stale.
        assert allowed <= cited, (
            f"{label}: ALSO declares {sorted(allowed - cited)} unavoidable, yet they did not fail:\n{_shown(judged)}"
        )


def test_every_testable_requirement_has_a_crafted_violation_and_no_other() -> None:
    missing = sorted(set(TESTABLE) - set(VIOLATIONS))
    unknown = sorted(set(VIOLATIONS) - set(TESTABLE))
    assert not missing and not unknown, (
        f"testable requirements without a crafted violation: {missing}; "
        f"crafted violations of ids that are not testable requirements: {unknown}"
    )


@pytest.mark.parametrize("requirement", TESTABLE)
def test_the_crafted_violation_fails_citing_exactly_its_requirement(requirement: str) -> None:
    if requirement not in VIOLATIONS:
        pytest.fail(
            f"{requirement} has no crafted violation: add a crafted violation of {requirement} "
            "here (VIOLATIONS), or mark it untestable in requirements.yaml with a reason"
        )
    evidence = VIOLATIONS[requirement](True)
    _assert_fails_only(requirement, requirement, judge(evidence), _format_of(evidence))


@pytest.mark.parametrize("requirement", sorted(VIOLATIONS))
def test_the_same_evidence_without_the_violation_passes(requirement: str) -> None:
    judged = judge(VIOLATIONS[requirement](False))
    assert not judged.errors, f"{requirement}: a check raised on the conformant counterpart:\n{_shown(judged)}"
    assert _failures(judged) == [], (
        f"{requirement}: the conformant counterpart of the crafted violation fails:\n{_shown(judged)}"
    )
    # And the pass is not vacuous: some check judged the requirement on it.
    assert requirement in judged.checked, (
        f"{requirement}: no check judged it on the conformant counterpart "
        f"(not applicable: {judged.not_applicable.get(requirement)!r})"
    )


# A single answer whose fault is not its format reads the same in XML and in JSON: each such
# violation (and variant) is judged again in the other format.
def _single_answers() -> list[tuple[str, str, Builder]]:
    every = [(r, r, b) for r, b in VIOLATIONS.items()] + [(label, r, b) for label, (r, b) in VARIANTS.items()]
    return [
        (label, r, b)
        for label, r, b in every
        if not r.startswith("OUTPUT-") and b(True).kind == "answer" and b(True).answer is not None
    ]


@pytest.mark.parametrize(
    ("label", "requirement", "builder"), _single_answers(), ids=[label for label, _, _ in _single_answers()]
)
def test_the_crafted_violation_fails_alike_in_the_other_format(label: str, requirement: str, builder: Builder) -> None:
    evidence = in_other_format(builder(True))
    conformant = judge(in_other_format(builder(False)))
    assert _failures(conformant) == [] and not conformant.errors, (
        f"{label}: the conformant counterpart fails in {_format_of(evidence)}:\n{_shown(conformant)}"
    )
    _assert_fails_only(label, requirement, judge(evidence), _format_of(evidence))


@pytest.mark.parametrize("label", sorted(VARIANTS))
def test_each_variant_fails_its_requirement_and_passes_without_it(label: str) -> None:
    requirement, builder = VARIANTS[label]
    evidence = builder(True)
    judged = judge(builder(False))
    assert _failures(judged) == [] and not judged.errors, (
        f"{label}: the conformant counterpart fails:\n{_shown(judged)}"
    )
    _assert_fails_only(label, requirement, judge(evidence), _format_of(evidence))


def test_every_check_fails_each_requirement_it_declares_on_some_crafted_evidence() -> None:
    # A check that declares a requirement it can never fail would credit it on every
    # answer: across all the crafted violations (both formats), each (check, requirement)
    # the registry declares must fail at least once.
    every = [b(True) for b in VIOLATIONS.values()] + [b(True) for _, b in VARIANTS.values()]
    every += [in_other_format(b(True)) for _, _, b in _single_answers()]
    failed = {pair for evidence in every for pair in _failures(judge(evidence))}
    _load_families()
    never = [
        f"{name} -> {requirement}"
        for name, registered in REGISTRY.items()
        for requirement in registered.requirements
        if (name, requirement) not in failed
    ]
    assert not never, (
        "no crafted violation makes these checks fail citing these requirements "
        "(add a variant that does, or the check cannot fail for it):\n  "
    ) + "\n  ".join(never)


def test_xml_rendering_is_the_documents_xml() -> None:
    # The XML the violations are sent in is the document's own XML for the same document.
    for name in ("success", "coalition-success", "no-match", "error"):
        ours = parse_answer(to_xml(example(name))).document
        theirs = parse_answer((EXAMPLES / f"{name}.xml").read_bytes()).document
        assert ours == theirs, name


# -- part 2: checks that only warn, record or advise credit nothing ---------------------------
def _probe_case() -> Case:
    probe = next(p for p in load_space().probes if p["name"] == "output-CSV")
    return Case(
        "greatwidgets",
        False,
        None,
        probe["name"],
        tuple((str(k), str(v)) for k, v in probe["options"].items()),
        probe=probe["why"],
        sends=(("code", "89898989898989"),),
    )


def _reflected_callback() -> Evidence:
    the_case = access_case("callback-script-call")
    body = f"{the_case.request.get('callback')}({json.dumps(example('success'))})".encode()
    return Evidence.of("access", observation(the_case, body, request=the_case.request))


def _json_numbers() -> Evidence:
    document = example("success")
    document["campaigns"][0]["balance"] = 1500
    return single(case(output="JSON"), document)


def _cdata() -> Evidence:
    body = to_xml(example("success")).replace(
        b"<first_name>John</first_name>", b"<first_name><![CDATA[John]]></first_name>"
    )
    return single(case(), body=body)


def _unknown_campaign_type() -> Evidence:
    document = example("success")
    document["campaigns"][1]["type"] = "stamps"
    return single(case(), document)


# For each check that declares no requirement: evidence on which it speaks.
SPEAKS: dict[str, Callable[[], Evidence]] = {
    "target_answered_first_time": lambda: with_exchange(
        single(case(), example("success")), attempts=2, retry_reasons=("HTTP 503, Retry-After 1",)
    ),
    "envelope_comes_with_http_200": lambda: single(case(identifier="neither"), example("error"), status=401),
    "json_scalars_are_strings": _json_numbers,
    "xml_text_outside_cdata": _cdata,
    "probe_recorded": lambda: single(_probe_case(), example("success")),
    "campaign_type_is_documented": _unknown_campaign_type,
    "target_never_echoes_password": lambda: with_exchange(
        single(case(identifier="neither"), {"status": "error", "error": "wrong password $TARGET_USER_PASSWORD"}),
        echoed_password=True,
    ),
    "server_error_status": lambda: single(case(identifier="neither"), example("error"), status=500),
    "jsonp_callback_is_not_reflected_unsafely": _reflected_callback,
}


def _silent_checks() -> list[str]:
    _load_families()
    return sorted(name for name, registered in REGISTRY.items() if registered.requirements == ())


def test_every_check_that_declares_no_requirement_has_evidence_where_it_speaks() -> None:
    assert sorted(SPEAKS) == _silent_checks(), (
        "SPEAKS must hold evidence for exactly the registered checks that declare no requirement"
    )


def test_advisory_checks_declare_no_requirement() -> None:
    _load_families()
    cites = {
        name: registered.requirements
        for name, registered in REGISTRY.items()
        if registered.advisory and registered.requirements
    }
    assert not cites, f"advisory checks (the document says nothing) declare requirements: {cites}"


@pytest.mark.parametrize("name", sorted(SPEAKS))
def test_a_check_that_only_warns_credits_nothing(name: str) -> None:
    _load_families()  # run alone (-k, one xdist worker) nothing else has loaded the registry
    evidence = SPEAKS[name]()
    registered = REGISTRY[name]
    assert registered.requirements == (), f"{name} declares {registered.requirements}"
    assert registered.applies_to(evidence), f"{name} does not read {evidence.kind} evidence"
    judged = registered.run(evidence)
    spoke = [f for f in judged.findings if f.check == name]
    assert spoke, f"{name} said nothing on evidence crafted for it to speak on: the test would be vacuous"
    assert all(f.severity in ("warning", "advisory", "unspecified") and f.requirement is None for f in spoke), [
        (f.severity, f.requirement, f.title) for f in spoke
    ]
    assert judged.checked == frozenset(), f"{name} judged {sorted(judged.checked)}"
    assert judged.not_applicable == {}, f"{name} said not applicable for {judged.not_applicable}"
    record = item_record(evidence.kind, "crafted", judged)
    assert (record["exercised"], record["failed"], record["not_applicable"]) == ([], [], []), record
    assert record["notes"], f"{name}'s {spoke[0].severity} is not recorded on the certificate"
    # In the whole registry's judgement too: the record is what the other checks credit.
    _load_families()
    others = Judged.merge(c.run(evidence) for c in REGISTRY.values() if c.applies_to(evidence) and c.name != name)
    everything = item_record(evidence.kind, "crafted", judge(evidence))
    assert everything["exercised"] == item_record(evidence.kind, "crafted", others)["exercised"]
    assert everything["failed"] == item_record(evidence.kind, "crafted", others)["failed"]
