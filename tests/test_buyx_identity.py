"""balance = cumulative - redeemed x earn_ratio ties four sentences of the document
together. One answer is a snapshot: the failure cites the sentence the numbers pin down,
and the worked example (BUYX-EXAMPLE) where they cannot tell which number is wrong."""

from __future__ import annotations

import pytest

from tests.evidence import failures, judge_answer


def _failures(item: dict[str, str]) -> list[tuple[str, str | None]]:
    document = {
        "status": "success",
        "customer": {},
        "campaigns": [{"id": "1", "type": "buyx", "balances": [{"name": "Coffees", "earned": "0", **item}]}],
    }
    return [
        f
        for f in failures(judge_answer(document))
        if f[0].startswith("buyx_balance") or f[0] == "buyx_counts_are_whole_numbers"
    ]


@pytest.mark.parametrize(
    ("item", "requirement"),
    [
        # cumulative leaves the redeemed purchases out, or the redemption was not deducted:
        # the same numbers (balance = cumulative), so only the example's arithmetic is pinned.
        ({"balance": "14", "cumulative": "14", "redeemed": "1", "earn_ratio": "10"}, "BUYX-EXAMPLE"),
        ({"balance": "24", "cumulative": "24", "redeemed": "1", "earn_ratio": "10"}, "BUYX-EXAMPLE"),
        # redeemed counts purchases: 10 free coffees need 100 purchases, there were 24.
        ({"balance": "14", "cumulative": "24", "redeemed": "10", "earn_ratio": "10"}, "BUYX-REDEEMED"),
        # each redemption deducted 9, not the 10 needed to earn it.
        ({"balance": "15", "cumulative": "24", "redeemed": "1", "earn_ratio": "10"}, "BUYX-REDEMPTION"),
        # a lifetime count below what is in the balance now.
        ({"balance": "14", "cumulative": "13", "redeemed": "0", "earn_ratio": "10"}, "BUYX-CUMULATIVE"),
        ({"balance": "14", "cumulative": "24", "redeemed": "0.5", "earn_ratio": "10"}, "BUYX-REDEEMED"),
        ({"balance": "-4", "cumulative": "24", "redeemed": "1", "earn_ratio": "10"}, "BUYX-BALANCE"),
    ],
    ids=[
        "cumulative-or-not-deducted",
        "not-deducted",
        "redeemed-counts-purchases",
        "wrong-deduction",
        "cumulative-below-balance",
        "redeemed-fraction",
        "negative-balance",
    ],
)
def test_a_broken_identity_cites_the_one_sentence_the_numbers_pin(item: dict[str, str], requirement: str) -> None:
    found = _failures(item)
    assert found and {r for _, r in found} == {requirement}, found


def test_the_documents_example_holds() -> None:
    assert _failures({"balance": "14", "cumulative": "24", "redeemed": "1", "earn_ratio": "10"}) == []
    assert _failures({"balance": "4", "cumulative": "14", "redeemed": "1", "earn_ratio": "10"}) == []
