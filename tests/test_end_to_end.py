"""The whole suite, end to end, as a user runs it: against the embedded reference server
(everything passes, both reports written), against a server that answers nonsense
(every case fails in one readable line, reports still written), and against a server
whose smoke request gets nonsense (one clear message, no case run).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from conformance.profile import PASSWORD_ENV
from conformance.reference import PROFILE_PATH
from tests.faults import Fault, Reply, serve

FINDING = re.compile(r"^\[[A-Z][A-Z0-9, -]*\] \w+: .+$", re.MULTILINE)
FAILURE_HEADER = re.compile(r"^_+ (test_\w+(?:\[.*\])?) _+$", re.MULTILINE)
EXTERNAL_ASSET = re.compile(r"<(?:script[^>]*\ssrc|link[^>]*\shref)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _no_password_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)


def _hello(reply: Reply, fields: dict[str, str], number: int) -> Reply:
    return Reply("200 OK", [], b"").with_body(b"hello", "text/plain; charset=utf-8")


# 200 text/plain "hello" to everything; with spare_smoke, the smoke request alone gets
# the reference's answer, so the run goes on to the cases.
NONSENSE_AFTER_SMOKE = Fault(
    "", 'answers 200 text/plain "hello", except to the smoke request', "", spare_smoke=True, reply=_hello
)
NONSENSE = Fault("", 'answers 200 text/plain "hello" to everything', "", reply=_hello)


def _junit(path: Path) -> ElementTree.Element:
    root = ElementTree.parse(path).getroot()
    return root.find("testsuite") if root.tag == "testsuites" else root


def _tail(output: str, lines: int = 60) -> str:
    return "\n".join(output.splitlines()[-lines:])


def test_reference_passes_pairwise_with_both_reports(pytester: pytest.Pytester, tmp_path: Path) -> None:
    report_dir = tmp_path / "reports"
    result = pytester.runpytest_subprocess(
        "--pyargs",
        "conformance.suite",
        "--combinations",
        "pairwise",
        "--report-dir",
        str(report_dir),
        "-p",
        "no:cacheprovider",
        "-q",
        timeout=600,
    )
    output = result.stdout.str()
    assert result.ret == pytest.ExitCode.OK, _tail(output)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) > 0 and not (
        set(outcomes) & {"failed", "error", "errors", "xfailed", "xpassed"}
    ), outcomes

    junit, html = report_dir / "junit.xml", report_dir / "report.html"
    assert junit.is_file() and html.is_file(), sorted(p.name for p in report_dir.iterdir())
    suite = _junit(junit)
    assert int(suite.get("failures", "-1")) == 0 and int(suite.get("errors", "-1")) == 0, suite.attrib
    cases = suite.findall("testcase")
    assert len(cases) == outcomes["passed"] == int(suite.get("tests", "-1")), (len(cases), outcomes, suite.attrib)
    assert not [
        c.get("name")
        for c in cases
        if c.find("failure") is not None or c.find("error") is not None or c.find("skipped") is not None
    ]
    names = [c.get("name", "") for c in cases]
    assert any(n.startswith("test_answer[") for n in names), names[:5]
    assert any(n.startswith("test_relation[") for n in names), names[:5]

    page = html.read_text(encoding="utf-8")
    # Passing items get no row of their own (the table keeps the items that did not
    # pass); the page counts them, and its matrix says what they exercised.
    assert f"{outcomes['passed']} Passed" in " ".join(page.split()) and 'id="conformance-matrix"' in page
    assert not EXTERNAL_ASSET.findall(page), EXTERNAL_ASSET.findall(page)[:5]


def test_nonsense_answers_fail_in_one_readable_line_each(pytester: pytest.Pytester, tmp_path: Path) -> None:
    report_dir = tmp_path / "reports"
    with serve(NONSENSE_AFTER_SMOKE) as url:
        result = pytester.runpytest_subprocess(
            "--pyargs", "conformance.suite", "--target-url", url, "--target-profile", str(PROFILE_PATH),
            "--combinations", "pairwise", "--report-dir", str(report_dir), "-p", "no:cacheprovider", "-q",
            timeout=600,
        )  # fmt: skip
    output = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, _tail(output)
    assert "INTERNALERROR" not in output and "Traceback" not in output, _tail(output)
    failed = result.parseoutcomes().get("failed", 0)
    assert failed > 0

    section = output[output.index("= FAILURES =") : output.index("= customer_info conformance =")]
    headers = list(FAILURE_HEADER.finditer(section))
    assert len(headers) == failed, (len(headers), failed)
    for header, following in zip(headers, headers[1:] + [None], strict=True):
        block = section[header.end() : following.start() if following else len(section)]
        findings = FINDING.findall(block)
        assert len(findings) == 1, f"{header.group(1)}: {findings}"
        assert findings[0].endswith("answer_is_an_envelope: the answer is not an API envelope"), findings[0]
        (got,) = [line for line in block.splitlines() if line.strip().startswith("Got:")]
        assert "HTTP 200 text/plain" in got and "'hello'" in got, got
        assert "def test_" not in block and "\nE   " not in block, block

    junit, html = report_dir / "junit.xml", report_dir / "report.html"
    assert junit.is_file() and html.is_file()
    assert int(_junit(junit).get("failures", "-1")) == failed
    assert "not an API envelope" in html.read_text(encoding="utf-8")


def test_smoke_request_getting_nonsense_is_the_one_failing_case(pytester: pytest.Pytester, tmp_path: Path) -> None:
    # The target answered, with no envelope: not conformant on that answer alone. Its
    # lookup is the one case (nothing else can be judged), failed by the checks.
    with serve(NONSENSE) as url:
        result = pytester.runpytest_subprocess(
            "--pyargs", "conformance.suite", "--target-url", url, "--target-profile", str(PROFILE_PATH),
            "--combinations", "pairwise", "--report-dir", str(tmp_path / "reports"), "-p", "no:cacheprovider", "-q",
            timeout=120,
        )  # fmt: skip
    output = result.stdout.str() + result.stderr.str()
    assert result.ret == pytest.ExitCode.TESTS_FAILED, f"exit {result.ret}\n{_tail(output)}"
    assert "INTERNALERROR" not in output and "Traceback" not in output and "cannot be tested" not in output, _tail(
        output
    )
    assert re.search(r"^1 failed in ", output, re.MULTILINE), _tail(output)
    # One violation (pytest may print a failure's text in more than one place).
    findings = sorted(set(FINDING.findall(output)))
    assert len(findings) == 1 and findings[0].endswith("answer_is_an_envelope: the answer is not an API envelope"), (
        findings
    )
    (stop,) = [line for line in output.splitlines() if line.strip().startswith("- stopped early: ")]
    assert url in stop and "hello" in stop and "nothing else can be judged" in stop, stop
