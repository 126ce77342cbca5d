"""The certificate: per-requirement verdicts of a run, and the run's overall verdict.

Two halves, both free of pytest:

- :class:`Tally` folds a scope's judgements where the scope is judged (a worker under
  xdist): the evaluator adds each case's :class:`conformance.checks.Judged` straight in
  (:meth:`Tally.add_judged`): which requirements some check *judged* on evidence that
  could have shown them broken (``exercised``), which failed, why the others the checks
  cite could not be judged (``not_applicable``), harness errors, and what it saw
  unspecified. A tally is mergeable and JSON-able: it crosses to the controller on the
  scope's first item. (:func:`item_record` is the same fold as a record, one unit at a
  time, for the tests that look at one judgement.)
- :func:`build_certificate` runs once, in the controller (or the single process), over
  every scope's tally, and writes ``certificate.json``.

Nothing here decides what a check exercised: the checks say it themselves, next to the
rule they enforce (conformance/checks/__init__.py). A requirement passes only where
some check judged it and none found it broken; one never judged is ``not-exercised``
with the checks' own reasons (what data the profile lacks).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from conformance import __version__
from conformance.checks import Judged
from conformance.requirements import catalogue
from conformance.resources import data_dir, schema_path
from conformance.secret import Secret, redact
from conformance.wording import plural

CERTIFICATE_VERSION = 2
CASES_LISTED = 20  # cases named per requirement; the rest are counted
REASONS_LISTED = 3  # distinct reasons given per requirement not exercised


# -- one unit ----------------------------------------------------------------------
def item_record(kind: str, item_id: str, judged: Judged, areas: Iterable[str] = ()) -> dict[str, Any]:
    """What one case, relation or access case judged, failed and saw unspecified, as a
    record (:meth:`Tally.add` folds it as :meth:`Tally.add_judged` folds the Judged)."""
    failed = judged.failed
    exercised = judged.checked | set(failed)
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


# -- the run -----------------------------------------------------------------------
@dataclass
class RunFacts:
    """What the plugin knows about the run, beyond the items' records."""

    target_url: str | None
    embedded: bool
    profile_path: str
    profile_sha256: str
    encoding: str
    combinations: str
    started: datetime
    finished: datetime
    selection: list[str] = field(
        default_factory=list
    )  # the options that select (-k, -m, --sw, node ids...): wording only
    collected: int = 0
    outcomes: dict[str, str] = field(default_factory=dict)  # nodeid -> passed/failed/baselined/skipped/error
    replayed_from: str | None = None
    baseline: dict[str, Any] | None = None
    unusable: str | None = None  # why the smoke request ended the run before any case
    # The scope, counted: the suite's items the plugin generated (None: not known), how
    # many were reported deselected (pytest_deselected: -k, -m, --deselect, --lf, --sw,
    # sharding plugins), and how many vanished otherwise (node ids, a plugin dropping
    # items silently). What ran is ``outcomes``.
    generated: int | None = None
    deselected: int = 0
    not_collected: int = 0
    stopped: str | None = None  # the target answered no envelope: only the smoke lookup ran
    # The units of evidence (cases, relations, access cases) generated, and those --cases selected.
    cases_generated: int = 0
    cases_selected: int = 0
    dataset: Any = None  # profile.DatasetClaim: the profile is the certification profile of that data set
    # The pre-flight's lines (conformance/preflight.py): profile entries the target's own
    # answers contradict. Listed first among the reasons; never part of the verdict.
    diagnoses: list[str] = field(default_factory=list)
    gone: str | None = None  # the target went away mid-run (harness.TargetGone): why, when


def public_url(url: str | None) -> str | None:
    """The URL with no user:password@, query or fragment (either could carry a secret)."""
    if url is None:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def file_hashes(name: str) -> dict[str, str]:
    """sha256 of every file under the harness's ``schemas`` or ``cases``, by relative path."""
    root = data_dir(name)
    return {
        f"{name}/{path.relative_to(root).as_posix()}": hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _listed(ids: list[str]) -> dict[str, Any]:
    return {"cases": ids[:CASES_LISTED], "count": len(ids)}


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
        """One unit's record (:func:`item_record`)."""
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
        exercised = judged.checked.union(failed)
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


def build_certificate(
    evidence: Tally | Iterable[dict[str, Any]], facts: RunFacts, selected: set[str] | None = None
) -> dict[str, Any]:
    """The certificate of a run, from what its units judged (a Tally, or every unit's
    record); see the schema for each field. ``selected``: the requirements some item of
    the run judged (None: all); the others are not-exercised, not selected."""
    tally = evidence if isinstance(evidence, Tally) else Tally.of(evidence)
    known = catalogue()
    reasons = tally.reasons
    baselined = {(e["requirement"], e["case"]) for e in (facts.baseline or {}).get("hidden", [])}
    requirements: dict[str, Any] = {}
    for requirement_id, requirement in known.items():
        entry: dict[str, Any] = {"section": requirement.section, "quote": requirement.quote}
        if requirement.checks:
            entry["checks"] = requirement.checks
        if requirement.untestable:
            entry.update(
                verdict="not-exercised",
                reason=f"untestable: {requirement.untestable}",
                exercised=_listed([]),
                failed=_listed([]),
            )
        elif selected is not None and requirement_id not in selected:
            entry.update(
                verdict="not-exercised", reason=not_run_reason(facts), exercised=_listed([]), failed=_listed([])
            )
        else:
            broke = tally.failed.get(requirement_id, [])
            ran = tally.exercised.get(requirement_id, 0)
            entry.update(
                exercised={"cases": tally.exercised_ids.get(requirement_id, []), "count": ran},
                failed=_listed(broke),
            )
            if ran or broke:
                entry["evidence"] = "expected-data" if requirement_id in tally.expected_data else "consistency"
            if broke:
                entry["verdict"] = "fail"
                hidden = [c for c in broke if (requirement_id, c) in baselined]
                if hidden:
                    entry["baselined"] = _listed(hidden)
            elif ran:
                entry["verdict"] = "pass"
            else:
                entry.update(verdict="not-exercised", reason=not_exercised_reason(reasons[requirement_id]))
        requirements[requirement_id] = entry

    outcomes = Counter(facts.outcomes.values())
    verdict, verdict_reasons = overall_verdict(requirements, facts, outcomes, tally.busy)
    return {
        "certificate_version": CERTIFICATE_VERSION,
        "harness": {"name": "customer-info-conformance", "version": __version__},
        "inputs": {**file_hashes("schemas"), **file_hashes("cases")},
        "target": {
            "url": public_url(facts.target_url),
            "embedded_reference": facts.embedded,
            "profile": facts.profile_path,
            "profile_sha256": facts.profile_sha256,
        },
        "run": {
            "started": _iso(facts.started),
            "finished": _iso(facts.finished),
            "request_encoding": facts.encoding,
            "combinations": facts.combinations,
            "selection": facts.selection,
            "replayed_from": facts.replayed_from,
        },
        "verdict": verdict,
        "reasons": verdict_reasons,
        "counts": {
            "collected": facts.collected,
            "generated": facts.generated,
            "deselected": facts.deselected,
            "not_collected": facts.not_collected,
            "outcomes": dict(sorted(outcomes.items())),
            "items_by_kind": dict(sorted(tally.kinds.items())),
            "items_by_area": dict(sorted(tally.areas.items())),
            "requirements": dict(sorted(Counter(e["verdict"] for e in requirements.values()).items())),
            "unjudged_busy": {
                "count": sum(tally.busy.values()),
                "statuses": dict(sorted(tally.busy.items())),
                "cases": tally.busy_ids,
            },
        },
        "requirements": requirements,
        "notes": [
            {"severity": severity, "check": check, "title": title, "items": count}
            for (severity, check, title), count in sorted(
                tally.notes.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1:])
            )
        ],
        "baseline": facts.baseline,
        "dataset": dataset_statement(facts.dataset, verdict),
    }


def busy_reason(busy: Counter[str]) -> str:
    """Why units were left unjudged for a busy target, and what to do about it."""
    count = sum(busy.values())
    statuses = " and ".join(f"HTTP {status} x {n}" for status, n in sorted(busy.items()))
    return (
        f"{count} case{'s' if count != 1 else ''} not judged: the target was busy ({statuses} after the "
        "retries); busy is not broken, so no requirement fails for it. Run again with --rate-limit "
        "(requests a second) or a lower --concurrency"
    )


def dataset_statement(claim: Any, verdict: str) -> dict[str, str] | None:
    """What the certificate says about the data: certified on the certification data set
    only when the profile is its certification profile and the verdict is conformant."""
    if claim is None:
        return None
    said = (
        f"certified on {claim}"
        if verdict == "conformant"
        else f"run on {claim}; not certified: the verdict is {verdict}"
    )
    return {"name": claim.name, "version": claim.version, "sha256": claim.sha256, "statement": said}


def overall_verdict(
    requirements: dict[str, Any], facts: RunFacts, outcomes: Counter[str], busy: Counter[str] | None = None
) -> tuple[str, list[str]]:
    """``conformant`` only when every testable requirement passed in a full, complete
    run; ``not-conformant`` when any failed; otherwise ``incomplete``. Every reason
    that applies is listed, whatever the verdict.

    "Complete" is counted, never read off the options: every item the plugin generated
    was collected (none deselected, none dropped) and ran, and none was skipped.

    The pre-flight's diagnoses (profile entries the target's answers contradict) come
    next, before the requirement failures they explain; they are not rules of the
    verdict, which is decided without them: a diagnosis explains, it never excuses."""
    first = [f"no case ran: {facts.unusable}"] if facts.unusable else []
    if facts.gone:
        first.append(f"stopped early: {facts.gone}")
    if facts.stopped:
        first.append(
            f"stopped early: {facts.stopped} Only that lookup ran, as one "
            "case; no other item was generated: nothing else can be judged."
        )
    reasons: list[str] = []
    broken = [r for r, e in requirements.items() if e["verdict"] == "fail"]
    if broken:
        reasons.append(f"{plural(len(broken), 'requirement')} failed: {', '.join(broken)}")
    if outcomes.get("baselined"):
        reasons.append(
            f"{plural(outcomes['baselined'], 'item')} failed as the baseline "
            "expects (hidden from the exit status, not from the verdict)"
        )
    if facts.combinations != "all":
        reasons.append(f"--combinations {facts.combinations}: not the full matrix (use --combinations all)")
    if not facts.unusable:
        reasons += scope_reasons(facts, outcomes)
    missing = [
        r
        for r, e in requirements.items()
        if e["verdict"] == "not-exercised" and not e["reason"].startswith("untestable")
    ]
    if missing:
        reasons.append(f"{plural(len(missing), 'testable requirement')} not exercised: {', '.join(missing)}")
    if busy:
        reasons.append(busy_reason(busy))
    if outcomes.get("error"):
        reasons.append(f"{plural(outcomes['error'], 'item')} ended in an error of the harness, not a verdict")
    not_run = facts.collected - len(facts.outcomes)
    if not_run > 0:
        reasons.append(
            f"{not_run} of {plural(facts.collected, 'collected item')} did not run "
            "(stopped early: -x, Ctrl-C or SIGTERM)"
        )
    verdict = "not-conformant" if broken else "incomplete" if first or reasons else "conformant"
    return verdict, first + list(facts.diagnoses) + reasons


NODE_IDS = "node ids on the command line"  # selection_of's wording for them


def not_run_reason(facts: RunFacts) -> str:
    """Why no item of a requirement ran, named from what the run counted (a requirement's
    items are made only where its scope's cases could judge it, so --cases keeps a
    requirement's items or none). Every cause the run shows is named; with several, any
    may be this requirement's."""
    causes = []
    if facts.stopped:
        causes.append("the run stopped early: only the smoke lookup ran")
    if facts.cases_selected < facts.cases_generated:
        cases = next((s for s in facts.selection if s.startswith("--cases")), "--cases")
        causes.append(f"{cases} selected no case that could judge it")
    options = [s for s in facts.selection if s != NODE_IDS and not s.startswith("--cases")]
    if facts.deselected:
        causes.append(f"its items were deselected ({', '.join(options) if options else 'by a plugin'})")
    if facts.not_collected:
        causes.append(f"its items were not collected ({NODE_IDS if NODE_IDS in facts.selection else 'by a plugin'})")
    if facts.collected > len(facts.outcomes):
        causes.append("its items did not run (stopped early: -x, Ctrl-C or SIGTERM)")
    if not causes:
        causes.append("the run shows no cause (no selection, nothing deselected or stopped)")
    return f"not run: no item of this requirement ran; {'; or '.join(causes)}"


def scope_reasons(facts: RunFacts, outcomes: Counter[str]) -> list[str]:
    """Why the items that ran are less than the suite generated, in counts: deselected
    (and by what, where the options show it), dropped without a word, skipped."""
    if facts.generated is None:
        return [
            "how many items the suite generates is not known (no process reported it): the run cannot be shown complete"
        ]
    reasons = []
    options = [s for s in facts.selection if s != NODE_IDS]
    if facts.deselected:
        by = (
            f"a selection of the suite: {', '.join(options)}"
            if options
            else "by a plugin, e.g. sharding: pytest-split, pytest-shard"
        )
        reasons.append(f"{facts.deselected:,} of {plural(facts.generated, 'item', thousands=True)} deselected ({by})")
    if facts.not_collected:
        by = (
            NODE_IDS
            if NODE_IDS in facts.selection
            else "dropped by a plugin without pytest_deselected, or node ids on the command line"
        )
        reasons.append(
            f"{facts.not_collected:,} of {plural(facts.generated, 'generated item', thousands=True)} "
            f"{'was' if facts.not_collected == 1 else 'were'} not collected ({by})"
        )
    if facts.cases_selected < facts.cases_generated:
        by = next((s for s in facts.selection if s.startswith("--cases")), "--cases")
        reasons.append(
            f"{facts.cases_selected:,} of {plural(facts.cases_generated, 'case', thousands=True)} selected ({by})"
        )
    # A skipped item is a requirement no case of its scope could judge (a customer with
    # no BuyX campaign and the BuyX rules): the requirement's verdict over every scope
    # says whether it was exercised at all.
    return reasons


# -- schema ------------------------------------------------------------------------
class CertificateInvalid(Exception):
    """The certificate breaks its own schema: a bug of the harness, never of the target."""


def validate(certificate: dict[str, Any]) -> None:
    import jsonschema

    schema = json.loads(schema_path("certificate.schema.json").read_text(encoding="utf-8"))
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(certificate), key=lambda e: list(map(str, e.absolute_path))
    )
    if errors:
        where = "/".join(map(str, errors[0].absolute_path)) or "(top)"
        raise CertificateInvalid(f"harness bug: certificate.json breaks its schema at {where}: {errors[0].message}")


def redacted(value: Any, secret: Secret | None) -> Any:
    """Every string in ``value`` redacted (keys too), numbers untouched: the reference's
    password is the document's example, so the quoted sentences themselves carry it."""
    if isinstance(value, str):
        return redact(value, secret)
    if isinstance(value, dict):
        return {redact(k, secret): redacted(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v, secret) for v in value]
    return value


def write_certificate(certificate: dict[str, Any], path: Path, secret: Secret | None) -> dict[str, Any]:
    """Redact, validate (a violation raises: a harness bug) and write; return what was written."""
    certificate = redacted(certificate, secret)
    validate(certificate)
    path.write_text(json.dumps(certificate, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return certificate


__all__ = [
    "CertificateInvalid",
    "RunFacts",
    "Tally",
    "build_certificate",
    "item_record",
    "public_url",
    "validate",
    "write_certificate",
]
