"""The HTML report, read as a reviewer reads it, with no script run: the verdict, the
requirement matrix, counts by area, notes, and each failure's sections (requirement
and sentence, where, expected and got, curl with $TARGET_USER_PASSWORD, request,
response), found by parsing report.html with lxml."""

from __future__ import annotations

import lxml.html
import pytest

from conformance.reference import PROFILE_PATH
from conformance.requirements import catalogue
from tests.targets import drop_phone, run_suite, serve


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> lxml.html.HtmlElement:
    tmp_path = tmp_path_factory.mktemp("html")
    with serve(drop_phone) as url:
        run = run_suite(
            tmp_path,
            "--combinations",
            "pairwise",
            "-k",
            "(greatwidgets-89898989898989-by:code- and output:JSON) "
            "or greatwidgets-89898989898989-by:code] or test_access",
            "--report-dir",
            "out",
            "--target-url",
            url,
            "--target-profile",
            str(PROFILE_PATH),
        )
    assert run.returncode == 1, run.stdout[-3000:]
    text = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "1959caadac9b13dcb3" not in text
    return lxml.html.fromstring(text)


def section(root: lxml.html.HtmlElement, name: str) -> lxml.html.HtmlElement:
    found = root.xpath(f'//section[@id="{name}"]')
    assert len(found) == 1, f"no #{name} section in the report"
    # Plain HTML: not inside a <script> or a template a script fills in.
    assert not found[0].xpath("ancestor::script|ancestor::template")
    return found[0]


def test_summary_shows_the_verdict_first(report: lxml.html.HtmlElement) -> None:
    verdict = section(report, "conformance-verdict")
    assert verdict.xpath('.//span[contains(@class, "cf-verdict")]')[0].text_content() == "not-conformant"
    assert "NOTE-ALL-FIELDS" in verdict.text_content()
    # The verdict comes before the matrix, which comes before the failures.
    ids = [s.get("id") for s in report.xpath('//section[starts-with(@id, "conformance-")]')]
    assert (
        ids[:3] == ["conformance-verdict", "conformance-matrix", "conformance-areas"]
        and ids[-1] == "conformance-failures"
    )


def test_matrix_has_a_row_per_requirement_with_its_sentence(report: lxml.html.HtmlElement) -> None:
    matrix = section(report, "conformance-matrix")
    rows = {row.get("data-requirement"): row for row in matrix.xpath(".//tr[@data-requirement]")}
    assert set(rows) == set(catalogue())
    row = rows["NOTE-ALL-FIELDS"]
    assert catalogue()["NOTE-ALL-FIELDS"].quote in " ".join(row.text_content().split())
    cell = row.xpath('./td[contains(@class, "cf-fail")]')
    assert cell and "failed" in cell[0].text_content()
    assert rows["EXAMPLE-ERROR"].xpath('./td[contains(@class, "cf-pass")]')
    untestable = rows["NOTE-COALITION-TOTALS"].xpath('./td[contains(@class, "cf-not-exercised")]')
    assert untestable and "untestable" in untestable[0].text_content()


def test_counts_by_area(report: lxml.html.HtmlElement) -> None:
    areas = section(report, "conformance-areas").text_content()
    assert "access" in areas and "formats" in areas and "collected" in areas


def test_each_failure_has_its_sections(report: lxml.html.HtmlElement) -> None:
    failures = section(report, "conformance-failures").xpath('.//article[contains(@class, "cf-failure")]')
    assert failures
    for failure in failures:
        requirements = failure.xpath('.//li[contains(@class, "cf-requirement")]')
        assert any(
            "NOTE-ALL-FIELDS" in li.text_content() and catalogue()["NOTE-ALL-FIELDS"].quote[:40] in li.text_content()
            for li in requirements
        )
        message = failure.xpath('.//pre[contains(@class, "cf-message")]')[0].text_content()
        for part in (
            "[NOTE-ALL-FIELDS]",
            "Document:",
            "Where:",
            "Expected:",
            "Got:",
            "Reproduce with:",
            "curl ",
            "$TARGET_USER_PASSWORD",
        ):
            assert part in message, (part, message)
        headings = [h.text_content() for h in failure.xpath(".//h4")]
        assert any(h.startswith("Request (curl") for h in headings) and "Response" in headings
        response = failure.xpath('.//h4[.="Response"]/following-sibling::pre[1]')[0].text_content()
        assert response.startswith("HTTP 200") and "first_name" in response and "<phone>" not in response


def test_self_contained(report: lxml.html.HtmlElement) -> None:
    assert not report.xpath(
        '//script[@src] | //link[@rel="stylesheet" and starts-with(@href, "http")] | //img[starts-with(@src, "http")]'
    )
