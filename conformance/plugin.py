"""The pytest plugin: options, the target, the cases, and what the reports show.

Loaded through the ``pytest11`` entry point, so it is present in every pytest run of
an environment where the package is installed. It stays invisible unless the suite
(``conformance/suite``, or ``--pyargs conformance.suite``) is being run: only then does
it read the profile, start the embedded reference server, and write reports. (One
exception: its own options given on a command line that collects no suite stop the run
saying to add ``--pyargs conformance.suite``.)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import pytest

from conformance import cases as case_matrix
from conformance import certificate as cert
from conformance import compare as comparing
from conformance import recording
from conformance.access import AccessCase, generate_access_cases
from conformance.baseline import Baseline, BaselineError, load_baseline
from conformance.checks import Finding, Judged, Observation
from conformance.client import DEFAULT_MAX_RESPONSE_BYTES, ENCODINGS, Client, Encoding, RateLimiter
from conformance.embedded import EmbeddedServer, EmbeddedServerError
from conformance.harness import Harness, TargetBroken, TargetUnusable
from conformance.html_finish import finish_report
from conformance.negative import generate_negative
from conformance.profile import Customer, Profile, ProfileError, load_profile
from conformance.relations import Relation, generate_relations
from conformance.report import failure_text, group_failure_text, notes_text, response_text
from conformance.secret import redact
from conformance.stop_files import stop_html, stop_junit

if TYPE_CHECKING:
    import pluggy

SUITE_DIR = Path(__file__).resolve().parent / "suite"
MARKERS = {
    "errors": "cases whose answer is an error or no_match envelope",
    "formats": "cases that set output, callback or condensed",
    "filters": "cases that set include_balances, campaign_id, hide_custom_field or show_only_belong_to",
    "coalition": "cases in a coalition account",
    "buyx": "cases whose customer has a BuyX campaign",
    "relations": "comparisons between the answers to related requests",
    "access": "required fields, credentials and account scope",
    "security": "authentication, authorisation, injection, password echo, JSONP callbacks",
    "negative": "values that must not match: other customers' identifiers, real ones altered, "
    "other accounts' campaigns",
}


@dataclass
class Settings:
    target_url: str | None
    target_profile: str | None
    report_dir: Path
    timeout: float
    encoding: Encoding
    combinations: case_matrix.Mode
    max_response_bytes: int
    retries: int = 2
    rate_limit: float = 0.0
    concurrency: int = 8
    reference_latency_ms: int = 0
    verify: bool | str = True
    require_conformant: bool = False
    baseline: Baseline | None = None
    record: Path | None = None
    replay: Path | None = None
    recorded: dict[str, Any] | None = None  # the replayed recording's manifest
    compare_url: str | None = None
    compare_profile: str | None = None


@dataclass
class State:
    settings: Settings
    harness: Harness | None = None
    reference: Any = None  # conformance.reference.RunningServer when embedded
    note_counts: dict[tuple[str, str], int] = field(default_factory=dict)  # (severity, title) -> cases
    config: Any = None
    workers: list[dict[str, Any]] = field(default_factory=list)
    unusable: str | None = None
    matrix_sizes: dict[str, int] = field(default_factory=dict)
    summariser: Any = None
    started: datetime | None = None
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # nodeid -> cert.item_record
    outcomes: dict[str, str] = field(default_factory=dict)  # nodeid -> passed/failed/baselined/skipped/error
    certificate: dict[str, Any] | None = None
    recorder: recording.Recorder | None = None
    compare: Harness | None = None  # the compared implementation (--compare-url)
    differences: list[dict[str, Any]] = field(default_factory=list)  # the first DIFFERENCES_SHOWN
    differing: int = 0
    compared: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)  # the first FAILURES_SHOWN, for the HTML summary
    # The target answered the smoke request with no documented envelope: why, and the
    # smoke's lookup, the one case generated (harness.TargetBroken).
    stopped: str | None = None
    stop_case: case_matrix.Case | None = None
    # The scope, counted in the process that collects (RunObserver): the suite's items
    # generated per test function, those reported deselected, those collected.
    generated: dict[tuple[str, str], int] = field(default_factory=dict)
    generated_params: set[str] = field(default_factory=set)
    deselected: int = 0
    suite_collected: int = 0


STATE = pytest.StashKey[State]()
# The dest of every option of the harness (its flag is ``--`` + dest with ``-`` for ``_``),
# filled by pytest_addoption: given on a command line that collects no suite, they say
# the user meant the suite (``_no_suite_for_the_options``).
HARNESS_OPTIONS: dict[str, None] = {}
OBSERVED = pytest.StashKey[tuple[Observation, list[Finding]]]()


# -- options --------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "customer_info conformance (each option has an ini twin)")

    def option(flag: str, ini: str, help: str, default: str | None, **kw: Any) -> None:
        # An option without a default says so in words, not as "None".
        shown = f"default: {default}" if default is not None else "default: none"
        group.addoption(flag, dest=ini, default=None, help=f"{help} (ini: {ini}; {shown})", **kw)
        HARNESS_OPTIONS[ini] = None
        parser.addini(ini, help=help, default=default)

    option(
        "--target-url", "target_url", "URL of the server under test; without it, the embedded reference server", None
    )
    option(
        "--target-profile",
        "target_profile",
        "YAML file describing the target's test data (see README); the "
        "environment variable TARGET_USER_PASSWORD, when set, overrides its password",
        None,
    )
    option("--report-dir", "report_dir", "directory for the HTML report and JUnit XML", "reports")
    # Generic names (--timeout, --retries, --replay) belong to other plugins (pytest-timeout,
    # pytest-retry, pytest-replay): this plugin is loaded in every pytest run of the
    # environment, so a clash would break them all. Hence --target-*, --record-dir, --replay-dir.
    option(
        "--target-timeout",
        "target_timeout",
        "seconds allowed for each request as a whole (connect, headers, body, redirects)",
        "10",
    )
    option("--request-encoding", "request_encoding", "form | multipart | query", "form")
    option(
        "--combinations",
        "combinations",
        "all: the full product of parameter values; pairwise: a covering array of strength 2",
        "all",
    )
    option(
        "--max-response-bytes",
        "max_response_bytes",
        "largest answer read before it is cut and failed",
        str(DEFAULT_MAX_RESPONSE_BYTES),
    )
    option("--concurrency", "concurrency", "requests in flight at once while answers are fetched", "8")
    option(
        "--reference-latency-ms",
        "reference_latency_ms",
        "delay the embedded reference server adds to each answer (to simulate a remote target)",
        "0",
    )
    option("--target-retries", "target_retries", "times a transport error (or a 429/503) is retried, with backoff", "2")
    option("--rate-limit", "rate_limit", "most requests a second sent to the target (0: no limit)", "0")
    option("--ca-bundle", "ca_bundle", "CA certificates (PEM file) to verify the target's TLS certificate with", None)
    group.addoption(
        "--insecure",
        dest="insecure",
        action="store_true",
        default=None,
        help="do not verify the target's TLS certificate (the report says so) (ini: insecure; default: false)",
    )
    parser.addini("insecure", help="do not verify the target's TLS certificate", type="bool", default=False)
    group.addoption("--require-conformant", dest="require_conformant", action="store_true", default=None,
                    help="exit non-zero unless certificate.json says conformant, even "
                         "when no case failed (ini: require_conformant; default: false)")  # fmt: skip
    parser.addini(
        "require_conformant", help="exit non-zero unless the certificate says conformant", type="bool", default=False
    )
    HARNESS_OPTIONS.update(dict.fromkeys(("insecure", "require_conformant")))
    option(
        "--baseline",
        "baseline",
        "YAML file of known failures (requirement id + case id) that do not fail the run",
        None,
    )
    option("--record-dir", "record_dir", "directory to save every exchange in (docs/recording.md)", None)
    option(
        "--replay-dir",
        "replay_dir",
        "directory of a --record-dir run: re-run every check from it, with no network",
        None,
    )
    option(
        "--compare-url",
        "compare_url",
        "URL of a second implementation: every case is sent to both and their documents compared",
        None,
    )
    option(
        "--compare-profile",
        "compare_profile",
        "YAML profile of the --compare-url implementation (same accounts and customers, its own credentials)",
        None,
    )


def _setting(config: pytest.Config, name: str, convert: Callable[[str], Any], how: str, optional: bool = False) -> Any:
    """An option's value from the command line, else its ini twin, converted; a bad or
    empty value is a usage error naming where it came from and how to fix it."""
    raw = config.getoption(name)
    source = f"--{name.replace('_', '-')}"
    if raw is None:
        raw = config.getini(name)
        source = f"ini value {name}"
    raw = "" if raw is None else str(raw).strip()
    if raw == "":
        if optional:
            return None
        raise pytest.UsageError(f"{source} is empty: {how}")
    try:
        return convert(raw)
    except (ValueError, argparse.ArgumentTypeError):
        # A URL may carry user:password@: never echo it whole.
        shown = _without_userinfo(raw) if name == "target_url" else raw
        raise pytest.UsageError(f"{source}={shown!r} is not valid: {how}") from None


def _without_userinfo(text: str) -> str:
    return re.sub(r"//[^/@]*@", "//***@", text)


def _positive(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        value = kind(text)
        if not math.isfinite(value) or value <= 0:
            raise ValueError(text)
        return value

    return convert


def _at_least_zero(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        value = kind(text)
        if not math.isfinite(value) or value < 0:
            raise ValueError(text)
        return value

    return convert


def _one_of(choices: tuple[str, ...]) -> Callable[[str], str]:
    def convert(text: str) -> str:
        if text not in choices:
            raise ValueError(text)
        return text

    return convert


def _url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(text)
    if parts.username or parts.password:
        raise ValueError(text)
    parts.port  # noqa: B018 - raises ValueError for a port out of range
    return text


def read_settings(config: pytest.Config) -> Settings:
    settings = Settings(
        target_url=_setting(
            config,
            "target_url",
            _url,
            "give the full http(s) URL of the API endpoint, e.g. https://api.example.com/api.php, "
            "with no user:password@ in it (the password goes in the profile or TARGET_USER_PASSWORD)",
            optional=True,
        ),
        target_profile=_setting(config, "target_profile", str, "give a path to a YAML profile", optional=True),
        report_dir=Path(config.invocation_params.dir) / _setting(config, "report_dir", str, "give a directory"),
        timeout=_setting(
            config,
            "target_timeout",
            _positive(float),
            "give a number of seconds greater than 0, e.g. --target-timeout 10",
        ),
        encoding=_setting(config, "request_encoding", _one_of(ENCODINGS), f"choose one of {', '.join(ENCODINGS)}"),
        combinations=_setting(config, "combinations", _one_of(("all", "pairwise")), "choose all or pairwise"),
        max_response_bytes=_setting(
            config, "max_response_bytes", _positive(int), "give a whole number of bytes greater than 0, e.g. 4194304"
        ),
        retries=_setting(
            config,
            "target_retries",
            _at_least_zero(int),
            "give a whole number of retries, 0 or more, e.g. --target-retries 2",
        ),
        rate_limit=_setting(
            config, "rate_limit", _at_least_zero(float), "give requests per second, e.g. --rate-limit 20 (0: no limit)"
        ),
        concurrency=_setting(
            config,
            "concurrency",
            _positive(int),
            "give a whole number of requests in flight, 1 or more, e.g. --concurrency 8",
        ),
        reference_latency_ms=_setting(
            config, "reference_latency_ms", _at_least_zero(int), "give whole milliseconds, e.g. 50"
        ),
    )
    ca_bundle = _setting(config, "ca_bundle", str, "give the path of a PEM file", optional=True)
    insecure = bool(config.getoption("insecure") or config.getini("insecure"))
    if ca_bundle and insecure:
        raise pytest.UsageError("--ca-bundle and --insecure contradict each other: keep one.")
    if ca_bundle:
        path = Path(config.invocation_params.dir) / ca_bundle
        if not path.is_file():
            raise pytest.UsageError(
                f"--ca-bundle {path}: no such file. Give the PEM file of the CA that signed the target's certificate."
            )
        settings.verify = str(path)
    elif insecure:
        settings.verify = False
    settings.require_conformant = bool(config.getoption("require_conformant") or config.getini("require_conformant"))
    baseline = _setting(config, "baseline", str, "give the path of a YAML file of known failures", optional=True)
    if baseline:
        try:
            settings.baseline = load_baseline(Path(config.invocation_params.dir) / baseline)
        except BaselineError as exc:
            raise pytest.UsageError(str(exc)) from None
    here = Path(config.invocation_params.dir)
    record = _setting(config, "record_dir", str, "give a directory to save the recording in", optional=True)
    replay = _setting(config, "replay_dir", str, "give the directory of a --record-dir run", optional=True)
    settings.compare_url = _setting(
        config,
        "compare_url",
        _url,
        "give the full http(s) URL of the second implementation's API endpoint, with no user:password@ in it",
        optional=True,
    )
    settings.compare_profile = _setting(
        config, "compare_profile", str, "give a path to the second implementation's YAML profile", optional=True
    )
    if bool(settings.compare_url) != bool(settings.compare_profile):
        raise pytest.UsageError(
            "--compare-url and --compare-profile go together: give the second implementation's "
            "URL and its profile (same accounts and customers, its own credentials)."
        )
    if settings.compare_url and replay:
        raise pytest.UsageError("--compare-url sends requests, --replay-dir sends none: keep one.")
    if record and replay:
        raise pytest.UsageError(
            "--record-dir and --replay-dir contradict each other: keep one (a replay sends nothing to record)."
        )
    if record:
        settings.record = here / record
        if not hasattr(config, "workerinput"):
            try:
                settings.record.mkdir(parents=True, exist_ok=True)
                recording.check_new_directory(settings.record)
            except OSError as exc:
                raise pytest.UsageError(
                    f"--record-dir {settings.record} cannot be created "
                    f"({exc.strerror}). Choose a directory you can write to."
                ) from None
            except recording.RecordingError as exc:
                raise pytest.UsageError(str(exc)) from None
    if replay:
        settings.replay = here / replay
        if settings.target_url:
            raise pytest.UsageError(
                "--replay-dir sends nothing: leave out --target-url (keep "
                "--target-profile if the recording was made with one)."
            )
        try:
            settings.recorded = recording.read_manifest(settings.replay)
        except recording.RecordingError as exc:
            raise pytest.UsageError(str(exc)) from None
        for name, flag in (("request_encoding", "--request-encoding"), ("combinations", "--combinations")):
            mine = settings.encoding if name == "request_encoding" else settings.combinations
            if settings.recorded[name] != mine:
                raise pytest.UsageError(
                    f"--replay-dir {settings.replay} was recorded with {flag} "
                    f"{settings.recorded[name]}; replay with the same {flag} (this run has {mine})."
                )
        return settings
    if settings.target_url and not settings.target_profile:
        raise pytest.UsageError(
            "--target-url needs --target-profile FILE: a YAML file describing the target's test data "
            "(see 'Target profile' in README.md)."
        )
    if settings.target_profile and not settings.target_url:
        raise pytest.UsageError(
            "--target-profile was given without --target-url. Give the server's URL too, or leave both out "
            "to run against the embedded reference server."
        )
    return settings


def _no_suite_for_the_options(config: pytest.Config) -> None:
    """The harness's options on a command line that collects no suite (``pytest
    --target-url=...`` outside the checkout) would collect 0 items and exit 5 with no
    hint: stop and say what to add. Ini values do not count: a project's ini file may
    carry them for runs that do select the suite."""
    given = [name for name in HARNESS_OPTIONS if getattr(config.option, name, None) is not None]
    if given:
        flag = "--" + given[0].replace("_", "-")
        raise pytest.UsageError(
            f"{flag} was given, but this run collects no customer_info suite: add --pyargs conformance.suite "
            f"(or run customer-info-conformance with the same options)."
        )


def suite_requested(config: pytest.Config) -> bool:
    """True when this run collects the conformance suite (not, say, the harness's own tests)."""
    for arg in config.args:
        base = str(arg).split("::")[0]
        if base.startswith("conformance.suite") or base == "conformance":
            return True
        path = (Path(config.invocation_params.dir) / base).resolve()
        if path == SUITE_DIR or SUITE_DIR in path.parents or path in SUITE_DIR.parents:
            return True
    return False


# -- session --------------------------------------------------------------------------
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
        _no_suite_for_the_options(config)
        return
    settings = read_settings(config)
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
    # Reports on every run, unless the user chose other paths.
    if getattr(config.option, "htmlpath", "unset") is None:
        config.option.htmlpath = str(settings.report_dir / "report.html")
        config.option.self_contained_html = True
    if getattr(config.option, "xmlpath", "unset") is None:
        config.option.xmlpath = str(settings.report_dir / "junit.xml")
    state = State(settings, config=config)
    config.pluginmanager.register(RunObserver(state), "conformance-run-observer")
    state.summariser = PassingRowsSummariser(config)
    config.pluginmanager.register(state.summariser, "conformance-html-rows")
    state.harness = Harness(profile, Client("", profile.password), settings.encoding)  # URL set at session start
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


def is_xdist_controller(config: pytest.Config) -> bool:
    """Under pytest-xdist the controller collects nothing: the workers each start their
    own target connection (and embedded server) and send their own requests."""
    return config.pluginmanager.hasplugin("dsession") and not hasattr(config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is not None:
        state.started = datetime.now(timezone.utc)
    if state is None or state.harness is None:
        return
    if is_xdist_controller(session.config):
        _smoke_before_workers(state)
        return
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
        try:
            # As many server threads as requests in flight, so latency is not queued.
            state.reference = EmbeddedServer.start(
                latency_ms=settings.reference_latency_ms, threads=max(8, settings.concurrency)
            )
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
    """Fetch every answer the selected items need, concurrently, before they run."""
    state = session.config.stash.get(STATE, None)
    if state is None or state.harness is None or not session.items or session.config.option.collectonly:
        return
    harness = state.harness
    needed = []
    for item in session.items:
        params = _params(item)
        if "conformance_case" in params:
            needed.append(params["conformance_case"].request(harness.profile.user_id, harness.encoding))
        elif "conformance_relation" in params:
            # "again" is sent when its relation runs: it must be a second request.
            needed += [
                c.request(harness.profile.user_id, harness.encoding)
                for role, c in params["conformance_relation"].members
                if role != "again"
            ]
        elif "conformance_access" in params:
            needed.append(params["conformance_access"].request)
    session.config._conformance_items = len(session.items)  # type: ignore[attr-defined]
    terminal: pytest.TerminalReporter | None = session.config.pluginmanager.get_plugin("terminalreporter")
    reporter = terminal if session.config.option.verbose >= 0 else None  # None: say nothing
    interactive = reporter is not None and reporter.isatty
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        if interactive and reporter is not None and (done % 200 == 0 or done == total):
            reporter.write(f"\rconformance: fetching answers {done}/{total}", flush=True)

    if reporter is not None:
        reporter.write_line(
            f"conformance: fetching the answers of {len(session.items)} "
            f"items (--concurrency {state.settings.concurrency})"
        )
    fetched = harness.prefetch(needed, state.settings.concurrency, progress)
    if state.compare is not None:
        other = state.compare
        cases = [params["conformance_case"] for params in map(_params, session.items) if "conformance_case" in params]
        fetched += other.prefetch(
            [c.request(other.profile.user_id, other.encoding) for c in cases], state.settings.concurrency
        )
    if reporter is not None:
        took = time.monotonic() - started
        rate = f", {fetched / took:.0f}/s" if took > 0 and fetched else ""
        reporter.write_line(
            ("\n" if interactive else "") + f"conformance: fetched {fetched} answers in {took:.1f} s{rate}"
        )


def _params(item: pytest.Item) -> dict[str, Any]:
    """A parametrized item's parameters (none for any other item)."""
    params: dict[str, Any] = getattr(getattr(item, "callspec", None), "params", {})
    return params


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None:
        return
    if state.certificate is not None and getattr(config.option, "htmlpath", None):  # pytest-html has written it
        finish_report(Path(config.option.htmlpath), state.certificate)
    if state.harness is not None:
        state.harness.client.close()
    if state.compare is not None:
        state.compare.client.close()
    if state.reference is not None:
        state.reference.stop()


# -- cases ----------------------------------------------------------------------------
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    wanted = {"conformance_case", "conformance_relation", "conformance_access"} & set(metafunc.fixturenames)
    if not wanted:
        return
    name = wanted.pop()
    state = metafunc.config.stash.get(STATE, None)
    if state is None or state.harness is None or state.unusable:
        metafunc.parametrize(name, [])
        return
    if state.stop_case is not None:
        # The target answered no envelope: its smoke lookup is the one item (nothing
        # else can be judged); RunObserver drops the other functions' empty sets.
        metafunc.parametrize(
            name, [pytest.param(state.stop_case, id=state.stop_case.id)] if name == "conformance_case" else []
        )
        return
    harness = state.harness

    def campaigns_of(account: Any, customer: Any) -> list[str]:
        return list(harness.learn(account, customer).campaign_ids)

    if name == "conformance_access":
        found = generate_access_cases(harness.profile, harness.encoding)
        metafunc.parametrize(
            name, [pytest.param(a, id=a.id, marks=[pytest.mark.access, pytest.mark.security]) for a in found]
        )
        return
    if name == "conformance_relation":
        relations = generate_relations(harness.profile, campaigns_of)
        marks = {True: [pytest.mark.coalition, pytest.mark.relations], False: [pytest.mark.relations]}
        metafunc.parametrize(name, [pytest.param(r, id=r.id, marks=marks[r.coalition]) for r in relations])
        return
    generated = matrix_cases(harness.profile, campaigns_of, state.settings.combinations)
    # Both sizes are reported, so a user can choose a mode knowing what it costs.
    other: case_matrix.Mode = "pairwise" if state.settings.combinations == "all" else "all"
    state.matrix_sizes = {
        state.settings.combinations: len(generated),
        other: len(matrix_cases(harness.profile, campaigns_of, other)),
    }
    params = []
    # One list of marks per distinct set of areas, shared by the cases: a mark made per
    # case costs about 0.5 KB, 17 MB over the full matrix.
    shared_marks: dict[tuple[str, ...], list[pytest.MarkDecorator]] = {}
    for case in generated:
        areas = tuple(sorted(case.areas)) + (
            ("buyx",)
            if case.customer is not None and "buyx" in _learned_types(harness, case.account_id, case.customer)
            else ()
        )
        if areas not in shared_marks:
            shared_marks[areas] = [getattr(pytest.mark, area) for area in areas]
        params.append(pytest.param(case, id=case.id, marks=shared_marks[areas]))
    metafunc.parametrize("conformance_case", params)


def matrix_cases(
    profile: Profile, campaigns_of: case_matrix.CampaignLookup, mode: case_matrix.Mode
) -> list[case_matrix.Case]:
    """The items of ``test_answer`` in ``mode`` (the matrix, its probes, and the negative
    space, which is not crossed and so the same in every mode): what a run prints as
    "matrix cases per mode", and what tests/test_readme_counts.py compares with the README."""
    return case_matrix.generate(profile, campaigns_of, mode) + generate_negative(profile, campaigns_of)


def _learned_types(harness: Harness, account_id: str, customer: Customer) -> tuple[str, ...]:
    return harness.learn(harness.profile.account(account_id), customer).campaign_types


class CaseRunner:
    """What a suite test calls: run one item's checks and turn their judgement into an outcome."""

    def __init__(self, state: State, node: pytest.Item) -> None:
        self._state, self._node = state, node

    def check(self, case: case_matrix.Case) -> None:
        harness = self._state.harness
        assert harness is not None
        observation, judged = harness.verify(case)
        self._node.stash[OBSERVED] = (observation, judged.findings)
        secret = harness.profile.password
        self._record(cert.item_record("case", case.id, judged, self._areas()), judged)
        if self._state.compare is not None:
            found = comparing.difference(case, observation, comparing.observe(self._state.compare, case))
            text = json.dumps(found, separators=(",", ":")) if found else "null"
            self._node.user_properties.append(
                ("conformance_compare", redact(redact(text, secret), self._state.compare.profile.password))
            )
        self._outcome(case.id, judged, lambda: failure_text(observation, judged.findings, secret))

    def check_access(self, case: AccessCase) -> None:
        harness = self._state.harness
        assert harness is not None
        observation, judged = harness.verify_access(case)
        self._node.stash[OBSERVED] = (observation, judged.findings)
        self._record(cert.item_record("access", case.id, judged, self._areas()), judged)
        self._outcome(
            case.id,
            judged,
            lambda: group_failure_text(
                f"access case {case.id}", {"": observation}, judged.findings, harness.profile.password
            ),
        )

    def check_relation(self, relation: Relation) -> None:
        harness = self._state.harness
        assert harness is not None
        observations, judged = harness.verify_relation(relation)
        self._record(cert.item_record("relation", relation.id, judged, self._areas()), judged)
        self._outcome(
            relation.id,
            judged,
            lambda: group_failure_text(
                f"relation {relation.id}", observations, judged.findings, harness.profile.password
            ),
        )

    def _outcome(self, item_id: str, judged: Judged, message: Callable[[], str]) -> None:
        """Fail on a violation of the document, or on a check of the harness that broke
        (said as such: never the target's failure, never a pass)."""
        if any(f.severity in ("fail", "error") for f in judged.findings):
            self._fail(item_id, judged, message())

    def _areas(self) -> list[str]:
        return sorted({m.name for m in self._node.iter_markers() if m.name in MARKERS})

    def _fail(self, item_id: str, judged: Judged, message: str) -> None:
        baseline = self._state.settings.baseline
        if baseline is not None and not judged.errors and baseline.hides(item_id, judged.failed):
            # Still in the report, with its whole message: known, not forgotten.
            pytest.xfail(f"known failure listed in {baseline.path.name}:\n{message}")
        pytest.fail(message, pytrace=False)

    def _record(self, record: dict[str, Any], judged: Judged) -> None:
        secret = self._state.harness.profile.password if self._state.harness else None
        requirement_ids = judged.failed
        if requirement_ids:
            self._node.user_properties.append(("requirements_failed", " ".join(requirement_ids)))
        notes = notes_text(judged.findings)
        if notes:
            self._node.user_properties.append(("notes", redact(notes, secret)))
        # JSON text: it crosses from an xdist worker to the controller with the report.
        self._node.user_properties.append((cert.PROPERTY, redact(json.dumps(record, separators=(",", ":")), secret)))


@pytest.fixture
def conformance(request: pytest.FixtureRequest) -> CaseRunner:
    state = request.config.stash.get(STATE, None)
    if state is None:
        pytest.skip("the conformance suite is not configured in this run")
    return CaseRunner(state, request.node)


# -- reports --------------------------------------------------------------------------
FAILURES_SHOWN = 100  # failures shown in full in the HTML summary; the results table has them all
DIFFERENCES_SHOWN = 200  # compared cases shown side by side in the HTML report
LISTED_PASSES = 2000  # a larger run lists its failures in full and only counts its passes


class PassingRowsSummariser:
    """Keeps the HTML report of a full run small enough to open: beyond LISTED_PASSES
    items, passing cases are counted (pytest-html's totals stay right) but get no row.

    pytest-html drops a row whose cells are cleared, and then does not count it; the
    count is added back through its report data. If that internal ever changes, rows
    are simply kept (a bigger report, nothing lost)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.summarised = 0

    def _html_data(self) -> Any:
        for plugin in self.config.pluginmanager.get_plugins():
            data = getattr(plugin, "_report", None)
            if type(plugin).__module__.startswith("pytest_html") and hasattr(data, "outcomes"):
                return data
        return None

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        session = getattr(self.config, "_conformance_items", 0)
        if report.when != "call" or not report.passed or session <= LISTED_PASSES:
            return
        data = self._html_data()
        if data is None:
            return
        try:
            data.outcomes = "passed"
        except (KeyError, AttributeError, TypeError):
            return
        self.summarised += 1
        cells.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pluggy.Result[pytest.TestReport], None]:
    outcome = yield
    report = outcome.get_result()
    observed = item.stash.get(OBSERVED, None)
    if call.when != "call" or observed is None or not (report.failed or hasattr(report, "wasxfail")):
        return
    state = item.config.stash[STATE]
    observation, _ = observed
    secret = state.harness.profile.password if state.harness else None
    try:
        from pytest_html import extras
    except ImportError:  # pragma: no cover - pytest-html is a dependency
        return
    from html import escape

    from conformance.client import curl_command

    # Inline HTML, not text links: a reviewer reads the request and the answer in the
    # row itself, without opening anything.
    request = escape(redact(curl_command(observation.exchange), secret))
    response = escape(response_text(observation, secret))
    report.extras = getattr(report, "extras", []) + [  # type: ignore[attr-defined]  # pytest-html reads it
        extras.html(f"<h4>Request (curl; the password is $TARGET_USER_PASSWORD)</h4><pre>{request}</pre>"),
        extras.html(f"<h4>Response</h4><pre>{response}</pre>"),
    ]


_INTERNAL_PROPERTIES = (cert.PROPERTY, "conformance_compare")
_NO_KEYWORDS: dict[str, Any] = {}


class RunObserver:
    """Counts what the reports carry (warnings, advisories, unspecified behaviours) and
    what xdist workers send back, so the summary is the same with or without -n."""

    def __init__(self, state: State) -> None:
        self.state = state
        self._lists: dict[tuple[Any, ...], list[Any]] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._outcome(report)
        if report.passed:
            # pytest keeps every report to the end of the run, each with a copy of its
            # item's keywords (pytest reads them only to fold skips): 30 MB over a full run.
            report.keywords = _NO_KEYWORDS
        if report.when == "teardown":
            # The per-case certificate data has been read from the call report; JUnit
            # writes the teardown report's properties, and a full run's junit.xml would
            # carry 60 MB of it. The notes stay: they are for readers of the JUnit file.
            report.user_properties = [(n, v) for n, v in report.user_properties if n not in _INTERNAL_PROPERTIES]
        if report.when != "call":
            return
        for name, value in report.user_properties:
            if not isinstance(value, str):  # the harness's own properties are JSON text
                continue
            if name == cert.PROPERTY:
                self.state.records[report.nodeid] = self._shared(json.loads(value))
            if name == "conformance_compare":
                self.state.compared += 1
                found = json.loads(value)
                if found:
                    self.state.differing += 1
                    if len(self.state.differences) < DIFFERENCES_SHOWN:
                        self.state.differences.append(found)
        record = self.state.records.get(report.nodeid, {})
        shown = {r for f in self.state.failures for r in f["requirements"]}  # each failing requirement's example
        if (report.failed or hasattr(report, "wasxfail")) and (
            len(self.state.failures) < FAILURES_SHOWN or set(record.get("failed", [])) - shown
        ):
            # Kept as the report carries it (already redacted), so the HTML summary can
            # show each failure in plain HTML, readable with scripts off.
            self.state.failures.append(
                {
                    "nodeid": report.nodeid,
                    "outcome": "baselined" if hasattr(report, "wasxfail") else "failed",
                    "requirements": record.get("failed", []),
                    "message": str(getattr(report, "wasxfail", "") or report.longreprtext),
                    "extras": [
                        e.get("content", "") for e in getattr(report, "extras", []) if e.get("format_type") == "html"
                    ],
                }
            )
        for name, value in report.user_properties:
            if name == "notes":
                for line in str(value).splitlines():
                    severity, _, rest = line.partition(": ")
                    title = rest.split(": ", 1)[-1].split(" at ")[0]
                    key = (severity, title)
                    self.state.note_counts[key] = self.state.note_counts.get(key, 0) + 1

    def _shared(self, value: Any) -> Any:
        """The record with its strings and its lists of strings shared with the records
        before it. A record is kept per item until the certificate is written, and most
        of it repeats (requirement ids, areas, the same unspecified note): parsed as is,
        the records of a full run cost about 15 KB an item. The shared lists are read,
        never changed."""
        if isinstance(value, str):
            return sys.intern(value)
        if isinstance(value, dict):
            return {sys.intern(k): self._shared(v) for k, v in value.items()}
        if isinstance(value, list):
            items = [self._shared(v) for v in value]
            key = tuple(id(v) if isinstance(v, list) else v for v in items)
            if all(isinstance(v, (str, list)) for v in items):
                return self._lists.setdefault(key, items)
            return items
        return value

    def _outcome(self, report: pytest.TestReport) -> None:
        # One outcome per item, for the certificate: a setup or teardown failure is an
        # error of the harness; an xfail is a failure the baseline lists.
        outcomes = self.state.outcomes
        if report.when == "call":
            if hasattr(report, "wasxfail"):
                outcomes[report.nodeid] = "baselined"
            else:
                outcomes[report.nodeid] = report.outcome
        elif report.failed:
            outcomes[report.nodeid] = "error"
        elif report.when == "setup" and report.skipped:
            outcomes[report.nodeid] = "skipped"

    @pytest.hookimpl(wrapper=True)
    def pytest_pycollect_makeitem(self, collector: Any, name: str, obj: object) -> Any:
        # The items of each suite function, as generated: before node ids on the command
        # line pick some (with no hook to tell) and before any plugin deselects.
        result = yield
        if not isinstance(result, list):
            return result
        params = {_suite_param(item) for item in result} - {None}
        if not params:
            return result
        state = self.state
        real = [item for item in result if _generated(item)]
        state.generated[(collector.nodeid, name)] = len(real)
        state.generated_params |= params  # type: ignore[arg-type]
        # A stopped run generates one case; pytest's placeholders for the other
        # functions' empty sets would be skipped items, which nothing else is.
        return real if state.stop_case is not None else result

    def pytest_deselected(self, items: list[Any]) -> None:
        # -k, -m, --deselect, --lf, --sw and sharding plugins (pytest-split) say so here.
        self.state.deselected += sum(1 for item in items if _generated(item))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.state.suite_collected = sum(1 for item in session.items if _generated(item))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.state.config._conformance_items = len(ids)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        sent = getattr(node, "workeroutput", {}).get("conformance")
        if sent:
            self.state.workers.append(sent)


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
        }
        return  # a worker: the controller writes the certificate
    if state is None or state.harness is None or state.unusable or session.config.option.collectonly:
        return
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
        found.append(cert.NODE_IDS)
    # Sharding plugins' options, by their dest (the counts catch any other plugin).
    if getattr(option, "splits", None):
        found.append("--splits (pytest-split)")
    if (getattr(option, "num_shards", None) or 1) > 1:
        found.append("--num-shards (pytest-shard)")
    return found


SUITE_PARAMS = ("conformance_case", "conformance_relation", "conformance_access")


def _suite_param(item: Any) -> str | None:
    """Which of the suite's parameters the item has (None: not a suite item)."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    return next((name for name in SUITE_PARAMS if name in params), None)


def _generated(item: Any) -> bool:
    """A suite item the plugin generated (not pytest's placeholder for an empty set)."""
    name = _suite_param(item)
    return name is not None and isinstance(item.callspec.params[name], (case_matrix.Case, Relation, AccessCase))


def scope_counts(state: State) -> dict[str, Any]:
    """This process's count of the scope (the process that collected). ``generated``
    is None unless each of the suite's test functions was generated."""
    known = set(SUITE_PARAMS) <= state.generated_params
    generated = sum(state.generated.values()) if known else None
    not_collected = max(0, generated - state.deselected - state.suite_collected) if generated is not None else 0
    return {
        "generated": generated,
        "deselected": state.deselected,
        "not_collected": not_collected,
        "stopped": state.stopped,
    }


def _run_scope(state: State) -> dict[str, Any]:
    """The run's scope: a worker's count under xdist (they all collect the same items),
    else this process's; the controller's own smoke may have stopped the run."""
    if is_xdist_controller(state.config):
        sent = [w["scope"] for w in state.workers if w.get("scope")]
        scope = dict(sent[0]) if sent else {"generated": None, "deselected": 0, "not_collected": 0, "stopped": None}
        scope["stopped"] = state.stopped or next((s["stopped"] for s in sent if s["stopped"]), None)
        return scope
    return scope_counts(state)


def certificate_of(config: pytest.Config, state: State) -> dict[str, Any]:
    settings = state.settings
    records = list(state.records.values())
    outcomes = dict(state.outcomes)
    for nodeid, outcome in outcomes.items():
        # A failure no requirement explains (an exception in the harness) is no verdict.
        if outcome == "failed" and not state.records.get(nodeid, {}).get("failed"):
            outcomes[nodeid] = "error"
    facts = run_facts(
        state,
        selection=selection_of(config),
        collected=getattr(config, "_conformance_items", len(outcomes)),
        outcomes=outcomes,
        baseline=settings.baseline.outcome(records) if settings.baseline else None,
        **_run_scope(state),
    )
    return cert.build_certificate(records, facts)


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
    stopped = _run_scope(state)["stopped"]
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
    summariser = state.summariser
    if summariser is not None and summariser.summarised:
        lines.append(
            f"{summariser.summarised} passing cases are counted, not "
            "listed, in the HTML report (failures are listed in full)"
        )
    for severity, heading in (
        ("advisory", "security advisories (the document is silent; never failed)"),
        ("warning", "warnings"),
        ("unspecified", "unspecified behaviours (the document is silent)"),
    ):
        counts = {title: n for (kind, title), n in state.note_counts.items() if kind == severity}
        if counts:
            lines.append(f"{heading}:" if severity == "advisory" else f"{heading}, never failed:")
            lines += [f"  {count:6d} x {title}" for title, count in sorted(counts.items(), key=lambda kv: -kv[1])[:20]]
    return [redact(line, harness.profile.password) for line in lines]


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
                f"baseline {baseline['file']}: {len(baseline['fixed'])} "
                "listed failure(s) now pass; remove them from the file:"
            )
            for entry in baseline["fixed"]:
                terminalreporter.write_line(f"  - requirement: {entry['requirement']}, case: {entry['case']}")
        if state.settings.require_conformant and certificate["verdict"] != "conformant":
            terminalreporter.write_line("--require-conformant: the run fails because the verdict is not conformant")
        terminalreporter.write_line(f"certificate: {state.settings.report_dir / 'certificate.json'}")
    if state.compare is not None:
        terminalreporter.write_line(
            f"comparison with {state.settings.compare_url}: {state.differing} of "
            f"{state.compared} cases answer a different document (side by side in the HTML report)"
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
    from html import escape

    if state.certificate is not None:
        from conformance.html_summary import summary_html

        prefix.append(
            redact(summary_html(state.certificate, state.failures, run_summary(state)), state.harness.profile.password)
        )
    if state.compare is not None:
        from conformance.html_summary import comparison_html

        prefix.append(
            redact(
                comparison_html(state.settings.compare_url or "", state.compared, state.differing, state.differences),
                state.compare.profile.password,
            )
        )
    prefix.append("<h2>customer_info conformance</h2><pre>" + escape("\n".join(run_summary(state))) + "</pre>")
