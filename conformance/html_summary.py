"""The top of the HTML report: the verdict, then the requirement matrix, read top-down.

Plain HTML with an inline style: the report is one self-contained file (pytest-html
``--self-contained-html``), readable without scripts and on a narrow screen (tables
scroll sideways inside their own box). Every id/class used here is stable, so a test
(and a reviewer's tooling) can find the sections: ``#conformance-verdict``,
``#conformance-matrix``, ``#conformance-areas``, ``#conformance-notes``,
``#conformance-failures``, ``#conformance-comparison``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from typing import Any

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

STYLE = f"""<style>
body,p,h1,h2,h3,h4,#results-table,.logwrapper .log{{color:{TEXT}}}
body,#results-table{{font-size:15px;line-height:1.45}}
/* pytest-html's 800 px minimum width, its row of controls and its table's test ids
   widened the page in a narrow window. */
body{{min-width:0}}.controls,.filters{{flex-wrap:wrap}}#results-table td{{overflow-wrap:anywhere}}
a,a:visited{{color:{LINK}}}
span.passed,.passed .col-result{{color:{GREEN}}}
span.skipped,span.xfailed,span.rerun,.skipped .col-result,.xfailed .col-result,.rerun .col-result{{color:{ORANGE}}}
span.error,span.failed,span.xpassed,.error .col-result,.failed .col-result,.xpassed .col-result{{color:{RED}}}
.cf-report small,.cf-muted{{color:{MUTED};font-size:.9em}}
.cf-verdict{{font-size:1.3em;padding:.4em .6em;border-radius:4px;display:inline-block;color:{TEXT}}}
.cf-conformant{{background:{PASS_BG}}}.cf-not-conformant{{background:{FAIL_BG}}}.cf-incomplete{{background:{INCOMPLETE_BG}}}
.cf-scroll{{overflow-x:auto;max-width:100%}}
table.cf-table{{border-collapse:collapse;margin:.5em 0;color:{TEXT}}}
table.cf-table th,table.cf-table td{{border:1px solid #8a8a8a;padding:.2em .5em;vertical-align:top;text-align:left}}
td.cf-pass{{background:{PASS_BG}}}td.cf-fail{{background:{FAIL_BG}}}td.cf-not-exercised{{background:{NOT_EXERCISED_BG}}}td.cf-unspecified{{background:{UNSPECIFIED_BG}}}
td.cf-quote{{max-width:40em;font-style:italic}}
dl.cf-facts{{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em}}
dl.cf-facts dt{{font-weight:bold}}dl.cf-facts dd{{margin:0;overflow-wrap:anywhere}}
/* Long lines (curl commands, case ids, bodies) wrap inside the window, never widen the page. */
pre,code,.additional-summary pre,#results-table pre,.logwrapper .log{{white-space:pre-wrap;
overflow-wrap:anywhere;word-break:break-word;max-width:100%}}
.cf-failure-group{{border-top:2px solid {TEXT};margin-top:1.2em}}
details>summary{{cursor:pointer;font-weight:bold}}
</style>"""


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


def run_html(certificate: dict[str, Any], run_lines: Sequence[str] = (), links: dict[str, str] | None = None) -> str:
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
    rows = "".join(f"<dt>{escape(name)}</dt><dd>{escape(value)}</dd>" for name, value in facts)
    more = (
        '<details class="cf-run-lines"><summary>The run as the terminal summarised it</summary>'
        f"<pre>{escape(chr(10).join(run_lines))}</pre></details>"
        if run_lines
        else ""
    )
    files = [
        f'<a href="{escape(href)}">{escape(href)}</a> ({about})'
        for href, about in (
            (links.get("certificate.json"), "the verdicts, with hashes of the inputs"),
            (links.get("junit.xml"), "every item"),
        )
        if href
    ]
    return (
        '<section id="conformance-run"><h2>The run</h2>'
        f'<dl class="cf-facts">{rows}</dl>'
        + (f'<p class="cf-files">Files: {" and ".join(files)}.</p>' if files else "")
        + f"{more}</section>"
    )


def verdict_html(certificate: dict[str, Any]) -> str:
    verdict = certificate["verdict"]
    reasons = "".join(f"<li>{escape(r)}</li>" for r in certificate["reasons"])
    return (
        '<section id="conformance-verdict"><h2>Verdict: <span '
        f'class="cf-verdict cf-{verdict}">{escape(verdict)}</span></h2>'
        + (
            f"<ul>{reasons}</ul>"
            if reasons
            else "<p>Every testable requirement was exercised and passed, in the full matrix.</p>"
        )
        + (
            f'<p id="conformance-dataset"><b>{escape(dataset["statement"])}</b></p>'
            if (dataset := certificate.get("dataset"))
            else ""
        )
        + "</section>"
    )


_EVIDENCE_LABELS = {
    "expected-data": ("against expected data", "judged against the data the profile says the target holds"),
    "consistency": (
        "consistency only",
        "judged against the document's rules and the target's other "
        "answers only: a value wrong the same way everywhere would pass",
    ),
}


def _evidence_label(entry: dict[str, Any]) -> str:
    """A short label next to a verdict: what it rests on (the certificate's ``evidence``)."""
    if entry.get("evidence") not in _EVIDENCE_LABELS:
        return ""
    label, title = _EVIDENCE_LABELS[entry["evidence"]]
    return (
        f' <small class="cf-evidence cf-evidence-{escape(entry["evidence"])}" '
        f'title="{escape(title)}">{escape(label)}</small>'
    )


def matrix_html(certificate: dict[str, Any]) -> str:
    """Rows: requirement id and quoted sentence; cell: its verdict with counts. Then one
    row per unspecified behaviour (the document is silent: it cites no requirement)."""
    rows = []
    for requirement_id, entry in ordered_requirements(certificate):
        verdict = entry["verdict"]
        link = ""
        if verdict == "fail":
            detail = f"{entry['failed']['count']} of {entry['exercised']['count']} cases break it"
            if entry.get("baselined"):
                detail += f" ({entry['baselined']['count']} listed in the baseline)"
            link = f'<br><a class="cf-to-failures" href="#{anchor(requirement_id)}">the failures</a>'
        elif verdict == "pass":
            detail = f"judged on {entry['exercised']['count']} cases"
        else:
            detail = entry.get("reason", "")
        rows.append(
            '<tr class="cf-row" '
            f'data-requirement="{escape(requirement_id)}" data-verdict="{escape(verdict)}">'
            f"<th><code>{escape(requirement_id)}</code></th>"
            f'<td class="cf-quote">&ldquo;{escape(entry["quote"])}&rdquo;'
            + (
                f'<br><small class="cf-checks">Checked: {escape(entry["checks"])}</small>'
                if entry.get("checks")
                else ""
            )
            + "</td>"
            "<td "
            f'class="cf-{verdict}"><b>{escape(verdict)}</b>{_evidence_label(entry)}<br>{escape(detail)}{link}</td></tr>'
        )
    # One row per topic the document is silent on (a title's part before ": the
    # target answered ..."), with how many cases and how many distinct answers.
    topics: dict[tuple[str, str], list[int]] = {}
    for note in certificate["notes"]:
        if note["severity"] == "unspecified":
            counts_of = topics.setdefault((note["check"], note["title"].split(": ")[0]), [0, 0])
            counts_of[0] += note["items"]
            counts_of[1] += 1
    for (check, topic), (n_items, answers) in topics.items():
        rows.append(
            f'<tr class="cf-row cf-unspecified-row"><th><code>{escape(check)}</code></th>'
            f'<td class="cf-quote">(the document is silent) {escape(topic)}</td>'
            f'<td class="cf-unspecified"><b>unspecified</b><br>{n_items} cases, {answers} distinct answer(s)</td></tr>'
        )
    counts = ", ".join(f"{n} {v}" for v, n in certificate["counts"]["requirements"].items())
    return (
        f'<section id="conformance-matrix"><h2>Requirement matrix</h2><p>{escape(counts)}</p><div class="cf-scroll">'
        '<table class="cf-table"><thead><tr><th>requirement</th><th>the '
        "document says</th><th>verdict</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def areas_html(certificate: dict[str, Any]) -> str:
    counts = certificate["counts"]
    rows = "".join(f"<tr><th>{escape(area)}</th><td>{n}</td></tr>" for area, n in counts["items_by_area"].items())
    outcomes = ", ".join(f"{n} {o}" for o, n in counts["outcomes"].items())
    return (
        '<section id="conformance-areas"><h2>Cases by area</h2>'
        f"<p>{counts['collected']} requirement items collected; {escape(outcomes)}</p>"
        f'<div class="cf-scroll"><table class="cf-table"><tbody>{rows}</tbody></table></div></section>'
    )


def notes_html(certificate: dict[str, Any], seen: Sequence[dict[str, Any]] = ()) -> str:
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
            items = "".join(_note_html(n, first.get((severity, n["check"], n["title"]))) for n in notes[:NOTES_LISTED])
            if len(notes) > NOTES_LISTED:
                items += f"<li>... and {len(notes) - NOTES_LISTED} more (all in certificate.json)</li>"
            parts.append(f"<h3>{escape(heading)}</h3><ul>{items}</ul>")
    baseline = certificate.get("baseline")
    if baseline:
        for key, heading in (
            ("hidden", "Known failures (baseline) that failed again"),
            ("fixed", "Baselined failures that now pass: remove them from the baseline"),
            ("not_run", "Baselined items not run"),
        ):
            if baseline[key]:
                items = "".join(
                    f"<li><code>{escape(e['requirement'])}</code> in <code>{escape(e['case'])}</code></li>"
                    for e in baseline[key]
                )
                parts.append(f"<h3>{escape(heading)} ({escape(baseline['file'])})</h3><ul>{items}</ul>")
    return f'<section id="conformance-notes"><h2>Notes</h2>{"".join(parts) or "<p>none</p>"}</section>'


def _note_html(note: dict[str, Any], seen: dict[str, Any] | None) -> str:
    head = f"{note['items']} &times; <code>{escape(note['check'])}</code>: {escape(note['title'])}"
    if seen is None:
        return f"<li>{head}</li>"
    where = f" at {escape(seen['where'])}" if seen["where"] else ""
    return (
        f"<li>{head}<details><summary>first seen in <code>{escape(seen['unit'])}</code>{where}</summary>"
        f"<pre>{escape(seen['curl'])}</pre></details></li>"
    )


_VERDICT_ORDER = {"fail": 0, "not-exercised": 1, "pass": 2}


def ordered_requirements(certificate: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The certificate's requirements, failing first (then not exercised, then passing),
    each group in the catalogue's order."""
    return sorted(certificate["requirements"].items(), key=lambda kv: _VERDICT_ORDER.get(kv[1]["verdict"], 1))


def anchor(requirement_id: str) -> str:
    """The id of a requirement's failures in the report (the matrix links to it)."""
    return "cf-failures-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in requirement_id)


def _example_html(failure: dict[str, Any]) -> str:
    """One failure in full: its message (each violation's where, expected and got, and the
    curl command with $TARGET_USER_PASSWORD), then the request and response the plugin
    attached (already escaped HTML), collapsed: a response can be long."""
    label = " (known failure, listed in the baseline)" if failure["outcome"] == "baselined" else ""
    exchange = "".join(failure["extras"])
    return (
        f'<article class="cf-failure"><h4>Example: <code>{escape(failure["nodeid"])}</code>{escape(label)}</h4>'
        f'<pre class="cf-message">{escape(failure["message"])}</pre>'
        + (
            f'<details class="cf-exchange"><summary>Request and response</summary>{exchange}</details>'
            if exchange
            else ""
        )
        + "</article>"
    )


def _scope_html(failure: dict[str, Any]) -> str:
    """Another scope's failing item, collapsed: its first line, then its whole message."""
    first, _, rest = failure["message"].partition("\n")
    return (
        f'<details class="cf-other-scope"><summary>{escape(first)}</summary>'
        f'<pre class="cf-message">{escape(rest.strip())}</pre></details>'
    )


def _cases_html(cases: list[str], total: int) -> str:
    """The failing cases the certificate names, collapsed, and how many more there are."""
    if total <= 0:
        return ""
    listed = "".join(f"<li><code>{escape(c)}</code></li>" for c in cases)
    more = f"<p>... and {total - len(cases)} more (junit.xml has every scope's list).</p>" if total > len(cases) else ""
    summary = f"<summary>the failing cases ({total})</summary>"
    return f'<details class="cf-other-cases">{summary}<ul>{listed}</ul>{more}</details>'


def failures_html(certificate: dict[str, Any], failures: list[dict[str, Any]]) -> str:
    """Failures grouped by requirement, in the matrix's order, those caused by another
    failure (secondary) after the rest: the sentence, the first scope's item in full (its
    first cases with where/expected/got and curl, the request and response collapsed),
    the other scopes' items collapsed, then the failing cases named. ``failures`` are the
    failing items the plugin kept; the lists of cases come from the certificate."""
    primary: list[str] = []
    secondary: list[str] = []
    cited: set[str] = set()
    for requirement_id, entry in ordered_requirements(certificate):
        if entry["verdict"] != "fail":
            continue
        count, cases = entry["failed"]["count"], entry["failed"]["cases"]
        items = [f for f in failures if requirement_id in f["requirements"]]
        cited.update(f["nodeid"] for f in items)
        causes = {f.get("secondary_to") for f in items}
        cause = causes.pop() if len(causes) == 1 else None
        shown = _example_html(items[0]) if items else "<p>No example was kept in this report: see junit.xml.</p>"
        others = "".join(_scope_html(f) for f in items[1:])
        scopes = len({f.get("scope") for f in items})
        mark = (
            f'<p class="cf-secondary"><b>Secondary</b>: every case that breaks it also breaks '
            f'<a href="#{anchor(cause)}"><code>{escape(cause)}</code></a>, whose failure may cause this one.</p>'
            if cause
            else ""
        )
        group = (
            f'<section class="cf-failure-group{" cf-secondary-group" if cause else ""}" id="{anchor(requirement_id)}" '
            f'data-requirement="{escape(requirement_id)}">'
            f"<h3><code>{escape(requirement_id)}</code>: {count} failing case{'s' if count != 1 else ''}"
            f"{f' in {scopes} scope(s)' if scopes > 1 else ''}{' (secondary)' if cause else ''}</h3>"
            f'<p class="cf-requirement">&ldquo;{escape(entry["quote"])}&rdquo;</p>'
            + mark
            + shown
            + others
            + _cases_html(cases, count)
            + "</section>"
        )
        (secondary if cause else primary).append(group)
    # Failures that cite no failing requirement: harness errors.
    uncited = [f for f in failures if not f["requirements"] and f["nodeid"] not in cited]
    groups = primary + secondary
    if uncited:
        groups.append(
            '<section class="cf-failure-group" id="cf-failures-other"><h3>Failures citing no requirement '
            "(harness errors: no verdict on the target)</h3>"
            + _example_html(uncited[0])
            + "".join(_scope_html(f) for f in uncited[1:])
            + "</section>"
        )
    if not groups:
        return ""
    outcomes = certificate["counts"]["outcomes"]
    total = outcomes.get("failed", 0) + outcomes.get("baselined", 0)
    return (
        f'<section id="conformance-failures"><h2>Failures by requirement ({total} failing '
        f"item{'s' if total != 1 else ''}: a requirement over a scope)</h2>{''.join(groups)}</section>"
    )


def summary_html(
    certificate: dict[str, Any],
    failures: Sequence[dict[str, Any]] = (),
    run_lines: Sequence[str] = (),
    notes_seen: Sequence[dict[str, Any]] = (),
    links: dict[str, str] | None = None,
) -> str:
    return (
        STYLE
        + '<div class="cf-report">'
        + run_html(certificate, run_lines, links)
        + verdict_html(certificate)
        + matrix_html(certificate)
        + failures_html(certificate, list(failures))
        + areas_html(certificate)
        + notes_html(certificate, notes_seen)
        + "</div>"
    )


def comparison_html(url: str, compared: int, differing: int, differences: list[dict[str, Any]]) -> str:
    """Each case whose documents differ: the target's and the compared implementation's
    canonical documents side by side, then the unified diff."""
    blocks = []
    for found in differences:
        blocks.append(
            f'<article class="cf-difference"><h3><code>{escape(found["id"])}</code>: {escape(found["summary"])}</h3>'
            '<div class="cf-scroll"><table class="cf-table '
            'cf-side-by-side"><thead><tr><th>target</th><th>compared implementation</th></tr></thead>'
            f'<tbody><tr><td><pre class="cf-diff">{escape(found["target"])}</pre></td><td><pre '
            f'class="cf-diff">{escape(found["compared"])}</pre></td></tr></tbody></table></div>'
            + (f'<h4>Diff</h4><pre class="cf-diff">{escape(found["diff"])}</pre>' if found["diff"] else "")
            + "</article>"
        )
    shown = f" (the first {len(differences)} shown)" if differing > len(differences) else ""
    return (
        f'<section id="conformance-comparison"><h2>Comparison with {escape(url)}</h2>'
        f"<p>{differing} of {compared} cases answer a different document{shown}. "
        f"A difference is not a failure.</p>{''.join(blocks)}</section>"
    )
