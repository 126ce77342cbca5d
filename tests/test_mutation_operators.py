"""The mutation operators of tests/mutations.py against the conformance suite.

Each operator mutant (the reference's real answers changed by one generic operator:
drop, duplicate or reorder a list element, change a number, swap a value between two
customers or two campaigns, drop a field, change a status) runs the installed suite
(``--pyargs conformance.suite``, pairwise) with its ``--cases`` selection, in worker
processes, through ``tests/selftest.py`` like the hand-written faults. A mutant is
*killed* when at least one case fails. An *equivalent* mutant (``allowed_by``: legal
under the document) must pass. A non-equivalent mutant the suite lets through is a gap
of the harness, listed in ``OPERATOR_GAPS`` with the check that would catch it (a
strict xfail: the day the check exists, the list must shrink).
"""

from __future__ import annotations

import re

import pytest
from werkzeug.test import Client

from conformance.reference import make_app
from tests.faults import SMOKE_FIELDS, FaultyApp, parse
from tests.mutations import MUTANTS, OPERATORS, with_relations
from tests.selftest import SessionRuns, Target, Verdict, operator_state, verdicts_once_per_run


class HarnessMissedMutant(AssertionError):
    """A non-equivalent operator mutant passed the suite: a gap in the harness."""


_PROFILE_VALUES = (
    "killed only by the data the target holds: a value consistently wrong in every answer (and every format, "
    "filter and relation) contradicts nothing the document states; the certification profile's expect block "
    "catches it (with the identifiers-only profile it survives: tests/test_expected_data_end_to_end.py)"
)
_BALANCE_WITHIN_CUMULATIVE = (
    "killed only by the data the target holds: the document defines cumulative only for BuyX items, and its "
    "coalition example shows a points balance above its campaign's cumulative (1500 > 0), so balance <= "
    "cumulative is not a rule the document states for points or earned campaigns; the certification profile judges it"
)
_REWARDS_DROPPED = (
    "killed only by the data the target holds: available_rewards lists the rewards the customer can have now, "
    "which may be none (the earned campaign of the example has no such list), so only knowing the customer has "
    "rewards 678 and 753 shows them missing"
)
_PRESENCE_FOLLOWS_THE_DATA = (
    "killed only by the data the target holds: the document's examples show {0} in one entry and leave it out in "
    "another, but by the entry's data (reward 678 carries A-345678 in every example, reward 753 never; Widget "
    "Rewards carries monetary_balance, currency and glyph, the coalition's stores none of them), so leaving it out "
    "of an entry the data set gives it fails against the certification profile; with the identifiers-only "
    "profile it passes (until 7 December 2026 these were listed as equivalent: a value left out was recorded, "
    "not failed)"
)

# The mutants that survived the identifiers-only profile (71 of 86 killed, 1 December
# 2026), each killed now that the reference's profile is the certification profile.
KILLED_BY_GROUND_TRUTH: dict[str, str] = {
    "drop_element:campaigns.employee": _PROFILE_VALUES,
    "drop_element:points.available_rewards.753": _PROFILE_VALUES,
    "drop_element:buyx.balances.books": _PROFILE_VALUES,
    "change_number:points.balance+1": _PROFILE_VALUES,
    "change_number:points.cumulative-1": _PROFILE_VALUES,
    "change_number:points.balance.x10": _BALANCE_WITHIN_CUMULATIVE,
    "change_number:earned.balance+1": _BALANCE_WITHIN_CUMULATIVE,
    "change_number:points.available_rewards.needed_to_redeem+1": _PROFILE_VALUES,
    "change_number:coalition.balance+balance_coalition+1": _PROFILE_VALUES,
    "swap_customers:zoe.first_name=cody": _PROFILE_VALUES,
    "swap_customers:zoe.email=cody": _PROFILE_VALUES,
    "swap_customers:zoe.campaigns=cody": _PROFILE_VALUES,
    "swap_customers:mary.campaigns=coal_john": _PROFILE_VALUES,
    "drop_field:customer.custom_field_2": _PROFILE_VALUES,
    "drop_field:points.available_rewards": _REWARDS_DROPPED,
    "drop_field:points.monetary_balance": _PRESENCE_FOLLOWS_THE_DATA.format("<monetary_balance>"),
    "drop_field:points.currency": _PRESENCE_FOLLOWS_THE_DATA.format("<currency>"),
    "drop_field:points.glyph": _PRESENCE_FOLLOWS_THE_DATA.format("<glyph>"),
    "drop_field:earned.currency": _PRESENCE_FOLLOWS_THE_DATA.format("<currency>"),
    "drop_field:points.available_rewards.reward_id": _PRESENCE_FOLLOWS_THE_DATA.format("<reward_id>"),
    "drop_field:buyx.available_rewards.reward_id": _PRESENCE_FOLLOWS_THE_DATA.format("<reward_id>"),
}

# Survivors: gaps of the harness, each with the check that would catch it (none today).
OPERATOR_GAPS: dict[str, str] = {}


def operator_targets() -> list[Target]:
    return [Target("operator", name, mutant.selection) for name, mutant in MUTANTS.items()]


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[Target, Verdict]:
    """Every operator mutant's run, two worker processes side by side."""
    shared = verdicts_once_per_run("operators", operator_targets(), tmp_path_factory.getbasetemp())
    if shared is not None:  # pytest-xdist: one worker ran them for all
        return shared
    return SessionRuns.of_session(tmp_path_factory.mktemp("selftest")).verdicts(operator_targets())


def _param(name: str) -> pytest.param:
    if name in OPERATOR_GAPS:
        return pytest.param(
            name, marks=pytest.mark.xfail(strict=True, raises=HarnessMissedMutant, reason=OPERATOR_GAPS[name])
        )
    return pytest.param(name)


def _failures(verdict: Verdict) -> str:
    lines = [f"  {count:4d} x [{', '.join(ids)}] {check}" for (check, ids), count in verdict.tally("fail").items()]
    return "\n".join(lines) + "\n\n" + (verdict.failure_text[:3000] or "\n".join(verdict.output.splitlines()[-40:]))


@pytest.mark.parametrize("name", [_param(name) for name in MUTANTS])
def test_operator_mutant(name: str, verdicts: dict[Target, Verdict]) -> None:
    mutant = MUTANTS[name]
    verdict = verdicts[Target("operator", name, mutant.selection)]
    state = operator_state(verdict)
    assert state != "broken", (
        f"{name}: the run gave no verdict (exit {verdict.exit_code}, "
        f"{verdict.tests} cases, {verdict.problem})\n{verdict.output[-3000:]}"
    )
    if mutant.equivalent:
        assert state == "passed", (
            f"{name} ({mutant.description}) is allowed ({mutant.allowed_by}), "
            f"but the suite failed it:\n{_failures(verdict)}"
        )
    elif state == "passed":
        raise HarnessMissedMutant(f"{name} ({mutant.description}): all {verdict.tests} selected cases passed")


def test_gaps_are_operator_mutants_that_can_fail() -> None:
    """A gap names an existing mutant, and never an equivalent one (which must pass)."""
    for name in OPERATOR_GAPS:
        assert name in MUTANTS and not MUTANTS[name].equivalent, name


def test_survivors_are_judged_on_every_case_that_sees_them() -> None:
    """A mutant that passes (equivalent) or is a gap runs every case that can receive an
    answer carrying its victim: a narrower selection could hide the check that kills it."""
    for name, mutant in MUTANTS.items():
        if mutant.equivalent or name in OPERATOR_GAPS:
            assert mutant.victim is not None and mutant.selection == with_relations(mutant.victim), (
                f"{name}: {mutant.selection!r}"
            )


def test_every_operator_yields_several_mutants() -> None:
    assert set(OPERATORS) == {
        "drop_element",
        "duplicate_element",
        "reorder",
        "change_number",
        "swap_customers",
        "swap_campaigns",
        "drop_field",
        "change_status",
    }
    for operator in OPERATORS:
        assert sum(m.operator == operator for m in MUTANTS.values()) >= 3, operator
    directories = {re.sub(r"[^\w.+-]", "_", name) for name in MUTANTS}  # tests/selftest.py's run directories
    assert len(directories) == len(MUTANTS)


# -- the mutants, without the suite ----------------------------------------------------------
CREDENTIALS = {k: SMOKE_FIELDS[k] for k in ("user_id", "user_password", "type")}


@pytest.fixture(scope="module")
def reference() -> Client:
    return Client(make_app())


@pytest.fixture(scope="module")
def inner() -> object:
    return make_app()


@pytest.mark.parametrize("name", list(MUTANTS))
def test_mutant_is_in_effect(name: str, reference: Client, inner: object) -> None:
    """The mutant changes the answer it is about (a mutant that changes nothing would
    pass and be counted as equivalent or as a gap, wrongly)."""
    mutant = MUTANTS[name]
    data = {**CREDENTIALS, **mutant.witness_fields, "output": "JSON"}
    expected = parse(reference.post("/api.php", data=data).get_data())
    got = parse(Client(FaultyApp(mutant.fault, inner=inner)).post("/api.php", data=data).get_data())
    assert expected is not None and got is not None
    assert got.document != expected.document, f"{name}: the answer to {mutant.witness_fields} is unchanged"


@pytest.mark.parametrize("name", list(MUTANTS))
def test_every_format_carries_the_same_mutation(name: str, inner: object) -> None:
    """XML, JSON and JSONP answers of one request carry one (mutated) document: the
    formats relations cannot tell a mutant apart, which is why with_relations leaves
    their groups out of the survivors' selection."""
    mutant = MUTANTS[name]
    client = Client(FaultyApp(mutant.fault, inner=inner))
    documents = []
    for output in ({}, {"output": "JSON"}, {"output": "JSON", "callback": "cb", "condensed": "yes"}):
        parsed = parse(client.post("/api.php", data={**CREDENTIALS, **mutant.witness_fields, **output}).get_data())
        assert parsed is not None, (name, output)
        documents.append(parsed.document)
    assert documents[1] == documents[2], name
    assert _xml_view(documents[0]) == _xml_view(documents[1]), name


def _xml_view(document: object) -> object:
    """What XML can say of a JSON document: an empty list and an empty text read alike."""
    if isinstance(document, dict):
        return {k: _xml_view(v) for k, v in document.items()}
    if isinstance(document, list):
        return [_xml_view(v) for v in document] or ""
    return document
