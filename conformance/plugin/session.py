"""The run against one target: configuration (profile, reports, state), the embedded
reference server, the harness's client, the smoke request, fetching the answers
before the items run, and closing it all.
"""

from __future__ import annotations

import gc
import logging
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import NoReturn

import pytest

from conformance import certificate as cert
from conformance import compare as comparing
from conformance import recording, schemas
from conformance.client import Client
from conformance.embedded import EmbeddedServerError, StartingServer
from conformance.harness import Harness, TargetBroken, TargetUnusable
from conformance.html_finish import finish_report
from conformance.plugin import termination
from conformance.plugin.collection import MARKERS, is_generated
from conformance.plugin.observer import RunObserver
from conformance.plugin.options import SUITE_DIR, Settings, no_suite_for_the_options, read_settings, suite_requested
from conformance.plugin.reporting import run_facts
from conformance.plugin.state import STATE, State, is_xdist_controller
from conformance.profile import ProfileError, load_profile
from conformance.ratelimit import RateLimiter
from conformance.secret import redact
from conformance.stop_files import stop_html, stop_junit
from conformance.wording import plural

JUNIT_SUITE_NAME = "customer_info-conformance"


def _not_urllib3_header_parsing(record: logging.LogRecord) -> bool:
    """urllib3 logs a WARNING with its traceback when a target's header block cannot be
    parsed (a trickled one, cut at the deadline); the failure already says what happened
    in the harness's words (target_answered). Answers are fetched while the items run, so
    pytest would print that traceback under the failing item: keep it out."""
    return not record.getMessage().startswith("Failed to parse headers")


logging.getLogger("urllib3.connection").addFilter(_not_urllib3_header_parsing)


def _restore_testpaths(config: pytest.Config) -> None:
    """`pytest --report-dir out` in the checkout: pytest takes an option's value that is
    an existing directory for a test path while it looks for the ini file, finds none
    there, loses `testpaths`, and would collect the whole checkout (the harness's own
    tests too). A bare run in the checkout's root means the suite: collect that."""
    checkout = SUITE_DIR.parent.parent
    if (
        config.args_source is pytest.Config.ArgsSource.INVOCATION_DIR
        and config.inipath is None
        and Path(config.invocation_params.dir).resolve() == checkout
        and (checkout / "pyproject.toml").is_file()
    ):
        config.args = [str(SUITE_DIR)]


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    _restore_testpaths(config)
    if not suite_requested(config):
        no_suite_for_the_options(config)
        return
    settings = read_settings(config)
    termination.install()
    starting = _launch_embedded(config, settings)
    try:
        _configure_run(config, settings, starting)
    except BaseException:
        if starting is not None:
            starting.stop()
        raise


def _launch_embedded(config: pytest.Config, settings: Settings) -> StartingServer | None:
    """The embedded reference server's process, launched before the profile is read: its
    interpreter starts and loads its data while this one reads the profile and the other
    plugins set up (waited for at session start, _connect). Not in an xdist controller,
    which sends no request: each worker starts its own."""
    if settings.target_url is not None or settings.replay is not None:
        return None
    distributing = getattr(config.option, "dist", "no") != "no" and not config.option.collectonly
    if distributing and not hasattr(config, "workerinput"):
        return None
    return _embedded(settings)


def _embedded(settings: Settings) -> StartingServer:
    # As many server threads as requests in flight, so latency is not queued.
    return StartingServer(latency_ms=settings.reference_latency_ms, threads=max(8, settings.concurrency))


def _configure_run(config: pytest.Config, settings: Settings, starting: StartingServer | None) -> None:
    profile_path = settings.target_profile
    if profile_path is None:
        from conformance.reference import PROFILE_PATH

        profile_path = str(PROFILE_PATH)
    try:
        profile = load_profile(Path(config.invocation_params.dir) / profile_path)
    except ProfileError as exc:
        raise pytest.UsageError(str(exc)) from None
    if settings.recorded is not None and settings.recorded["profile_sha256"] != profile.sha256:
        raise pytest.UsageError(
            f"--replay-dir {settings.replay} was recorded with another target profile than {profile.path}. "
            "Give the profile the recording was made with (--target-profile FILE)."
        )
    try:
        settings.report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise pytest.UsageError(
            f"--report-dir {settings.report_dir} cannot be created "
            f"({exc.strerror}). Choose a directory you can write to."
        ) from None
    # Reports on every run, unless the user chose other paths; --collect-only runs
    # nothing, so it writes none (an empty report would replace the last run's).
    runs = not config.option.collectonly
    if runs and getattr(config.option, "htmlpath", "unset") is None:
        config.option.htmlpath = str(settings.report_dir / "report.html")
        config.option.self_contained_html = True
    if runs and getattr(config.option, "xmlpath", "unset") is None:
        config.option.xmlpath = str(settings.report_dir / "junit.xml")
    state = State(settings, config=config, starting=starting)
    config.pluginmanager.register(RunObserver(state), "conformance-run-observer")
    other_password = profile.other_user.password if profile.other_user else None
    state.harness = Harness(
        profile, Client("", profile.password, other_password=other_password), settings.encoding
    )  # URL set at session start
    if settings.compare_profile:
        try:
            other = load_profile(Path(config.invocation_params.dir) / settings.compare_profile)
            comparing.same_data(profile, other)
        except ProfileError as exc:
            raise pytest.UsageError(f"--compare-profile: {exc}") from None
        except comparing.CompareError as exc:
            raise pytest.UsageError(str(exc)) from None
        state.compare = Harness(other, Client("", other.password), settings.encoding)
    config.stash[STATE] = state


# The judging thread holds the interpreter lock most of a run; a fetch thread whose answer
# has arrived waits for it, up to the switch interval (5 ms by default) on every answer:
# against a target 50 ms away, --concurrency 16, each request took 55.4 ms where 50 is the
# bound. During a run the lock changes hands at least this often (restored at the end).
FETCH_SWITCH_INTERVAL_S = 0.001


def pytest_sessionstart(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is not None:
        state.started = datetime.now(timezone.utc)
        name_the_junit_suite(session.config)
    if state is None or state.harness is None:
        return
    if is_xdist_controller(session.config):
        _smoke_before_workers(state)
        return
    if not session.config.option.collectonly:
        # This process judges: the schemas compile beside the embedded server's start,
        # the smoke request and the campaigns learned, not after the first answer.
        schemas.shared().warm_in_background()
        state.switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(state.switch_interval, FETCH_SWITCH_INTERVAL_S))
    _connect(state, getattr(session.config, "workerinput", {}).get("workerid", "main"))


def _smoke_before_workers(state: State) -> None:
    """Under pytest-xdist each worker sends its own smoke request, and a worker whose
    smoke fails goes down with a traceback ("node down") and the run ends "no tests ran".
    So the controller sends the smoke first and, if the target cannot be tested, ends the
    run with the same one message as without xdist. (An embedded reference is started by
    each worker: the controller has nothing to check.)"""
    if state.settings.target_url is None and state.settings.replay is None:
        return
    try:
        _connect(state, worker=None)
    finally:
        for harness in (state.harness, state.compare):
            if harness is not None and isinstance(harness.client, Client):
                harness.client.close()


def _connect(state: State, worker: str | None) -> None:
    """The harness's client to the target (starting the embedded reference if there is
    no target), the recorder of a --record-dir run (``worker`` names its file; None: do
    not record), then the smoke request(s)."""
    settings = state.settings
    assert state.harness is not None
    if settings.replay is not None:
        # No target, no embedded server: every answer comes from the recording.
        try:
            state.harness.client = recording.ReplayClient(settings.replay)  # type: ignore[assignment]
        except recording.RecordingError as exc:
            raise pytest.UsageError(str(exc)) from None
        _smoke(state)
        return
    url = settings.target_url
    if url is None:
        # Launched at configure, unless configure guessed this process would send nothing.
        starting = state.starting or _embedded(settings)
        state.starting = None  # from here on, state.reference stops it
        try:
            state.reference = starting.ready()
        except EmbeddedServerError as exc:
            raise pytest.UsageError(f"conformance: {exc}") from None
        url = state.reference.url
    harness = state.harness
    harness.client = _client(url, harness, settings)
    if settings.record is not None and worker is not None:
        state.recorder = recording.Recorder(settings.record, worker)
        harness.listeners.append(state.recorder)
    _smoke(state)
    if state.compare is not None:
        compare = state.compare
        compare.client = _client(settings.compare_url or "", compare, settings)
        try:
            compare.smoke()
        except TargetUnusable as exc:
            _unusable(state, f"the --compare-url implementation cannot be used: {exc}")


def _client(url: str, harness: Harness, settings: Settings) -> Client:
    """A client to one implementation, as the options say (each with its own rate limit)."""
    return Client(
        url,
        harness.profile.password,
        timeout=settings.timeout,
        max_response_bytes=settings.max_response_bytes,
        retries=settings.retries,
        rate_limiter=RateLimiter(settings.rate_limit),
        verify=settings.verify,
        other_password=harness.profile.other_user.password if harness.profile.other_user else None,
    )


def _smoke(state: State) -> None:
    harness = state.harness
    assert harness is not None
    try:
        harness.smoke()
    except TargetBroken as exc:
        # It answered, wrongly: that answer is the verdict. Its lookup runs as the only
        # case, through the checks, so the failure cites the requirement it breaks.
        state.stopped, state.stop_case = str(exc), exc.case
    except TargetUnusable as exc:
        # One clear message instead of thousands of failures (pytest prints it as
        # "ERROR: ..." and exits 4; pytest_unconfigure still stops the reference).
        _unusable(state, f"the target cannot be tested: {exc}")


def _unusable(state: State, why: str) -> NoReturn:
    """End the run before any case: certificate.json, report.html and junit.xml say why
    (a CI keeps them as the run's evidence; pytest-html and JUnit never run, as pytest
    stops at session start), then one usage error."""
    state.unusable = why
    assert state.harness is not None
    secret = state.harness.profile.password
    path = state.settings.report_dir / "certificate.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        certificate = cert.write_certificate(cert.build_certificate([], run_facts(state, unusable=why)), path, secret)
        option = state.config.option if state.config is not None else None
        html_path, xml_path = getattr(option, "htmlpath", None), getattr(option, "xmlpath", None)
        target = cert.public_url(state.settings.target_url) or "the embedded reference server"
        if html_path:
            Path(html_path).parent.mkdir(parents=True, exist_ok=True)
            Path(html_path).write_text(
                stop_html(why, certificate["verdict"], target, str(state.harness.profile.path), path, secret),
                encoding="utf-8",
            )
        if xml_path:
            Path(xml_path).parent.mkdir(parents=True, exist_ok=True)
            Path(xml_path).write_bytes(stop_junit(why, secret))
        written = f" Verdict incomplete: {', '.join(str(p) for p in (path, html_path, xml_path) if p)}."
    except OSError as exc:
        written = f" ({exc.filename or path} could not be written: {exc.strerror}.)"
    raise pytest.UsageError(f"conformance: {why}{written}")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Say what will run: the answers are fetched scope by scope as the items run."""
    state = session.config.stash.get(STATE, None)
    if state is not None and state.harness is not None:
        # Everything alive now (the plan's cases, the items, the imported modules) lives
        # until the process ends: out of the cyclic garbage collector's sight, which
        # otherwise walks it again at every full collection of the run and five times as
        # pytest stops (0.2-0.3 s each for the full matrix). One collection first, so the
        # collection's garbage is freed rather than kept. (A caller running pytest.main
        # several times in one process calls gc.unfreeze() between runs: tests/selftest.py.)
        gc.collect()
        gc.freeze()
    if state is None or state.harness is None or not session.items or session.config.option.collectonly:
        return
    state.collected_items = len(session.items)
    if state.evaluator is not None and not hasattr(session.config, "workerinput"):
        # One process runs the items in this order: the pipeline fetches each scope's
        # successor while the scope is judged. (A worker is handed its scopes as it goes.)
        order = (item.scope.key for item in session.items if is_generated(item))  # type: ignore[attr-defined]
        state.evaluator.order = list(dict.fromkeys(order))
    terminal: pytest.TerminalReporter | None = session.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None and session.config.option.verbose >= 0 and state.evaluator is not None:
        scopes = {item.scope.key for item in session.items if is_generated(item)}  # type: ignore[attr-defined]
        terminal.write_line(
            f"conformance: {plural(len(session.items), 'requirement item')} over {plural(len(scopes), 'scope')}, "
            f"{plural(state.cases_selected, 'case')} as their evidence (--concurrency {state.settings.concurrency})"
        )
        # Said before any failure is shown: the failures these explain follow (and the
        # certificate's reasons repeat them at the end).
        for line in state.diagnoses:
            terminal.write_line(f"conformance: pre-flight: {redact(line, state.harness.profile.password)}")


def name_the_junit_suite(config: pytest.Config) -> None:
    """JUnit's testsuite is named for the harness, unless the user named it (ini
    junit_suite_name). pytest's junitxml plugin keeps the name on its LogXML object,
    registered as a plugin; found by duck typing, so nothing private is imported."""
    if config.getini("junit_suite_name") != "pytest":
        return
    for plugin in config.pluginmanager.get_plugins():
        if type(plugin).__name__ == "LogXML" and getattr(plugin, "suite_name", None) == "pytest":
            plugin.suite_name = JUNIT_SUITE_NAME


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    try:
        _unconfigure(config)
    finally:
        termination.end_by_the_signal()  # last of all: every report is written


def _unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None:
        return
    if state.certificate is not None and getattr(config.option, "htmlpath", None):  # pytest-html has written it
        finish_report(Path(config.option.htmlpath), state.certificate)
    if state.evaluator is not None:
        state.evaluator.close()
    if state.harness is not None:
        state.harness.client.close()
    if state.compare is not None:
        state.compare.client.close()
    if state.reference is not None:
        state.reference.stop()
    if state.starting is not None:  # launched, never waited for (the run stopped first)
        state.starting.stop()
    if state.switch_interval is not None:
        sys.setswitchinterval(state.switch_interval)
    # What the run made and still holds (results, reports, the answers scopes shared)
    # lives until the process ends, and pytest's cleanup after this hook runs five full
    # collections looking for unraisable exceptions: about a second walking it for the
    # full matrix. Out of their sight, as the plan is at collection (same caveat).
    gc.freeze()
