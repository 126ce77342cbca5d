"""A whole run's reports, small and in agreement: one pytest item per requirement and
scope (317 for the reference's profile, in pairwise mode as in the full matrix: the same
scopes, fewer cases), so report.html lists the items that did not pass and its matrix
every requirement, stays far under the issue's 2 MB, and the terminal, junit.xml,
certificate.json and pytest-html's totals count the same outcomes.

Pairwise keeps it cheap (about 35 s); the items, and so the report's size, are those of
the full default run (measured there: 213 passed, 104 skipped)."""

from __future__ import annotations

import json
import re

import lxml.etree
import lxml.html
import pytest

from conformance.html_summary import TABLE_ROWS_KEPT
from conformance.requirements import catalogue
from tests.targets import reference_pairwise_run

REPORT_LIMIT = 2_000_000  # bytes: the bound for the full default run's report.html


def test_a_whole_run_reports_its_items_small_and_in_agreement(tmp_path_factory: pytest.TempPathFactory) -> None:
    run = reference_pairwise_run(tmp_path_factory.getbasetemp())  # shared with test_end_to_end, test_certificate
    assert run.returncode == 0, run.stdout[-3000:]
    terminal = {o: int(n) for n, o in re.findall(r"(\d+) (passed|skipped|failed)", run.stdout.splitlines()[-1])}
    assert terminal.get("passed", 0) > 0 and terminal.get("skipped", 0) > 0, run.stdout[-500:]
    reports = run.directory / "reports"

    certificate = json.loads((reports / "certificate.json").read_text(encoding="utf-8"))
    outcomes = {o: n for o, n in certificate["counts"]["outcomes"].items() if n}
    assert outcomes == terminal, (outcomes, terminal)
    items = sum(terminal.values())
    assert certificate["counts"]["collected"] == items

    junit = lxml.etree.parse(str(reports / "junit.xml")).getroot()
    cases = list(junit.iter("testcase"))
    skipped = [c.get("name") for c in cases if c.find("skipped") is not None]
    assert len(cases) == items and len(skipped) == terminal["skipped"], (len(cases), len(skipped), terminal)

    page = reports / "report.html"
    size = page.stat().st_size
    assert size < REPORT_LIMIT, f"report.html is {size:,} bytes for {items} items; the bound is {REPORT_LIMIT:,}"
    root = lxml.html.fromstring(page.read_text(encoding="utf-8"))
    # pytest-html's table: the items that did not pass (here the skipped ones, with the
    # reason), by their stable names, the first TABLE_ROWS_KEPT of them; its totals count
    # every item.
    rows = json.loads(root.xpath('//div[@id="data-container"]/@data-jsonblob')[0])["tests"]
    listed = [nodeid.split("::")[1] for nodeid in rows]
    assert len(listed) == min(len(skipped), TABLE_ROWS_KEPT) and set(listed) <= set(skipped), listed[:5]
    assert all(e["result"] == "Skipped" for entries in rows.values() for e in entries)
    for outcome, count in terminal.items():
        (total,) = root.xpath(f'//div[@class="filters"]/span[@class="{outcome}"]')
        assert re.match(rf"\s*{count} {outcome.capitalize()}", total.text_content()), total.text_content()
    # The summary's matrix: a row per requirement of the catalogue.
    matrix = root.xpath('//section[@id="conformance-matrix"]//tr[@data-requirement]')
    assert {row.get("data-requirement") for row in matrix} == set(catalogue())
    assert f"{items} requirement items collected" in root.xpath('//section[@id="conformance-areas"]')[0].text_content()
