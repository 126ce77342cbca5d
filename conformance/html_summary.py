"""The top of the HTML report, read top-down: the verdict first (with the certified line
and the failing requirements: the first screen), then the run, the requirement matrix,
the failures, areas and notes.

This module prepares plain data; the markup is conformance/templates/summary.html,
rendered with autoescape (conformance/templating.py). Plain HTML with an inline style:
the report is one self-contained file (pytest-html ``--self-contained-html``), readable
without scripts and on a narrow screen (tables scroll sideways inside their own box).
Every id/class used here is stable, so a test (and a reviewer's tooling) can find the
sections: ``#conformance-verdict``, ``#conformance-run``, ``#conformance-matrix``,
``#conformance-areas``, ``#conformance-notes``, ``#conformance-failures``,
``#conformance-comparison``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from conformance.templating import macro
from conformance.wording import plural

NOTES_LISTED = 40
# Items that did not pass kept as rows of pytest-html's results table (html_finish): each
# carries its log, request and response, about 10 kB, so a run with 14,000 failing items
# would write 140 MB. Beyond these, junit.xml lists every item.
TABLE_ROWS_KEPT = 100
CALL = "Retrieve Customer Information (type=customer_info)"

# The colours the summary uses, as (foreground, background) pairs a reader meets: every
# pair has a contrast ratio of at least 4.5:1 (WCAG AA for normal text), checked by
# tests/test_html_report.py. pytest-html's own stylesheet sets gray 12 px text (#999 on
# white, 2.8:1); the rules for body, a and #results-table below override it.
TEXT, MUTED, LINK, WHITE = "#1a1a1a", "#454545", "#0b57a4", "#ffffff"
GREEN, ORANGE, RED = "#1e6b2e", "#8a4b00", "#b00020"  # pytest-html's outcome colours, darkened
PASS_BG, FAIL_BG, NOT_EXERCISED_BG, UNSPECIFIED_BG, INCOMPLETE_BG = (
    "#d4edda",
    "#f8d7da",
    "#ececec",
    "#e7f1ff",
    "#fff3cd",
)
BACKGROUNDS = (WHITE, PASS_BG, FAIL_BG, NOT_EXERCISED_BG, UNSPECIFIED_BG, INCOMPLETE_BG)
FOREGROUNDS = (TEXT, MUTED, LINK, GREEN, ORANGE, RED)


def target_of(certificate: dict[str, Any]) -> str:
    """The target in a few words: its URL, the embedded reference, or a replay."""
    target, run = certificate["target"], certificate["run"]
    named = target["url"] or ("the embedded reference server" if target["embedded_reference"] else "(no URL)")
    return f"replay of {run['replayed_from']} (recorded from {named})" if run.get("replayed_from") else named


def title(certificate: dict[str, Any]) -> str:
    """The report's title: the call and the target (pytest-html's page title and heading)."""
    return f"{CALL} conformance: {target_of(certificate)}"


def _duration(run: dict[str, Any]) -> str:
    started, finished = (datetime.fromisoformat(run[k].replace("Z", "+00:00")) for k in ("started", "finished"))
    seconds = int((finished - started).total_seconds())
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


COLOURS = {
    "TEXT": TEXT, "MUTED": MUTED, "LINK": LINK, "GREEN": GREEN, "ORANGE": ORANGE, "RED": RED,
    "PASS_BG": PASS_BG, "FAIL_BG": FAIL_BG, "NOT_EXERCISED_BG": NOT_EXERCISED_BG,
    "UNSPECIFIED_BG": UNSPECIFIED_BG, "INCOMPLETE_BG": INCOMPLETE_BG,
}  # fmt: skip


def run_view(
    certificate: dict[str, Any], run_lines: Sequence[str] = (), links: dict[str, str] | None = None
) -> dict[str, Any]:
    """What ran against what: the facts a reader checks before believing a verdict.
    ``run_lines`` is the run's summary as the terminal prints it (its "requests sent"
    line is the count under xdist too). ``links``: certificate.json's and junit.xml's
    paths relative to the report (None for one: not written)."""
    if links is None:
        links = {"certificate.json": "certificate.json", "junit.xml": "junit.xml"}
    target, run = certificate["target"], certificate["run"]
    sent = next((line.split(": ", 1)[1] for line in run_lines if line.startswith("requests sent: ")), "not known")
    facts = [
        ("target", target_of(certificate)),
        ("profile", target["profile"]),
        ("mode", f"--combinations {run['combinations']}"),
        ("request encoding", run["request_encoding"]),
        ("requests sent", sent),
        ("duration", f"{_duration(run)} ({run['started']} to {run['finished']})"),
    ]
    if run.get("selection"):
        facts.append(("selection", ", ".join(run["selection"])))
    files = [
        (href, about)
        for href, about in (
            (links.get("certificate.json"), "the verdicts, with hashes of the inputs"),
            (links.get("junit.xml"), "every item"),
        )
        if href
    ]
    return {"facts": facts, "files": files, "run_lines": "\n".join(run_lines)}


def _breaks(entry: dict[str, Any]) -> str:
    """``2 of 40 cases break it``: how many of the cases that judged a requirement broke it."""
    failed, judged = entry["failed"]["count"], entry["exercised"]["count"]
    return f"{failed} of {plural(judged, 'case')} {'breaks' if failed == 1 else 'break'} it"


# The certificate's reasons that explain the failures rather than count them (its schema:
# "no case ran", "stopped early", then the pre-flight's "profile: ..." diagnoses, before the
# failures): shown before the list of failing requirements.
EXPLAINING = ("no case ran: ", "stopped early: ", "profile: ")


def verdict_view(certificate: dict[str, Any], failures: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The verdict, the certified line (or none: the profile names no data set), what
    explains the failures, the failing requirements (each linked to its failures), then
    the certificate's other reasons."""
    dataset = certificate.get("dataset")
    failing = []
    for requirement_id, entry in ordered_requirements(certificate):
        if entry["verdict"] != "fail":
            continue
        items = [f for f in failures if requirement_id in f["requirements"]]
        scopes = len({f.get("scope") for f in items})
        causes = {f.get("secondary_to") for f in items}
        failing.append(
            {
                "id": requirement_id,
                "anchor": anchor(requirement_id),
                "detail": _breaks(entry) + (f", in {plural(scopes, 'scope')}" if scopes > 1 else ""),
                "secondary_to": causes.pop() if len(causes) == 1 else None,
                "quote": entry["quote"],
            }
        )
    return {
        "verdict": certificate["verdict"],
        "dataset_statement": dataset["statement"] if dataset else None,
        # In the failures' order: secondary ones after those that may cause them.
        "failing": sorted(failing, key=lambda f: f["secondary_to"] is not None),
        "explaining": [r for r in certificate["reasons"] if r.startswith(EXPLAINING)],
        "reasons": [r for r in certificate["reasons"] if not r.startswith(EXPLAINING)],
    }


_EVIDENCE_LABELS = {
    "expected-data": ("against expected data", "judged against the data the profile says the target holds"),
    "consistency": (
        "consistency only",
        "judged against the document's rules and the target's other "
        "answers only: a value wrong the same way everywhere would pass",
    ),
}


def matrix_view(certificate: dict[str, Any]) -> dict[str, Any]:
    """Rows: requirement id and quoted sentence; cell: its verdict with counts. Then one
    row per unspecified behaviour (the document is silent: it cites no requirement)."""
    rows = []
    for requirement_id, entry in ordered_requirements(certificate):
        verdict = entry["verdict"]
        if verdict == "fail":
            detail = _breaks(entry)
            if entry.get("baselined"):
                detail += f" ({entry['baselined']['count']} listed in the baseline)"
        elif verdict == "pass":
            detail = f"judged on {plural(entry['exercised']['count'], 'case')}"
        else:
            detail = entry.get("reason", "")
        evidence = entry.get("evidence") if entry.get("evidence") in _EVIDENCE_LABELS else None
        label, evidence_title = _EVIDENCE_LABELS[evidence] if evidence else ("", "")
        rows.append(
            {
                "id": requirement_id,
                "verdict": verdict,
                "quote": entry["quote"],
                "checks": entry.get("checks", ""),
                "evidence": evidence,
                "evidence_label": label,
                "evidence_title": evidence_title,
                "detail": detail,
                "anchor": anchor(requirement_id) if verdict == "fail" else None,
            }
        )
    # One row per topic the document is silent on (a title's part before ": the
    # target answered ..."), with how many cases and how many distinct answers.
    topics: dict[tuple[str, str], list[int]] = {}
    for note in certificate["notes"]:
        if note["severity"] == "unspecified":
            counts_of = topics.setdefault((note["check"], note["title"].split(": ")[0]), [0, 0])
            counts_of[0] += note["items"]
            counts_of[1] += 1
    unspecified = [
        {"check": check, "topic": topic, "cases": cases, "answers": answers}
        for (check, topic), (cases, answers) in topics.items()
    ]
    counts = ", ".join(f"{n} {v}" for v, n in certificate["counts"]["requirements"].items())
    return {"rows": rows, "unspecified": unspecified, "counts": counts}


def areas_view(certificate: dict[str, Any]) -> dict[str, Any]:
    counts = certificate["counts"]
    return {
        "collected": counts["collected"],
        "outcomes": ", ".join(f"{n} {o}" for o, n in counts["outcomes"].items()),
        "rows": list(counts["items_by_area"].items()),
    }


def notes_view(certificate: dict[str, Any], seen: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """Warnings, advisories and unspecified behaviours, each with how many cases showed it
    and the first of them: its id, where, and the curl command that shows it again
    (``seen``: the scopes' notes, evaluation.NoteSeen; else the certificate's counts)."""
    parts = []
    first = {(n["severity"], n["check"], n["title"]): n for n in reversed(list(seen))}
    for severity, heading in (
        ("warning", "Warnings (legal, risky for clients; never failed)"),
        ("advisory", "Security advisories (the document is silent; never failed)"),
        ("unspecified", "Unspecified behaviours the target chose"),
    ):
        notes = [n for n in certificate["notes"] if n["severity"] == severity]
        if notes:
            listed = [{**n, "seen": first.get((severity, n["check"], n["title"]))} for n in notes[:NOTES_LISTED]]
            parts.append({"heading": heading, "notes": listed, "more": max(0, len(notes) - NOTES_LISTED)})
    baseline_parts = []
    baseline = certificate.get("baseline")
    if baseline:
        for key, heading in (
            ("hidden", "Known failures (baseline) that failed again"),
            ("fixed", "Baselined failures that now pass: remove them from the baseline"),
            ("not_run", "Baselined items not run"),
        ):
            if baseline[key]:
                baseline_parts.append({"heading": heading, "file": baseline["file"], "entries": baseline[key]})
    return {"parts": parts, "baseline": baseline_parts}


_VERDICT_ORDER = {"fail": 0, "not-exercised": 1, "pass": 2}


def ordered_requirements(certificate: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The certificate's requirements, failing first (then not exercised, then passing),
    each group in the catalogue's order."""
    return sorted(certificate["requirements"].items(), key=lambda kv: _VERDICT_ORDER.get(kv[1]["verdict"], 1))


def anchor(requirement_id: str) -> str:
    """The id of a requirement's failures in the report (the matrix links to it)."""
    return "cf-failures-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in requirement_id)


def _example(failure: dict[str, Any]) -> dict[str, Any]:
    """One failure in full: its message (each violation's where, expected and got, and the
    curl command with $TARGET_USER_PASSWORD), then the request and response of its first
    case (``exchange``: text, as the plugin kept it), collapsed: a response can be long."""
    return {
        "nodeid": failure["nodeid"],
        "baselined": failure["outcome"] == "baselined",
        "message": failure["message"],
        "exchange": failure.get("exchange"),
    }


def _other_scope(failure: dict[str, Any]) -> dict[str, str]:
    """Another scope's failing item, collapsed: its first line, then its whole message."""
    first, _, rest = failure["message"].partition("\n")
    return {"first": first, "rest": rest.strip()}


def failures_view(certificate: dict[str, Any], failures: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Failures grouped by requirement, in the matrix's order, those caused by another
    failure (secondary) after the rest: the sentence, the first scope's item in full (its
    first cases with where/expected/got and curl, the request and response collapsed),
    the other scopes' items collapsed, then the failing cases named. ``failures`` are the
    failing items the plugin kept; the lists of cases come from the certificate."""
    primary: list[dict[str, Any]] = []
    secondary: list[dict[str, Any]] = []
    cited: set[str] = set()
    for requirement_id, entry in ordered_requirements(certificate):
        if entry["verdict"] != "fail":
            continue
        items = [f for f in failures if requirement_id in f["requirements"]]
        cited.update(f["nodeid"] for f in items)
        causes = {f.get("secondary_to") for f in items}
        cause = causes.pop() if len(causes) == 1 else None
        group = {
            "id": requirement_id,
            "anchor": anchor(requirement_id),
            "count": entry["failed"]["count"],
            "cases": entry["failed"]["cases"],
            "scopes": len({f.get("scope") for f in items}),
            "quote": entry["quote"],
            "cause": cause,
            "cause_anchor": anchor(cause) if cause else None,
            "example": _example(items[0]) if items else None,
            "others": [_other_scope(f) for f in items[1:]],
        }
        (secondary if cause else primary).append(group)
    # Failures that cite no failing requirement: harness errors.
    uncited = [f for f in failures if not f["requirements"] and f["nodeid"] not in cited]
    outcomes = certificate["counts"]["outcomes"]
    return {
        "groups": primary + secondary,
        "uncited": (
            {"example": _example(uncited[0]), "others": [_other_scope(f) for f in uncited[1:]]} if uncited else None
        ),
        "total": outcomes.get("failed", 0) + outcomes.get("baselined", 0),
    }


def summary_html(
    certificate: dict[str, Any],
    failures: Sequence[dict[str, Any]] = (),
    run_lines: Sequence[str] = (),
    notes_seen: Sequence[dict[str, Any]] = (),
    links: dict[str, str] | None = None,
) -> str:
    """The summary: its stylesheet, then the verdict first (the first screen of the
    report), the run, the matrix, the failures, areas and notes."""
    return macro(
        "summary.html",
        "summary",
        {
            "colours": COLOURS,
            "verdict": verdict_view(certificate, failures),
            "run": run_view(certificate, run_lines, links),
            "matrix": matrix_view(certificate),
            "failures": failures_view(certificate, failures),
            "areas": areas_view(certificate),
            "notes": notes_view(certificate, notes_seen),
        },
    )


def matrix_html(certificate: dict[str, Any]) -> str:
    """The requirement matrix alone."""
    return macro("summary.html", "matrix", matrix_view(certificate))


def comparison_html(url: str, compared: int, differing: int, differences: list[dict[str, Any]]) -> str:
    """Each case whose documents differ: the target's and the compared implementation's
    canonical documents side by side, then the unified diff."""
    return macro(
        "summary.html",
        "comparison",
        {"url": url, "compared": compared, "differing": differing, "differences": differences},
    )
