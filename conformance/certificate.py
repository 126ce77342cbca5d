"""The certificate: per-requirement verdicts of a run, and the run's overall verdict.

Two halves, both free of pytest:

- :func:`item_record` runs where a case is checked (a worker under xdist) and turns
  one item's observations and findings into a small JSON-able record: which
  requirements its checks *exercised*, which failed, what it saw unspecified.
- :func:`build_certificate` runs once, in the controller (or the single process),
  over every record of the run, and writes ``certificate.json``.

The rule for "exercised" (stated in ``schemas/certificate.schema.json`` too): a
requirement is exercised by an item when a check that names it ran on that item's
answer AND the check applies to that answer. A check applies when it needs an answer
and got one, and, for the checks listed in :data:`APPLIES`, when the answer has what
the check is about (a BuyX campaign, a coalition campaign, a no_match or error
envelope). A check that fails always exercised its requirements. So "pass" means some
answer gave the check a chance to fail, not merely that the function was called.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit, urlunsplit

from conformance import __version__
from conformance.checks import REGISTRY, Check, Finding, Observation, _load_families, failed_requirements
from conformance.document import campaigns, items
from conformance.requirements import catalogue
from conformance.resources import data_dir, schema_path
from conformance.secret import Secret, redact

CERTIFICATE_VERSION = 1
CASES_LISTED = 20  # cases named per requirement; the rest are counted
PROPERTY = "conformance_record"  # the JUnit/user property carrying an item's record


# -- applicability -----------------------------------------------------------------
def _status(o: Observation) -> Any:
    return o.document.get("status")


def _has_buyx(o: Observation) -> bool:
    return any(c.get("type") == "buyx" for c in campaigns(o.document))


def _has_buyx_items(o: Observation) -> bool:
    return any(c.get("type") == "buyx" and items(c, "balances") for c in campaigns(o.document))


def _has_coalition_campaign(o: Observation) -> bool:
    # The coalition checks look at non-BuyX campaigns of a success in a coalition account.
    return bool(getattr(o.case, "coalition", False)) and _status(o) == "success" and any(c.get("type") != "buyx" for c in campaigns(o.document))


APPLIES: dict[str, Callable[[Observation], bool]] = {
    "buyx_earned_is_floor_of_balance": _has_buyx_items,
    "buyx_balance_is_cumulative_minus_redeemed": _has_buyx_items,
    "buyx_available_rewards_are_earned_items": _has_buyx,
    "coalition_campaigns_carry_coalition_fields": _has_coalition_campaign,
    "coalition_balance_is_shared": _has_coalition_campaign,
    "store_cumulative_within_coalition": _has_coalition_campaign,
    "no_match_carries_message": lambda o: _status(o) == "no_match",
    "error_carries_text": lambda o: _status(o) == "error",
}


def applies(check: Check, observation: Observation) -> bool:
    if check.needs_answer and observation.answer is None:
        return False
    predicate = APPLIES.get(check.name)
    return predicate(observation) if predicate else True


# -- one item ----------------------------------------------------------------------
def item_record(
    kind: str,
    item_id: str,
    observations: dict[str, Observation],
    findings: list[Finding],
    areas: Iterable[str] = (),
    relation_kind: str | None = None,
    access_requirements: tuple[str, ...] = (),
    access_checks: Iterable[str] = (),
) -> dict[str, Any]:
    """What one case, relation or access item exercised, failed and saw unspecified."""
    _load_families()
    exercised: set[str] = set()
    if kind == "case":
        (observation,) = observations.values()
        for registered in REGISTRY.values():
            if registered.requirements and applies(registered, observation):
                exercised.update(registered.requirements)
    elif kind == "access":
        (observation,) = observations.values()
        for name in access_checks:
            registered = REGISTRY[name]
            if registered.requirements and applies(registered, observation):
                exercised.update(registered.requirements)
        if observation.answer is not None:
            exercised.update(access_requirements)
    elif kind == "relation":
        from conformance.checks.relations import RELATION_REGISTRY

        # Relation checks compare only answers that are a success (the single-answer
        # checks judge the rest): a relation whose members are not all a success
        # exercised nothing.
        if observations and all(o.answer is not None and _status(o) == "success" for o in observations.values()):
            for registered in RELATION_REGISTRY.values():
                if registered.kind == relation_kind:
                    exercised.update(registered.requirements)
    failed = failed_requirements(findings)
    exercised.update(failed)
    return {
        "id": item_id,
        "kind": kind,
        "areas": sorted(areas),
        "exercised": sorted(exercised),
        "failed": failed,
        "notes": [[f.severity, f.check, f.title] for f in findings if f.severity in ("warning", "advisory", "unspecified")],
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
    selection: list[str] = field(default_factory=list)  # the options that select (-k, -m, --sw, node ids...): wording only
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


def _not_exercised_reason(requirement_id: str) -> str:
    if requirement_id.startswith("BUYX-") or requirement_id == "EXAMPLE-BUYX-ITEMS":
        return "no answer in this run carried a BuyX campaign with items (give the profile a customer with a BuyX campaign)"
    if "COALITION" in requirement_id:
        return "no coalition account answered with campaigns in this run (give the profile a coalition account with a customer in a campaign)"
    return "no check naming it ran on an answer it applies to in this run (was the run a selection?)"


def build_certificate(records: list[dict[str, Any]], facts: RunFacts) -> dict[str, Any]:
    """The certificate of a run, from every item's record; see the schema for each field."""
    known = catalogue()
    exercised: dict[str, list[str]] = {r: [] for r in known}
    failed: dict[str, list[str]] = {r: [] for r in known}
    notes: Counter[tuple[str, str, str]] = Counter()
    kinds: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    for record in records:
        kinds[record["kind"]] += 1
        areas.update(record["areas"] or ["(none)"])
        for requirement_id in record["exercised"]:
            exercised.setdefault(requirement_id, []).append(record["id"])
        for requirement_id in record["failed"]:
            failed.setdefault(requirement_id, []).append(record["id"])
        notes.update(tuple(note) for note in record["notes"])

    baselined = {(e["requirement"], e["case"]) for e in (facts.baseline or {}).get("hidden", [])}
    requirements: dict[str, Any] = {}
    for requirement_id, requirement in known.items():
        entry: dict[str, Any] = {"section": requirement.section, "quote": requirement.quote}
        if requirement.untestable:
            entry.update(verdict="not-exercised", reason=f"untestable: {requirement.untestable}", exercised=_listed([]), failed=_listed([]))
        else:
            ran, broke = exercised[requirement_id], failed[requirement_id]
            entry.update(exercised=_listed(ran), failed=_listed(broke))
            if broke:
                entry["verdict"] = "fail"
                hidden = [c for c in broke if (requirement_id, c) in baselined]
                if hidden:
                    entry["baselined"] = _listed(hidden)
            elif ran:
                entry["verdict"] = "pass"
            else:
                entry.update(verdict="not-exercised", reason=_not_exercised_reason(requirement_id))
        requirements[requirement_id] = entry

    outcomes = Counter(facts.outcomes.values())
    verdict, reasons = overall_verdict(requirements, facts, outcomes)
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
        "reasons": reasons,
        "counts": {
            "collected": facts.collected,
            "generated": facts.generated,
            "deselected": facts.deselected,
            "not_collected": facts.not_collected,
            "outcomes": dict(sorted(outcomes.items())),
            "items_by_kind": dict(sorted(kinds.items())),
            "items_by_area": dict(sorted(areas.items())),
            "requirements": dict(sorted(Counter(e["verdict"] for e in requirements.values()).items())),
        },
        "requirements": requirements,
        "notes": [
            {"severity": severity, "check": check, "title": title, "items": count}
            for (severity, check, title), count in sorted(notes.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1:]))
        ],
        "baseline": facts.baseline,
    }


def overall_verdict(requirements: dict[str, Any], facts: RunFacts, outcomes: Counter[str]) -> tuple[str, list[str]]:
    """``conformant`` only when every testable requirement passed in a full, complete
    run; ``not-conformant`` when any failed; otherwise ``incomplete``. Every reason
    that applies is listed, whatever the verdict.

    "Complete" is counted, never read off the options: every item the plugin generated
    was collected (none deselected, none dropped) and ran, and none was skipped."""
    reasons = [f"no case ran: {facts.unusable}"] if facts.unusable else []
    if facts.stopped:
        reasons.append(f"stopped early: {facts.stopped} Only that lookup ran, as one case; no other item was generated: nothing else can be judged.")
    broken = [r for r, e in requirements.items() if e["verdict"] == "fail"]
    if broken:
        reasons.append(f"{len(broken)} requirement(s) failed: {', '.join(broken)}")
    if outcomes.get("baselined"):
        reasons.append(f"{outcomes['baselined']} item(s) failed as the baseline expects (hidden from the exit status, not from the verdict)")
    if facts.combinations != "all":
        reasons.append(f"--combinations {facts.combinations}: not the full matrix (use --combinations all)")
    if not facts.unusable:
        reasons += scope_reasons(facts, outcomes)
    missing = [r for r, e in requirements.items() if e["verdict"] == "not-exercised" and not e["reason"].startswith("untestable")]
    if missing:
        reasons.append(f"{len(missing)} testable requirement(s) not exercised: {', '.join(missing)}")
    if outcomes.get("error"):
        reasons.append(f"{outcomes['error']} item(s) ended in an error of the harness, not a verdict")
    not_run = facts.collected - len(facts.outcomes)
    if not_run > 0:
        reasons.append(f"{not_run} of {facts.collected} collected item(s) did not run (stopped early, e.g. -x or Ctrl-C)")
    if broken:
        return "not-conformant", reasons
    return ("incomplete", reasons) if reasons else ("conformant", reasons)


NODE_IDS = "node ids on the command line"  # selection_of's wording for them


def scope_reasons(facts: RunFacts, outcomes: Counter[str]) -> list[str]:
    """Why the items that ran are less than the suite generated, in counts: deselected
    (and by what, where the options show it), dropped without a word, skipped."""
    if facts.generated is None:
        return ["how many items the suite generates is not known (no process reported it): the run cannot be shown complete"]
    reasons = []
    options = [s for s in facts.selection if s != NODE_IDS]
    if facts.deselected:
        by = f"a selection of the suite: {', '.join(options)}" if options else "by a plugin, e.g. sharding: pytest-split, pytest-shard"
        reasons.append(f"{facts.deselected:,} of {facts.generated:,} items deselected ({by})")
    if facts.not_collected:
        by = NODE_IDS if NODE_IDS in facts.selection else "dropped by a plugin without pytest_deselected, or node ids on the command line"
        reasons.append(f"{facts.not_collected:,} of {facts.generated:,} generated items were not collected ({by})")
    if outcomes.get("skipped"):
        reasons.append(f"{outcomes['skipped']:,} item(s) skipped")
    return reasons


# -- schema ------------------------------------------------------------------------
class CertificateInvalid(Exception):
    """The certificate breaks its own schema: a bug of the harness, never of the target."""


def validate(certificate: dict[str, Any]) -> None:
    import jsonschema

    schema = json.loads(schema_path("certificate.schema.json").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(certificate), key=lambda e: list(map(str, e.absolute_path)))
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


__all__ = ["APPLIES", "CertificateInvalid", "PROPERTY", "RunFacts", "applies", "build_certificate", "item_record", "public_url", "validate", "write_certificate"]
