"""BuyX campaigns: the arithmetic of the document's coffee example."""

from __future__ import annotations

from typing import Iterator

from conformance.checks import Finding, Observation, Reporter, check
from conformance.document import campaigns, items, number


def _buyx_items(o: Observation) -> Iterator[tuple[str, dict, dict]]:
    for i, campaign in enumerate(campaigns(o.document)):
        if campaign.get("type") == "buyx":
            for j, item in enumerate(items(campaign, "balances")):
                yield f"campaigns/{i}/balances/{j}", campaign, item


@check("buyx_earned_is_floor_of_balance", "BUYX-EARNED", "BUYX-BALANCE")
def buyx_earned_is_floor_of_balance(o: Observation, r: Reporter) -> Iterator[Finding]:
    """earned = floor(balance / earn_ratio): whole free items earned by the balance."""
    for where, _, item in _buyx_items(o):
        balance, ratio, earned = (number(item.get(k)) for k in ("balance", "earn_ratio", "earned"))
        if None in (balance, ratio, earned) or ratio <= 0:
            continue
        if earned != balance // ratio:
            yield r.fail(f"{item.get('name')!r}: earned is not floor(balance / earn_ratio)", where=f"{where}/earned", expected=f"{balance // ratio} (floor({balance} / {ratio}))", got=str(item.get("earned")))


@check("buyx_balance_is_cumulative_minus_redeemed", "BUYX-REDEMPTION", "BUYX-CUMULATIVE", "BUYX-REDEEMED", "BUYX-EXAMPLE")
def buyx_balance_is_cumulative_minus_redeemed(o: Observation, r: Reporter) -> Iterator[Finding]:
    """Each redemption deducts earn_ratio purchases from the balance and adds 1 to
    redeemed; cumulative counts every purchase. So balance = cumulative - redeemed x earn_ratio."""
    for where, _, item in _buyx_items(o):
        balance, cumulative, redeemed, ratio = (number(item.get(k)) for k in ("balance", "cumulative", "redeemed", "earn_ratio"))
        if None in (balance, cumulative, redeemed, ratio):
            continue
        if redeemed < 0 or redeemed != redeemed.to_integral_value():
            yield r.fail(f"{item.get('name')!r}: redeemed is not a count of free items", requirements=("BUYX-REDEEMED",), where=f"{where}/redeemed", expected="a whole number >= 0", got=str(item.get("redeemed")))
        elif balance != cumulative - redeemed * ratio:
            yield r.fail(
                f"{item.get('name')!r}: balance is not cumulative - redeemed x earn_ratio",
                # Any of the three may be the wrong one: the deduction, a cumulative that
                # leaves redeemed purchases out, a redeemed that counts purchases.
                requirements=("BUYX-REDEMPTION", "BUYX-CUMULATIVE", "BUYX-REDEEMED", "BUYX-EXAMPLE"), where=f"{where}/balance",
                expected=f"{cumulative - redeemed * ratio} ({cumulative} - {redeemed} x {ratio})", got=str(item.get("balance")),
            )


@check("buyx_available_rewards_are_earned_items", "BUYX-AVAILABLE-REWARDS")
def buyx_available_rewards_are_earned_items(o: Observation, r: Reporter) -> Iterator[Finding]:
    """available_rewards lists exactly the items earned at least once, with their earn_ratio."""
    for i, campaign in enumerate(campaigns(o.document)):
        if campaign.get("type") != "buyx":
            continue
        earned = {_item_key(item): item for item in items(campaign, "balances") if (number(item.get("earned")) or 0) >= 1}
        rewards = {_item_key(reward): reward for reward in items(campaign, "available_rewards")}
        where = f"campaigns/{i}/available_rewards"
        for key in sorted(set(rewards) - set(earned)):
            yield r.fail(f"available_rewards lists {key}, which the customer has not earned", where=where, expected="only items with earned >= 1", got=key)
        for key in sorted(set(earned) - set(rewards)):
            yield r.fail(f"available_rewards misses {key}, earned {earned[key].get('earned')} time(s)", where=where, expected=f"a reward for {key}", got="none")
        for key in sorted(set(earned) & set(rewards)):
            item, reward = earned[key], rewards[key]
            if number(reward.get("earn_ratio")) != number(item.get("earn_ratio")):
                yield r.fail(f"the reward for {key} has another earn_ratio than the item", where=where, expected=str(item.get("earn_ratio")), got=str(reward.get("earn_ratio")))
            if "name" in reward and "name" in item and reward["name"] != item["name"]:
                yield r.fail(f"the reward for {key} has another name than the item", where=where, expected=repr(item["name"]), got=repr(reward["name"]))


def _item_key(entry: dict) -> str:
    # Items are matched by item_id where given ("item_id" is optional: Books has none).
    return f"item_id {entry['item_id']}" if entry.get("item_id") else f"item {entry.get('name')!r}"
