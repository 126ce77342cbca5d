"""A large run's HTML report counts its passing cases instead of listing them
(``PassingRowsSummariser``): pytest-html's totals still count every case, only the
passing rows are left out, and the terminal says so.

It acts above ``LISTED_PASSES`` (2,000) items, so a real run would be the full matrix:
here a plugin loaded with ``-p`` lowers the threshold for a run of a few items."""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.html

from tests.targets import run_suite

LOWER_THRESHOLD = "import conformance.plugin.reporting as reporting\n\nreporting.LISTED_PASSES = 3\n"


def _html_report(path: Path) -> tuple[dict[str, int], dict[str, list[object]]]:
    """pytest-html's outcome totals (its summary's "N Passed" spans) and its table's rows by node id."""
    root = lxml.html.fromstring(path.read_text(encoding="utf-8"))
    totals = {}
    for span in root.xpath('//div[@class="filters"]/span[@class="passed"]'):
        found = re.match(r"\s*(\d+)\s+Passed", span.text_content())
        if found:
            totals["passed"] = int(found.group(1))
    blob = root.xpath('//div[@id="data-container"]/@data-jsonblob')
    assert blob, "no pytest-html data container in the report"
    return totals, json.loads(blob[0])["tests"]


def test_a_large_run_counts_its_passes_and_lists_none(tmp_path: Path) -> None:
    (tmp_path / "lower_listed_passes.py").write_text(LOWER_THRESHOLD, encoding="utf-8")
    run = run_suite(tmp_path, "-p", "lower_listed_passes", "--combinations", "pairwise", "--cases", "kind=access")
    assert run.returncode == 0, run.stdout[-3000:]
    passed = int(re.search(r"(\d+) passed", run.stdout).group(1))  # type: ignore[union-attr]
    assert passed > 3, run.stdout[-2000:]
    assert f"{passed} passing cases are counted, not listed, in the HTML report" in run.stdout
    totals, rows = _html_report(tmp_path / "reports" / "report.html")
    assert totals.get("passed") == passed, f"pytest-html counts {totals.get('passed')} passed, the run {passed}"
    listed = [nodeid for nodeid, entries in rows.items() if entries]
    assert listed == [], f"{len(listed)} passing cases still have a row, e.g. {listed[:2]}"


def test_a_small_run_counts_every_case_and_lists_none(tmp_path: Path) -> None:
    # Below the summariser's threshold the plugin keeps pytest-html's rows, and the
    # finished report (html_finish) drops the passing ones all the same: junit.xml lists
    # every item, the report counts them.
    run = run_suite(tmp_path, "--combinations", "pairwise", "--cases", "kind=access")
    assert run.returncode == 0, run.stdout[-3000:]
    passed = int(re.search(r"(\d+) passed", run.stdout).group(1))  # type: ignore[union-attr]
    assert "passing cases are counted" not in run.stdout
    totals, rows = _html_report(tmp_path / "reports" / "report.html")
    assert totals.get("passed") == passed
    assert sum(1 for entries in rows.values() if entries) == 0
