"""The plugin's options and ini twins, and a target that cannot be tested, as a user meets them.

Each run is a real pytest subprocess (``pytester``) selecting the installed suite with
``--pyargs conformance.suite``. A mistake must end the run with exit code 4 (usage
error) and one clear message that says how to fix it, never a traceback; no run here
gets as far as the cases, except a target that answers with no envelope: it is judged
on that one answer (exit 1).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conformance.profile import PASSWORD_ENV
from conformance.reference import PROFILE_PATH
from tests.servers import Served, WSGIApp, serve_wsgi

UNREACHABLE = "http://127.0.0.1:9/api.php"
REFERENCE_PASSWORD = "1959caadac9b13dcb3"
USAGE_ERROR = pytest.ExitCode.USAGE_ERROR

Run = Callable[..., pytest.RunResult]


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)

    def run_suite(*args: str) -> pytest.RunResult:
        # A hang guard, not a limit: a run here takes 3 s (up to 8 s seen on a loaded
        # machine), the guard over ten times that.
        return pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--pyargs", "conformance.suite", *args, timeout=120
        )

    return run_suite


def output(result: pytest.RunResult) -> str:
    return result.stdout.str() + "\n" + result.stderr.str()


def assert_usage_error(result: pytest.RunResult, fragments: list[str]) -> None:
    everything = output(result)
    assert result.ret == USAGE_ERROR, everything
    stderr = result.stderr.str()
    for fragment in fragments:
        assert fragment in stderr, f"{fragment!r} missing from stderr:\n{stderr}"
    assert "Traceback" not in everything
    assert "INTERNALERROR" not in everything


WITH_PROFILE = ("--target-profile", str(PROFILE_PATH))

BAD_OPTIONS = [
    pytest.param(
        ["--target-timeout", "abc"],
        [
            "--target-timeout='abc' is not valid",
            "greater than 0",
            "e.g. --target-timeout 10",
        ],
        id="timeout-abc",
    ),
    pytest.param(
        ["--target-timeout", "-1"],
        ["--target-timeout='-1' is not valid", "greater than 0"],
        id="timeout-negative",
    ),
    pytest.param(
        ["--request-encoding", "xml"],
        [
            "--request-encoding='xml' is not valid",
            "choose one of form, multipart, query",
        ],
        id="encoding-xml",
    ),
    pytest.param(
        ["--combinations", "some"],
        ["--combinations='some' is not valid", "choose all or pairwise"],
        id="combinations-some",
    ),
    pytest.param(
        ["--max-response-bytes", "0"],
        [
            "--max-response-bytes='0' is not valid",
            "whole number of bytes greater than 0",
        ],
        id="max-bytes-zero",
    ),
    pytest.param(
        ["--target-url", "notaurl", *WITH_PROFILE],
        ["--target-url='notaurl' is not valid", "full http(s) URL"],
        id="url-not-a-url",
    ),
    pytest.param(
        ["--target-url", "http://user:pw@host/", *WITH_PROFILE],
        ["--target-url=", "is not valid", "with no user:password@ in it"],
        id="url-with-credentials",
    ),
    pytest.param(
        ["--target-url", UNREACHABLE],
        ["--target-url needs --target-profile FILE", "README.md"],
        id="url-without-profile",
    ),
    pytest.param(
        [*WITH_PROFILE],
        ["--target-profile was given without --target-url", "leave both out"],
        id="profile-without-url",
    ),
]


@pytest.mark.parametrize(("args", "fragments"), BAD_OPTIONS)
def test_bad_option_is_a_usage_error(run: Run, args: list[str], fragments: list[str]) -> None:
    assert_usage_error(run(*args), fragments)


@pytest.mark.parametrize(
    ("filename", "text", "fragments"),
    [
        (
            "pytest.ini",
            "[pytest]\ntarget_timeout = zero\n",
            ["ini value target_timeout='zero' is not valid", "greater than 0"],
        ),
        (
            "tox.ini",
            "[pytest]\nrequest_encoding = xml\n",
            ["ini value request_encoding='xml' is not valid", "form, multipart, query"],
        ),
        (
            "pytest.ini",
            f"[pytest]\ntarget_url = notaurl\ntarget_profile = {PROFILE_PATH}\n",
            ["ini value target_url='notaurl' is not valid"],
        ),
    ],
    ids=["pytest-ini-timeout", "tox-ini-encoding", "ini-url"],
)
def test_bad_ini_value_is_a_usage_error(
    pytester: pytest.Pytester, run: Run, filename: str, text: str, fragments: list[str]
) -> None:
    pytester.makefile(".ini", **{filename[: -len(".ini")]: text})
    assert_usage_error(run(), fragments)


def test_option_overrides_a_bad_ini_value(pytester: pytest.Pytester, run: Run) -> None:
    # The ini value is never read when the option is given; the run reaches the
    # (unreachable) target, so the error is about the target, not the ini value.
    pytester.makefile(".ini", pytest="[pytest]\ntarget_timeout = zero\n")
    result = run("--target-timeout", "2", "--target-url", UNREACHABLE, *WITH_PROFILE)
    assert "target_timeout" not in output(result)
    assert "cannot be tested" in output(result)


def test_url_password_is_not_echoed(run: Run) -> None:
    result = run("--target-url", "http://john1970:Pw-in-url-7731@host/api.php", *WITH_PROFILE)
    assert result.ret == USAGE_ERROR
    assert "Pw-in-url-7731" not in output(result)


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_timeout_nan_or_inf_is_a_usage_error(run: Run, value: str) -> None:
    assert_usage_error(
        run("--target-timeout", value, "--target-url", UNREACHABLE, *WITH_PROFILE),
        [f"--target-timeout='{value}' is not valid"],
    )


@pytest.mark.parametrize(
    "option",
    [
        "--target-timeout",
        "--max-response-bytes",
        "--report-dir",
        "--combinations",
        "--request-encoding",
    ],
)
def test_empty_option_value_is_a_usage_error(run: Run, option: str) -> None:
    assert_usage_error(run(f"{option}=", "--target-url", UNREACHABLE, *WITH_PROFILE), [option])


def test_unusable_report_dir_is_a_usage_error(pytester: pytest.Pytester, run: Run) -> None:
    blocker = pytester.path / "not-a-dir"
    blocker.write_text("a file where the report directory should go")
    assert_usage_error(
        run(
            "--report-dir",
            str(blocker / "reports"),
            "--target-url",
            UNREACHABLE,
            *WITH_PROFILE,
        ),
        ["report"],
    )


# -- a target that cannot be tested ----------------------------------------------------------
def assert_one_clear_stop(result: pytest.RunResult, fragments: list[str]) -> None:
    everything = output(result)
    assert result.ret != 0 and result.ret != pytest.ExitCode.TESTS_FAILED, everything
    assert everything.count("the target cannot be tested") == 1, everything
    for fragment in fragments:
        assert fragment in everything, f"{fragment!r} missing from:\n{everything}"
    assert "FAILED" not in everything and " failed" not in everything
    assert "Traceback" not in everything and "INTERNALERROR" not in everything
    assert REFERENCE_PASSWORD not in everything


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_unreachable_target_is_one_clear_message(run: Run, pytester: pytest.Pytester, workers: list[str]) -> None:
    if workers:
        pytest.importorskip("xdist")  # the controller sends the smoke before any worker starts
    # It stops at the smoke request: no case ran (the certificate below), rather than a
    # time limit; the run itself is bounded by ``run``'s hang guard.
    result = run("--target-url", UNREACHABLE, *WITH_PROFILE, "--target-timeout", "3", *workers)
    assert_one_clear_stop(result, [UNREACHABLE])
    assert result.ret == USAGE_ERROR
    assert "refused" in output(result) or "no answer" in output(result)
    # The run's evidence says why no case ran, for a CI that keeps it.
    certificate = json.loads((pytester.path / "reports" / "certificate.json").read_text())
    assert certificate["verdict"] == "incomplete"
    assert (
        certificate["reasons"][0].startswith("no case ran: the target cannot be tested")
        and UNREACHABLE in certificate["reasons"][0]
    )
    assert {e["verdict"] for e in certificate["requirements"].values()} == {"not-exercised"}


def page(body: bytes, content_type: str = "text/html", status: str = "200 OK") -> WSGIApp:
    """A WSGI app that answers every request with one fixed page."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    return app


@pytest.fixture
def page_server() -> Iterator[Callable[[bytes], Served]]:
    """``page_server(body)``: a target answering ``body`` as HTML, stopped when the test ends."""
    with contextlib.ExitStack() as servers:
        yield lambda body: servers.enter_context(serve_wsgi(page(body)))


def assert_judged_on_the_smoke(result: pytest.RunResult, pytester: pytest.Pytester, fragments: list[str]) -> None:
    """A target that answers, but with no envelope, is not conformant: its first lookup
    is the one case, failed by the checks; the run stops there and says so."""
    everything = output(result)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, everything
    assert "cannot be tested" not in everything and "Traceback" not in everything and "INTERNALERROR" not in everything
    result.stdout.fnmatch_lines(["*answer_is_an_envelope: the answer is not an API envelope*", "*1 failed*"])
    certificate = json.loads((pytester.path / "reports" / "certificate.json").read_text())
    assert certificate["verdict"] == "not-conformant"
    (stop,) = [r for r in certificate["reasons"] if r.startswith("stopped early: ")]
    for fragment in fragments:
        assert fragment in stop, f"{fragment!r} missing from: {stop}"
    assert (pytester.path / "reports" / "report.html").is_file() and (pytester.path / "reports" / "junit.xml").is_file()
    assert REFERENCE_PASSWORD not in everything


def test_malformed_html_target_is_not_an_envelope(run: Run, pytester: pytest.Pytester, page_server: Any) -> None:
    server = page_server(b"<html><body>oops<br></body></html>")
    result = run("--target-url", server.url, *WITH_PROFILE, "--target-timeout", "3")
    assert_judged_on_the_smoke(
        result,
        pytester,
        [server.url, "did not get an API envelope", "HTTP 200", "text/html"],
    )


def test_html_target_is_not_an_envelope(run: Run, pytester: pytest.Pytester, page_server: Any) -> None:
    server = page_server(b"<html>oops</html>")
    result = run("--target-url", server.url, *WITH_PROFILE, "--target-timeout", "3")
    assert_judged_on_the_smoke(
        result,
        pytester,
        [
            server.url,
            "did not get an API envelope",
            "Is --target-url the API endpoint?",
        ],
    )


def test_report_dir_value_does_not_change_what_is_collected(tmp_path) -> None:
    # pytest takes an existing directory given as an option value for a test path when
    # it looks for the ini file; a bare run in the checkout must still mean the suite.
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "--combinations",
            "pairwise",
            "--report-dir",
            str(tmp_path),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    import re

    from conformance.requirements import AREAS

    # The suite's items are customer_info/<area>::<REQ-ID>[<scope>]; the harness's own
    # tests would be tests/test_*.py::name.
    suite_item = re.compile(rf"^customer_info/(?:{'|'.join(map(re.escape, AREAS))})::[A-Z][A-Z0-9-]*\[[^\]]+\]$")
    ids = [line for line in run.stdout.splitlines() if "::" in line]
    others = [line for line in ids if not suite_item.match(line)]
    assert ids and not others, f"collected beyond the suite: {others[:5]}"


# The options of popular plugins, as they register them (pytest-timeout 2.4, pytest-retry
# 1.7, pytest-replay 1.8). This plugin is loaded in every pytest run of an environment
# it is installed in, so one shared option name would break every run there, the user's
# own test suites included.
OTHER_PLUGINS = """
def pytest_addoption(parser):
    parser.addoption("--timeout", type=float)
    parser.addoption("--timeout-method", "--timeout_method")
    parser.addoption("--session-timeout", type=float)
    parser.addini("timeout", "")
    parser.addoption("--retries", type=int)
    parser.addoption("--retry-delay", type=float)
    parser.addoption("--cumulative-timing")
    parser.addini("retries", "")
    parser.addoption("--replay", dest="replay_file")
    parser.addoption("--replay-record-dir")
    parser.addoption("--replay-base-name")
"""


def test_no_option_clashes_with_popular_plugins(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    pytester.makeconftest(OTHER_PLUGINS)
    pytester.makepyfile(
        test_theirs="def test_unrelated(request):\n    assert request.config.getoption('timeout') == 5\n"
    )
    theirs = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--timeout", "5", timeout=120)
    assert theirs.ret == 0, output(theirs)
    # And the harness's own options still work beside them.
    ours = pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "--pyargs",
        "conformance.suite",
        "--target-timeout",
        "zero",
        "--timeout",
        "5",
        timeout=120,
    )
    assert_usage_error(ours, ["--target-timeout='zero' is not valid"])


def test_help_says_every_default_in_words_and_names_the_password_variable() -> None:
    import subprocess
    import sys

    text = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    group = " ".join(text[text.index("customer_info conformance") :].split("\n\n")[0].split())
    assert "None" not in group, group
    assert "TARGET_USER_PASSWORD" in group and "(ini: insecure; default: false)" in group, group
