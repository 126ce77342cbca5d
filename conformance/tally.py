"""The tally: what the units of a scope judged, folded per requirement.

The evaluator adds each case's :class:`conformance.checks.Judged` straight in
(:meth:`Tally.add_judged`): which requirements some check judged on evidence that could
have shown them broken (``exercised``: ``Judged.exercised``, defined once, in the
checks), which failed, why the others the checks cite could not be judged
(``not_applicable``), harness errors, what it saw unspecified, and the units left
unjudged because the target was busy. A tally is small (case ids listed up to
CASES_LISTED, except the failing ones, which a baseline may name), mergeable across
scopes and xdist workers, and JSON-able: it crosses to the controller on the scope's
first item. :meth:`Tally.add` folds the same as a JSON record (the tests' way to state a
judgement by hand).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from conformance.checks import Judged

CASES_LISTED = 20  # cases named per requirement; the rest are counted
REASONS_LISTED = 3  # distinct reasons given per requirement not exercised


def not_exercised_reason(reasons: Counter[str]) -> str:
    """Why no item judged a requirement, in the checks' own words: first those that say
    what profile data would judge it (what a reader can act on), then the most frequent."""
    if not reasons:
        return "no check that judges it ran in this run (was the run a selection?)"
    ranked = sorted(reasons.items(), key=lambda kv: ("profile" not in kv[0], -kv[1], kv[0]))
    listed = [f"{why} ({count} case{'s' if count != 1 else ''})" for why, count in ranked[:REASONS_LISTED]]
    more = len(reasons) - REASONS_LISTED
    return "; ".join(listed) + (f"; and {more} other {'reason' if more == 1 else 'reasons'}" if more > 0 else "")


class Tally:
    """What the records of some units judged, folded per requirement: small (case ids
    listed up to CASES_LISTED, except the failing ones, which a baseline may name),
    mergeable across scopes and xdist workers, and JSON-able to cross from a worker."""

    def __init__(self) -> None:
        self.units = 0
        self.kinds: Counter[str] = Counter()
        self.areas: Counter[str] = Counter()
        self.exercised: Counter[str] = Counter()
        self.exercised_ids: defaultdict[str, list[str]] = defaultdict(list)
        self.failed: defaultdict[str, list[str]] = defaultdict(list)  # every failing unit, for the baseline
        self.expected_data: set[str] = set()
        self.reasons: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.notes: Counter[tuple[str, ...]] = Counter()
        self.errors = 0
        # Units not judged because the target was busy (429/503 after the retries): each
        # counted with the status it got, the first CASES_LISTED named.
        self.busy: Counter[str] = Counter()
        self.busy_ids: list[str] = []
        self._full: set[str] = set()  # requirements whose exercised_ids are full

    @classmethod
    def of(cls, records: Iterable[dict[str, Any]]) -> Tally:
        tally = cls()
        for record in records:
            tally.add(record)
        return tally

    def add(self, record: dict[str, Any]) -> None:
        """One unit's record (the JSON form ``tests/records.py`` makes of a Judged)."""
        self._add(
            record["kind"],
            record["id"],
            record["areas"],
            record["exercised"],
            record["failed"],
            record.get("expected_data", ()),
            record.get("not_applicable", ()),
            [tuple(note) for note in record["notes"]],
            bool(record.get("errors")),
        )

    def add_judged(self, kind: str, unit_id: str, judged: Judged, areas: Iterable[str]) -> None:
        """What one unit judged, as :meth:`add` of its record, without making the record
        (the evaluator folds every case of a run)."""
        failed = judged.failed
        exercised = judged.exercised
        self._add(
            kind,
            unit_id,
            list(areas),
            exercised,
            failed,
            judged.expected_data & exercised,
            judged.not_applicable.items(),
            [
                (f.severity, f.check, f.title)
                for f in judged.findings
                if f.severity in ("warning", "advisory", "unspecified")
            ],
            bool(judged.errors),
        )

    def _add(
        self,
        kind: str,
        unit_id: str,
        areas: list[str],
        exercised: Iterable[str],
        failed: Iterable[str],
        expected_data: Iterable[str],
        not_applicable: Iterable[Sequence[str]],
        notes: list[tuple[str, ...]],
        error: bool,
    ) -> None:
        self.units += 1
        self.kinds[kind] += 1
        self.areas.update(areas or ["(none)"])
        self.exercised.update(exercised)
        # Ids are listed for the first CASES_LISTED units of each requirement only: a
        # requirement whose list is full is not looked at again (lists never shrink).
        full = self._full
        for requirement_id in set(exercised).difference(full) if full else exercised:
            listed = self.exercised_ids[requirement_id]
            if len(listed) < CASES_LISTED:
                listed.append(unit_id)
            else:
                full.add(requirement_id)
        for requirement_id in failed:
            self.failed[requirement_id].append(unit_id)
        self.expected_data.update(expected_data)
        for requirement_id, why in not_applicable:
            self.reasons[requirement_id][why] += 1
        self.notes.update(notes)
        self.errors += error

    def add_busy(self, unit_id: str, status: int) -> None:
        """A unit left unjudged: the target answered ``status`` (429 or 503) after the retries."""
        self.busy[str(status)] += 1
        if len(self.busy_ids) < CASES_LISTED:
            self.busy_ids.append(unit_id)

    def merge(self, other: Tally) -> None:
        self.busy.update(other.busy)
        self.busy_ids += other.busy_ids[: CASES_LISTED - len(self.busy_ids)]
        self.units += other.units
        self.kinds.update(other.kinds)
        self.areas.update(other.areas)
        self.exercised.update(other.exercised)
        for requirement_id, ids in other.exercised_ids.items():
            mine = self.exercised_ids[requirement_id]
            mine += ids[: CASES_LISTED - len(mine)]
        for requirement_id, ids in other.failed.items():
            self.failed[requirement_id] += ids
        self.expected_data |= other.expected_data
        for requirement_id, reasons in other.reasons.items():
            self.reasons[requirement_id].update(reasons)
        self.notes.update(other.notes)
        self.errors += other.errors

    def to_json(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "kinds": dict(self.kinds),
            "areas": dict(self.areas),
            "exercised": dict(self.exercised),
            "exercised_ids": dict(self.exercised_ids),
            "failed": dict(self.failed),
            "expected_data": sorted(self.expected_data),
            "reasons": {r: dict(c) for r, c in self.reasons.items()},
            "notes": [[*key, n] for key, n in self.notes.items()],
            "errors": self.errors,
            "busy": dict(self.busy),
            "busy_ids": self.busy_ids,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tally:
        tally = cls()
        tally.units = data["units"]
        tally.kinds.update(data["kinds"])
        tally.areas.update(data["areas"])
        tally.exercised.update(data["exercised"])
        tally.exercised_ids.update({r: list(ids) for r, ids in data["exercised_ids"].items()})
        tally.failed.update({r: list(ids) for r, ids in data["failed"].items()})
        tally.expected_data = set(data["expected_data"])
        for requirement_id, reasons in data["reasons"].items():
            tally.reasons[requirement_id].update(reasons)
        tally.notes.update({(s, c, t): n for s, c, t, n in data["notes"]})
        tally.errors = data["errors"]
        tally.busy.update(data.get("busy", {}))
        tally.busy_ids = list(data.get("busy_ids", []))
        return tally
