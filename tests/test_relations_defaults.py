"""Only include_balances=N and show_only_belong_to=Y restrict an answer: Y and N (the
values real clients send for "no restriction") answer what leaving the parameter out
answers. The filters relation compares them with the full answer."""

from __future__ import annotations

import json

import pytest

from conformance.checks import Observation
from conformance.checks.relations import run_relation_checks
from conformance.client import Exchange
from conformance.parse import parse_answer
from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH
from conformance.relations import Relation, generate_relations

FULL = {"status": "success", "customer": {"code": "89898989898989"}, "campaigns": [{"id": "1", "name": "A"}, {"id": "2", "name": "B"}]}
FEWER = {**FULL, "campaigns": FULL["campaigns"][:1]}


def _filters(coalition: bool) -> Relation:
    relations = generate_relations(load_profile(PROFILE_PATH), lambda account, customer: ["1", "2"])
    return next(r for r in relations if r.kind == "filters" and r.coalition is coalition)


def _conformant(role: str) -> dict:
    """What a conformant server answers for each member of the filters relation."""
    if role == "balances-N":
        return {"status": "success", "customer": FULL["customer"]}
    if role.startswith("campaign:"):
        return {**FULL, "campaigns": [c for c in FULL["campaigns"] if c["id"] == role.split(":")[1]]}
    return FULL


def _answers(relation: Relation, documents: dict[str, dict]) -> dict[str, Observation]:
    answers = {}
    for role, case in relation.members:
        body = json.dumps(documents.get(role, _conformant(role))).encode()
        answers[role] = Observation(case, Exchange(case.request("john1970", "form"), "http://127.0.0.1:9/api.php", status=200, body=body), parse_answer(body))
    return answers


def test_filters_relation_has_the_default_values() -> None:
    for coalition in (False, True):
        relation = _filters(coalition)
        assert relation.member("balances-Y").option("include_balances") == "Y"
        assert relation.member("belong-N").option("show_only_belong_to") == "N"


@pytest.mark.parametrize(
    ("role", "coalition", "check", "requirement"),
    [
        ("balances-Y", False, "include_balances_y_is_the_default", "FIELD-INCLUDE-BALANCES"),
        ("balances-Y", True, "include_balances_y_is_the_default", "FIELD-INCLUDE-BALANCES"),
        ("belong-N", True, "show_only_belong_to_n_is_the_default", "NOTE-COALITION-ALL-CAMPAIGNS"),
    ],
)
def test_a_default_value_that_restricts_fails(role: str, coalition: bool, check: str, requirement: str) -> None:
    relation = _filters(coalition)
    failures = [f for f in run_relation_checks(relation, _answers(relation, {role: FEWER})) if f.severity == "fail"]
    assert [(f.check, requirement in f.requirements) for f in failures] == [(check, True)], failures


def test_the_same_answer_passes_and_belong_n_outside_a_coalition_is_not_judged() -> None:
    for coalition in (False, True):
        relation = _filters(coalition)
        assert not [f for f in run_relation_checks(relation, _answers(relation, {})) if f.severity == "fail"]
    relation = _filters(False)
    assert not [f for f in run_relation_checks(relation, _answers(relation, {"belong-N": FEWER})) if f.severity == "fail"]
