"""BuyX campaigns: the arithmetic of the document's coffee example.

One answer is a snapshot: it cannot always tell which sentence a wrong number breaks
(a balance that kept redeemed purchases and a cumulative that lost them look alike).
Each check narrows to the sentence the numbers pin down, and otherwise cites the worked
example (BUYX-EXAMPLE: balance 4 = 14 purchases - 10 for the one free coffee), whose
arithmetic any of them breaks.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from conformance.checks import Evidence, Finding, Reporter, check
from conformance.document import campaigns, items, number

NO_BUYX = "no BuyX campaign with items in the answer (give the profile a customer with a BuyX campaign)"


def _buyx_items(e: Evidence) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [
        (f"campaigns/{i}/balances/{j}", campaign, item)
        for i, campaign in enumerate(campaigns(e.document))
        if campaign.get("type") == "buyx"
        for j, item in enumerate(items(campaign, "balances"))
    ]


def _count(value: Decimal | None) -> bool:
    """A count of purchases or free items: a whole number, 0 or more."""
    return value is not None and value >= 0 and value == value.to_integral_value()


@check("buyx_counts_are_whole_numbers", "BUYX-BALANCE", "BUYX-REDEEMED")
def buyx_counts_are_whole_numbers(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """balance is "the amount of purchases" and redeemed "the number of free items":
    counts, so whole numbers, 0 or more."""
    found = _buyx_items(e)
    if not found:
        r.not_applicable(NO_BUYX)
    for where, _, item in found:
        for name, requirement in (("balance", "BUYX-BALANCE"), ("redeemed", "BUYX-REDEEMED")):
            value = number(item.get(name))
            if value is None:
                continue  # not a number at all: amounts_are_numbers says so
            r.checked(requirement)
            if not _count(value):
                yield r.fail(
                    requirement,
                    f"{item.get('name')!r}: {name} is not a count",
                    where=f"{where}/{name}",
                    expected="a whole number >= 0",
                    got=str(item.get(name))[:80],
                )


@check("buyx_earned_is_floor_of_balance", "BUYX-EARNED")
def buyx_earned_is_floor_of_balance(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """earned = floor(balance / earn_ratio): whole free items earned by the balance."""
    for where, _, item in _buyx_items(e):
        balance, ratio, earned = (number(item.get(k)) for k in ("balance", "earn_ratio", "earned"))
        if balance is None or ratio is None or earned is None or ratio <= 0:
            continue
        r.checked("BUYX-EARNED")
        if earned != balance // ratio:
            yield r.fail(
                "BUYX-EARNED",
                f"{item.get('name')!r}: earned is not floor(balance / earn_ratio)",
                where=f"{where}/earned",
                expected=f"{balance // ratio} (floor({balance} / {ratio}))",
                got=str(item.get("earned"))[:80],
            )
    r.not_applicable(NO_BUYX + " with numeric balance, earn_ratio > 0 and earned")


@check(
    "buyx_balance_is_cumulative_minus_redeemed", "BUYX-CUMULATIVE", "BUYX-REDEEMED", "BUYX-REDEMPTION", "BUYX-EXAMPLE"
)
def buyx_balance_is_cumulative_minus_redeemed(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """Each redemption deducts earn_ratio purchases from the balance and adds 1 to
    redeemed; cumulative counts every purchase. So balance = cumulative - redeemed x
    earn_ratio, as in the example (4 = 14 - 1 x 10)."""
    for where, _, item in _buyx_items(e):
        balance, cumulative, redeemed, ratio = (
            number(item.get(k)) for k in ("balance", "cumulative", "redeemed", "earn_ratio")
        )
        if (
            balance is None
            or cumulative is None
            or redeemed is None
            or ratio is None
            or not (_count(redeemed) and _count(balance))
            or ratio <= 0
        ):
            # A count that is no count is buyx_counts_are_whole_numbers' failure alone.
            continue
        name = item.get("name")
        r.checked("BUYX-CUMULATIVE", "BUYX-REDEEMED", "BUYX-EXAMPLE")
        if redeemed > 0:
            r.checked("BUYX-REDEMPTION")
        if balance > cumulative:
            # Every purchase in the balance is a lifetime purchase.
            yield r.fail(
                "BUYX-CUMULATIVE",
                f"{name!r}: cumulative is below the balance",
                where=f"{where}/cumulative",
                expected=f"at least the balance {balance} (every purchase counts, redeemed ones too)",
                got=str(cumulative),
            )
        elif redeemed * ratio > cumulative:
            # Each free item took earn_ratio purchases; there were not that many.
            yield r.fail(
                "BUYX-REDEEMED",
                f"{name!r}: more free items redeemed than the purchases could earn",
                where=f"{where}/redeemed",
                expected=f"at most {cumulative // ratio} (cumulative {cumulative} / earn_ratio {ratio})",
                got=str(redeemed),
            )
        elif balance != cumulative - redeemed * ratio:
            deducted = cumulative - balance
            if redeemed > 0 and deducted > 0 and deducted % redeemed == 0:
                # cumulative and redeemed agree with each other; each redemption took
                # another amount than the items needed to earn it.
                yield r.fail(
                    "BUYX-REDEMPTION",
                    f"{name!r}: each redemption deducted {deducted / redeemed} purchases, not earn_ratio",
                    where=f"{where}/balance",
                    expected=f"{cumulative - redeemed * ratio} ({cumulative} - {redeemed} x {ratio})",
                    got=str(balance),
                )
            else:
                yield r.fail(
                    "BUYX-EXAMPLE",
                    f"{name!r}: balance is not cumulative - redeemed x earn_ratio",
                    where=f"{where}/balance",
                    expected=f"{cumulative - redeemed * ratio} ({cumulative} - {redeemed} x {ratio})",
                    got=str(balance),
                )
    r.not_applicable(NO_BUYX + " with numeric counts", "BUYX-CUMULATIVE", "BUYX-REDEEMED", "BUYX-EXAMPLE")
    r.not_applicable(
        "no BuyX item with a redemption in the answer (give a BuyX customer a redeemed free item)", "BUYX-REDEMPTION"
    )


@check("buyx_available_rewards_are_earned_items", "BUYX-AVAILABLE-REWARDS")
def buyx_available_rewards_are_earned_items(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """available_rewards lists exactly the items earned at least once, with their earn_ratio."""
    judged = False
    for i, campaign in enumerate(campaigns(e.document)):
        if campaign.get("type") != "buyx" or not items(campaign, "balances"):
            continue
        judged = True
        earned = {
            _item_key(item): item for item in items(campaign, "balances") if (number(item.get("earned")) or 0) >= 1
        }
        rewards = {_item_key(reward): reward for reward in items(campaign, "available_rewards")}
        where = f"campaigns/{i}/available_rewards"
        for key in sorted(set(rewards) - set(earned)):
            yield r.fail(
                "BUYX-AVAILABLE-REWARDS",
                f"available_rewards lists {key}, which the customer has not earned",
                where=where,
                expected="only items with earned >= 1",
                got=key,
            )
        for key in sorted(set(earned) - set(rewards)):
            yield r.fail(
                "BUYX-AVAILABLE-REWARDS",
                f"available_rewards misses {key}, earned {earned[key].get('earned')} time(s)",
                where=where,
                expected=f"a reward for {key}",
                got="none",
            )
        for key in sorted(set(earned) & set(rewards)):
            item, reward = earned[key], rewards[key]
            if number(reward.get("earn_ratio")) != number(item.get("earn_ratio")):
                yield r.fail(
                    "BUYX-AVAILABLE-REWARDS",
                    f"the reward for {key} has another earn_ratio than the item",
                    where=where,
                    expected=str(item.get("earn_ratio"))[:80],
                    got=str(reward.get("earn_ratio"))[:80],
                )
            if "name" in reward and "name" in item and reward["name"] != item["name"]:
                yield r.fail(
                    "BUYX-AVAILABLE-REWARDS",
                    f"the reward for {key} has another name than the item",
                    where=where,
                    expected=repr(item["name"])[:80],
                    got=repr(reward["name"])[:80],
                )
    if judged:
        r.checked("BUYX-AVAILABLE-REWARDS")
    else:
        r.not_applicable(NO_BUYX)


def _item_key(entry: dict[str, Any]) -> str:
    # Items are matched by item_id where given ("item_id" is optional: Books has none).
    return f"item_id {entry['item_id']}" if entry.get("item_id") else f"item {entry.get('name')!r}"
