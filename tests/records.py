"""One judgement as a record: the JSON form :meth:`conformance.tally.Tally.add` folds,
for the tests that state or inspect a single unit's judgement (production folds
:class:`conformance.checks.Judged` straight into the tally)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.checks import Judged


def item_record(kind: str, item_id: str, judged: Judged, areas: Iterable[str] = ()) -> dict[str, Any]:
    """What one case, relation or access case judged, failed and saw unspecified, as a
    record (:meth:`Tally.add` folds it as :meth:`Tally.add_judged` folds the Judged)."""
    failed = judged.failed
    exercised = judged.exercised
    return {
        "id": item_id,
        "kind": kind,
        "areas": sorted(areas),
        "exercised": sorted(exercised),
        # Of those, the ones a check judged against the data the profile says the target
        # holds (ground truth), not only for the answers' consistency.
        "expected_data": sorted(judged.expected_data & exercised),
        "failed": failed,
        "not_applicable": sorted([requirement, why] for requirement, why in judged.not_applicable.items()),
        "errors": [f"{f.check}: {f.title}" for f in judged.errors],
        "notes": [
            [f.severity, f.check, f.title]
            for f in judged.findings
            if f.severity in ("warning", "advisory", "unspecified")
        ],
    }
