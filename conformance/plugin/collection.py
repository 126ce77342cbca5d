"""The suite's items: the markers, the cases each test function is parametrised with,
and the count of the verdict's scope (generated, deselected, collected).
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance import cases as case_matrix
from conformance.access import AccessCase, generate_access_cases
from conformance.harness import Harness
from conformance.negative import generate_negative
from conformance.plugin.state import STATE, State
from conformance.profile import Customer, Profile
from conformance.relations import Relation, generate_relations

MARKERS = {
    "errors": "cases whose answer is an error or no_match envelope",
    "formats": "cases that set output, callback or condensed",
    "filters": "cases that set include_balances, campaign_id, hide_custom_field or show_only_belong_to",
    "coalition": "cases in a coalition account",
    "buyx": "cases whose customer has a BuyX campaign",
    "relations": "comparisons between the answers to related requests",
    "access": "required fields, credentials and account scope",
    "security": "authentication, authorisation, injection, password echo, JSONP callbacks",
    "negative": "values that must not match: other customers' identifiers, real ones altered, "
    "other accounts' campaigns",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    wanted = {"conformance_case", "conformance_relation", "conformance_access"} & set(metafunc.fixturenames)
    if not wanted:
        return
    name = wanted.pop()
    state = metafunc.config.stash.get(STATE, None)
    if state is None or state.harness is None or state.unusable:
        metafunc.parametrize(name, [])
        return
    if state.stop_case is not None:
        # The target answered no envelope: its smoke lookup is the one item (nothing
        # else can be judged); RunObserver drops the other functions' empty sets.
        metafunc.parametrize(
            name, [pytest.param(state.stop_case, id=state.stop_case.id)] if name == "conformance_case" else []
        )
        return
    harness = state.harness

    def campaigns_of(account: Any, customer: Any) -> list[str]:
        return list(harness.learn(account, customer).campaign_ids)

    if name == "conformance_access":
        found = generate_access_cases(harness.profile, harness.encoding)
        metafunc.parametrize(
            name, [pytest.param(a, id=a.id, marks=[pytest.mark.access, pytest.mark.security]) for a in found]
        )
        return
    if name == "conformance_relation":
        relations = generate_relations(harness.profile, campaigns_of)
        marks = {True: [pytest.mark.coalition, pytest.mark.relations], False: [pytest.mark.relations]}
        metafunc.parametrize(name, [pytest.param(r, id=r.id, marks=marks[r.coalition]) for r in relations])
        return
    generated = matrix_cases(harness.profile, campaigns_of, state.settings.combinations)
    # Both sizes are reported, so a user can choose a mode knowing what it costs.
    other: case_matrix.Mode = "pairwise" if state.settings.combinations == "all" else "all"
    state.matrix_sizes = {
        state.settings.combinations: len(generated),
        other: len(matrix_cases(harness.profile, campaigns_of, other)),
    }
    params = []
    # One list of marks per distinct set of areas, shared by the cases: a mark made per
    # case costs about 0.5 KB, 17 MB over the full matrix.
    shared_marks: dict[tuple[str, ...], list[pytest.MarkDecorator]] = {}
    for case in generated:
        areas = tuple(sorted(case.areas)) + (
            ("buyx",)
            if case.customer is not None and "buyx" in _learned_types(harness, case.account_id, case.customer)
            else ()
        )
        if areas not in shared_marks:
            shared_marks[areas] = [getattr(pytest.mark, area) for area in areas]
        params.append(pytest.param(case, id=case.id, marks=shared_marks[areas]))
    metafunc.parametrize("conformance_case", params)


def matrix_cases(
    profile: Profile, campaigns_of: case_matrix.CampaignLookup, mode: case_matrix.Mode
) -> list[case_matrix.Case]:
    """The items of ``test_answer`` in ``mode`` (the matrix, its probes, and the negative
    space, which is not crossed and so the same in every mode): what a run prints as
    "matrix cases per mode", and what tests/test_readme_counts.py compares with the README."""
    return case_matrix.generate(profile, campaigns_of, mode) + generate_negative(profile, campaigns_of)


def _learned_types(harness: Harness, account_id: str, customer: Customer) -> tuple[str, ...]:
    return harness.learn(harness.profile.account(account_id), customer).campaign_types


SUITE_PARAMS = ("conformance_case", "conformance_relation", "conformance_access")


def suite_param(item: Any) -> str | None:
    """Which of the suite's parameters the item has (None: not a suite item)."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    return next((name for name in SUITE_PARAMS if name in params), None)


def is_generated(item: Any) -> bool:
    """A suite item the plugin generated (not pytest's placeholder for an empty set)."""
    name = suite_param(item)
    return name is not None and isinstance(item.callspec.params[name], (case_matrix.Case, Relation, AccessCase))


def scope_counts(state: State) -> dict[str, Any]:
    """This process's count of the scope (the process that collected). ``generated``
    is None unless each of the suite's test functions was generated."""
    known = set(SUITE_PARAMS) <= state.generated_params
    generated = sum(state.generated.values()) if known else None
    not_collected = max(0, generated - state.deselected - state.suite_collected) if generated is not None else 0
    return {
        "generated": generated,
        "deselected": state.deselected,
        "not_collected": not_collected,
        "stopped": state.stopped,
    }
