"""Access checks judge what they declare, like every other check.

An access case names the requirement a wrong answer to it breaks; the access check that
declares that requirement judges it, and no other access check does. A case naming a
requirement no access check declares is refused when the run is planned, not left
unjudged (its item would have no check behind it).
"""

from __future__ import annotations

import dataclasses

import pytest

from conformance.access import generate_access_cases
from conformance.checks import REGISTRY, registered_checks
from conformance.client import ENCODINGS, Encoding
from conformance.evaluation import ACCESS_SCOPE, plan_scopes
from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH
from tests.evidence import judge_access

# The first customer, found: the wrong answer to every refusal (and the right one to
# the lookup in the other POST encoding).
FOUND = b'<response status="success"><customer><code>89898989898989</code></customer></response>'
ACCESS_CHECKS = sorted(c.name for c in registered_checks() if c.kinds == ("access",))


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_each_access_case_is_judged_by_the_one_access_check_declaring_its_requirement(encoding: Encoding) -> None:
    cases = generate_access_cases(load_profile(PROFILE_PATH), encoding)
    scope = plan_scopes(cases)[ACCESS_SCOPE]
    judged_cases = [c for c in cases if c.requirement is not None]
    assert len(ACCESS_CHECKS) >= 2 and judged_cases
    for case in judged_cases:
        assert case.requirement in scope.requirements, f"{case.id}: no item for {case.requirement}"
        declaring = [n for n in ACCESS_CHECKS if case.requirement in REGISTRY[n].requirements]
        assert len(declaring) == 1, f"{case.id}: {case.requirement} is declared by {declaring}, not by one check"
        judged = judge_access(case, FOUND)
        assert not judged.errors, f"{case.id}: {[f.title for f in judged.errors]}"
        # Only the declaring check reads the case: the others judge none of their requirements.
        for name in ACCESS_CHECKS:
            checked = judged.checked & set(REGISTRY[name].requirements)
            if name == declaring[0]:
                assert case.requirement in checked, f"{case.id}: {name} did not judge {case.requirement}"
            else:
                assert not checked - set(REGISTRY[declaring[0]].requirements), f"{case.id}: {name} judged {checked}"
        wrong = "success" not in case.statuses or not case.allow_customer
        cited = {(f.check, f.requirement) for f in judged.findings if f.severity == "fail" and f.check in ACCESS_CHECKS}
        assert cited == ({(declaring[0], case.requirement)} if wrong else set()), f"{case.id}: {cited}"


def test_an_access_case_naming_a_requirement_no_access_check_declares_is_refused() -> None:
    case = generate_access_cases(load_profile(PROFILE_PATH), "form")[0]
    stray = dataclasses.replace(case, requirement="EXAMPLE-ERROR")  # a real requirement, judged by no access check
    with pytest.raises(ValueError, match="EXAMPLE-ERROR, which no access check declares"):
        plan_scopes([case, stray])


def test_a_case_that_is_only_recorded_credits_no_access_requirement() -> None:
    callbacks = [c for c in generate_access_cases(load_profile(PROFILE_PATH), "form") if c.requirement is None]
    assert callbacks
    for case in callbacks:
        judged = judge_access(case, FOUND)
        for name in ACCESS_CHECKS:
            assert not judged.checked & set(REGISTRY[name].requirements), case.id
