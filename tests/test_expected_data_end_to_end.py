"""Ground truth end to end: a profile carrying full expectations for one customer
(greatwidgets' John, tests/data/ground-truth-profile.yaml, every value worked out by
hand from the reference's seed ledger) passes against the reference, pairwise; and a
server whose answers carry a value other than the data it holds, consistently in every
answer, format and filter (an operator mutant of tests/mutations.py, or a small one
here), fails citing the requirement of that value, through answer_matches_expected_data.
With the identifiers-only profile the same mutant passes: only the data can tell.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.profile import PASSWORD_ENV
from conformance.reference import PROFILE_PATH
from tests.faults import Fault, serve
from tests.mutations import JOHN, MUTANTS, Mutant, answers, customer
from tests.targets import run_suite

PROFILE = Path(__file__).parent / "data" / "ground-truth-profile.yaml"
CHECK = "answer_matches_expected_data"


@pytest.fixture(autouse=True)
def _no_password_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)


def _run(tmp_path: Path, fault: Fault | None, *args: str, profile: Path = PROFILE) -> tuple[Any, dict[str, Any]]:
    with serve(fault) as url:
        result = run_suite(tmp_path, "--combinations", "pairwise", "--target-url", url, "--target-profile", str(profile), "--report-dir", str(tmp_path / "reports"), *args)
    return result, json.loads((tmp_path / "reports" / "certificate.json").read_text(encoding="utf-8"))


def _failed(certificate: dict[str, Any]) -> set[str]:
    return {r for r, entry in certificate["requirements"].items() if entry["verdict"] == "fail"}


def test_the_hand_worked_expectations_pass_against_the_reference(tmp_path: Path) -> None:
    result, certificate = _run(tmp_path, None)
    assert result.returncode == 0, result.stdout[-3000:]
    assert _failed(certificate) == set()
    evidence = {r: e.get("evidence") for r, e in certificate["requirements"].items()}
    judged_on_data = {"NOTE-ALL-FIELDS", "NOTE-REGISTERED", "EXAMPLE-CUSTOM-FIELD-N", "CALL-RETRIEVES", "EXAMPLE-SUCCESS", "EXAMPLE-POINTS-REWARDS",
                      "EXAMPLE-BUYX-ITEMS", "BUYX-BALANCE", "BUYX-EARNED", "BUYX-CUMULATIVE", "BUYX-REDEEMED", "BUYX-AVAILABLE-REWARDS",
                      "NOTE-INCLUDE-BALANCES-N", "NOTE-CAMPAIGN-ID"}  # fmt: skip
    assert {r for r in judged_on_data if evidence[r] != "expected-data"} == set(), evidence
    # The coalition has no expectations in this profile: judged for consistency only.
    assert evidence["COALITION-SAME-BALANCE"] == "consistency"


def _set_customer(name: str, value: str) -> Any:
    def change(doc: dict[str, Any], fields: dict[str, str]) -> dict[str, Any]:
        for found in customer(doc):
            if name in found:
                found[name] = value
        return doc

    return change


JOHNS_ANSWERS = answers(JOHN)
# (mutant, the requirement its failures must cite). The operator mutants are ones no check
# of internal consistency catches (tests/test_mutation_operators.py OPERATOR_GAPS).
CAUGHT = [
    (MUTANTS["change_number:points.balance+1"], "EXAMPLE-SUCCESS"),
    (MUTANTS["change_number:points.available_rewards.needed_to_redeem+1"], "EXAMPLE-POINTS-REWARDS"),
    (MUTANTS["drop_element:campaigns.employee"], "CALL-RETRIEVES"),
    (MUTANTS["drop_field:customer.custom_field_2"], "EXAMPLE-CUSTOM-FIELD-N"),
    (MUTANTS["drop_element:buyx.balances.books"], "EXAMPLE-BUYX-ITEMS"),
    (Mutant("registered:N", "change_value", "John's registered is N, though he has a password", JOHNS_ANSWERS, _set_customer("registered", "N"), JOHN), "NOTE-REGISTERED"),
    (Mutant("first_name:Jon", "change_value", "John's first_name is Jon", JOHNS_ANSWERS, _set_customer("first_name", "Jon"), JOHN), "NOTE-ALL-FIELDS"),
]


@pytest.mark.parametrize(("mutant", "requirement"), CAUGHT, ids=[m.name for m, _ in CAUGHT])
def test_a_consistently_wrong_value_fails_its_requirement(tmp_path: Path, mutant: Mutant, requirement: str) -> None:
    result, certificate = _run(tmp_path, mutant.fault, "-k", JOHNS_ANSWERS)
    assert result.returncode == 1, result.stdout[-3000:]
    assert _failed(certificate) == {requirement}, (_failed(certificate), result.stdout[-3000:])
    assert f"[{requirement}] {CHECK}:" in result.stdout, result.stdout[-3000:]
    assert certificate["requirements"][requirement]["evidence"] == "expected-data"


def test_without_the_data_the_same_mutant_passes(tmp_path: Path) -> None:
    # The identifiers-only profile: the balance off by one contradicts nothing the document states.
    result, certificate = _run(tmp_path, MUTANTS["change_number:points.balance+1"].fault, "-k", JOHNS_ANSWERS, profile=Path(PROFILE_PATH))
    assert result.returncode == 0, result.stdout[-3000:]
    assert certificate["requirements"]["EXAMPLE-SUCCESS"]["evidence"] == "consistency"
