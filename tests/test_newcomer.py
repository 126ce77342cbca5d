"""A newcomer's first hour: what a user meets before reading any code.

The console script that runs the suite from the installed package, a bare ``pytest``
given the harness's options outside the checkout, a target URL with the wrong path,
the reference server on a port already in use, and what ``-k`` and ``--cases`` select. Each run is a
real subprocess from a folder with nothing of the checkout in it, as a user runs it.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
import tomllib

from conformance.client import Client
from conformance.harness import Harness, TargetUnusable
from conformance.profile import PASSWORD_ENV, load_profile
from conformance.reference import PROFILE_PATH, start

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ONE_CASE = (
    "kind=answer and account=greatwidgets and customer=89898989898989 "
    "and by=code and (output=JSON or output=json) and not callback"
)


def run(args: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``args`` in a subprocess from ``cwd``, with this checkout's code importable and no
    option or password from the caller's environment."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", PASSWORD_ENV)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def console_script(*args: str) -> list[str]:
    """The ``customer-info-conformance`` command as the installed script runs it."""
    return [sys.executable, "-c", "import sys; from conformance.cli import main; sys.exit(main())", *args]


# -- the console script -----------------------------------------------------------------------
def test_console_script_is_declared_and_importable() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    target = scripts.get("customer-info-conformance")
    assert target == "conformance.cli:main", f"[project.scripts] customer-info-conformance is {target!r}"
    module, _, name = target.partition(":")
    assert callable(getattr(import_module(module), name))


def test_console_script_runs_the_suite_and_passes_its_exit_code(tmp_path: Path) -> None:
    passed = run(
        console_script("-p", "no:cacheprovider", "-q", "--combinations", "pairwise", "--cases", ONE_CASE), tmp_path
    )
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-3000:]
    assert " passed" in passed.stdout and (tmp_path / "reports" / "certificate.json").is_file()
    # pytest's own exit codes come through as they are: a usage error (4), nothing selected (5).
    usage = run(console_script("--target-timeout", "abc"), tmp_path)
    assert usage.returncode == 4 and "--target-timeout='abc' is not valid" in usage.stderr, usage.stderr
    nothing = run(
        console_script("-p", "no:cacheprovider", "-q", "--combinations", "pairwise", "-k", "NO_SUCH_REQUIREMENT"),
        tmp_path,
    )
    assert nothing.returncode == 5, nothing.stdout[-2000:] + nothing.stderr[-2000:]
    assert re.search(r"^317 deselected in ", nothing.stdout, re.MULTILINE), nothing.stdout[-2000:]


def test_console_script_says_cases_selecting_nothing_is_a_usage_error(tmp_path: Path) -> None:
    nothing = run(
        console_script("-p", "no:cacheprovider", "-q", "--combinations", "pairwise", "--cases", "id=no_such_case"),
        tmp_path,
    )
    assert nothing.returncode == 4, nothing.stdout[-2000:] + nothing.stderr[-2000:]
    assert "--cases 'id=no_such_case' selects none of the" in nothing.stderr, nothing.stderr[-2000:]


def test_console_script_help_says_what_it_is(tmp_path: Path) -> None:
    shown = run(console_script("--help"), tmp_path, timeout=120)
    assert shown.returncode == 0, shown.stderr
    first = shown.stdout.splitlines()[0]
    assert first.startswith("customer-info-conformance: the customer_info conformance suite"), first
    assert "pytest --pyargs conformance.suite" in shown.stdout and "--target-url" in shown.stdout


# -- the harness's options with no suite collected ---------------------------------------------
@pytest.mark.parametrize(
    "options", [["--target-url=http://127.0.0.1:9/api.php"], ["--combinations", "pairwise"], ["--insecure"]]
)
def test_options_without_the_suite_say_what_to_add(tmp_path: Path, options: list[str]) -> None:
    stopped = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *options], tmp_path, timeout=120)
    assert stopped.returncode == 4, stopped.stdout + stopped.stderr
    (line,) = stopped.stderr.strip().splitlines()
    assert "collects no customer_info suite" in line and "add --pyargs conformance.suite" in line, line
    assert options[0].split("=")[0] in line


def test_a_run_of_other_tests_without_the_options_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "test_theirs.py").write_text("def test_theirs():\n    pass\n")
    theirs = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"], tmp_path, timeout=120)
    assert theirs.returncode == 0 and "1 passed" in theirs.stdout, theirs.stdout + theirs.stderr


# -- a target URL with the wrong path -------------------------------------------------------------
@pytest.fixture(scope="module")
def reference():  # type: ignore[no-untyped-def]
    with start() as server:
        yield server


def smoke_message(url: str) -> str:
    profile = load_profile(PROFILE_PATH)
    harness = Harness(profile, Client(url, profile.password, timeout=5, retries=0), "form")
    try:
        with pytest.raises(TargetUnusable) as stopped:
            harness.smoke()
    finally:
        harness.client.close()
    return str(stopped.value)


@pytest.mark.parametrize("path", ["api/customer_info", "v1/api.php"])
def test_wrong_path_is_said_not_blamed_on_credentials(reference, path: str) -> None:  # type: ignore[no-untyped-def]
    # The reference answers an unknown path with HTTP 404 and an error envelope.
    message = smoke_message(reference.base_url + path)
    assert "HTTP 404, application/xml" in message, message
    assert "says the path is wrong, not the credentials" in message, message
    assert "credentials (or TARGET_USER_PASSWORD)" not in message, message
    if not path.endswith("api.php"):
        assert f"e.g. {reference.url}?" in message, message
    else:
        assert message.endswith("Is --target-url the API endpoint?"), message


def test_refused_credentials_still_point_at_them(reference, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    message = smoke_message(reference.url)
    assert (
        "HTTP 200" in message and "Check the profile's credentials (or TARGET_USER_PASSWORD) and account_id" in message
    ), message


def test_wrong_path_ends_the_run_with_that_message(reference, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = reference.base_url + "customer"
    stopped = run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance.suite",
                   "--target-url", url, "--target-profile", str(PROFILE_PATH)], tmp_path, timeout=120)  # fmt: skip
    assert stopped.returncode == 4, stopped.stdout[-2000:] + stopped.stderr[-2000:]
    assert "HTTP 404, application/xml" in stopped.stderr and f"e.g. {reference.url}?" in stopped.stderr, stopped.stderr


# -- the reference server on a port in use --------------------------------------------------------
def listening_socket() -> socket.socket:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    return taken


def test_reference_on_a_port_in_use_names_the_port(tmp_path: Path) -> None:
    with listening_socket() as taken:
        port = taken.getsockname()[1]
        refused = run([sys.executable, "-m", "conformance.reference", "--port", str(port)], tmp_path, timeout=60)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"port {port} on 127.0.0.1 is already in use" in refused.stderr and "--port 0" in refused.stderr, (
        refused.stderr
    )
    assert "[Errno" not in refused.stderr, refused.stderr


def test_second_reference_on_the_same_port_is_refused(reference) -> None:  # type: ignore[no-untyped-def]
    # waitress sets SO_REUSEADDR; on Linux that still refuses a port another socket
    # listens on (it only lets a port be bound twice while neither listens).
    with pytest.raises(OSError) as refused:
        start(port=reference.port).stop()
    assert f"port {reference.port} on 127.0.0.1 is already in use" in str(refused.value)


# -- -k selects requirement items, ignoring case; --cases selects cases, exactly -----------
README_SELECTING = (
    "`-k` selects requirements, areas and scopes by item name (case-insensitive, pytest's rule); "
    "`--cases` selects the evidence by parameter value, exact and case-sensitive"
)


def collected_items(tmp_path: Path, *selection: str) -> list[str]:
    """The node ids a pairwise run would run with ``selection``."""
    collected = run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance.suite",
         "--collect-only", "-q", "--combinations", "pairwise", *selection],
        tmp_path,
    )  # fmt: skip
    return [line for line in collected.stdout.splitlines() if "::" in line]


def cases_judged(tmp_path: Path, *selection: str) -> int:
    """How many cases a pairwise run against the reference judges with ``selection``."""
    done = run(console_script("-p", "no:cacheprovider", "-q", "--combinations", "pairwise", *selection), tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    found = re.search(r"^cases judged: (\d+) in ", done.stdout, re.MULTILINE)
    assert found, done.stdout[-2000:]
    return int(found.group(1))


def test_k_selects_items_ignoring_case_cases_exactly_and_the_readme_says_so(tmp_path: Path) -> None:
    upper = collected_items(tmp_path, "-k", "NOTE-CAMPAIGN-ID")
    lower = collected_items(tmp_path, "-k", "note-campaign-id")
    assert upper and upper == lower, (upper[:3], lower[:3])
    assert all("::NOTE-CAMPAIGN-ID[" in i for i in upper), upper[:5]
    # --cases is exact: output=JSON and output=json are two sets of cases (a Java client
    # sends the lower-case value), and each judges fewer cases than both together.
    upper_cases = cases_judged(tmp_path, "-m", "formats", "--cases", "kind=answer and output=JSON")
    lower_cases = cases_judged(tmp_path, "-m", "formats", "--cases", "kind=answer and output=json")
    both = cases_judged(tmp_path, "-m", "formats", "--cases", "kind=answer and (output=JSON or output=json)")
    assert upper_cases > 0 and lower_cases > 0 and upper_cases + lower_cases == both, (upper_cases, lower_cases, both)
    assert README_SELECTING in " ".join(README.split()), f"README.md should say: {README_SELECTING}"


def test_collect_only_leaves_the_last_runs_reports_in_place(tmp_path: Path) -> None:
    # A user lists the items after a run: the run's report, JUnit and certificate must
    # still be the run's (an empty report from --collect-only replaced them).
    suite = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance.suite",
             "-q", "--combinations", "pairwise", "--cases", ONE_CASE]  # fmt: skip
    done = run(suite, tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    reports = tmp_path / "reports"
    written = {p.name: p.read_bytes() for p in reports.iterdir() if p.is_file()}
    assert {"report.html", "junit.xml", "certificate.json"} <= set(written)
    listed = run([*suite, "--collect-only"], tmp_path)
    assert listed.returncode == 0 and "::" in listed.stdout, listed.stdout[-2000:]
    assert {p.name: p.read_bytes() for p in reports.iterdir() if p.is_file()} == written
    assert "HTML report:" not in listed.stdout and "Generated html report" not in listed.stdout
