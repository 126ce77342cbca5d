"""What a requirement item does when it runs: its scope judged (once per process, by the
evaluator), then its verdict read off what the scope's cases said of its requirement.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from conformance.evaluation import LISTED, RequirementResult, Scope, ScopeResult
from conformance.harness import TargetGone
from conformance.plugin.state import EXAMPLE, STATE
from conformance.requirements import catalogue
from conformance.secret import redact
from conformance.tally import not_exercised_reason
from conformance.wording import plural

SCOPE_PROPERTY = "conformance_scope"  # the scope's carrier (its tally, notes, comparison), on its first item
ITEM_PROPERTY = "conformance_item"  # the item's requirement, scope and counts
SUITE_FUNCTION = "test_customer_info"  # the suite module's function the items replace


class RequirementItem(pytest.Item):
    """One requirement judged over one scope: passed when some case of the scope could
    have shown it broken and none did; failed with the cases that break it; skipped,
    with the checks' reason, when no case of the scope could judge it."""

    def __init__(self, *, requirement: str, scope: Scope, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.requirement = requirement
        self.scope = scope

    def runtest(self) -> None:
        judge_item(self)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        # A line, never None: pytest reports a skip marker's skip (a plugin's, a
        # conftest's) at the item's location and asserts it has a line. The suite
        # function's own line, 0-based as pytest counts.
        function = getattr(getattr(self.parent, "obj", None), SUITE_FUNCTION, None)
        code = getattr(function, "__code__", None)
        line = code.co_firstlineno - 1 if code is not None else 0
        return self.path, line, f"{self.requirement} [{self.scope.key}]"


def judge_item(item: RequirementItem) -> None:
    state = item.config.stash[STATE]
    assert state.evaluator is not None and state.harness is not None
    secret = state.harness.profile.password
    try:
        result: ScopeResult = state.evaluator.result(item.scope)
    except TargetGone as exc:
        # Nothing more can be judged: this item and every one after it are not run.
        state.gone = str(exc)
        item.session.shouldstop = str(exc)
        pytest.skip(f"not judged: {exc}")
    if item.scope.key not in state.carried:
        # The scope's own facts go once per process, with the first of its items to run.
        state.carried.add(item.scope.key)
        item.user_properties.append((SCOPE_PROPERTY, redact(json.dumps(result.carrier()), secret)))
        notes = notes_lines(result)
        if notes:
            item.user_properties.append(("notes", redact("\n".join(notes), secret)))
    found = result.requirements.get(item.requirement, RequirementResult())
    failing = len(found.failing_ids)
    item.user_properties.append(
        (
            ITEM_PROPERTY,
            json.dumps(
                {
                    "requirement": item.requirement,
                    "scope": item.scope.key,
                    "exercised": found.exercised,
                    "failed": failing,
                    "errors": found.error_count,
                    "secondary_to": found.secondary_to,
                }
            ),
        )
    )
    if failing:
        item.user_properties.append(("requirements_failed", item.requirement))
    if found.error_count:
        pytest.fail(redact(error_text(item.requirement, item.scope.key, found), secret), pytrace=False)
    if failing:
        item.stash[EXAMPLE] = found.examples[0]
        message = redact(failure_message(item.requirement, item.scope.key, found, result.units), secret)
        baseline = state.settings.baseline
        if baseline is not None and all((item.requirement, unit) in baseline.entries for unit in found.failing_ids):
            # Still in the report, with its whole message: known, not forgotten.
            pytest.xfail(f"known failure listed in {baseline.path.name}:\n{message}")
        pytest.fail(message, pytrace=False)
    if not found.exercised:
        pytest.skip(redact(f"not exercised in {item.scope.key}: {not_exercised_reason(found.reasons)}", secret))


def failure_message(requirement: str, scope: str, found: RequirementResult, units: int) -> str:
    """First line: the requirement, how many cases of the scope break it, its sentence;
    then the first cases in full (where, expected, got, curl), then the others named."""
    failing = len(found.failing_ids)
    quote = catalogue()[requirement].quote
    head = (
        f"{requirement}: {failing} of {plural(found.exercised, 'case')} in {scope} "
        f'{"breaks" if failing == 1 else "break"} it ({plural(units, "case")} in the scope): "{quote}"'
    )
    blocks = [head]
    # Every check that found it, over all the failing cases (the examples below are only
    # the first three), so a reader knows which checks to read.
    blocks.append(
        "Found by: " + ", ".join(f"{check} on {plural(n, 'case')}" for check, n in found.found_by.most_common())
    )
    cause = found.secondary_to
    if cause is not None:
        blocks.append(
            f"Secondary: every case that breaks {requirement} here also breaks {cause}, "
            f"whose failure may cause this one: read {cause} first."
        )
    for number, example in enumerate(found.examples, 1):
        blocks.append(f"--- case {number} of {failing}: {example.unit}\n{example.text}")
    named = len(found.examples) + len(found.listed)
    if found.listed:
        blocks.append("--- the other cases that break it:\n" + "\n".join(f"  {line}" for line in found.listed))
    if failing > named:
        blocks.append(f"... and {plural(failing - named, 'more case')} (first {LISTED + len(found.examples)} named)")
    return "\n\n".join(blocks)


def error_text(requirement: str, scope: str, found: RequirementResult) -> str:
    return "\n\n".join(
        [
            f"HARNESS ERROR: a check that judges {requirement} broke on "
            f"{plural(found.error_count, 'case')} in {scope}; "
            "this is no verdict on the target (please report it with the curl command below)",
            *found.errors,
        ]
    )


def notes_lines(result: ScopeResult) -> list[str]:
    """The scope's warnings, advisories and unspecified behaviours, one line each, with
    how many cases showed it and the first of them: ``severity: check [REQ]: title``."""
    lines = []
    for note in result.notes.values():
        ids = f" [{note.requirement}]" if note.requirement else ""
        lines.append(f"{note.severity}: {note.check}{ids}: {note.title}")
    return lines
