"""Coalition accounts: one shared balance across every store's campaign."""

from __future__ import annotations

from typing import Iterator

from conformance.checks import Finding, Observation, Reporter, check
from conformance.document import campaigns, number


def _coalition_campaigns(o: Observation) -> list[tuple[int, dict]]:
    if not o.case.coalition or o.document.get("status") != "success":
        return []
    return [(i, c) for i, c in enumerate(campaigns(o.document)) if c.get("type") != "buyx"]


@check("coalition_campaigns_carry_coalition_fields", "EXAMPLE-COALITION")
def coalition_campaigns_carry_coalition_fields(o: Observation, r: Reporter) -> Iterator[Finding]:
    """Doc, coalition example: each campaign has balance_coalition and cumulative_coalition."""
    for i, campaign in _coalition_campaigns(o):
        missing = [name for name in ("balance_coalition", "cumulative_coalition") if name not in campaign]
        if missing:
            yield r.fail("a coalition campaign without its coalition totals", where=f"campaigns/{i}", expected="balance_coalition and cumulative_coalition", got="missing: " + ", ".join(missing))


@check("coalition_balance_is_shared", "NOTE-COALITION-BALANCE", "COALITION-SAME-BALANCE")
def coalition_balance_is_shared(o: Observation, r: Reporter) -> Iterator[Finding]:
    """Every campaign shows the same balance, the coalition balance; all share one
    balance_coalition and one cumulative_coalition."""
    found = _coalition_campaigns(o)
    for name in ("balance", "balance_coalition", "cumulative_coalition"):
        values = {number(c.get(name)) for _, c in found if name in c}
        if len(values) > 1:
            listing = ", ".join(f"{c.get('id')}: {c.get(name)}" for _, c in found)
            requirement = "COALITION-SAME-BALANCE" if name == "balance" else "NOTE-COALITION-BALANCE"
            yield r.fail(f"coalition campaigns show different {name} values", requirements=(requirement,), where=f"campaigns/*/{name}", expected="one value for every campaign", got=listing)
    for i, campaign in found:
        balance, shared = number(campaign.get("balance")), number(campaign.get("balance_coalition"))
        if balance is not None and shared is not None and balance != shared:
            yield r.fail("a coalition campaign's balance is not the coalition balance", requirements=("NOTE-COALITION-BALANCE",), where=f"campaigns/{i}/balance", expected=f"{campaign.get('balance_coalition')} (balance_coalition)", got=str(campaign.get("balance")))


@check("store_cumulative_within_coalition", "COALITION-STORE-CUMULATIVE")
def store_cumulative_within_coalition(o: Observation, r: Reporter) -> Iterator[Finding]:
    """A store's cumulative counts what was earned there, part of the coalition's cumulative."""
    for i, campaign in _coalition_campaigns(o):
        store, total = number(campaign.get("cumulative")), number(campaign.get("cumulative_coalition"))
        if store is not None and total is not None and store > total:
            yield r.fail("a store's cumulative exceeds the coalition's", where=f"campaigns/{i}/cumulative", expected=f"at most {total} (cumulative_coalition)", got=str(store))
