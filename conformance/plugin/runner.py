"""What a suite test calls (the ``conformance`` fixture): one item's checks, its record
for the certificate, and its outcome.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from conformance import cases as case_matrix
from conformance import certificate as cert
from conformance import compare as comparing
from conformance.access import AccessCase
from conformance.checks import Judged
from conformance.plugin.collection import MARKERS
from conformance.plugin.state import OBSERVED, STATE, State
from conformance.relations import Relation
from conformance.report import failure_text, group_failure_text, notes_text
from conformance.secret import redact


class CaseRunner:
    """What a suite test calls: run one item's checks and turn their judgement into an outcome."""

    def __init__(self, state: State, node: pytest.Item) -> None:
        self._state, self._node = state, node

    def check(self, case: case_matrix.Case) -> None:
        harness = self._state.harness
        assert harness is not None
        observation, judged = harness.verify(case)
        self._node.stash[OBSERVED] = (observation, judged.findings)
        secret = harness.profile.password
        self._record(cert.item_record("case", case.id, judged, self._areas()), judged)
        if self._state.compare is not None:
            found = comparing.difference(case, observation, comparing.observe(self._state.compare, case))
            text = json.dumps(found, separators=(",", ":")) if found else "null"
            self._node.user_properties.append(
                ("conformance_compare", redact(redact(text, secret), self._state.compare.profile.password))
            )
        self._outcome(case.id, judged, lambda: failure_text(observation, judged.findings, secret))

    def check_access(self, case: AccessCase) -> None:
        harness = self._state.harness
        assert harness is not None
        observation, judged = harness.verify_access(case)
        self._node.stash[OBSERVED] = (observation, judged.findings)
        self._record(cert.item_record("access", case.id, judged, self._areas()), judged)
        self._outcome(
            case.id,
            judged,
            lambda: group_failure_text(
                f"access case {case.id}", {"": observation}, judged.findings, harness.profile.password
            ),
        )

    def check_relation(self, relation: Relation) -> None:
        harness = self._state.harness
        assert harness is not None
        observations, judged = harness.verify_relation(relation)
        self._record(cert.item_record("relation", relation.id, judged, self._areas()), judged)
        self._outcome(
            relation.id,
            judged,
            lambda: group_failure_text(
                f"relation {relation.id}", observations, judged.findings, harness.profile.password
            ),
        )

    def _outcome(self, item_id: str, judged: Judged, message: Callable[[], str]) -> None:
        """Fail on a violation of the document, or on a check of the harness that broke
        (said as such: never the target's failure, never a pass)."""
        if any(f.severity in ("fail", "error") for f in judged.findings):
            self._fail(item_id, judged, message())

    def _areas(self) -> list[str]:
        return sorted({m.name for m in self._node.iter_markers() if m.name in MARKERS})

    def _fail(self, item_id: str, judged: Judged, message: str) -> None:
        baseline = self._state.settings.baseline
        if baseline is not None and not judged.errors and baseline.hides(item_id, judged.failed):
            # Still in the report, with its whole message: known, not forgotten.
            pytest.xfail(f"known failure listed in {baseline.path.name}:\n{message}")
        pytest.fail(message, pytrace=False)

    def _record(self, record: dict[str, Any], judged: Judged) -> None:
        secret = self._state.harness.profile.password if self._state.harness else None
        requirement_ids = judged.failed
        if requirement_ids:
            self._node.user_properties.append(("requirements_failed", " ".join(requirement_ids)))
        notes = notes_text(judged.findings)
        if notes:
            self._node.user_properties.append(("notes", redact(notes, secret)))
        # JSON text: it crosses from an xdist worker to the controller with the report.
        self._node.user_properties.append((cert.PROPERTY, redact(json.dumps(record, separators=(",", ":")), secret)))


@pytest.fixture
def conformance(request: pytest.FixtureRequest) -> CaseRunner:
    state = request.config.stash.get(STATE, None)
    if state is None:
        pytest.skip("the conformance suite is not configured in this run")
    return CaseRunner(state, request.node)
