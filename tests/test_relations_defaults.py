"""Only include_balances=N and show_only_belong_to=Y restrict an answer: Y and N (the
values real clients send for "no restriction") answer what leaving the parameter out
answers. The filters relation compares them with the full answer."""

from __future__ import annotations

import pytest

from conformance.checks import Finding
from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH
from conformance.relations import Relation, generate_relations
from tests.evidence import judge_relation

FULL = {
    "status": "success",
    "customer": {"code": "89898989898989"},
    "campaigns": [{"id": "1", "name": "A"}, {"id": "2", "name": "B"}],
}
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


def _failures(relation: Relation, documents: dict[str, dict]) -> list[Finding]:
    answers = {role: documents.get(role, _conformant(role)) for role, _ in relation.members}
    return [f for f in judge_relation(relation, answers).findings if f.severity == "fail"]


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
        ("belong-N", True, "show_only_belong_to_n_is_the_default", "FIELD-SHOW-ONLY-BELONG-TO"),
    ],
)
def test_a_default_value_that_restricts_fails(role: str, coalition: bool, check: str, requirement: str) -> None:
    relation = _filters(coalition)
    failures = _failures(relation, {role: FEWER})
    assert [(f.check, f.requirement) for f in failures] == [(check, requirement)], failures


def test_the_same_answer_passes_and_belong_n_outside_a_coalition_is_not_judged() -> None:
    for coalition in (False, True):
        relation = _filters(coalition)
        assert not _failures(relation, {})
    relation = _filters(False)
    assert not _failures(relation, {"belong-N": FEWER})
