"""Customers with ground truth, built by hand for checks judged without a server.

``expect_block(document)`` writes the profile's ``expect`` block that a document
satisfies (every field it carries), so a test changes one value of it and sees which
requirement the check cites; ``customer_from`` validates a block through the profile's
own schema and consistency rules and builds the :class:`Customer` a case holds.
"""

from __future__ import annotations

import copy
from typing import Any

from conformance.profile import Customer, _account, _consistency_problems, _schema_problems

CAMPAIGN_LISTS = ("available_rewards", "balances")


def expect_block(document: dict[str, Any], transacted: dict[str, bool] | None = None) -> dict[str, Any]:
    """The ``expect`` block saying everything ``document`` carries (``transacted`` per campaign id, when given)."""
    found = copy.deepcopy(document)
    block_campaigns = []
    for campaign in found.get("campaigns", []):
        entry: dict[str, Any] = {"id": campaign["id"]}
        if transacted is not None:
            entry["transacted"] = transacted[campaign["id"]]
        entry.update({k: v for k, v in campaign.items() if k != "id"})
        block_campaigns.append(entry)
    return {"customer": found["customer"], "campaigns": block_campaigns}


def customer_from(
    block: dict[str, Any] | None, coalition: bool = False, account_campaigns: list[str] | None = None,
    code: str = "89898989898989", card_number: str = "1212121212",
) -> Customer:  # fmt: skip
    """The customer of a one-account profile carrying ``block``; a profile the loader would
    refuse raises AssertionError with its messages."""
    person: dict[str, Any] = {"code": code, "card_number": card_number}
    if block is not None:
        person["expect"] = block
    account: dict[str, Any] = {
        "account_id": "coaldemo" if coalition else "greatwidgets",
        "coalition": coalition,
        "customers": [person],
    }
    if account_campaigns is not None:
        account["campaigns"] = account_campaigns
    data = {"credentials": {"user_id": "john1970"}, "accounts": [account]}
    problems = _schema_problems(data) or _consistency_problems(data)
    assert not problems, problems
    return _account(account).customers[0]


def at(block: dict[str, Any], path: str) -> tuple[Any, Any]:
    """(parent, key) of a slash path in a block ("campaigns/0/balances/1/earned")."""
    parent: Any = block
    parts = [int(p) if p.isdigit() else p for p in path.split("/")]
    for part in parts[:-1]:
        parent = parent[part]
    return parent, parts[-1]


def changed(block: dict[str, Any], path: str, value: Any = "999999") -> dict[str, Any]:
    block = copy.deepcopy(block)
    parent, key = at(block, path)
    parent[key] = value
    return block


def removed(block: dict[str, Any], path: str) -> dict[str, Any]:
    block = copy.deepcopy(block)
    parent, key = at(block, path)
    del parent[key]
    return block
