"""What the run writes and shows: the certificate (and the run's facts in it), the
terminal summary, and pytest-html's report (its extras, rows and summary).
"""

from __future__ import annotations

import os
from collections.abc import Generator
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance import certificate as cert
from conformance import recording
from conformance.plugin.collection import scope_counts
from conformance.plugin.observer import run_diagnoses, run_scope
from conformance.plugin.state import EXAMPLE, STATE, State
from conformance.secret import redact
from conformance.tally import Tally
from conformance.verdict import NODE_IDS
from conformance.wording import plural

if TYPE_CHECKING:
    import pluggy

DIFFERENCES_SHOWN = 200  # compared cases shown side by side in the HTML report


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    outcome = yield
    report = outcome.get_result()
    example = item.stash.get(EXAMPLE, None)
    if call.when != "call" or example is None or not (report.failed or hasattr(report, "wasxfail")):
        return
    try:
        from pytest_html import extras
    except ImportError:  # pragma: no cover - pytest-html is a dependency
        return
    from conformance.templating import macro

    # Inline HTML, not text links: a reviewer reads the first failing case's request
    # and answer in the row itself, without opening anything (both already redacted).
    report.extras = getattr(report, "extras", []) + [  # type: ignore[attr-defined]  # pytest-html reads it
        extras.html(macro("extras.html", "request", example.curl)),
        extras.html(macro("extras.html", "response", example.response)),
    ]
    # The same as text, for the summary's example (it crosses xdist with the report, as
    # pytest-html's extras do): the summary's template renders it, never trusted markup.
    report.conformance_exchange = {"curl": example.curl, "response": example.response}  # type: ignore[attr-defined]


@pytest.hookimpl(tryfirst=True)  # before pytest-html writes its report, which shows the verdict
def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    output = getattr(session.config, "workeroutput", None)
    if state is not None and state.recorder is not None and state.harness is not None:
        settings = state.settings
        try:
            state.recorder.save(
                recording.manifest(
                    cert.public_url(settings.target_url),
                    settings.target_url is None,
                    state.harness.profile.sha256,
                    settings.encoding,
                    settings.combinations,
                )
            )
        except recording.RecordingError as exc:
            raise pytest.UsageError(str(exc)) from None
    if state is not None and state.harness is not None and output is not None:
        output["conformance"] = {
            "requests": state.harness.requests_sent,
            "transport": state.harness.transport_notes(),
            "matrix_sizes": state.matrix_sizes,
            "scope": scope_counts(state),
            "diagnoses": state.diagnoses,
            "gone": state.gone,
        }
        return  # a worker: the controller writes the certificate
    if state is None or state.harness is None or state.unusable or session.config.option.collectonly:
        return
    if state.gone or any(w.get("gone") for w in state.workers):
        # The target went away: no verdict on it can be complete (exit 4, as for a
        # target that cannot be tested at all), whatever the items said before.
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
    path = state.settings.report_dir / "certificate.json"
    state.certificate = cert.write_certificate(
        certificate_of(session.config, state), path, state.harness.profile.password
    )
    if (
        state.settings.require_conformant
        and state.certificate["verdict"] != "conformant"
        and session.exitstatus == pytest.ExitCode.OK
    ):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def selection_of(config: pytest.Config) -> list[str]:
    """The options that select items, to name them in the verdict's reasons (and in
    run.selection). The verdict itself rests on counts (scope_counts), which also see
    what no option shows: a plugin that deselects or drops items."""
    option, found = config.option, []
    if getattr(getattr(config, "stash", {}).get(STATE, None), "settings", None) is not None:
        cases = config.stash[STATE].settings.cases
        if cases is not None:
            found.append(f"--cases {cases.text!r}")
    if getattr(option, "keyword", ""):
        found.append(f"-k {option.keyword!r}")
    if getattr(option, "markexpr", ""):
        found.append(f"-m {option.markexpr!r}")
    if getattr(option, "deselect", None):
        found.append(f"--deselect ({len(option.deselect)} ids)")
    if getattr(option, "lf", False):
        found.append("--last-failed")
    if getattr(option, "stepwise", False):
        found.append("--sw (stepwise)")
    if any("::" in str(arg) for arg in config.args):
        found.append(NODE_IDS)
    # Sharding plugins' options, by their dest (the counts catch any other plugin).
    if getattr(option, "splits", None):
        found.append("--splits (pytest-split)")
    if (getattr(option, "num_shards", None) or 1) > 1:
        found.append("--num-shards (pytest-shard)")
    return found


def scope_tally(state: State) -> Tally:
    """What every scope judged, merged (each scope counted once)."""
    tally = Tally()
    # In the scopes' key order, so the cases the certificate names are the same with or
    # without -n (where the scopes' carriers arrive in whatever order workers finish).
    for _, carried in sorted(state.scopes.items()):
        tally.merge(Tally.from_json(carried["tally"]))
    return tally


def certificate_of(config: pytest.Config, state: State) -> dict[str, Any]:
    settings = state.settings
    outcomes = dict(state.outcomes)
    for nodeid, outcome in outcomes.items():
        # A failure no requirement explains (a harness error, an exception) is no verdict.
        if outcome == "failed" and not state.records.get(nodeid, {}).get("failed"):
            outcomes[nodeid] = "error"
    seen = [
        {"id": unit, "failed": failed}
        for carried in state.scopes.values()
        for unit, failed in carried["baseline_seen"].items()
    ]
    facts = run_facts(
        state,
        selection=selection_of(config),
        collected=state.collected_items if state.collected_items is not None else len(outcomes),
        outcomes=outcomes,
        baseline=settings.baseline.outcome(seen) if settings.baseline else None,
        diagnoses=run_diagnoses(state),
        gone=state.gone or next((w["gone"] for w in state.workers if w.get("gone")), None),
        **run_scope(state),
    )
    selected = {record["requirement"] for record in state.records.values()}
    return cert.build_certificate(scope_tally(state), facts, selected=selected)


def run_facts(state: State, **about_the_items: Any) -> cert.RunFacts:
    """What the certificate says of the run itself: target (the recorded one when
    replaying), profile, modes and times; the items' facts come as keywords."""
    harness = state.harness
    assert harness is not None
    settings = state.settings
    recorded = settings.recorded or {}
    return cert.RunFacts(
        target_url=recorded.get("target_url", settings.target_url),
        embedded=recorded.get("embedded_reference", settings.target_url is None),
        replayed_from=str(settings.replay) if settings.replay else None,
        profile_path=str(harness.profile.path),
        profile_sha256=harness.profile.sha256,
        dataset=harness.profile.dataset,
        encoding=settings.encoding,
        combinations=settings.combinations,
        started=state.started or datetime.now(timezone.utc),
        finished=datetime.now(timezone.utc),
        **about_the_items,
    )


def run_summary(state: State) -> list[str]:
    """The run in a few lines, for the terminal and the top of the HTML report."""
    harness = state.harness
    assert harness is not None
    settings = state.settings
    target = (
        settings.target_url
        or f"embedded reference server ({state.reference.url if state.reference else 'not started'})"
    )
    if settings.replay is not None:
        target = f"replay of {settings.replay} (recorded from {harness.client.url}; nothing sent)"
    lines = [f"target: {target}; profile: {harness.profile.path}"]
    sent, sizes, transport = harness.requests_sent, state.matrix_sizes, harness.transport_notes()
    if state.workers:  # under xdist: what the workers sent back
        sent = sum(w["requests"] for w in state.workers) + harness.requests_sent  # and the controller's smoke
        sizes = state.workers[0]["matrix_sizes"] or sizes
        transport = [note for w in state.workers for note in w["transport"]]
        if settings.replay is None:
            lines[0] = (
                f"target: {settings.target_url or 'an embedded reference server per worker'}; "
                f"profile: {harness.profile.path}"
            )
    lines.append(
        f"requests sent: {sent} ({settings.encoding}, "
        f"combinations={settings.combinations}{f', {len(state.workers)} workers' if state.workers else ''})"
    )
    stopped = run_scope(state)["stopped"]
    if stopped:
        # The whole message is the first of the verdict's reasons.
        lines.append(
            "STOPPED EARLY: the target answered the smoke request with no documented "
            "envelope; only that lookup ran, as one case: nothing else can be judged"
        )
    if sizes:
        lines.append("matrix cases per mode (--combinations): " + ", ".join(f"{m}: {n}" for m, n in sizes.items()))
    if settings.verify is False:
        lines.append("WARNING: --insecure: the target's TLS certificate was NOT verified")
    lines += transport
    if state.scopes:
        cases = sum(c["tally"]["units"] for c in state.scopes.values())
        seconds = sum(c["seconds"] for c in state.scopes.values())
        lines.append(
            f"cases judged: {cases} in {plural(len(state.scopes), 'scope')}, as the evidence of "
            f"{plural(len(state.outcomes), 'requirement item')}; fetched and judged in {seconds:.1f} s "
            "(the scopes' sum; answers are judged as they arrive)"
        )
    for severity, heading in (
        ("advisory", "security advisories (the document is silent; never failed)"),
        ("warning", "warnings"),
        ("unspecified", "unspecified behaviours (the document is silent)"),
    ):
        counts = note_counts(state, severity)
        if counts:
            lines.append(f"{heading}:" if severity == "advisory" else f"{heading}, never failed:")
            lines += [f"  {count:6d} x {title}" for title, count in sorted(counts.items(), key=lambda kv: -kv[1])[:20]]
    return [redact(line, harness.profile.password) for line in lines]


def report_links(config: pytest.Config, state: State) -> dict[str, str]:
    """certificate.json's and junit.xml's paths as seen from report.html, which --html and
    --junitxml may put in other directories than --report-dir."""
    html = getattr(config.option, "htmlpath", None)
    if not html:
        return {}
    here = Path(html).resolve().parent
    found = {"certificate.json": os.path.relpath(state.settings.report_dir.resolve() / "certificate.json", here)}
    xml = getattr(config.option, "xmlpath", None)
    if xml:
        found["junit.xml"] = os.path.relpath(Path(xml).resolve(), here)
    return {name: Path(path).as_posix() for name, path in found.items()}


def note_counts(state: State, severity: str) -> dict[str, int]:
    """How many cases showed each note of this severity, over every scope."""
    counts: dict[str, int] = {}
    for carried in state.scopes.values():
        for note in carried["notes"]:
            if note["severity"] == severity:
                counts[note["title"]] = counts.get(note["title"], 0) + note["count"]
    return counts


def comparison_of(state: State) -> tuple[int, int, list[dict[str, Any]]]:
    """(cases compared, cases whose documents differ, the differences kept), over every scope."""
    compared = sum(c["compared"] for c in state.scopes.values())
    differing = sum(c["differing"] for c in state.scopes.values())
    differences = [d for c in state.scopes.values() for d in c["differences"]]
    return compared, differing, differences[:DIFFERENCES_SHOWN]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or state.harness is None:
        return
    terminalreporter.section("customer_info conformance")
    for line in run_summary(state):
        terminalreporter.write_line(line)
    certificate = state.certificate
    if certificate is not None:
        terminalreporter.write_line(
            f"verdict: {certificate['verdict']}"
            + ("" if certificate["reasons"] else " (every testable requirement exercised and passed)")
        )
        for reason in certificate["reasons"]:
            terminalreporter.write_line(f"  - {reason}")
        if certificate["dataset"]:
            terminalreporter.write_line(certificate["dataset"]["statement"])
        baseline = certificate.get("baseline")
        if baseline and baseline["fixed"]:
            terminalreporter.write_line(
                f"baseline {baseline['file']}: {plural(len(baseline['fixed']), 'listed failure')} "
                f"now {'passes' if len(baseline['fixed']) == 1 else 'pass'}; remove them from the file:"
            )
            for entry in baseline["fixed"]:
                terminalreporter.write_line(f"  - requirement: {entry['requirement']}, case: {entry['case']}")
        if state.settings.require_conformant and certificate["verdict"] != "conformant":
            terminalreporter.write_line("--require-conformant: the run fails because the verdict is not conformant")
        terminalreporter.write_line(f"certificate: {state.settings.report_dir / 'certificate.json'}")
    if state.compare is not None:
        compared, differing, _ = comparison_of(state)
        terminalreporter.write_line(
            f"comparison with {state.settings.compare_url}: {differing} of "
            f"{compared} cases answer a different document (side by side in the HTML report)"
        )
    if config.option.htmlpath:
        terminalreporter.write_line(f"HTML report: {config.option.htmlpath}")
    if getattr(config.option, "xmlpath", None):
        terminalreporter.write_line(f"JUnit XML:   {config.option.xmlpath}")
    if os.environ.get("TARGET_USER_PASSWORD") is None and state.settings.target_url:
        terminalreporter.write_line(
            "(the profile's password was used; set TARGET_USER_PASSWORD to keep it out of the profile)"
        )


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(
    prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None or state.harness is None:
        return
    if state.certificate is not None:
        from conformance.html_summary import summary_html

        prefix.append(
            redact(
                summary_html(
                    state.certificate,
                    state.failures,
                    run_summary(state),
                    [note for _, carried in sorted(state.scopes.items()) for note in carried["notes"]],
                    report_links(session.config, state),
                ),
                state.harness.profile.password,
            )
        )
    if state.compare is not None:
        from conformance.html_summary import comparison_html

        prefix.append(
            redact(
                comparison_html(state.settings.compare_url or "", *comparison_of(state)),
                state.compare.profile.password,
            )
        )
    if state.certificate is None:  # otherwise summary_html shows these lines under "The run"
        from conformance.templating import macro

        prefix.append(macro("extras.html", "run_lines", run_summary(state)))
