"""Relations between answers: groups of cases whose answers the document ties together.

A relation needs no knowledge of the target's data: it compares the target's answers
with each other (the same lookup in XML and JSON carries the same document; a
filtered answer is a part of the full one). Each group's members are ordinary
:class:`~conformance.cases.Case` objects, so their requests are the matrix's own and
come from the exchange store without being sent again.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from conformance.cases import ABSENT, CUSTOMER_IDENTIFIERS, EACH, CampaignLookup, Case, Space, load_space
from conformance.profile import Account, Customer, Profile


@dataclass(frozen=True)
class Relation:
    """A named group of cases, by role, whose answers some relation checks compare."""

    kind: str
    account_id: str
    coalition: bool
    members: tuple[tuple[str, Case], ...]
    label: str

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.account_id}-{self.label}"

    def member(self, role: str) -> Case | None:
        return dict(self.members).get(role)


def make_case(
    account: Account,
    customer: Customer | None,
    identifier: str,
    space: Space,
    campaign: str | None = None,
    **options: str,
) -> Case:
    """A case with options in the matrix's parameter order, so its request is the matrix's."""
    ordered = tuple((name, options[name]) for name in space.parameters if options.get(name, ABSENT) != ABSENT)
    return Case(account.account_id, account.coalition, customer, identifier, ordered, campaign)


def generate_relations(profile: Profile, campaigns_of: CampaignLookup, space: Space | None = None) -> list[Relation]:
    space = space or load_space()
    relations: list[Relation] = []
    for account in profile.accounts:
        firsts: list[tuple[str, Case]] = []
        for customer in account.customers:
            identifier = "code" if customer.code is not None else "card_number"
            campaigns = campaigns_of(account, customer)
            relations += _formats(account, customer, identifier, campaigns, space)
            relations.append(_identifiers(account, customer, space))
            relations.append(_filters(account, customer, identifier, campaigns, space))
            full = make_case(account, customer, identifier, space)
            relations.append(
                Relation(
                    "repeat", account.account_id, account.coalition, (("first", full), ("again", full)), customer.label
                )
            )
            firsts.append((customer.label, full))
        if account.coalition:
            # Even with one customer: its check then says what the profile lacks to judge
            # "ALL campaigns in the coalition" (a second customer).
            relations.append(Relation("coalition-campaigns", account.account_id, True, tuple(firsts), "all-customers"))
    return [r for r in relations if len(r.members) > 1 or r.kind == "coalition-campaigns"]


def _filter_settings(campaigns: list[str], space: Space) -> Iterator[dict[str, str]]:
    """Every combination of the filter parameters' values (campaign_id resolved)."""
    names = ["include_balances", "campaign_id", "hide_custom_field", "show_only_belong_to"]
    values = []
    for name in names:
        row = []
        for value in space.parameters[name]["values"]:
            row += [campaign for campaign in campaigns] if value == EACH else [str(value)]
        values.append(row)
    for combination in itertools.product(*values):
        yield dict(zip(names, combination, strict=True))


def _formats(
    account: Account, customer: Customer, identifier: str, campaigns: list[str], space: Space
) -> list[Relation]:
    """The same filters in every output format: one document."""
    relations = []
    callback = next(v for v in space.parameters["callback"]["values"] if v != ABSENT)
    for settings in _filter_settings(campaigns, space):
        campaign = settings["campaign_id"] if settings["campaign_id"] in campaigns else None
        options = {**settings, "campaign_id": EACH if campaign else settings["campaign_id"]}
        options = {k: v for k, v in options.items() if v != ABSENT}
        roles = {
            "default": {},
            "xml": {"output": "XML"},
            "xml-condensed": {"output": "XML", "condensed": "yes"},
            "json": {"output": "JSON"},
            "json-condensed": {"output": "JSON", "condensed": "yes"},
            "jsonp": {"output": "JSON", "callback": callback},
        }
        members = tuple(
            (role, make_case(account, customer, identifier, space, campaign, **options, **extra))
            for role, extra in roles.items()
        )
        label = customer.label + "".join(f"-{k}:{campaign if v == EACH else v}" for k, v in options.items())
        relations.append(Relation("formats", account.account_id, account.coalition, members, label))
    return relations


def _identifiers(account: Account, customer: Customer, space: Space) -> Relation:
    """Lookup by code, by card number and by both: one customer, one answer."""
    members = tuple(
        (name, make_case(account, customer, name, space))
        for name in CUSTOMER_IDENTIFIERS
        if all(getattr(customer, f) is not None for f in space.identifiers[name]["sends"])
    )
    return Relation("identifiers", account.account_id, account.coalition, members, customer.label)


def _filters(account: Account, customer: Customer, identifier: str, campaigns: list[str], space: Space) -> Relation:
    """Each filter against the full answer: a part of it, or the same."""
    members = [
        ("full", make_case(account, customer, identifier, space)),
        ("hide-Y", make_case(account, customer, identifier, space, hide_custom_field="Y")),
        ("hide-N", make_case(account, customer, identifier, space, hide_custom_field="N")),
        ("balances-N", make_case(account, customer, identifier, space, include_balances="N")),
        ("balances-Y", make_case(account, customer, identifier, space, include_balances="Y")),
        ("belong-Y", make_case(account, customer, identifier, space, show_only_belong_to="Y")),
        ("belong-N", make_case(account, customer, identifier, space, show_only_belong_to="N")),
    ]
    members += [
        (f"campaign:{c}", make_case(account, customer, identifier, space, c, campaign_id=EACH)) for c in campaigns
    ]
    return Relation("filters", account.account_id, account.coalition, tuple(members), customer.label)
