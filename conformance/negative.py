"""Negative space: values that must NOT match, derived from the profile and from what the
target answered.

A lookup that matches more than it should passes every case that sends a real
identifier: a code compared with the card number column too, a prefix match, a campaign
found in another account. So for every identifier a customer has, the harness also sends
values that name no customer: the other customers' identifiers of the other kind, the
real one shortened and lengthened; and, for every customer, a campaign_id learned from
another account. Each must answer what an unknown value answers (no_match), never
another customer's or account's data.

A value that differs from a real one only in letter case or surrounding white space is
sent as a probe: the document does not say lookups are exact to the byte, and common SQL
collations match such values, so what the target does is recorded, not judged.
"""

from __future__ import annotations

from conformance.cases import FOREIGN, CampaignLookup, Case
from conformance.profile import Account, Customer, Profile

_NOT_A = {"code": "not_a_code", "card_number": "not_a_card_number"}
_OTHER = {"code": "card_number", "card_number": "code"}


def generate_negative(profile: Profile, campaigns_of: CampaignLookup) -> list[Case]:
    """The negative-space cases of the profile, in a stable order."""
    found: list[Case] = []
    for account in profile.accounts:
        taken = {field: {getattr(c, field) for c in account.customers if getattr(c, field)} for field in _OTHER}
        for customer in account.customers:
            for field in ("code", "card_number"):
                value = getattr(customer, field)
                if value:
                    found += _altered(account, customer, field, value, taken)
            found += _foreign_campaigns(profile, account, customer, campaigns_of)
        found += _other_kind(account, taken)
    return found


def _case(account: Account, customer: Customer | None, field: str, value: str, how: str) -> Case:
    return Case(
        account.account_id, account.coalition, customer, _NOT_A[field], (), sends=((field, value),), negative=how
    )


def _altered(account: Account, customer: Customer, field: str, value: str, taken: dict[str, set[str]]) -> list[Case]:
    """The real value shortened and lengthened (each only when it names no customer), and
    its case and white space changed (probes: recorded, not judged)."""
    cases = []
    for how, altered in (("shortened", value[:-1]), ("lengthened", value + value[-1])):
        if altered and altered not in taken[field]:
            cases.append(_case(account, customer, field, altered, how))
    for how, altered in (("case-changed", value.swapcase()), ("padded", f" {value} ")):
        if altered != value and altered not in taken[field]:
            cases.append(
                Case(
                    account.account_id,
                    account.coalition,
                    None,
                    f"{field}-{customer.label}",
                    (),
                    negative=how,
                    probe=f"a {field} that is a customer's {how.replace('-', ' ')} ({altered!r})",
                    sends=((field, altered),),
                )
            )
    return cases


def _other_kind(account: Account, taken: dict[str, set[str]]) -> list[Case]:
    """Each customer's card number sent as a code, and each code as a card number, where
    no customer has it as a value of that kind: a lookup must search its own column."""
    cases = []
    for field in ("code", "card_number"):
        for value in sorted(taken[_OTHER[field]] - taken[field]):
            cases.append(_case(account, None, field, value, f"the-{_OTHER[field]}-{value}"))
    return cases


def _foreign_campaigns(
    profile: Profile, account: Account, customer: Customer, campaigns_of: CampaignLookup
) -> list[Case]:
    """A campaign_id learned from another account's answers, asked of this customer."""
    mine = {c for other in account.customers for c in campaigns_of(account, other)}
    foreign = sorted(
        {
            c
            for other_account in profile.accounts
            if other_account is not account
            for other in other_account.customers
            for c in campaigns_of(other_account, other)
        }
        - mine
    )
    identifier = "code" if customer.code is not None else "card_number"
    return [
        Case(account.account_id, account.coalition, customer, identifier, (("campaign_id", FOREIGN),), campaign)
        for campaign in foreign
    ]


__all__ = ["generate_negative"]
