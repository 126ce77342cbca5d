"""Expected data: every answer compared with what the profile says the target holds.

The other families judge an answer against the document and against the target's other
answers (internal consistency): a value that is wrong the same way everywhere passes
them. Here the profile's ``expect`` block and the account's ``campaigns`` list are the
ground truth: each matrix answer of a customer who has them is compared field by field,
under the documented effect of its parameters (``include_balances=N``: no campaign;
``campaign_id``: that one; ``show_only_belong_to=Y`` in a coalition: the ``transacted``
ones; ``hide_custom_field=Y``: no ``custom_field``; every format and identifier: the
same values). A key the profile leaves out is not compared.

Three states per field: a value given must be answered, that value; a field given as
null (a stated absence: the target holds none) must not be answered; a key left out is
not compared. A field the document's examples show in one entry and leave out in another
(monetary_balance, currency, glyph, reward_id, item_id, custom_field_N) is no exception:
the examples carry it where the entry has it (reward 678's A-345678 in every example,
reward 753's none in any), so its presence follows the data, and with the data both a
value left out and a value added fail, each citing the requirement of the field's value.

Values are compared exactly as the answer writes them (the canonical document keeps
XML text and a JSON number's literal text), so "1500.0" is not "1500": the profile
says what the target writes.

Each mismatch cites the one requirement whose sentence it breaks: the field's, or the
rule's that decides which campaigns an answer lists.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from conformance.cases import ABSENT as NOT_GIVEN
from conformance.cases import expect, identifiers_sent
from conformance.checks import Evidence, Finding, Reporter, check
from conformance.document import campaigns, customer, items
from conformance.profile import Customer, Expected, ExpectedCampaign, Pairs

ABSENT = "(absent)"
NONE_HELD = "(absent: the target holds none)"
BUYX_ITEM_FIELDS = {
    "balance": "BUYX-BALANCE",
    "earned": "BUYX-EARNED",
    "cumulative": "BUYX-CUMULATIVE",
    "redeemed": "BUYX-REDEEMED",
}

# What profile data would judge each requirement here: the reason an answer gives when
# it could not (the certificate ranks reasons naming the profile first).
NEEDS: dict[str, str] = {
    "NOTE-ALL-FIELDS": "give the customer expect.customer.first_name (or another documented "
    "customer field) in the target profile to judge the values returned",
    "NOTE-CUSTOM-FIELD-DEFAULT": "give the customer expect.customer.custom_field in the target "
    "profile to judge the custom_field returned without hide_custom_field",
    "NOTE-REGISTERED": "give the customer expect.customer.registered in the target "
    "profile ('Y' when the customer has a password) to judge it",
    "EXAMPLE-CUSTOM-FIELD-N": "give the customer expect.customer.custom_field_N "
    "({label, data}) in the target profile to judge it",
    "NOTE-COALITION-ALL-CAMPAIGNS": "give a coalition account its campaigns list (every "
    "campaign of the coalition) or a customer expect.campaigns "
    "in the target profile to judge ALL campaigns are listed",
    "CALL-RETRIEVES": "give the customer expect.campaigns (all its campaigns) "
    "in the target profile to judge the campaigns retrieved",
    "NOTE-SHOW-ONLY-BELONG-TO": "a coalition answer to show_only_belong_to=Y, with transacted on every "
    "entry of the customer's expect.campaigns in the target profile, judges it",
    "NOTE-CAMPAIGN-ID": "an answer to campaign_id of a campaign the customer's expect.campaigns "
    "(or a coalition's campaigns) lists in the target profile judges it",
    "NOTE-INCLUDE-BALANCES-N": "an answer to include_balances=N of a customer "
    "with expect in the target profile judges it",
    "NOTE-COALITION-BALANCE": "give a coalition customer's points campaigns expect.campaigns[].balance, "
    "balance_coalition or cumulative_coalition in the target profile to judge them",
    "COALITION-STORE-CUMULATIVE": "give a coalition customer's campaigns expect.campaigns[].cumulative "
    "in the target profile to judge each store's",
    "EXAMPLE-SUCCESS": "give the customer's campaigns their fields (expect.campaigns[].name, "
    "type, balance, last_transaction, ...) in the target profile to judge them",
    "EXAMPLE-COALITION": "give a coalition customer's campaigns their fields (expect.campaigns[].name, "
    "type, last_transaction, ...) in the target profile to judge them",
    "EXAMPLE-POINTS-REWARDS": "give a points campaign expect.campaigns[].available_rewards "
    "in the target profile to judge its rewards",
    "EXAMPLE-BUYX-ITEMS": "give a BuyX campaign expect.campaigns[].balances "
    "(its items) in the target profile to judge them",
    "BUYX-BALANCE": "give a BuyX campaign expect.campaigns[].balances with "
    "each item's balance in the target profile to judge it",
    "BUYX-EARNED": "give a BuyX campaign expect.campaigns[].balances with "
    "each item's earned in the target profile to judge it",
    "BUYX-CUMULATIVE": "give a BuyX campaign expect.campaigns[].balances with "
    "each item's cumulative in the target profile to judge it",
    "BUYX-REDEEMED": "give a BuyX campaign expect.campaigns[].balances with "
    "each item's redeemed in the target profile to judge it",
    "BUYX-AVAILABLE-REWARDS": "give a BuyX campaign expect.campaigns[].available_rewards "
    "in the target profile to judge them",
}
NO_DATA = (
    "the target profile gives this customer no expect block and its account no "
    "campaigns list: give them to judge the values against the data the target holds"
)


def _given(found: dict[str, Any], name: str) -> bool:
    """The answer carries a value for ``name`` (a JSON null is no value)."""
    return found.get(name) is not None


def _shown(value: Any) -> str:
    if value is None:
        return ABSENT
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _entry(pairs: Pairs) -> str:
    return json.dumps(dict(pairs), ensure_ascii=False, sort_keys=True)


@check("answer_matches_expected_data", *NEEDS, ground_truth=True)
def answer_matches_expected_data(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """Every value the profile says the target holds is the one answered, in every
    answer of the customer, as far as the case's parameters let the answer carry it."""
    who: Customer | None = e.case.customer
    if who is None or (who.expect is None and who.account_campaigns is None):
        # Most customers of most profiles: leave at once (this runs on every answer).
        r.not_applicable(NO_DATA)
        return
    if e.document.get("status") != "success":
        r.not_applicable("not a success answer: no customer data to compare")
        return
    wanted = expect(e.case)
    if wanted.silence():
        r.not_applicable(f"the document is silent here ({wanted.silence()}): nothing to compare with")
        return
    expected = who.expect or Expected()
    if _someone_else(e, who):
        # Another customer's answer: right_customer fails it (FIELD-CODE or FIELD-CARD-NUMBER);
        # comparing that customer's values with these would blame the fields instead.
        r.not_applicable(
            "the answer is another customer's (judged by right_customer): no value of this customer to compare"
        )
        return
    yield from _customer_fields(e, r, expected, hidden=wanted.custom_field == "absent")
    yield from _campaign_list(e, r, who, expected, wanted.campaigns, wanted.campaign)
    for campaign in expected.campaigns or ():
        for found in (c for c in campaigns(e.document) if c.get("id") == campaign.id):
            yield from _campaign_fields(r, campaign, found, e.case.coalition)
    for requirement, why in NEEDS.items():
        r.not_applicable(why, requirement)  # for those compared above, "checked" stands


def _someone_else(e: Evidence, who: Customer) -> bool:
    """The identifier sent is not the answer's: the lookup found another customer."""
    found = customer(e.document)
    return any(found.get(key) != getattr(who, key) for key in identifiers_sent(e.case.identifier))


def _customer_fields(e: Evidence, r: Reporter, expected: Expected, hidden: bool) -> Iterator[Finding]:
    found = customer(e.document)
    for name, value in expected.customer:
        if name == "custom_field" and hidden:
            continue  # hide_custom_field=Y: custom_field_follows_hide_custom_field judges its absence
        if name == "custom_field" and e.case.option("hide_custom_field") == NOT_GIVEN:
            # "If hide_custom_field is not given, the custom_field will be returned": the
            # customer has one, so it must be there (a wrong value is NOTE-ALL-FIELDS).
            r.checked("NOTE-CUSTOM-FIELD-DEFAULT")
            if name not in found:
                yield r.fail(
                    "NOTE-CUSTOM-FIELD-DEFAULT",
                    "custom_field is not returned, though hide_custom_field is not given and the customer has one",
                    where="customer/custom_field",
                    expected=_stated(value),
                    got=ABSENT,
                )
                continue
        requirement = "NOTE-REGISTERED" if name == "registered" else "NOTE-ALL-FIELDS"
        r.checked(requirement)
        mismatch = _mismatch(f"the customer's {name}", value, found, name)
        if mismatch:
            yield r.fail(
                requirement, mismatch, where=f"customer/{name}", expected=_stated(value), got=_shown(found.get(name))
            )
    for name, pairs in expected.custom_fields:
        r.checked("EXAMPLE-CUSTOM-FIELD-N")
        got = found.get(name)
        if pairs is None:
            if _given(found, name):
                yield r.fail(
                    "EXAMPLE-CUSTOM-FIELD-N",
                    f"{name} is returned, though the customer has none",
                    where=f"customer/{name}",
                    expected=NONE_HELD,
                    got=_shown(got),
                )
            continue
        if not isinstance(got, dict):
            yield r.fail(
                "EXAMPLE-CUSTOM-FIELD-N",
                f"{name} is missing, though the customer has it",
                where=f"customer/{name}",
                expected=_entry(pairs),
                got=_shown(got),
            )
            continue
        for key, value in pairs:
            mismatch = _mismatch(f"{name}'s {key}", value, got, key)
            if mismatch:
                yield r.fail(
                    "EXAMPLE-CUSTOM-FIELD-N",
                    mismatch,
                    where=f"customer/{name}/{key}",
                    expected=_stated(value),
                    got=_shown(got.get(key)),
                )


def _campaign_list(
    e: Evidence, r: Reporter, who: Customer, expected: Expected, effect: str | None, named: str | None
) -> Iterator[Finding]:
    """The campaigns listed are exactly those the parameters' effect leaves of the
    customer's (in a coalition: of the account's) campaigns."""
    coalition = e.case.coalition
    if coalition:
        everything = who.account_campaigns if who.account_campaigns is not None else _ids(expected.campaigns)
        rule = "NOTE-COALITION-ALL-CAMPAIGNS"
    else:
        everything, rule = _ids(expected.campaigns), "CALL-RETRIEVES"
    if effect == "none":
        wanted: tuple[str, ...] | None = ()
        rule = "NOTE-INCLUDE-BALANCES-N"
    elif effect == "single":
        # A campaign the profile does not list for the customer: what the answer then
        # holds is not settled by these data.
        wanted = (named,) if everything is not None and named in everything else None
        rule = "NOTE-CAMPAIGN-ID"
    elif effect == "subset":
        listed = expected.campaigns
        known = listed is not None and all(c.transacted is not None for c in listed)
        wanted = tuple(c.id for c in listed if c.transacted) if known and listed is not None else None
        rule = "NOTE-SHOW-ONLY-BELONG-TO"
    else:
        wanted = everything
    if wanted is None:
        if not coalition and effect is None and who.account_campaigns is not None:
            yield from _within_account(e, r, who.account_campaigns)
        return
    r.checked(rule)
    got = [str(c.get("id")) for c in campaigns(e.document)]
    what = {
        "NOTE-INCLUDE-BALANCES-N": "include_balances=N: no campaign",
        "NOTE-CAMPAIGN-ID": f"campaign_id={named}: that campaign only",
        "NOTE-SHOW-ONLY-BELONG-TO": "show_only_belong_to=Y: the campaigns the customer has had a transaction with",
        "NOTE-COALITION-ALL-CAMPAIGNS": "ALL campaigns of the coalition",
        "CALL-RETRIEVES": "all the customer's campaigns",
    }[rule]
    missing = [c for c in wanted if c not in got]
    added = sorted({c for c in got if c not in wanted})
    if missing:
        yield r.fail(
            rule,
            f"campaign(s) {', '.join(missing)} missing from the list ({what})",
            where="campaigns",
            expected=", ".join(sorted(wanted)) or "(none)",
            got=", ".join(got) or "(none)",
        )
    if added:
        yield r.fail(
            rule,
            f"campaign(s) {', '.join(added)} listed, which the target does not hold for this answer ({what})",
            where="campaigns",
            expected=", ".join(sorted(wanted)) or "(none)",
            got=", ".join(got) or "(none)",
        )


def _within_account(e: Evidence, r: Reporter, account: tuple[str, ...]) -> Iterator[Finding]:
    # Only the account's list: the customer's campaigns are some of the account's.
    r.checked("CALL-RETRIEVES")
    foreign = sorted({str(c.get("id")) for c in campaigns(e.document)} - set(account))
    if foreign:
        yield r.fail(
            "CALL-RETRIEVES",
            f"campaign(s) {', '.join(foreign)} listed, which are not campaigns of account {e.case.account_id}",
            where="campaigns",
            expected=f"some of {', '.join(account)}",
            got=", ".join(foreign),
        )


def _ids(listed: tuple[ExpectedCampaign, ...] | None) -> tuple[str, ...] | None:
    return None if listed is None else tuple(c.id for c in listed)


def _field_requirement(name: str, kind: Any, coalition: bool) -> str:
    if name in ("balance_coalition", "cumulative_coalition"):
        return "NOTE-COALITION-BALANCE"
    if coalition and name == "balance" and kind == "points":
        return "NOTE-COALITION-BALANCE"  # "the balance for each campaign will be the coalition balance"
    if coalition and name == "cumulative":
        return "COALITION-STORE-CUMULATIVE"  # a store's own cumulative
    return "EXAMPLE-COALITION" if coalition else "EXAMPLE-SUCCESS"


def _campaign_fields(
    r: Reporter, campaign: ExpectedCampaign, found: dict[str, Any], coalition: bool
) -> Iterator[Finding]:
    where = f"campaigns/{campaign.id}"
    kind = campaign.get("type") or found.get("type")
    for name, value in campaign.fields:
        requirement = _field_requirement(name, kind, coalition)
        r.checked(requirement)
        mismatch = _mismatch(f"campaign {campaign.id}'s {name}", value, found, name)
        if mismatch:
            yield r.fail(
                requirement, mismatch, where=f"{where}/{name}", expected=_stated(value), got=_shown(found.get(name))
            )
    if campaign.available_rewards is not None:
        rewards = "BUYX-AVAILABLE-REWARDS" if kind == "buyx" else "EXAMPLE-POINTS-REWARDS"
        yield from _whole_list(
            r,
            campaign.available_rewards,
            items(found, "available_rewards"),
            ("id", "item_id", "name"),
            lambda key: rewards,
            rewards,
            f"{where}/available_rewards",
            "reward",
            lambda entry: False,
        )
    if campaign.balances is not None:
        yield from _whole_list(
            r,
            campaign.balances,
            items(found, "balances"),
            ("name", "item_id"),
            lambda key: BUYX_ITEM_FIELDS.get(key, "EXAMPLE-BUYX-ITEMS"),
            "EXAMPLE-BUYX-ITEMS",
            f"{where}/balances",
            "item",
            never_bought,
        )


def _mismatch(what: str, value: str | None, found: dict[str, Any], name: str) -> str | None:
    """How the answer departs from the stated value or absence (None: it does not)."""
    if value is None:
        return f"{what} is given, though the target holds none" if _given(found, name) else None
    if not _given(found, name):
        return f"{what} is left out, though the target holds one"
    return None if found.get(name) == value else f"{what} is not the one the target holds"


def _stated(value: str | None) -> str:
    return NONE_HELD if value is None else value


def never_bought(entry: dict[str, str | None]) -> bool:
    """A BuyX item the customer never bought (its counts given, all 0): whether an answer
    lists such an item the document does not say (its example lists only items bought),
    so it is compared when listed and not missed when not."""
    counts = [entry.get(key) for key in ("balance", "cumulative", "redeemed")]
    return None not in counts and all(value == "0" for value in counts) and entry.get("earned", "0") == "0"


def _whole_list(
    r: Reporter, expected: tuple[Pairs, ...], got: list[dict[str, Any]], identity: tuple[str, ...],
    field_requirement: Callable[[str], str], list_requirement: str, where: str, noun: str,
    optional: Callable[[dict[str, str | None]], bool],
) -> Iterator[Finding]:  # fmt: skip
    """The list is the whole list, in any order: each expected entry is found (by the
    first identifying key it gives that some entry shares: id, item_id or name) and
    its given keys compared (a key given as null: the entry must not carry it); an entry
    no expected one claims is one too many. An entry ``optional`` says the document
    leaves out may be missing: that is recorded."""
    r.checked(list_requirement)
    free = list(range(len(got)))
    for pairs in expected:
        wanted = dict(pairs)
        match = _find(wanted, got, free, identity)
        if match is None and optional(wanted):
            yield r.unspecified(
                f"{noun} {_label(wanted, identity)} (never bought) is not "
                "listed; the document does not say whether such an item is",
                where=where,
            )
            continue
        if match is None:
            yield r.fail(
                list_requirement,
                f"a {noun} the customer has is missing",
                where=where,
                expected=_entry(pairs),
                got=f"{len(got)} {noun}(s): " + "; ".join(_shown(g) for g in got),
            )
            continue
        free.remove(match)
        for key, value in pairs:
            requirement = field_requirement(key)
            r.checked(requirement)
            mismatch = _mismatch(f"{noun} {_label(wanted, identity)}'s {key}", value, got[match], key)
            if mismatch:
                yield r.fail(
                    requirement,
                    mismatch,
                    where=f"{where}/{match}/{key}",
                    expected=_stated(value),
                    got=_shown(got[match].get(key)),
                )
    for index in free:
        yield r.fail(
            list_requirement,
            f"a {noun} the target does not hold for the customer is listed",
            where=f"{where}/{index}",
            expected="no such " + noun,
            got=_shown(got[index]),
        )


def _find(
    wanted: dict[str, str | None], got: list[dict[str, Any]], free: list[int], identity: tuple[str, ...]
) -> int | None:
    # The entry that agrees on everything given (a stated absence: not carried), else on
    # the first identifying key with a value that some free entry shares (so a wrong
    # number is reported as that field, not as a missing entry plus an extra one).
    whole = next((i for i in free if all(got[i].get(k) == v for k, v in wanted.items())), None)
    if whole is not None:
        return whole
    for key in identity:
        if wanted.get(key) is not None:
            found = next((i for i in free if got[i].get(key) == wanted[key]), None)
            if found is not None:
                return found
    return None


def _label(wanted: dict[str, str | None], identity: tuple[str, ...]) -> str:
    return next(
        (f"{key} {wanted[key]}" for key in identity if wanted.get(key) is not None), _entry(tuple(wanted.items()))
    )
