"""Comparing two implementations (``--compare-url URL --compare-profile FILE``).

Every matrix case is sent to the target and to the compared implementation; where
their canonical documents differ (``document.normalised``: order, empty lists and
number spelling carry no meaning; every field is compared, those the document does not
define too, as a migration changes them as well), the difference is reported, side by side in the
HTML report. A difference is not a failure: the checks judge each answer against the
document, this tells a team replacing one implementation which answers will change.

Both implementations must hold the same test data (the same accounts and customers:
a migration's copy); only the credentials may differ. Nothing here imports pytest.
"""

from __future__ import annotations

import json
from typing import Any

from conformance.cases import Case
from conformance.checks import Observation
from conformance.document import diff, normalised
from conformance.harness import Harness
from conformance.profile import Profile

SHOWN_CHARS = 6000  # each side of a difference, in the HTML report


class CompareError(Exception):
    """The comparison cannot be set up; the message says how to fix it."""


def same_data(first: Profile, second: Profile) -> None:
    """Raise CompareError unless both profiles describe the same accounts and customers."""

    def data(profile: Profile) -> list[tuple[str, bool, tuple[Any, ...]]]:
        return [(a.account_id, a.coalition, tuple(a.customers)) for a in profile.accounts]

    if data(first) != data(second):
        raise CompareError(
            f"--compare-profile {second.path} describes other accounts or customers than {first.path}. "
            "Both implementations must hold the same test data; only the credentials may differ."
        )


def difference(case: Case, mine: Observation, theirs: Observation) -> dict[str, Any] | None:
    """How the two answers to ``case`` differ, or None when their documents agree."""
    if mine.answer is None or theirs.answer is None:
        if mine.answer is None and theirs.answer is None:
            return None
        why = {True: "answered a document", False: "answered no document"}
        return {
            "id": case.id,
            "summary": f"target {why[mine.answer is not None]}, "
            f"compared implementation {why[theirs.answer is not None]}",
            "diff": "",
            "target": _shown(mine),
            "compared": _shown(theirs),
        }
    if normalised(mine.document) == normalised(theirs.document):
        return None
    return {
        "id": case.id,
        "summary": f"status {mine.document.get('status')} vs {theirs.document.get('status')}",
        "diff": diff(mine.document, theirs.document, "target", "compared", form=normalised),
        "target": _shown(mine),
        "compared": _shown(theirs),
    }


def _shown(observation: Observation) -> str:
    if observation.answer is None:
        exchange = observation.exchange
        text = (
            exchange.transport_error
            or observation.parse_error
            or f"HTTP {exchange.status}: {exchange.body[:500].decode('utf-8', 'replace')}"
        )
    else:
        text = json.dumps(normalised(observation.document), indent=1, ensure_ascii=False, sort_keys=True)
    return (
        text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + f"\n... ({len(text) - SHOWN_CHARS} more characters)"
    )


def observe(harness: Harness, case: Case) -> Observation:
    """The compared implementation's answer to the case (its own user_id and password)."""
    return harness.observe(case)


__all__ = ["CompareError", "difference", "observe", "same_data"]
