"""Coalition accounts: one shared balance across every store's campaign."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.checks import Evidence, Finding, Reporter, check
from conformance.document import Number, campaigns, number

NO_COALITION = (
    "no coalition campaign in the answer (give the profile a coalition account whose customer has points campaigns)"
)


def _coalition_campaigns(e: Evidence) -> list[tuple[int, dict[str, Any]]]:
    if not e.case.coalition or e.document.get("status") != "success":
        return []
    return [(i, c) for i, c in enumerate(campaigns(e.document)) if c.get("type") != "buyx"]


@check("coalition_campaigns_carry_coalition_fields", "EXAMPLE-COALITION")
def coalition_campaigns_carry_coalition_fields(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """Doc, coalition example: each campaign has balance_coalition and cumulative_coalition."""
    found = _coalition_campaigns(e)
    if not found:
        r.not_applicable(NO_COALITION)
        return
    r.checked("EXAMPLE-COALITION")
    for i, campaign in found:
        missing = [name for name in ("balance_coalition", "cumulative_coalition") if name not in campaign]
        if missing:
            yield r.fail(
                "EXAMPLE-COALITION",
                "a coalition campaign without its coalition totals",
                where=f"campaigns/{i}",
                expected="balance_coalition and cumulative_coalition",
                got="missing: " + ", ".join(missing),
            )


@check("coalition_balance_is_shared", "NOTE-COALITION-BALANCE", "COALITION-SAME-BALANCE")
def coalition_balance_is_shared(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """Every campaign shows the same balance (COALITION-SAME-BALANCE); each campaign's
    balance is the coalition balance, and all share one balance_coalition and one
    cumulative_coalition (NOTE-COALITION-BALANCE)."""
    found = _coalition_campaigns(e)
    if len(found) < 2:
        r.not_applicable(
            "fewer than two coalition campaigns in the answer (give a coalition customer two or more points campaigns)",
            "COALITION-SAME-BALANCE",
        )
    if not found:
        r.not_applicable(NO_COALITION)
        return
    for name in ("balance", "balance_coalition", "cumulative_coalition"):
        present = [(c, number(c.get(name))) for _, c in found if name in c]
        requirement = "COALITION-SAME-BALANCE" if name == "balance" else "NOTE-COALITION-BALANCE"
        if len(present) > 1:
            r.checked(requirement)
            if len({value for _, value in present}) > 1:
                listing = ", ".join(f"{c.get('id')}: {c.get(name)}" for c, _ in present)
                yield r.fail(
                    requirement,
                    f"coalition campaigns show different {name} values",
                    where=f"campaigns/*/{name}",
                    expected="one value for every campaign",
                    got=listing[:300],
                )
    for i, campaign in found:
        balance, shared = number(campaign.get("balance")), number(campaign.get("balance_coalition"))
        if balance is not None and shared is not None:
            r.checked("NOTE-COALITION-BALANCE")
            if balance != shared:
                yield r.fail(
                    "NOTE-COALITION-BALANCE",
                    "a coalition campaign's balance is not the coalition balance",
                    where=f"campaigns/{i}/balance",
                    expected=f"{campaign.get('balance_coalition')} (balance_coalition)",
                    got=str(campaign.get("balance")),
                )
    r.not_applicable("no coalition campaign with both balance and balance_coalition", "NOTE-COALITION-BALANCE")


@check("store_cumulative_within_coalition", "COALITION-STORE-CUMULATIVE")
def store_cumulative_within_coalition(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """A store's cumulative counts what was earned at that store (it "might be 0 (zero)
    if the points were earned in another store"): each point earned counts at one store,
    so the stores listed add up to at most the coalition's cumulative_coalition."""
    judged: list[tuple[int, dict[str, Any], Number, Number]] = []
    for i, c in _coalition_campaigns(e):
        store, total = number(c.get("cumulative")), number(c.get("cumulative_coalition"))
        if store is not None and total is not None:
            judged.append((i, c, store, total))
    if not judged:
        r.not_applicable(NO_COALITION)
        return
    r.checked("COALITION-STORE-CUMULATIVE")
    for i, _, store, total in judged:
        if store > total:
            yield r.fail(
                "COALITION-STORE-CUMULATIVE",
                "a store's cumulative exceeds the coalition's",
                where=f"campaigns/{i}/cumulative",
                expected=f"at most {total} (cumulative_coalition)",
                got=str(store),
            )
            return  # the sum would say it again
    totals = {total for _, _, _, total in judged}
    stores = sum(store for _, _, store, _ in judged)
    if len(totals) == 1 and stores > min(totals):
        # (Differing cumulative_coalition values are coalition_balance_is_shared's failure.)
        listing = " + ".join(f"{c.get('id')}: {c.get('cumulative')}" for _, c, _, _ in judged)
        yield r.fail(
            "COALITION-STORE-CUMULATIVE",
            "the stores' cumulatives add up to more than the coalition's",
            where="campaigns/*/cumulative",
            expected=f"at most {min(totals)} (cumulative_coalition)",
            got=f"{listing} = {stores}"[:300],
        )
