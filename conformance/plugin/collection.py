"""The suite's items: one per requirement and scope (``RequirementItem``, runner.py), made from
the suite module's one function; the units of evidence behind them (matrix cases,
negative cases, relations, access cases), selected by ``--cases``; the markers; the
count of the verdict's scope (generated, deselected, collected).

An item's node id names its area, requirement and scope, and nothing of where the
suite or the profile sits: ``customer_info/filters::NOTE-CAMPAIGN-ID[greatwidgets/7070]``
(JUnit: classname ``customer_info.filters``, name ``NOTE-CAMPAIGN-ID[greatwidgets/7070]``).
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance import cases as case_matrix
from conformance.access import generate_access_cases
from conformance.client import Encoding
from conformance.evaluation import Evaluator, Scope, Unit, plan_scopes
from conformance.harness import Harness
from conformance.negative import generate_negative
from conformance.plugin.runner import SUITE_FUNCTION, RequirementItem
from conformance.plugin.state import STATE, State
from conformance.profile import Profile
from conformance.relations import generate_relations
from conformance.requirements import AREAS, catalogue

NODE_PREFIX = "customer_info"
MARKERS = {area: f"requirements about {text}" for area, text in AREAS.items()}


def node_name(requirement: str, scope: str) -> str:
    return f"{requirement}[{scope}]"


def node_id(requirement: str, scope: str) -> str:
    return f"{NODE_PREFIX}/{catalogue()[requirement].area}::{node_name(requirement, scope)}"


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: Any, name: str, obj: object) -> list[RequirementItem] | None:
    if name != SUITE_FUNCTION or not isinstance(collector, pytest.Module):
        return None
    state = collector.config.stash.get(STATE, None)
    if state is None or state.harness is None or state.unusable:
        return []
    scopes = plan(state)
    items = []
    for scope in scopes.values():
        for requirement in scope.requirements:
            item = RequirementItem.from_parent(
                collector,
                name=node_name(requirement, scope.key),
                nodeid=node_id(requirement, scope.key),
                requirement=requirement,
                scope=scope,
            )
            item.add_marker(catalogue()[requirement].area)
            items.append(item)
    state.generated = len(items)
    return items


def pytest_collection_modifyitems(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None and state.usage_error:
        raise pytest.UsageError(state.usage_error)


def plan(state: State) -> dict[str, Scope]:
    """The run's units by scope (those --cases selects), and the evaluator that judges them."""
    harness = state.harness
    assert harness is not None
    settings = state.settings
    evaluator = Evaluator(
        harness,
        settings.concurrency,
        lambda case: _has_buyx(harness, case),
        compare=state.compare,
        baseline_ids=frozenset(case for _, case in settings.baseline.entries) if settings.baseline else frozenset(),
    )
    state.evaluator = evaluator
    if state.stop_case is not None:
        # The target answered no envelope: its smoke lookup is the one case, and its
        # items are the requirements that answer breaks (nothing else can be judged:
        # a pass on an answer that is no envelope would not be earned).
        scope = plan_scopes([state.stop_case])
        for found in scope.values():
            result = evaluator.result(found)
            broken = [r for r, judged in result.requirements.items() if judged.failing_ids]
            found.requirements = broken or [r for r, judged in result.requirements.items() if judged.exercised]
        state.cases_generated = state.cases_selected = 1
        return scope
    # Before the units: the pre-flight's lookups are the matrix's own, and learn() (which
    # the generators call) reads the lookups by code from the store they leave.
    state.diagnoses = harness.preflight(settings.concurrency)
    units = generate_units(harness, settings.combinations)
    state.matrix_sizes = matrix_sizes(harness, settings.combinations, units)
    state.cases_generated = len(units)
    if settings.cases is not None:
        from conformance.selection import unit_parameters

        units = [u for u in units if settings.cases.matches(unit_parameters(u))]
        if not units:
            # Raised from pytest_collection_modifyitems, where pytest makes a usage error
            # of it (exit 4); raised here, inside a module's collection, it would be a
            # collection error (exit 2).
            state.usage_error = (
                f"--cases {settings.cases.text!r} selects none of the {state.cases_generated} cases: "
                "see 'Selecting' in README.md for the parameter names and values"
            )
    state.cases_selected = len(units)
    evaluator.scopes = plan_scopes(units)
    return evaluator.scopes


def generate_units(harness: Harness, mode: case_matrix.Mode) -> list[Unit]:
    """Every unit of evidence of a run in ``mode``: the matrix (and its probes), the
    negative space, the relations, the access cases."""
    campaigns_of = _campaigns_learned(harness)
    units: list[Unit] = []
    units += matrix_cases(harness.profile, campaigns_of, mode, harness.encoding)
    units += generate_relations(harness.profile, campaigns_of)
    units += generate_access_cases(harness.profile, harness.encoding)
    return units


def matrix_sizes(harness: Harness, mode: case_matrix.Mode, units: list[Unit]) -> dict[str, int]:
    """The matrix's size in both modes (``units``: this run's, in ``mode``), so a user can
    choose a mode knowing what it costs; the other mode's is counted, not kept."""
    campaigns_of = _campaigns_learned(harness)
    other: case_matrix.Mode = "pairwise" if mode == "all" else "all"
    matrix = sum(1 for unit in units if isinstance(unit, case_matrix.Case))
    negative = len(generate_negative(harness.profile, campaigns_of))  # the same in every mode
    return {
        mode: matrix,
        other: case_matrix.count(harness.profile, campaigns_of, other, encoding=harness.encoding) + negative,
    }


def matrix_cases(
    profile: Profile, campaigns_of: case_matrix.CampaignLookup, mode: case_matrix.Mode, encoding: Encoding = "form"
) -> list[case_matrix.Case]:
    """The matrix cases in ``mode`` (the matrix, its probes, and the negative space,
    which is not crossed and so the same in every mode): what a run prints as "matrix
    cases per mode", and what tests/test_readme_counts.py compares with docs/performance.md."""
    return case_matrix.generate(profile, campaigns_of, mode, encoding=encoding) + generate_negative(
        profile, campaigns_of
    )


def _campaigns_learned(harness: Harness) -> case_matrix.CampaignLookup:
    """The customer's campaign ids, from the target's own full answer (harness.learn)."""

    def campaigns_of(account: Any, customer: Any) -> list[str]:
        return list(harness.learn(account, customer).campaign_ids)

    return campaigns_of


def _has_buyx(harness: Harness, case: case_matrix.Case) -> bool:
    if case.customer is None:
        return False
    return "buyx" in harness.learn(harness.profile.account(case.account_id), case.customer).campaign_types


def is_generated(item: Any) -> bool:
    """An item the plugin generated (one requirement over one scope)."""
    return isinstance(item, RequirementItem)


def scope_counts(state: State) -> dict[str, Any]:
    """This process's count of the scope (the process that collected). ``generated``
    is None unless the suite's items were generated."""
    generated = state.generated
    not_collected = max(0, generated - state.deselected - state.suite_collected) if generated is not None else 0
    return {
        "generated": generated,
        "deselected": state.deselected,
        "not_collected": not_collected,
        "stopped": state.stopped,
        "cases_generated": state.cases_generated,
        "cases_selected": state.cases_selected,
    }
