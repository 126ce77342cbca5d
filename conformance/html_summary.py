"""The top of the HTML report: the verdict, then the requirement matrix, read top-down.

Plain HTML with an inline style: the report is one self-contained file (pytest-html
``--self-contained-html``), readable without scripts and on a narrow screen (tables
scroll sideways inside their own box). Every id/class used here is stable, so a test
(and a reviewer's tooling) can find the sections: ``#conformance-verdict``,
``#conformance-matrix``, ``#conformance-areas``, ``#conformance-notes``,
``#conformance-failures``, ``#conformance-comparison``.
"""

from __future__ import annotations

from html import escape
from typing import Any

NOTES_LISTED = 40

STYLE = """<style>
.cf-verdict{font-size:1.3em;padding:.4em .6em;border-radius:4px;display:inline-block}
.cf-conformant{background:#d4edda}.cf-not-conformant{background:#f8d7da}.cf-incomplete{background:#fff3cd}
.cf-scroll{overflow-x:auto;max-width:100%}
table.cf-table{border-collapse:collapse;margin:.5em 0}
table.cf-table th,table.cf-table td{border:1px solid #ccc;padding:.2em .5em;vertical-align:top;text-align:left}
td.cf-pass{background:#d4edda}td.cf-fail{background:#f8d7da}td.cf-not-exercised{background:#eee}td.cf-unspecified{background:#e7f1ff}
td.cf-quote{max-width:40em;font-style:italic}
pre.cf-diff{white-space:pre-wrap;word-break:break-word;max-width:100%}
</style>"""


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
        + "<p>The same verdict, with hashes of the inputs, is in certificate.json next to this report.</p></section>"
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
    for requirement_id, entry in certificate["requirements"].items():
        verdict = entry["verdict"]
        if verdict == "fail":
            detail = f"{entry['failed']['count']} of {entry['exercised']['count']} items failed"
            shown = entry["failed"]["cases"][:5]
            if entry.get("baselined"):
                detail += f" ({entry['baselined']['count']} listed in the baseline)"
        elif verdict == "pass":
            detail, shown = f"{entry['exercised']['count']} items", []
        else:
            detail, shown = entry.get("reason", ""), []
        cases = "".join(f"<br><code>{escape(c)}</code>" for c in shown)
        rows.append(
            '<tr class="cf-row" '
            f'data-requirement="{escape(requirement_id)}"><th><code>{escape(requirement_id)}</code></th>'
            f'<td class="cf-quote">&ldquo;{escape(entry["quote"])}&rdquo;'
            + (
                f'<br><small class="cf-checks">Checked: {escape(entry["checks"])}</small>'
                if entry.get("checks")
                else ""
            )
            + "</td>"
            "<td "
            f'class="cf-{verdict}"><b>{escape(verdict)}</b>{_evidence_label(entry)}<br>{escape(detail)}{cases}</td></tr>'
        )
    # One row per topic the document is silent on (a title's part before ": the
    # target answered ..."), with how many items and how many distinct answers.
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
            f'<td class="cf-unspecified"><b>unspecified</b><br>{n_items} items, {answers} distinct answer(s)</td></tr>'
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
        '<section id="conformance-areas"><h2>Items by area '
        f"(markers)</h2><p>{counts['collected']} collected; {escape(outcomes)}</p>"
        f'<div class="cf-scroll"><table class="cf-table"><tbody>{rows}</tbody></table></div></section>'
    )


def notes_html(certificate: dict[str, Any]) -> str:
    parts = []
    for severity, heading in (
        ("warning", "Warnings (legal, risky for clients; never failed)"),
        ("advisory", "Security advisories (the document is silent; never failed)"),
        ("unspecified", "Unspecified behaviours the target chose"),
    ):
        notes = [n for n in certificate["notes"] if n["severity"] == severity]
        if notes:
            items = "".join(
                f"<li>{n['items']} &times; <code>{escape(n['check'])}</code>: {escape(n['title'])}</li>"
                for n in notes[:NOTES_LISTED]
            )
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


def failures_html(certificate: dict[str, Any], failures: list[dict[str, Any]]) -> str:
    """Each failure in full: requirement ids and sentences, the message (where, expected
    and got, the curl command), then the request and response the report carries.
    ``extras`` are the HTML fragments the plugin built (already escaped)."""
    if not failures:
        return ""
    total = certificate["counts"]["outcomes"].get("failed", 0) + certificate["counts"]["outcomes"].get("baselined", 0)
    blocks = []
    for number, failure in enumerate(failures, 1):
        requirements = "".join(
            f'<li class="cf-requirement"><code>{escape(r)}</code>: '
            f'&ldquo;{escape(certificate["requirements"][r]["quote"])}&rdquo;</li>'
            for r in failure["requirements"] if r in certificate["requirements"]
        )  # fmt: skip
        label = " (known failure, listed in the baseline)" if failure["outcome"] == "baselined" else ""
        blocks.append(
            '<article class="cf-failure" '
            f'id="cf-failure-{number}"><h3><code>{escape(failure["nodeid"])}</code>{escape(label)}</h3>'
            f'<ul class="cf-requirements">{requirements}</ul>'
            f'<h4>Violations</h4><pre class="cf-message cf-diff">{escape(failure["message"])}</pre>'
            f'<div class="cf-exchange">{"".join(failure["extras"])}</div></article>'
        )
    shown = f"the first {len(failures)} of {total}" if total > len(failures) else f"all {len(failures)}"
    return (
        f'<section id="conformance-failures"><h2>Failures ({shown}; the '
        f"results table below lists every one)</h2>{''.join(blocks)}</section>"
    )


def summary_html(certificate: dict[str, Any], failures: list[dict[str, Any]] = ()) -> str:  # type: ignore[assignment]
    return (
        STYLE
        + verdict_html(certificate)
        + matrix_html(certificate)
        + areas_html(certificate)
        + notes_html(certificate)
        + failures_html(certificate, list(failures))
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
