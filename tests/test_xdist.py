"""pytest-xdist: `pytest -n 2` gives the same verdicts and one merged summary and report."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

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
