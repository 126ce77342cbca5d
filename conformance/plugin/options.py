"""The harness's options and their ini twins, read into ``Settings``; whether this run
collects the suite at all (``suite_requested``).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from conformance import cases as case_matrix
from conformance import recording
from conformance.baseline import Baseline, BaselineError, load_baseline
from conformance.request import ENCODINGS, Encoding
from conformance.transport import DEFAULT_MAX_RESPONSE_BYTES

SUITE_DIR = Path(__file__).resolve().parent.parent / "suite"


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
    cases: Any = None  # conformance.selection.CaseSelection of --cases (None: every case)


# The dest of every option of the harness (its flag is ``--`` + dest with ``-`` for ``_``),
# filled by pytest_addoption: given on a command line that collects no suite, they say
# the user meant the suite (``no_suite_for_the_options``).
HARNESS_OPTIONS: dict[str, None] = {}


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
    option(
        "--cases",
        "cases",
        "the cases (the evidence inside each requirement's item) to run, by parameter value, e.g. "
        '"output=JSON and by=card_number": exact and case-sensitive, * a wildcard, and/or/not and '
        "parentheses (README: Selecting cases); any selection makes the verdict incomplete",
        None,
    )
    option("--concurrency", "concurrency", "requests in flight at once while answers are fetched", "8")
    option(
        "--reference-latency-ms",
        "reference_latency_ms",
        "delay the embedded reference server adds to each answer (to simulate a remote target)",
        "0",
    )
    option(
        "--target-retries",
        "target_retries",
        "times a transport error is retried, with backoff (a 429/503: 5x as often, after its Retry-After)",
        "2",
    )
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
    cases = _setting(config, "cases", str, "give a selection such as 'output=JSON and by=card_number'", optional=True)
    if cases:
        from conformance.selection import CaseSelectionError, compile_selection

        try:
            settings.cases = compile_selection(cases)
        except CaseSelectionError as exc:
            raise pytest.UsageError(str(exc)) from None
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


def no_suite_for_the_options(config: pytest.Config) -> None:
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
