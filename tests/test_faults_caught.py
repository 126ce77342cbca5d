"""Each fault of tests/faults.py makes the conformance suite fail, citing the requirement
the fault violates; the same middleware without a fault passes the same selections.

Every run is a real pytest subprocess (``pytester``) running the installed suite
(``--pyargs conformance.suite``) against a faulty server on 127.0.0.1, with the
fault's ``-k`` selection, as a user would run it against their own server.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import requests
from werkzeug.test import Client

from conformance.profile import PASSWORD_ENV
from conformance.reference import PROFILE_PATH, make_app
from tests.faults import FAULTS, SMOKE_FIELDS, FaultyApp, parse, serve

# A failure of the suite prints one line per violation: "[REQ-ID, ...] check_name: title".
FINDING = re.compile(r"^\[(?P<ids>[A-Z][A-Z0-9-]*(?:, [A-Z][A-Z0-9-]*)*)\] (?P<check>\w+): (?P<title>.+)$", re.MULTILINE)


class HarnessMissedFault(AssertionError):
    """The suite passed against a faulty server: a gap in the harness, not in this test."""


# Faults the harness does not catch. Each is a gap in the harness, reported in detail;
# the fault itself stays as strong as the document says it should be.
# Faults the harness does not catch yet: each is a gap in the harness, named here so
# it stays visible (strict xfail: the day it is caught, this list must shrink).
HARNESS_GAPS: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _no_password_override(monkeypatch: pytest.MonkeyPatch) -> None:
    # The profile's password must be the one sent: TARGET_USER_PASSWORD would override it.
    monkeypatch.delenv(PASSWORD_ENV, raising=False)


def run_suite(pytester: pytest.Pytester, url: str, report_dir: Path, selection: str, combinations: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--pyargs", "conformance.suite",
        "--target-url", url,
        "--target-profile", str(PROFILE_PATH),
        "--report-dir", str(report_dir),
        "-k", selection,
        "--combinations", combinations,
        "-p", "no:cacheprovider",
        "-q",
        timeout=300,
    )  # fmt: skip


def failures_section(output: str) -> str:
    """The FAILURES section of a run's output (the failed cases' messages)."""
    start = output.find("= FAILURES =")
    if start < 0:
        return ""
    end = output.find("= customer_info conformance =", start)
    return output[start : end if end > 0 else len(output)]


def _tail(output: str, lines: int = 40) -> str:
    return "\n".join(output.splitlines()[-lines:])


def _param(name: str) -> pytest.param:
    if name in HARNESS_GAPS:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, raises=HarnessMissedFault, reason=HARNESS_GAPS[name]))
    return pytest.param(name)


@pytest.mark.parametrize("name", [_param(name) for name in FAULTS])
def test_fault_is_caught(name: str, pytester: pytest.Pytester, tmp_path: Path) -> None:
    fault = FAULTS[name]
    with serve(name) as url:
        result = run_suite(pytester, url, tmp_path / "report", fault.selection, fault.combinations)
    output = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in output, _tail(output)
    outcomes = result.parseoutcomes()
    ran = outcomes.get("passed", 0) + outcomes.get("failed", 0)
    assert ran > 0, f"selection {fault.selection!r} ran no case (exit {result.ret}):\n{_tail(output)}"
    if result.ret == pytest.ExitCode.OK:
        raise HarnessMissedFault(f"{name} ({fault.description}): all {ran} selected cases passed")
    assert result.ret == pytest.ExitCode.TESTS_FAILED, f"exit {result.ret}, expected 1 (tests failed):\n{_tail(output)}"

    failures = failures_section(output)
    findings = [m.groupdict() for m in FINDING.finditer(failures)]
    assert findings, f"no '[REQ-ID] check: title' line in the failures:\n{failures[:3000]}"
    citing = [f for f in findings if fault.requirement in f["ids"].split(", ")]
    assert citing, f"{fault.requirement} is cited by no failure; cited: {sorted({f['ids'] for f in findings})}"
    if fault.check:
        checks = sorted({f["check"] for f in citing})
        assert fault.check in checks, f"{fault.requirement} is cited by {checks}, not by {fault.check}"
    if fault.evidence:
        texts = (fault.evidence,) if isinstance(fault.evidence, str) else fault.evidence
        assert any(text in failures for text in texts), f"none of {texts!r} is in the failures:\n{failures[:3000]}"


def test_control_passes_every_selection(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """The reference through the same middleware (request re-encoded, answer parsed and
    re-rendered), no fault: every fault's selection passes, so the faults cause the failures."""
    by_mode: dict[str, list[str]] = defaultdict(list)
    for fault in FAULTS.values():
        by_mode[fault.combinations].append(fault.selection)
    for mode, selections in sorted(by_mode.items()):
        selection = " or ".join(f"({s})" for s in sorted(set(selections)))
        with serve(None) as url:
            result = run_suite(pytester, url, tmp_path / f"report-{mode}", selection, mode)
        output = result.stdout.str()
        outcomes = result.parseoutcomes()
        assert result.ret == pytest.ExitCode.OK, f"combinations={mode}: exit {result.ret}\n{_tail(output, 80)}"
        assert outcomes.get("passed", 0) > 100 and "failed" not in outcomes, outcomes


# -- the plumbing, without the suite ---------------------------------------------------
CREDENTIALS = {k: SMOKE_FIELDS[k] for k in ("user_id", "user_password", "type")}
VARIANTS = [
    {"account_id": "greatwidgets", "code": "89898989898989"},
    {"account_id": "greatwidgets", "card_number": "3434343434", "output": "JSON"},
    {"account_id": "greatwidgets", "code": "89898989898989", "output": "JSON", "callback": "cb", "condensed": "yes"},
    {"account_id": "coaldemo", "code": "89898989898989", "output": "JSON", "condensed": "yes", "show_only_belong_to": "Y"},
    {"account_id": "coaldemo", "code": "45454545454545", "hide_custom_field": "Y", "include_balances": "N"},
    {"account_id": "greatwidgets", "code": "99999999999999"},
    {"account_id": "greatwidgets", "output": "JSON"},
]


@pytest.mark.parametrize("fields", VARIANTS, ids=lambda f: "-".join(f"{k}:{v}" for k, v in f.items()))
def test_middleware_without_fault_is_byte_transparent(fields: dict[str, str]) -> None:
    reference, middleware = Client(make_app()), Client(FaultyApp(None))
    data = {**CREDENTIALS, **fields}
    expected = reference.post("/api.php", data=data)
    for answer in (middleware.post("/api.php", data=data), middleware.get("/api.php", query_string=data)):
        assert answer.status_code == expected.status_code
        assert answer.headers["Content-Type"] == expected.headers["Content-Type"]
        assert answer.get_data() == expected.get_data()


def test_spare_smoke_answers_the_smoke_request_unchanged() -> None:
    with serve("html_500") as url:
        smoke = requests.post(url, data=SMOKE_FIELDS, timeout=10)
        other = requests.post(url, data={**SMOKE_FIELDS, "output": "JSON"}, timeout=10)
    assert smoke.status_code == 200 and parse(smoke.content) is not None
    assert other.status_code == 500 and other.headers["Content-Type"].startswith("text/html")


def test_show_only_belong_to_ignored_is_observable() -> None:
    """The gap's fault is real: with show_only_belong_to=Y the faulty server answers the
    campaign the customer never had a transaction with, where the reference drops it."""
    never = "6789012345678901"  # Doohickey Rewards: no ledger row for 89898989898989
    data = {**CREDENTIALS, "account_id": "coaldemo", "code": "89898989898989", "output": "JSON", "show_only_belong_to": "Y"}
    reference = parse(Client(make_app()).post("/api.php", data=data).get_data())
    faulty = parse(Client(FaultyApp(FAULTS["show_only_belong_to_ignored"])).post("/api.php", data=data).get_data())
    assert reference is not None and faulty is not None
    assert never not in [c["id"] for c in reference.document["campaigns"]]
    (shown,) = [c for c in faulty.document["campaigns"] if c["id"] == never]
    assert (shown["cumulative"], shown["last_transaction"]) == ("0", "0000-00-00")
