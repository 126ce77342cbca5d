"""Values: numbers are numbers, dates are dates, flags are flags."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.checks import Evidence, Finding, Reporter, check
from conformance.document import DOCUMENTED_CAMPAIGN_TYPES, campaigns, customer, is_date_or_never, items, number

_CAMPAIGN_AMOUNTS = ("balance", "cumulative", "monetary_balance", "balance_coalition", "cumulative_coalition")
_ITEM_AMOUNTS = ("balance", "earned", "cumulative", "redeemed", "earn_ratio")


@check("registered_is_y_or_n", "NOTE-REGISTERED")
def registered_is_y_or_n(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """<registered> is 'Y' when the customer has a password, else 'N'. Without expected
    data only the spelling can be judged: Y or N."""
    found = customer(e.document)
    if "registered" not in found:
        r.not_applicable("no registered field in the answer (documented_customer_fields_present judges its absence)")
        return
    r.checked("NOTE-REGISTERED")
    if found["registered"] not in ("Y", "N"):
        yield r.fail(
            "NOTE-REGISTERED",
            "registered is neither Y nor N",
            where="customer/registered",
            expected="Y or N",
            got=repr(found["registered"]),
        )


@check("dates_are_dates", "EXAMPLE-SUCCESS")
def dates_are_dates(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """Dates are YYYY-MM-DD, as in the examples (0000-00-00 or empty: never)."""
    places = (
        [("customer/custom_date", customer(e.document)["custom_date"])] if "custom_date" in customer(e.document) else []
    )
    places += [
        (f"campaigns/{i}/last_transaction", c["last_transaction"])
        for i, c in enumerate(campaigns(e.document))
        if "last_transaction" in c
    ]
    if not places:
        r.not_applicable("no date in the answer")
        return
    r.checked("EXAMPLE-SUCCESS")
    for where, value in places:
        if not (isinstance(value, str) and is_date_or_never(value)):
            yield r.fail(
                "EXAMPLE-SUCCESS",
                "a date is not written YYYY-MM-DD",
                where=where,
                expected="YYYY-MM-DD, 0000-00-00 or empty",
                got=repr(value)[:80],
            )


@check("amounts_are_numbers", "EXAMPLE-SUCCESS", "EXAMPLE-BUYX-ITEMS")
def amounts_are_numbers(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """Balances, cumulatives and ratios are plain decimal numbers ("1,500" is not)."""
    for i, campaign in enumerate(campaigns(e.document)):
        for name in _CAMPAIGN_AMOUNTS:
            if name in campaign:
                r.checked("EXAMPLE-SUCCESS")
                if campaign[name] != "" and number(campaign[name]) is None:
                    yield r.fail(
                        "EXAMPLE-SUCCESS",
                        f"{name} is not a number",
                        where=f"campaigns/{i}/{name}",
                        expected="a decimal number",
                        got=repr(campaign[name])[:80],
                    )
        for j, item in enumerate(items(campaign, "balances")):
            for name in _ITEM_AMOUNTS:
                if name in item:
                    r.checked("EXAMPLE-BUYX-ITEMS")
                    if number(item[name]) is None:
                        yield r.fail(
                            "EXAMPLE-BUYX-ITEMS",
                            f"item {name} is not a number",
                            where=f"campaigns/{i}/balances/{j}/{name}",
                            expected="a decimal number",
                            got=repr(item[name])[:80],
                        )
    r.not_applicable("no amount of that kind in the answer")


@check("campaign_type_is_documented", records=True)
def campaign_type_is_documented(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """The examples show points, earned and buyx; another type is legal but unknown to clients."""
    for i, campaign in enumerate(campaigns(e.document)):
        kind = campaign.get("type")
        if kind is not None and kind not in DOCUMENTED_CAMPAIGN_TYPES:
            yield r.warn(
                f"campaign type {kind!r} is not one the document shows",
                where=f"campaigns/{i}/type",
                expected=" | ".join(DOCUMENTED_CAMPAIGN_TYPES),
                got=repr(kind)[:80],
            )
