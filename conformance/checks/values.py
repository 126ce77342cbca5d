"""Values: numbers are numbers, dates are dates, flags are flags."""

from __future__ import annotations

from typing import Iterator

from conformance.checks import Finding, Observation, Reporter, check
from conformance.document import DOCUMENTED_CAMPAIGN_TYPES, campaigns, customer, is_date_or_never, items, number

_CAMPAIGN_AMOUNTS = ("balance", "cumulative", "monetary_balance", "balance_coalition", "cumulative_coalition")
_ITEM_AMOUNTS = ("balance", "earned", "cumulative", "redeemed", "earn_ratio")


@check("registered_is_y_or_n", "NOTE-REGISTERED")
def registered_is_y_or_n(o: Observation, r: Reporter) -> Iterator[Finding]:
    """<registered> is 'Y' when the customer has a password, else 'N'."""
    found = customer(o.document)
    if "registered" in found and found["registered"] not in ("Y", "N"):
        yield r.fail("registered is neither Y nor N", where="customer/registered", expected="Y or N", got=repr(found["registered"]))


@check("dates_are_dates", "EXAMPLE-SUCCESS")
def dates_are_dates(o: Observation, r: Reporter) -> Iterator[Finding]:
    """Dates are YYYY-MM-DD, as in the examples (0000-00-00 or empty: never)."""
    places = [("customer/custom_date", customer(o.document).get("custom_date", ""))]
    places += [(f"campaigns/{i}/last_transaction", c.get("last_transaction", "")) for i, c in enumerate(campaigns(o.document))]
    for where, value in places:
        if not is_date_or_never(value):
            yield r.fail("a date is not written YYYY-MM-DD", where=where, expected="YYYY-MM-DD, 0000-00-00 or empty", got=repr(value))


@check("amounts_are_numbers", "EXAMPLE-SUCCESS", "EXAMPLE-BUYX-ITEMS")
def amounts_are_numbers(o: Observation, r: Reporter) -> Iterator[Finding]:
    """Balances, cumulatives and ratios are plain decimal numbers ("1,500" is not)."""
    for i, campaign in enumerate(campaigns(o.document)):
        for name in _CAMPAIGN_AMOUNTS:
            if name in campaign and campaign[name] != "" and number(campaign[name]) is None:
                yield r.fail(f"{name} is not a number", where=f"campaigns/{i}/{name}", expected="a decimal number", got=repr(campaign[name]))
        for j, item in enumerate(items(campaign, "balances")):
            for name in _ITEM_AMOUNTS:
                if name in item and number(item[name]) is None:
                    yield r.fail(f"item {name} is not a number", where=f"campaigns/{i}/balances/{j}/{name}", expected="a decimal number", got=repr(item[name]))


@check("campaign_type_is_documented", "EXAMPLE-SUCCESS")
def campaign_type_is_documented(o: Observation, r: Reporter) -> Iterator[Finding]:
    """The examples show points, earned and buyx; another type is legal but unknown to clients."""
    for i, campaign in enumerate(campaigns(o.document)):
        kind = campaign.get("type")
        if kind is not None and kind not in DOCUMENTED_CAMPAIGN_TYPES:
            yield r.warn(f"campaign type {kind!r} is not one the document shows", where=f"campaigns/{i}/type", expected=" | ".join(DOCUMENTED_CAMPAIGN_TYPES), got=repr(kind))
