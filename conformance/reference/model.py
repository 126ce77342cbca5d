"""The canonical response document, built once and rendered to XML or JSON.

A document is a plain dict in exactly the JSON shape real clients parse:
every scalar a string, every list a list, keys in the order the API document
lists the XML elements.  render.py turns the same dict into XML or JSON, so
the two formats can never carry different data.

All figures are derived here from ledger rows (db.LedgerRow); nothing is
read from a stored balance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from .db import Account, BuyXItem, Campaign, Customer, CustomField, LedgerRow

Document = dict[str, Any]

NO_MATCH_MESSAGE = "No Customers Match Criteria"

#: What the document's example prints for a date that never happened.
NO_DATE = "0000-00-00"

_CENT = Decimal("0.01")


# --------------------------------------------------------------------------
# Envelopes


def error_document(message: str) -> Document:
    return {"status": "error", "error": message}


def no_match_document() -> Document:
    return {"status": "no_match", "message": NO_MATCH_MESSAGE}


def success_document(customer: Document, campaigns: list[Document] | None) -> Document:
    """``campaigns`` None (include_balances=N) leaves the key out entirely."""
    doc: Document = {"status": "success", "customer": customer}
    if campaigns is not None:
        doc["campaigns"] = campaigns
    return doc


# --------------------------------------------------------------------------
# Customer


def customer_element(customer: Customer, custom_fields: Sequence[CustomField], *, hide_custom_field: bool) -> Document:
    f = customer.fields
    element: Document = {
        "code": f["code"],
        "card_number": f["card_number"],
        "first_name": f["first_name"],
        "last_name": f["last_name"],
        "phone": f["phone"],
        "email": f["email"],
        "street1": f["street1"],
        "street2": f["street2"],
        "city": f["city"],
        "state": f["state"],
        "postal_code": f["postal_code"],
        "country": f["country"],
        "custom_date": f["custom_date"],
    }
    # hide_custom_field hides only "custom1"; custom_field_N are other fields.
    if not hide_custom_field:
        element["custom_field"] = f["custom_field"]
    element["customer_username"] = f["customer_username"]
    element["registered"] = "Y" if customer.registered else "N"
    for cf in custom_fields:
        element[f"custom_field_{cf.n}"] = {"label": cf.label, "data": cf.data}
    return element


# --------------------------------------------------------------------------
# Ledger arithmetic


@dataclass
class _Totals:
    """Sums of one customer's ledger rows for one campaign or one item."""

    earned: Decimal = Decimal(0)
    redeemed: Decimal = Decimal(0)
    last: str | None = None
    rows: int = 0

    def add(self, row: LedgerRow) -> None:
        if row.kind == "earn":
            self.earned += row.amount
        else:
            self.redeemed += row.amount
        # ISO dates order as text.
        if self.last is None or row.date > self.last:
            self.last = row.date
        self.rows += 1


@dataclass
class _CustomerTotals:
    by_campaign: dict[str, _Totals] = field(default_factory=lambda: defaultdict(_Totals))
    by_item: dict[int, _Totals] = field(default_factory=lambda: defaultdict(_Totals))

    @classmethod
    def of(cls, ledger: Iterable[LedgerRow]) -> _CustomerTotals:
        totals = cls()
        for row in ledger:
            totals.by_campaign[row.campaign_id].add(row)
            if row.item_pk is not None:
                totals.by_item[row.item_pk].add(row)
        return totals

    def campaign(self, campaign_id: str) -> _Totals:
        # .get: reading must not insert empty totals into the defaultdict.
        return self.by_campaign.get(campaign_id) or _Totals()

    def item(self, item_pk: int) -> _Totals:
        return self.by_item.get(item_pk) or _Totals()

    def belongs_to(self, campaign_id: str) -> bool:
        """The document's "has had a transaction with": any ledger row."""
        return self.campaign(campaign_id).rows > 0


def _plain(value: Decimal) -> str:
    """Points: "1500", never "1500.00" nor "1.5E+3"."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _money(value: Decimal | Fraction) -> str:
    """Currency amounts: always two decimals, half-up like a till."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------
# Campaigns


def campaign_elements(
    account: Account,
    campaigns: Sequence[Campaign],
    ledger: Iterable[LedgerRow],
    *,
    campaign_ids: frozenset[str] | None,
    show_only_belong_to: bool,
) -> list[Document]:
    """The <campaigns> list for one customer of ``account``."""
    totals = _CustomerTotals.of(ledger)
    selected = [
        c
        for c in campaigns
        # Coalitions list every store unless asked not to; other accounts
        # list only the campaigns the customer took part in.
        if (account.coalition and not show_only_belong_to) or totals.belongs_to(c.campaign_id)
        if campaign_ids is None or c.campaign_id in campaign_ids
    ]
    if account.coalition:
        # The shared balance counts every store, listed or not.
        balance = sum((t.earned - t.redeemed for t in totals.by_campaign.values()), Decimal(0))
        cumulative = sum((t.earned for t in totals.by_campaign.values()), Decimal(0))
        return [_coalition_points(c, totals, balance, cumulative) for c in selected]
    builders = {"points": _points, "earned": _earned, "buyx": _buyx}
    return [builders[c.type](c, totals) for c in selected]


def _head(campaign: Campaign) -> Document:
    return {"id": campaign.campaign_id, "name": campaign.name, "type": campaign.type}


def _points_rewards(campaign: Campaign) -> list[Document]:
    # The campaign's whole catalogue: the document's example lists a 2500
    # reward to a customer holding 1500 points.
    rewards = []
    for r in campaign.rewards:
        reward: Document = {
            "id": r.reward_key,
            "description": r.description,
            "needed_to_redeem": r.needed_to_redeem,
        }
        if r.reward_id is not None:
            reward["reward_id"] = r.reward_id
        rewards.append(reward)
    return rewards


def _points(campaign: Campaign, totals: _CustomerTotals) -> Document:
    t = totals.campaign(campaign.campaign_id)
    balance = t.earned - t.redeemed
    element = _head(campaign)
    element["balance"] = _plain(balance)
    element["cumulative"] = _plain(t.earned)
    if campaign.currency:
        assert campaign.monetary_value_per_point is not None  # enforced by the seed loader
        element["monetary_balance"] = _money(Fraction(balance) * campaign.monetary_value_per_point)
        element["currency"] = campaign.currency
        element["glyph"] = campaign.glyph
    element["last_transaction"] = t.last or NO_DATE
    element["available_rewards"] = _points_rewards(campaign)
    return element


def _earned(campaign: Campaign, totals: _CustomerTotals) -> Document:
    t = totals.campaign(campaign.campaign_id)
    element = _head(campaign)
    element["balance"] = _money(t.earned - t.redeemed)
    element["currency"] = campaign.currency
    element["cumulative"] = _money(t.earned)
    element["last_transaction"] = t.last or NO_DATE
    return element


def _buyx_counts(item: BuyXItem, totals: _CustomerTotals) -> tuple[int, int, int, int]:
    """(balance, earned, cumulative, redeemed) of one item.

    Redeeming one free item takes earn_ratio purchases off the balance.
    """
    t = totals.item(item.item_pk)
    cumulative = int(t.earned)
    redeemed = int(t.redeemed)
    balance = cumulative - redeemed * item.earn_ratio
    return balance, balance // item.earn_ratio, cumulative, redeemed


def _buyx(campaign: Campaign, totals: _CustomerTotals) -> Document:
    balances: list[Document] = []
    rewards: list[Document] = []
    for item in campaign.items:
        balance, earned, cumulative, redeemed = _buyx_counts(item, totals)
        entry: Document = {"name": item.name}
        if item.item_id is not None:
            entry["item_id"] = item.item_id
        entry.update(
            balance=str(balance),
            earned=str(earned),
            cumulative=str(cumulative),
            redeemed=str(redeemed),
            earn_ratio=str(item.earn_ratio),
        )
        balances.append(entry)
        # Rewards list exactly the items the customer has earned one of.
        if earned >= 1:
            reward: Document = {}
            if item.item_id is not None:
                reward["item_id"] = item.item_id
            reward["name"] = item.name
            reward["earn_ratio"] = str(item.earn_ratio)
            if item.reward_id is not None:
                reward["reward_id"] = item.reward_id
            rewards.append(reward)
    element = _head(campaign)
    element["balances"] = balances
    element["last_transaction"] = totals.campaign(campaign.campaign_id).last or NO_DATE
    element["available_rewards"] = rewards
    return element


def _coalition_points(campaign: Campaign, totals: _CustomerTotals, balance: Decimal, cumulative: Decimal) -> Document:
    t = totals.campaign(campaign.campaign_id)
    element = _head(campaign)
    # Every store shows the coalition's balance; cumulative stays the store's.
    element["balance"] = _plain(balance)
    element["cumulative"] = _plain(t.earned)
    element["last_transaction"] = t.last or NO_DATE
    element["balance_coalition"] = _plain(balance)
    element["cumulative_coalition"] = _plain(cumulative)
    element["available_rewards"] = _points_rewards(campaign)
    return element
