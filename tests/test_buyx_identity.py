"""balance = cumulative - redeemed x earn_ratio ties three sentences of the document
together; when it does not hold, the failure cites each of them, since any of the three
numbers may be the wrong one."""

from __future__ import annotations

import json

import pytest

from conformance.checks import Observation, Reporter
from conformance.checks.buyx import buyx_balance_is_cumulative_minus_redeemed
from conformance.client import Exchange, build_request
from conformance.parse import parse_answer


def _findings(item: dict[str, str]) -> list:
    document = {"status": "success", "customer": {}, "campaigns": [{"id": "1", "type": "buyx", "balances": [{"name": "Coffees", **item}]}]}
    body = json.dumps(document).encode()
    request = build_request("u", "a", [("code", "1")])
    observation = Observation(None, Exchange(request, "http://127.0.0.1:9/", status=200, body=body), parse_answer(body))
    return list(buyx_balance_is_cumulative_minus_redeemed(observation, Reporter("buyx_balance_is_cumulative_minus_redeemed", ())))


@pytest.mark.parametrize(
    "item",
    [
        {"balance": "14", "cumulative": "14", "redeemed": "1", "earn_ratio": "10"},  # cumulative leaves the redeemed purchases out
        {"balance": "14", "cumulative": "24", "redeemed": "10", "earn_ratio": "10"},  # redeemed counts purchases, not free items
        {"balance": "24", "cumulative": "24", "redeemed": "1", "earn_ratio": "10"},  # the redemption is not deducted
    ],
    ids=["cumulative", "redeemed", "redemption"],
)
def test_a_broken_identity_cites_every_sentence_it_ties(item: dict[str, str]) -> None:
    (finding,) = _findings(item)
    assert finding.requirements[:2] == ("BUYX-REDEMPTION", "BUYX-CUMULATIVE")
    assert {"BUYX-REDEEMED", "BUYX-EXAMPLE"} <= set(finding.requirements)


def test_the_documents_example_holds() -> None:
    assert _findings({"balance": "14", "cumulative": "24", "redeemed": "1", "earn_ratio": "10"}) == []
