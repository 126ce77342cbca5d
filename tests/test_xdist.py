"""pytest-xdist: `pytest -n 2` gives the same verdicts and one merged summary and report."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.preflight import lookups
from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH

pytest.importorskip("xdist")
SELECTION = (
    "(kind=answer and account=greatwidgets and customer=89898989898989 "
    "and by=code and (output=JSON or output=json)) or kind=access or probe"
)


def run(tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    report_dir = tmp_path / ("xdist" if extra else "single")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
         "--combinations", "pairwise", "--cases", SELECTION, f"--report-dir={report_dir}", *extra],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    verdicts = {}
    for case in ET.parse(report_dir / "junit.xml").iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        verdicts[case.get("name", "")] = "failed" if failed else "passed"
    return done, verdicts


def test_xdist_gives_the_same_verdicts_and_one_summary(tmp_path: Path) -> None:
    single, alone = run(tmp_path)
    spread, workers = run(tmp_path, "-n", "2")
    assert single.returncode == spread.returncode == 0, spread.stdout[-3000:]
    assert alone and alone == workers
    assert "2 workers" in spread.stdout
    # The workers' unspecified behaviours reach the controller's summary.
    assert "code and card_number naming two different customers" in spread.stdout
    assert (tmp_path / "xdist" / "report.html").is_file()


def _requests_sent(output: str) -> int:
    import re

    found = re.search(r"requests sent: (\d+)", output)
    assert found, output[-2000:]
    return int(found.group(1))


def test_each_worker_fetches_only_its_scopes(tmp_path: Path) -> None:
    """Under -n each scope's items go to one worker (plugin/scheduling.py), which alone
    sends that scope's requests: the workers together send what one process sends, plus
    the pre-flight's lookups each worker makes of every customer at collection (one per
    identifier a customer has; those by code are also the learning lookups): at most
    that many more with two workers. A scope judged twice would add its hundreds of
    requests."""
    import json

    def certificate(directory: str) -> dict[str, object]:
        data = json.loads((tmp_path / directory / "certificate.json").read_text())
        return {"verdict": data["verdict"], "requirements": data["requirements"], "counts": data["counts"]}

    common = ["--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q", "--combinations", "pairwise"]
    single = subprocess.run(
        [sys.executable, "-m", "pytest", *common, "--report-dir=one"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    spread = subprocess.run(
        [sys.executable, "-m", "pytest", *common, "--report-dir=two", "-n", "2"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert single.returncode == spread.returncode == 0, spread.stdout[-3000:]
    preflight = len(lookups(load_profile(PROFILE_PATH), "form"))  # 11: the reference's 6 customers
    extra = _requests_sent(spread.stdout) - _requests_sent(single.stdout)
    assert 0 <= extra <= preflight, (extra, single.stdout[-1500:], spread.stdout[-1500:])
    # The same verdicts, counts and cases named: one merged certificate.
    assert certificate("one") == certificate("two")


def test_a_failures_request_and_response_reach_the_summary_from_a_worker(tmp_path: Path) -> None:
    """The summary's example shows its first case's request and response, which the item's
    report carries as text (plugin/reporting.py: ``conformance_exchange``) from the worker
    that ran it to the controller that writes the report."""
    import lxml.html

    from conformance.reference import PROFILE_PATH
    from tests.targets import drop_phone, serve

    with serve(drop_phone) as url:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
             "-n", "2", "--combinations", "pairwise", "--cases",
             "kind=answer and account=greatwidgets and by=code and (output=JSON or output=json)",
             "--target-url", url, "--target-profile", str(PROFILE_PATH), "--report-dir=out"],
            cwd=tmp_path, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    assert done.returncode == 1 and "2 workers" in done.stdout, done.stdout[-3000:]
    page = lxml.html.fromstring((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    (exchange,) = page.xpath('//section[@id="conformance-failures"]//details[contains(@class, "cf-exchange")]')
    request, response = exchange.xpath("./pre")
    assert request.text_content().startswith("curl ") and "$TARGET_USER_PASSWORD" in request.text_content()
    assert response.text_content().startswith("HTTP 200") and "first_name" in response.text_content()
