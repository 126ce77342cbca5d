"""The whole suite, end to end, as a user runs it: against the embedded reference server
(every requirement item passes or is not exercised in its scope, both reports written),
against a server that answers nonsense (every failing item names its requirement, scope
and count on its first line, then its cases, each in one readable line; reports still
written), and against a server whose smoke request gets nonsense (one clear message, the
one case judged).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from conformance.profile import PASSWORD_ENV
from conformance.reference import PROFILE_PATH
from tests.faults import Fault, Reply, serve
from tests.targets import reference_pairwise_run

FINDING = re.compile(r"^\[[A-Z][A-Z0-9, -]*\] \w+: .+$", re.MULTILINE)
# pytest's heading of a failing item: "____ REQ-ID [scope] ____".
FAILURE_HEADER = re.compile(r"^_+ ([A-Z][A-Z0-9-]+) \[([^\]]+)\] _+$", re.MULTILINE)
ITEM_NAME = re.compile(r"^([A-Z][A-Z0-9-]+)\[(access|[a-z0-9_]+(?:/[A-Za-z0-9_]+)?)\]$")
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


def test_reference_passes_pairwise_with_both_reports(tmp_path_factory: pytest.TempPathFactory) -> None:
    run = reference_pairwise_run(tmp_path_factory.getbasetemp())  # shared with test_passing_rows, test_certificate
    report_dir = run.directory / "reports"
    output = run.stdout
    assert run.returncode == pytest.ExitCode.OK, _tail(output)
    # The last line's counts, as pytester's parseoutcomes reads them ("1 warning" counted as warnings).
    plural = {"warning": "warnings", "error": "errors"}
    outcomes = {plural.get(o, o): int(n) for n, o in re.findall(r"(\d+) (\w+)", output.splitlines()[-1])}
    # Skipped: a requirement no case of that scope could judge (BuyX rules for a customer
    # with no BuyX campaign); never a failure, an error or an xfail.
    assert outcomes.get("passed", 0) > 0 and set(outcomes) <= {"passed", "skipped", "warnings"}, outcomes

    junit, html = report_dir / "junit.xml", report_dir / "report.html"
    assert junit.is_file() and html.is_file(), sorted(p.name for p in report_dir.iterdir())
    suite = _junit(junit)
    assert int(suite.get("failures", "-1")) == 0 and int(suite.get("errors", "-1")) == 0, suite.attrib
    assert suite.get("name") == "customer_info-conformance", suite.attrib
    items = suite.findall("testcase")
    total = outcomes["passed"] + outcomes.get("skipped", 0)
    assert len(items) == total == int(suite.get("tests", "-1")), (len(items), outcomes, suite.attrib)
    assert not [c.get("name") for c in items if c.find("failure") is not None or c.find("error") is not None]
    skipped = [c.find("skipped") for c in items if c.find("skipped") is not None]
    assert len(skipped) == outcomes.get("skipped", 0), (len(skipped), outcomes)
    assert all("not exercised in " in (s.get("message", "") + (s.text or "")) for s in skipped)
    # One item per requirement and scope, named the same wherever the suite is installed.
    names = [c.get("name", "") for c in items]
    assert len(set(names)) == len(names) and all(ITEM_NAME.match(n) for n in names), [
        n for n in names if not ITEM_NAME.match(n)
    ][:5]
    assert all(c.get("classname", "").startswith("customer_info.") for c in items)
    assert "EXAMPLE-SUCCESS[greatwidgets/89898989898989]" in names and "FIELD-USER-ID-REQUIRED[access]" in names
    # The evidence: every kind of case was judged (the certificate counts cases).
    certificate = json.loads((report_dir / "certificate.json").read_text(encoding="utf-8"))
    by_kind = certificate["counts"]["items_by_kind"]
    assert all(by_kind.get(kind, 0) > 0 for kind in ("case", "relation", "access")), by_kind
    assert certificate["counts"]["collected"] == len(items), certificate["counts"]

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
        requirement, scope = header.groups()
        block = section[header.end() : following.start() if following else len(section)].strip()
        # The first line: the requirement, the scope and how many of its cases break it.
        first = re.match(rf"{requirement}: (\d+) of (\d+) cases? in {re.escape(scope)} breaks? it ", block)
        assert first, f"{requirement} [{scope}]: {block.splitlines()[0]}"
        breaking = int(first.group(1))
        # The first cases in full, each with its one violation; the others one line each.
        findings = FINDING.findall(block)
        assert len(findings) == min(breaking, 3), f"{requirement} [{scope}]: {findings}"
        assert set(findings) == {f"[{requirement}] answer_is_an_envelope: the answer is not an API envelope"}
        gots = [line for line in block.splitlines() if line.strip().startswith("Got:")]
        assert len(gots) == len(findings) and all("HTTP 200 text/plain" in g and "'hello'" in g for g in gots), gots
        named = [line for line in block.splitlines() if line.startswith("  ") and ": the answer is not" in line]
        assert all(line.endswith(": the answer is not an API envelope") for line in named), named
        more = re.search(r"\.\.\. and (\d+) more cases?\b", block)
        assert len(findings) + len(named) + (int(more.group(1)) if more else 0) == breaking, block[-500:]
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
    # The one case is the evidence of the requirements its answer judged, in its
    # customer's scope: the envelope's requirement fails, nothing is skipped.
    assert re.search(r"^1 failed(, \d+ passed)? in ", output, re.MULTILINE), _tail(output)
    # (pytest 9.2 prints " - <message>" after the node id, 9.0 does not.)
    failed_line = r"^FAILED \S*customer_info/answers::EXAMPLE-SUCCESS\[greatwidgets/89898989898989\]( - .*)?$"
    assert re.search(failed_line, output, re.MULTILINE), _tail(output)
    assert re.search(r"^cases judged: 1 in 1 scope,", output, re.MULTILINE), _tail(output)
    # One violation (pytest may print a failure's text in more than one place).
    findings = sorted(set(FINDING.findall(output)))
    assert len(findings) == 1 and findings[0].endswith("answer_is_an_envelope: the answer is not an API envelope"), (
        findings
    )
    (stop,) = [line for line in output.splitlines() if line.strip().startswith("- stopped early: ")]
    assert url in stop and "hello" in stop and "nothing else can be judged" in stop, stop
