"""The checks accept the document's own examples: the harness is not stricter than the document."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cases import Case
from conformance.checks import Observation, run_checks
from conformance.client import Exchange, build_request
from conformance.parse import parse_answer
from conformance.profile import Customer

EXAMPLES = Path(__file__).parent / "data" / "spec-examples"
JOHN = Customer("89898989898989", "1212121212")

# (file, coalition account?, identifier): what request each example answers.
CASES = [
    ("success.xml", False, "code"),
    ("success.json", False, "code"),
    ("coalition-success.xml", True, "code"),
    ("coalition-success.json", True, "code"),
    ("no-match.xml", False, "unknown_code"),
    ("error.xml", False, "neither"),
]


def observe(filename: str, coalition: bool, identifier: str, options: tuple = ()) -> Observation:
    body = (EXAMPLES / filename).read_bytes()
    customer = JOHN if identifier == "code" else None
    case = Case("greatwidgets", coalition, customer, identifier, options)
    request = build_request("john1970", "greatwidgets", [])
    exchange = Exchange(request, "http://127.0.0.1/api.php", 200, {"content-type": "application/xml"}, body)
    return Observation(case, exchange, parse_answer(body))


@pytest.mark.parametrize(("filename", "coalition", "identifier"), CASES, ids=[c[0] for c in CASES])
def test_example_passes_every_check(filename, coalition, identifier):
    options = (("output", "JSON"),) if filename.endswith(".json") else ()
    failures = [f for f in run_checks(observe(filename, coalition, identifier, options)) if f.severity == "fail"]
    assert failures == []


def test_a_broken_example_is_caught():
    # The same machinery fails when the example's BuyX arithmetic is broken: the test
    # above cannot pass vacuously.
    observation = observe("success.xml", False, "code")
    item = observation.document["campaigns"][2]["balances"][0]
    item["earned"] = "2"
    names = {f.check for f in run_checks(observation) if f.severity == "fail"}
    assert "buyx_earned_is_floor_of_balance" in names
