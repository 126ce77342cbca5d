"""The pre-flight: does the profile describe the target it is run against?

A profile with one digit of one customer's code wrong makes every lookup by that code
answer no_match, and the run fails FIELD-CODE case after case, while the same
customer's card number finds a customer whose code differs by that digit. The run has
the answers that say so: each profile customer looked up by each identifier it has,
with no option, is a request the run sends anyway (the ``identifiers`` relation's
members; the lookup by code is also the one ``Harness.learn`` reads the campaigns
from). This module reads those answers and names the profile entry the target's own
answers contradict, in one line, before the requirement failures it causes.

Only what the answers prove is diagnosed, never what a server may legitimately do:

- an identifier that finds no customer (no_match) while its sibling identifier finds
  the customer, whose answer gives a different value for it;
- a code and a card number that each find a customer, but not the same one (the two
  answers give different identifiers);
- an account in which every lookup is refused (an error envelope) while the same
  credentials look customers up in another account of the profile;
- an entry of an account's ``campaigns`` that no answer in the account carries, while
  those answers carry a campaign the list lacks.

A lookup whose own answer contradicts it (the code finds no one, but the customer the
card number finds has that very code) is the target's inconsistency, for the checks to
judge, not the profile's: it gets no diagnosis. Nor does anything without a sibling to
compare with (both identifiers finding no one; a customer with one identifier). A
diagnosis explains failures; it never excuses one: the verdict rests on the
requirements alone (conformance/verdict.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conformance.cases import Case
from conformance.checks.envelope import error_text
from conformance.client import Encoding, Request
from conformance.document import campaign_ids, customer
from conformance.profile import Account, Profile
from conformance.secret import redact

IDENTIFIERS = ("code", "card_number")
SHOWN = 60  # characters of a target's text (an error message) quoted in a diagnosis


@dataclass(frozen=True)
class Found:
    """What one lookup answered, as far as the diagnosis reads it. ``status`` None: no
    envelope (no answer, or one that does not parse): it proves nothing."""

    status: str | None
    code: str | None = None  # the customer found, as the answer gives it (None: not given)
    card_number: str | None = None
    campaigns: tuple[str, ...] = ()
    error: str = ""

    @classmethod
    def of(cls, document: dict[str, Any] | None) -> Found:
        if document is None:
            return cls(None)
        status = document.get("status")
        if status == "success":
            who = customer(document)
            return cls(
                "success",
                _text(who.get("code")),
                _text(who.get("card_number")),
                tuple(campaign_ids(document)),
            )
        if status == "error":
            return cls("error", error=error_text(document))
        return cls(status if status == "no_match" else None)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Lookup:
    """A profile customer looked up by one identifier it has, with no option."""

    account: int  # the account's index in the profile
    customer: int  # the customer's index in the account
    identifier: str  # code | card_number
    value: str
    request: Request


def lookups(profile: Profile, encoding: Encoding) -> list[Lookup]:
    """Every profile customer by each identifier it has. Each request is the matrix's
    and the identifiers relation's own (built by Case.request), so a run that sends those
    sends nothing more for the pre-flight."""
    found = []
    for a, account in enumerate(profile.accounts):
        for c, who in enumerate(account.customers):
            for identifier in IDENTIFIERS:
                value = getattr(who, identifier)
                if value is not None:
                    case = Case(account.account_id, account.coalition, who, identifier)
                    found.append(Lookup(a, c, identifier, value, case.request(profile.user_id, encoding)))
    return found


def diagnose(profile: Profile, planned: list[Lookup], answers: Mapping[Request, Found]) -> list[str]:
    """One line per profile entry the target's answers contradict (see the module's
    docstring for what counts as proof), in the profile's order."""
    check = (
        # The profile is the certification profile, checked equal to the data set when
        # loaded: where the target disagrees, its data is what to check, not the profile.
        "check the data the target loaded (this is the certification profile, equal to the data set)"
        if profile.dataset is not None
        else "check the profile"
    )
    by_customer: dict[tuple[int, int], dict[str, tuple[Lookup, Found]]] = {}
    for lookup in planned:
        by_customer.setdefault((lookup.account, lookup.customer), {})[lookup.identifier] = (
            lookup,
            answers.get(lookup.request, Found(None)),
        )
    lines = []
    for a, account in enumerate(profile.accounts):
        mine = [by_customer.get((a, c), {}) for c in range(len(account.customers))]
        refused = _refused(profile, a, account, by_customer, mine, check)
        if refused:
            lines.append(refused)
            continue
        for c, pair in enumerate(mine):
            line = _customer(f"accounts[{a}].customers[{c}]", account, pair, check)
            if line:
                lines.append(line)
        lines += _campaigns(a, account, mine, check)
    return [redact(line, profile.password) for line in lines]


def _customer(where: str, account: Account, pair: dict[str, tuple[Lookup, Found]], check: str) -> str | None:
    if len(pair) < 2:
        return None  # one identifier: nothing to compare it with
    (code, by_code), (card, by_card) = pair["code"], pair["card_number"]
    in_account = f"in account {account.account_id}"
    # An answer is evidence only if it found the customer its identifier names (else the
    # target matched wrongly: the checks' business, not the profile's).
    code_names = by_code.status == "success" and by_code.code == code.value
    card_names = by_card.status == "success" and by_card.card_number == card.value
    # What each found customer has for the other identifier, where it differs from the
    # profile's (None: the same, or not given: nothing proven). One whose other
    # identifier is the profile's is the target contradicting itself (the code finds no
    # one, but the customer the card number finds has that very code): no diagnosis.
    other_card = _differs("card_number", by_code.card_number, card.value) if code_names else None
    other_code = _differs("code", by_card.code, code.value) if card_names else None
    if by_code.status == "no_match" and other_code:
        return (
            f"profile: {where}.code {code.value} finds no customer {in_account}, but its card_number "
            f"{card.value} finds the customer with {other_code}: {check}"
        )
    if by_card.status == "no_match" and other_card:
        return (
            f"profile: {where}.card_number {card.value} finds no customer {in_account}, but its code "
            f"{code.value} finds the customer with {other_card}: {check}"
        )
    if other_card and other_code:
        return (
            f"profile: {where}.code {code.value} and {where}.card_number {card.value} find two different "
            f"customers {in_account} (the code's has {other_card}, the card number's has {other_code}): "
            f"one of them is not this customer's: {check}"
        )
    return None


def _differs(name: str, answered: str | None, profile: str) -> str | None:
    """The found customer's ``name`` identifier, said, where the answer gives one other
    than the profile's (None: the same, or not given)."""
    if answered is None or answered == profile:
        return None
    return f"{name} {answered}" if answered else f"an empty {name}"


def _refused(
    profile: Profile,
    a: int,
    account: Account,
    by_customer: dict[tuple[int, int], dict[str, tuple[Lookup, Found]]],
    mine: list[dict[str, tuple[Lookup, Found]]],
    check: str,
) -> str | None:
    """Every lookup in the account refused, while another account of the profile answers
    the same credentials (success or no_match): the account entry is what differs."""
    found = [f for pair in mine for _, f in pair.values()]
    if not found or any(f.status != "error" for f in found):
        return None
    answered = next(
        (
            profile.accounts[other].account_id
            for (other, _), pair in by_customer.items()
            if other != a and any(f.status in ("success", "no_match") for _, f in pair.values())
        ),
        None,
    )
    if answered is None:
        return None
    said = found[0].error
    quoted = repr(said if len(said) <= SHOWN else said[:SHOWN] + "...")
    return (
        f"profile: accounts[{a}].account_id {account.account_id}: every lookup in it is refused "
        f"(error {quoted}), while the same credentials look customers up in account {answered}: "
        f"{check} (the account id, or this user's access to it)"
    )


def _campaigns(a: int, account: Account, mine: list[dict[str, tuple[Lookup, Found]]], check: str) -> list[str]:
    """Entries of the account's ``campaigns`` that no answer in it carries, while the
    answers carry a campaign the list lacks. (A campaign no customer of the profile has
    may be in no answer of a non-coalition account: alone, that proves nothing.)"""
    if account.campaigns is None:
        return []
    carried: dict[str, None] = {}
    for pair in mine:
        for _, found in pair.values():
            if found.status == "success":
                carried.update(dict.fromkeys(found.campaigns))
    unlisted = [c for c in carried if c not in account.campaigns]
    if not unlisted:
        return []
    shown = ", ".join(unlisted[:3]) + (f" and {len(unlisted) - 3} more" if len(unlisted) > 3 else "")
    return [
        f"profile: accounts[{a}].campaigns[{k}] {listed} is in no answer in account {account.account_id}, "
        f"which carry {shown}, not in the profile's list: {check}"
        for k, listed in enumerate(account.campaigns)
        if listed not in carried
    ]


__all__ = ["Found", "Lookup", "diagnose", "lookups"]
