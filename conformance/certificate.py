"""The certificate file: per-requirement verdicts of a run, assembled, validated, written.

:func:`build_certificate` runs once, in the controller (or the single process), over
every scope's :class:`conformance.tally.Tally`; the overall verdict and its reasons are
the rules of :mod:`conformance.verdict`; :func:`write_certificate` validates the result
against ``schemas/certificate.schema.json`` and writes ``certificate.json`` with the
password scrubbed. Free of pytest.

Nothing here decides what a check exercised: the checks say it themselves, next to the
rule they enforce (conformance/checks/__init__.py). A requirement passes only where
some check judged it and none found it broken; one never judged is ``not-exercised``
with the checks' own reasons (what data the profile lacks).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from conformance import __version__
from conformance.requirements import catalogue
from conformance.resources import data_dir, schema_path
from conformance.secret import Secret, redact
from conformance.tally import CASES_LISTED, Tally, not_exercised_reason
from conformance.verdict import RunFacts, not_run_reason, overall_verdict

CERTIFICATE_VERSION = 2


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
    "build_certificate",
    "public_url",
    "validate",
    "write_certificate",
]
