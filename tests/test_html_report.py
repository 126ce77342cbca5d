"""The HTML report, read as a reviewer reads it, with no script run: the title and the
run's facts, the verdict, the requirement matrix (failing rows first, linked to their
failures), failures grouped by requirement (one example in full: requirement and
sentence, where, expected and got, curl with $TARGET_USER_PASSWORD, the request and
response collapsed; the other scopes' items and the failing cases listed collapsed;
secondary failures marked and sorted after their cause), counts by area, notes each
with its first case and curl; colours of sufficient contrast, long lines wrapped, and a
size that stays small, found by parsing report.html with lxml."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html import escape, unescape
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html
import pytest

from conformance import html_summary
from conformance.reference import PROFILE_PATH
from conformance.requirements import catalogue
from tests import faults
from tests.targets import drop_phone, run_suite, serve

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report directory of a run failing NOTE-ALL-FIELDS in two scopes (customers),
    on several cases each."""
    tmp_path = tmp_path_factory.mktemp("html")
    with serve(drop_phone) as url:
        run = run_suite(
            tmp_path,
            "--combinations",
            "pairwise",
            "--cases",
            "(kind=answer and account=greatwidgets and (customer=89898989898989 or customer=70707070707070) "
            "and by=code and (output=JSON or output=json)) "
            "or id=greatwidgets-89898989898989-by:code or kind=access",
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
    return tmp_path / "out"


@pytest.fixture(scope="module")
def report(out: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring((out / "report.html").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def certificate(out: Path) -> dict[str, object]:
    return json.loads((out / "certificate.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


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
    # The verdict (the first screen), the run's facts, the matrix, then the failures it
    # links to; counts by area and notes after them (they were before the failures: a
    # reader looking for what broke had to scroll past them).
    ids = [s.get("id") for s in report.xpath('//section[starts-with(@id, "conformance-")]')]
    assert ids[:4] == ["conformance-verdict", "conformance-run", "conformance-matrix", "conformance-failures"], ids
    assert set(ids[4:]) == {"conformance-areas", "conformance-notes"}, ids


def test_title_names_the_call_and_the_target(report: lxml.html.HtmlElement, certificate: dict[str, Any]) -> None:
    expected = f"Retrieve Customer Information (type=customer_info) conformance: {certificate['target']['url']}"
    assert certificate["target"]["url"].startswith("http://127.0.0.1:")
    assert report.xpath("//title")[0].text_content() == expected
    assert report.xpath("//h1")[0].text_content() == expected
    # pytest-html's script sets nothing else as the title: its data carries the same.
    assert blob(report)["title"] == expected


def test_run_facts_dataset_and_links(report: lxml.html.HtmlElement, certificate: dict[str, Any]) -> None:
    run = section(report, "conformance-run")
    facts = {dt.text_content(): dt.getnext().text_content() for dt in run.xpath(".//dl/dt")}
    assert facts["target"] == certificate["target"]["url"]
    assert facts["profile"] == str(PROFILE_PATH)
    assert facts["mode"] == "--combinations pairwise"
    assert facts["request encoding"] == "form"
    assert re.fullmatch(r"\d+ \(form, combinations=pairwise\)", facts["requests sent"]), facts
    assert int(facts["requests sent"].split()[0]) > 10
    assert re.match(r"\d+ s \(", facts["duration"]), facts
    assert {a.get("href") for a in run.xpath(".//a")} >= {"certificate.json", "junit.xml"}
    # The profile is the certification profile: the certificate's statement is shown.
    dataset = section(report, "conformance-verdict").xpath('.//p[@id="conformance-dataset"]')
    assert dataset and dataset[0].text_content() == certificate["dataset"]["statement"]


def test_matrix_has_a_row_per_requirement_with_its_sentence(report: lxml.html.HtmlElement) -> None:
    matrix = section(report, "conformance-matrix")
    rows = {row.get("data-requirement"): row for row in matrix.xpath(".//tr[@data-requirement]")}
    assert set(rows) == set(catalogue())
    row = rows["NOTE-ALL-FIELDS"]
    assert catalogue()["NOTE-ALL-FIELDS"].quote in " ".join(row.text_content().split())
    cell = row.xpath('./td[contains(@class, "cf-fail")]')
    assert cell and "fail" in cell[0].text_content() and "cases break it" in cell[0].text_content()
    assert rows["EXAMPLE-ERROR"].xpath('./td[contains(@class, "cf-pass")]')
    untestable = rows["NOTE-COALITION-TOTALS"].xpath('./td[contains(@class, "cf-not-exercised")]')
    assert untestable and "untestable" in untestable[0].text_content()


def test_matrix_names_cases_as_why_a_requirement_did_not_run(
    report: lxml.html.HtmlElement, certificate: dict[str, Any]
) -> None:
    """The run selected cases with --cases: the requirements none of its cases could judge
    have no item, and their row says so (it said "deselected by -k or -m")."""
    rows = section(report, "conformance-matrix").xpath('.//tr[@data-verdict="not-exercised"]')
    cells = [" ".join(row.xpath("./td")[-1].text_content().split()) for row in rows]
    not_run = [c for c in cells if "not run:" in c]
    assert not_run, cells
    (cases,) = certificate["run"]["selection"]
    assert all(f"{cases} selected no case that could judge it" in c and "-k or -m" not in c for c in not_run), not_run


def test_counts_by_area(report: lxml.html.HtmlElement) -> None:
    areas = section(report, "conformance-areas").text_content()
    assert "access" in areas and "formats" in areas and "collected" in areas


def failing_items(out: Path) -> dict[str, str]:
    """junit.xml's failing items: name (``REQ[scope]``) -> the failure's first line."""
    root = lxml.etree.parse(str(out / "junit.xml")).getroot()
    return {
        case.get("name"): (failure.text or "").splitlines()[0]
        for case in root.iter("testcase")
        for failure in case.findall("failure")
    }


def test_failures_grouped_by_requirement(report: lxml.html.HtmlElement, certificate: dict[str, Any], out: Path) -> None:
    """One group per failing requirement over all its scopes: its sentence, the first
    scope's item in full (its first cases with where/expected/got and curl, the request and
    response collapsed), the other scopes' items collapsed, the failing cases named."""
    groups = section(report, "conformance-failures").xpath('.//section[contains(@class, "cf-failure-group")]')
    failing = [r for r, e in certificate["requirements"].items() if e["verdict"] == "fail"]
    assert [g.get("data-requirement") for g in groups] == failing == ["NOTE-ALL-FIELDS"]
    group = groups[0]
    count = certificate["requirements"]["NOTE-ALL-FIELDS"]["failed"]["count"]
    items = failing_items(out)
    scopes = sorted(name[len("NOTE-ALL-FIELDS[") : -1] for name in items)
    assert scopes == ["greatwidgets/70707070707070", "greatwidgets/89898989898989"], items
    assert count > len(scopes), "the run should fail several cases per scope, to show they are not each printed"
    heading = group.xpath("./h3")[0].text_content()
    assert heading == f"NOTE-ALL-FIELDS: {count} failing cases in 2 scopes", heading
    assert catalogue()["NOTE-ALL-FIELDS"].quote in group.xpath('.//p[@class="cf-requirement"]')[0].text_content()
    examples = group.xpath('.//article[contains(@class, "cf-failure")]')
    assert len(examples) == 1, f"{len(examples)} items printed in full for one requirement"
    shown = examples[0].xpath("./h4/code")[0].text_content()
    assert shown.startswith("customer_info/answers::NOTE-ALL-FIELDS["), shown
    message = examples[0].xpath('.//pre[contains(@class, "cf-message")]')[0].text_content()
    assert message.splitlines()[0] == items[shown.split("::")[1]], message.splitlines()[0]
    assert re.match(r"NOTE-ALL-FIELDS: \d+ of \d+ cases in greatwidgets/\d+ break it ", message), message[:300]
    for part in (
        "--- case 1 of ",
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
    exchange = examples[0].xpath('./details[contains(@class, "cf-exchange")]')
    assert exchange and exchange[0].get("open") is None, "the request and response are collapsed"
    headings = [h.text_content() for h in exchange[0].xpath(".//h4")]
    assert any(h.startswith("Request (curl") for h in headings) and "Response" in headings
    response = exchange[0].xpath('.//h4[.="Response"]/following-sibling::pre[1]')[0].text_content()
    assert response.startswith("HTTP 200") and "first_name" in response and "<phone>" not in response
    # The other scope's item, collapsed: its first line as the summary, its message inside.
    others = group.xpath('./details[contains(@class, "cf-other-scope")]')
    assert len(others) == len(scopes) - 1 and all(d.get("open") is None for d in others)
    other = others[0].xpath("./summary")[0].text_content()
    assert other in items.values() and other != message.splitlines()[0], other
    assert "Reproduce with:" in others[0].xpath('./pre[contains(@class, "cf-message")]')[0].text_content()
    # The failing cases, named (the certificate's list), collapsed.
    cases = group.xpath('./details[contains(@class, "cf-other-cases")]')
    assert cases and cases[0].get("open") is None
    assert cases[0].xpath("./summary")[0].text_content() == f"the failing cases ({count})"
    listed = [li.text_content() for li in cases[0].xpath(".//li")]
    assert listed == certificate["requirements"]["NOTE-ALL-FIELDS"]["failed"]["cases"], listed
    assert {c.split("-by:")[0] for c in listed} == {s.replace("/", "-") for s in scopes}, listed


def test_a_requirement_failing_338_cases_prints_one(certificate: dict[str, Any]) -> None:
    """The issue's case: 338 cases failing one requirement (here in 9 scopes) read as one
    item in full, the other scopes' items collapsed, and a collapsed list of cases, not
    338 entries."""
    crafted = json.loads(json.dumps(certificate))
    entry = crafted["requirements"]["NOTE-ALL-FIELDS"]
    cases = [f"case-{n}" for n in range(338)]
    entry["failed"] = {"cases": cases[:20], "count": 338}
    crafted["counts"]["outcomes"]["failed"] = 9
    failures = [
        {
            "nodeid": f"customer_info/answers::NOTE-ALL-FIELDS[account/{scope}]",
            "outcome": "failed",
            "requirements": ["NOTE-ALL-FIELDS"],
            "scope": f"account/{scope}",
            "message": f"NOTE-ALL-FIELDS: 38 of 38 cases in account/{scope} break it\n\n[NOTE-ALL-FIELDS] case",
            "exchange": None,
        }
        for scope in range(9)
    ]
    page = lxml.html.fromstring(html_summary.summary_html(crafted, failures))
    failures_section = section(page, "conformance-failures")
    assert len(failures_section.xpath('.//article[contains(@class, "cf-failure")]')) == 1
    assert len(failures_section.xpath('.//details[contains(@class, "cf-other-scope")]')) == 8
    others = failures_section.xpath('.//details[contains(@class, "cf-other-cases")]')[0]
    assert others.xpath("./summary")[0].text_content() == "the failing cases (338)"
    assert len(others.xpath(".//li")) == 20 and "and 318 more" in others.text_content()
    assert "junit.xml" in others.text_content(), "the reader is told where the rest are"
    assert "338 failing cases in 9 scopes" in failures_section.text_content()
    assert "9 failing items" in failures_section.text_content()


def test_matrix_lists_failing_rows_first_linked_to_their_failures(report: lxml.html.HtmlElement) -> None:
    rows = section(report, "conformance-matrix").xpath(".//tr[@data-requirement]")
    verdicts = [row.get("data-verdict") for row in rows]
    assert verdicts[0] == "fail" and verdicts.index("pass") > verdicts.index("fail")
    assert verdicts == sorted(verdicts, key={"fail": 0, "not-exercised": 1, "pass": 2}.__getitem__), verdicts
    for row in rows:
        links = row.xpath('.//a[contains(@class, "cf-to-failures")]')
        if row.get("data-verdict") != "fail":
            assert not links
            continue
        assert links, f"no link from {row.get('data-requirement')} to its failures"
        target = links[0].get("href")
        assert target.startswith("#")
        found = report.xpath(f'//*[@id="{target[1:]}"]')
        assert len(found) == 1 and found[0].get("data-requirement") == row.get("data-requirement")
        assert found[0].xpath('ancestor::section[@id="conformance-failures"]')


def test_self_contained(report: lxml.html.HtmlElement) -> None:
    assert not report.xpath(
        '//script[@src] | //link[@rel="stylesheet" and starts-with(@href, "http")] | //img[starts-with(@src, "http")]'
    )


def blob(report: lxml.html.HtmlElement) -> dict[str, Any]:
    """pytest-html's data: what its script turns into the results table."""
    data: dict[str, Any] = json.loads(report.xpath('//*[@id="data-container"]')[0].get("data-jsonblob"))
    return data


NAMED = {"black": "#000000", "white": "#ffffff", "red": "#ff0000", "green": "#008000", "orange": "#ffa500"}


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two colours (#rgb, #rrggbb or a name in NAMED)."""

    def luminance(colour: str) -> float:
        colour = NAMED.get(colour, colour)
        if len(colour) == 4:
            colour = "#" + "".join(c * 2 for c in colour[1:])
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_helper_matches_known_ratios() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#999", "#ffffff"), 2) == 2.85  # pytest-html's gray: fails AA
    assert round(contrast("red", "white"), 2) == 4.0  # pytest-html's colour of a failure: fails AA


def test_every_colour_pair_meets_wcag_aa() -> None:
    for foreground in html_summary.FOREGROUNDS:
        for background in html_summary.BACKGROUNDS:
            ratio = contrast(foreground, background)
            assert ratio >= 4.5, f"{foreground} on {background}: {ratio:.2f}:1, WCAG AA needs 4.5:1"


def last_declaration(report: lxml.html.HtmlElement, selector: str, prop: str) -> str | None:
    """The value the page's stylesheets (in document order, the last one winning, as for
    rules of equal specificity) give ``prop`` in a rule whose selector list has ``selector``."""
    value = None
    for style in report.xpath("//style"):
        css = re.sub(r"/\*.*?\*/", "", style.text_content(), flags=re.S)
        for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
            if selector in [s.strip() for s in selectors.split(",")]:
                for declaration in body.split(";"):
                    name, _, given = declaration.partition(":")
                    if name.strip() == prop:
                        value = given.strip()
    return value


def test_page_text_is_dark_and_large_enough(report: lxml.html.HtmlElement) -> None:
    """pytest-html's own stylesheet sets gray 12 px text (#999 on white, 2.85:1); the
    summary's stylesheet, later in the page, overrides it for all the page's text."""
    for selector in ("body", "#results-table", "a", ".failed .col-result", ".passed .col-result"):
        colour = last_declaration(report, selector, "color")
        assert colour and contrast(colour, "#ffffff") >= 4.5, f"{selector}: color {colour} on white"
    for selector in ("body", "#results-table"):
        size = last_declaration(report, selector, "font-size")
        assert size and size.endswith("px") and int(size[:-2]) >= 14, f"{selector}: font-size {size}"


def test_long_lines_wrap(report: lxml.html.HtmlElement) -> None:
    assert last_declaration(report, "pre", "white-space") == "pre-wrap"
    assert last_declaration(report, "pre", "overflow-wrap") == "anywhere"
    assert last_declaration(report, "code", "overflow-wrap") == "anywhere"


def measured(page: Path, width: int, height: int, measures: dict[str, str]) -> dict[str, float]:
    """Each JavaScript expression of ``measures``, evaluated by Chromium once ``page`` is
    laid out in a ``width`` x ``height`` window (written into the page, read from its DOM)."""
    text = page.read_text(encoding="utf-8")
    sets = "".join(f"b.setAttribute('data-m-{name}',String({js}));" for name, js in measures.items())
    probe = f"<script>addEventListener('load',()=>{{const b=document.body;{sets}}})</script>"
    page.write_text(text.replace("</body>", probe + "</body>"), encoding="utf-8")
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--window-size={width},{height}",
         "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    found = {name: re.search(rf'data-m-{name}="([^"]*)"', done.stdout) for name in measures}
    assert all(found.values()), done.stderr[-2000:]
    return {name: float(m.group(1)) for name, m in found.items() if m}


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed")
def test_the_first_screen_shows_the_verdict_and_the_failing_requirements(out: Path, tmp_path: Path) -> None:
    """In a 1280x800 window, the verdict, the certified line and the list of failing
    requirements end above 800 px; pytest-html's environment table (Python, Platform,
    Packages, Plugins), which came first and pushed the verdict to about 700 px, is
    below the results table."""
    page = tmp_path / "report.html"
    page.write_text((out / "report.html").read_text(encoding="utf-8"), encoding="utf-8")
    bottom = "document.querySelector('{}').getBoundingClientRect().bottom"
    found = measured(
        page, 1280, 800,
        {
            "verdict": bottom.format("#conformance-verdict h2"),
            "dataset": bottom.format("#conformance-dataset"),
            "failing": bottom.format("#conformance-failing"),
            "environment": "document.getElementById('environment').getBoundingClientRect().top",
            "results": bottom.format("#results-table"),
        },
    )  # fmt: skip
    assert max(found["verdict"], found["dataset"], found["failing"]) <= 800, found
    assert found["environment"] >= found["results"] > 800, found


def test_the_verdict_names_each_failing_requirement(report: lxml.html.HtmlElement, certificate: dict[str, Any]) -> None:
    verdict = section(report, "conformance-verdict")
    items = verdict.xpath('.//div[@id="conformance-failing"]//li')
    failing = [r for r, e in certificate["requirements"].items() if e["verdict"] == "fail"]
    assert [li.xpath(".//code")[0].text_content() for li in items] == failing
    entry = certificate["requirements"]["NOTE-ALL-FIELDS"]
    expected = (
        f"NOTE-ALL-FIELDS: {entry['failed']['count']} of {entry['exercised']['count']} cases break it, in 2 scopes"
    )
    assert items[0].text_content().startswith(expected), items[0].text_content()
    assert items[0].xpath(".//a")[0].get("href") == "#" + html_summary.anchor("NOTE-ALL-FIELDS")
    assert verdict.xpath(".//h3")[0].text_content() == "1 requirement failed"


def test_a_profile_naming_no_data_set_says_why_not_certified(certificate: dict[str, Any]) -> None:
    crafted = json.loads(json.dumps(certificate))
    crafted["dataset"] = None
    verdict = section(lxml.html.fromstring(html_summary.summary_html(crafted, [])), "conformance-verdict")
    assert not verdict.xpath('.//*[@id="conformance-dataset"]')
    (why,) = verdict.xpath('.//p[@id="conformance-not-certified"]')
    assert why.text_content().startswith("Not certified: the profile names no certification data set")


def test_counts_agree_with_their_nouns(certificate: dict[str, Any]) -> None:
    """ "judged on 1 cases" was printed: each count takes the noun's singular or plural."""
    crafted = json.loads(json.dumps(certificate))
    one, two = [e for e in crafted["requirements"].values() if e["verdict"] == "pass"][:2]
    one["exercised"]["count"], two["exercised"]["count"] = 1, 2
    failing = crafted["requirements"]["NOTE-ALL-FIELDS"]
    failing["exercised"]["count"], failing["failed"]["count"] = 1, 1
    crafted["counts"]["outcomes"]["failed"] = 1
    page = lxml.html.fromstring(html_summary.summary_html(crafted, []))
    matrix = " ".join(section(page, "conformance-matrix").text_content().split())
    assert re.search(r"judged on 1 case(?!s)", matrix) and "judged on 2 cases" in matrix, matrix
    assert "1 of 1 case breaks it" in matrix and not re.search(r"\b1 cases", matrix), matrix
    failures = section(page, "conformance-failures")
    assert failures.xpath("./h2")[0].text_content().startswith("Failures by requirement (1 failing item:")
    assert failures.xpath(".//h3")[0].text_content() == "NOTE-ALL-FIELDS: 1 failing case"


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed")
@pytest.mark.parametrize("width", [1000, 600])
def test_page_is_no_wider_than_the_window(out: Path, tmp_path: Path, width: int) -> None:
    """Rendered in a 1000 px or a 600 px window, the page's width is the window's: the curl
    commands and case ids wrap (before, one curl line widened the page to 3,437 px), and
    pytest-html's 800 px minimum width is lifted."""
    page = tmp_path / "report.html"
    text = (out / "report.html").read_text(encoding="utf-8")
    # The measure, written into the page by a script run once everything is laid out.
    probe = (
        "<script>addEventListener('load',()=>{document.body.setAttribute('data-scroll-width',"
        "document.documentElement.scrollWidth)})</script>"
    )
    page.write_text(text.replace("</body>", probe + "</body>"), encoding="utf-8")
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--window-size={width},800",
         "--virtual-time-budget=5000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    found = re.search(r'data-scroll-width="(\d+)"', done.stdout)
    assert found, done.stderr[-2000:]
    assert int(found.group(1)) <= width, f"the page is {found.group(1)} px wide in a {width} px window"


def test_results_table_keeps_only_items_that_did_not_pass(
    report: lxml.html.HtmlElement, certificate: dict[str, Any]
) -> None:
    """A row per passing item helps no reader (the matrix counts them) and made the full
    run's report 7.5 MB; pytest-html's table keeps the items that did not pass (failed,
    and skipped: not exercised in their scope, with the reason), with their logs."""
    tests = blob(report)["tests"]
    outcomes = certificate["counts"]["outcomes"]
    assert outcomes["passed"] > 0 and outcomes["failed"] > 0 and outcomes["skipped"] > 0 and tests, outcomes
    assert sum(outcomes.values()) == certificate["counts"]["collected"], "outcomes count items"
    results = [e["result"].lower() for entries in tests.values() for e in entries]
    assert all(tests.values()) and "passed" not in results, sorted(set(results))
    assert len(tests) == outcomes["failed"] + outcomes["skipped"], (len(tests), outcomes)
    assert results.count("failed") == outcomes["failed"] and results.count("skipped") == outcomes["skipped"]
    # pytest-html's totals still count every item.
    assert f"{outcomes['passed']} Passed" in " ".join(report.xpath('//span[@class="passed"]')[0].text_content().split())


def test_empty_entries_of_a_large_run_are_dropped() -> None:
    """pytest-html keeps an empty list per passing item in its data blob; html_finish
    drops them, and the failing items beyond the first TABLE_ROWS_KEPT."""
    from conformance.html_finish import finish_text

    data = {
        "title": "report.html",
        "tests": {f"suite.py::test_answer[case-{n}]": [] for n in range(5000)}
        | {"suite.py::test_answer[bad]": [{"result": "Failed", "log": "x"}]},
    }
    text = (
        '<title id="head-title">report.html</title><h1 id="title">report.html</h1>'
        f'<div id="data-container" data-jsonblob="{json.dumps(data).replace(chr(34), "&#34;")}"></div>'
    )
    finished = finish_text(text, "Retrieve Customer Information (type=customer_info) conformance: <x>")
    assert len(finished) < 600, len(finished)
    page = lxml.html.fromstring(finished)
    assert list(blob(page)["tests"]) == ["suite.py::test_answer[bad]"]
    # A run failing many items keeps the first TABLE_ROWS_KEPT (in the order they ran).
    many = {"tests": {f"t[{n}]": [{"result": "Failed", "log": "x" * 100}] for n in range(1000)}}
    text = f'<div id="data-container" data-jsonblob="{escape(json.dumps(many))}"></div>'
    kept = list(blob(lxml.html.fromstring(finish_text(text, "t")))["tests"])
    assert kept == [f"t[{n}]" for n in range(html_summary.TABLE_ROWS_KEPT)]
    assert page.xpath("//title")[0].text_content().endswith("conformance: <x>")
    assert unescape(finished).count("<x>") == 3


def test_environment_table_moves_after_the_results_or_stays_put() -> None:
    """pytest-html's environment heading and table go just before its footer; a page of
    another layout (no footer, or two) is left as it was."""
    from conformance.html_finish import environment_last

    env = '  <div id="environment-header">\n  <h2>Environment</h2>\n</div>\n<table id="environment"></table>\n'
    page = f"<h1>t</h1>\n{env}<div class='summary'></div><table id='results-table'></table>\n<footer>f</footer>"
    moved = environment_last(page)
    assert moved.index("results-table") < moved.index('id="environment"') < moved.index("<footer>"), moved
    assert sorted(moved) == sorted(page) and moved.count(env) == 1
    for other in (page.replace("<footer>f</footer>", ""), page + "<footer>g</footer>", page.replace("<h2>", "<h3>")):
        assert environment_last(other) == other


def test_screenshot_tool_renders_a_png(out: Path, tmp_path: Path) -> None:
    tool = [sys.executable, str(ROOT / "tools" / "screenshot_report.py")]
    missing = subprocess.run(
        [*tool, str(out / "report.html"), str(tmp_path / "x.png"), "--chromium", str(tmp_path / "no-chromium")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert missing.returncode == 2 and "Chromium not found" in missing.stderr and "apt-get install" in missing.stderr
    if CHROMIUM is None:
        pytest.skip("Debian's chromium package is not installed")
    png = tmp_path / "report.png"
    done = subprocess.run(
        [*tool, str(out / "report.html"), str(png), "--height", "600"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_each_failing_requirement_keeps_an_example_beyond_the_first_five_hundred() -> None:
    """The summary shows one example per failing requirement from the failing items the
    plugin keeps (FAILURES_SHOWN); a requirement whose first failing item comes after more
    than that of another's (a profile with many customers, a broken envelope failing every
    requirement in every scope) still has one."""
    from conformance.plugin import observer as plugin_observer
    from conformance.plugin import state as plugin_state
    from conformance.plugin.runner import ITEM_PROPERTY

    state = plugin_state.State(settings=None)  # type: ignore[arg-type]  # the observer reads no setting here
    observer = plugin_observer.RunObserver(state)
    beyond = plugin_observer.FAILURES_SHOWN + 100

    def failed(n: int, requirement: str) -> pytest.TestReport:
        scope = f"account/{n}"
        record = {"requirement": requirement, "scope": scope, "exercised": 1, "failed": 1, "errors": 0,
                  "secondary_to": None}  # fmt: skip
        return pytest.TestReport(
            f"customer_info/answers::{requirement}[{scope}]", ("suite.py", 0, "x"), {}, "failed",
            f"{requirement}: 1 of 1 case in {scope} breaks it", "call",
            user_properties=[(ITEM_PROPERTY, json.dumps(record))],
        )  # fmt: skip

    for n in range(beyond):
        observer.pytest_runtest_logreport(failed(n, "NOTE-ALL-FIELDS"))
    observer.pytest_runtest_logreport(failed(beyond, "NOTE-CAMPAIGN-ID"))
    observer.pytest_runtest_logreport(failed(beyond + 1, "NOTE-CAMPAIGN-ID"))
    kept = [f["nodeid"] for f in state.failures]
    assert f"customer_info/answers::NOTE-CAMPAIGN-ID[account/{beyond}]" in kept, "NOTE-CAMPAIGN-ID has no example"
    assert f"customer_info/answers::NOTE-CAMPAIGN-ID[account/{beyond + 1}]" not in kept
    assert len(kept) == plugin_observer.FAILURES_SHOWN + 1
    assert [f["requirements"] for f in state.failures[-1:]] == [["NOTE-CAMPAIGN-ID"]]


# -- secondary failures ------------------------------------------------------------------------
SECONDARY_FAULT = "json_campaigns_object"  # JSON campaigns an object: the envelope's shape, then the filter, fail


@pytest.fixture(scope="module")
def secondary(tmp_path_factory: pytest.TempPathFactory) -> lxml.html.HtmlElement:
    """The report of a run against a server whose JSON campaigns are an object, not an
    array: EXAMPLE-SUCCESS fails (the schema), and NOTE-CAMPAIGN-ID fails on the same
    cases only (the campaigns cannot be read), so it is secondary to EXAMPLE-SUCCESS."""
    tmp_path = tmp_path_factory.mktemp("secondary")
    fault = faults.FAULTS[SECONDARY_FAULT]
    with faults.serve(SECONDARY_FAULT) as url:
        run = run_suite(
            tmp_path, "--combinations", fault.combinations, "--cases", fault.selection, "--report-dir", "out",
            "--target-url", url, "--target-profile", str(PROFILE_PATH),
        )  # fmt: skip
    assert run.returncode == 1, run.stdout[-3000:]
    return lxml.html.fromstring((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))


def test_secondary_failure_is_marked_and_sorted_after_its_cause(secondary: lxml.html.HtmlElement) -> None:
    order = list(catalogue())
    # In the matrix's (the catalogue's) order the secondary failure would come first.
    assert order.index("NOTE-CAMPAIGN-ID") < order.index("EXAMPLE-SUCCESS")
    groups = section(secondary, "conformance-failures").xpath('.//section[contains(@class, "cf-failure-group")]')
    by_id = {g.get("data-requirement"): g for g in groups}
    # (CALL-RETRIEVES too: the expected data's campaigns cannot be read from an object,
    # on the cases that send an option alone in JSON; secondary to the same cause.)
    assert set(by_id) == {"EXAMPLE-SUCCESS", "NOTE-CAMPAIGN-ID", "CALL-RETRIEVES"}, list(by_id)
    assert groups[0].get("data-requirement") == "EXAMPLE-SUCCESS", "cause first"
    assert "cf-secondary-group" in by_id["CALL-RETRIEVES"].get("class").split()
    cause, effect = by_id["EXAMPLE-SUCCESS"], by_id["NOTE-CAMPAIGN-ID"]
    assert "cf-secondary-group" not in cause.get("class") and not cause.xpath('.//*[@class="cf-secondary"]')
    assert "cf-secondary-group" in effect.get("class").split()
    assert effect.xpath("./h3")[0].text_content().endswith("(secondary)")
    (mark,) = effect.xpath('./p[@class="cf-secondary"]')
    assert "every case that breaks it also breaks EXAMPLE-SUCCESS" in mark.text_content(), mark.text_content()
    links = [a.get("href") for a in mark.xpath(".//a")]
    assert links == ["#" + cause.get("id")], links
    # The item's own message says so too (the terminal and junit.xml readers see it).
    message = effect.xpath('.//pre[contains(@class, "cf-message")]')[0].text_content()
    assert "Secondary: every case that breaks NOTE-CAMPAIGN-ID here also breaks EXAMPLE-SUCCESS" in message


# -- notes ---------------------------------------------------------------------------------------
def test_each_note_carries_its_first_case_and_curl(report: lxml.html.HtmlElement, certificate: dict[str, Any]) -> None:
    """Warnings, advisories and unspecified behaviours: each with how many cases showed it,
    the first of them by id, and the curl command that shows it again."""
    notes = section(report, "conformance-notes")
    listed = notes.xpath(".//ul/li[code]")
    expected = [n for n in certificate["notes"] if n["severity"] in ("warning", "advisory", "unspecified")]
    assert expected and len(listed) == min(len(expected), html_summary.NOTES_LISTED), (len(listed), len(expected))
    for item, note in zip(listed, expected, strict=False):
        assert f"{note['items']} \u00d7 {note['check']}: {note['title']}" in item.text_content(), item.text_content()
        (details,) = item.xpath("./details")
        assert details.get("open") is None
        summary = details.xpath("./summary")[0]
        assert summary.text_content().startswith("first seen in "), summary.text_content()
        case = summary.xpath("./code")[0].text_content()
        account, customer = case.split("-")[:2]
        curl = details.xpath("./pre")[0].text_content()
        assert curl.startswith("curl ") and '"user_password=$TARGET_USER_PASSWORD"' in curl, curl
        # The curl command is the case's own request.
        assert f"account_id={account} " in curl and f"code={customer}" in curl, (case, curl)
        assert "1959caadac9b13dcb3" not in curl


def test_links_to_the_certificate_and_junit_follow_where_they_were_written(tmp_path: Path) -> None:
    # --html and --junitxml may put the report and the JUnit file elsewhere than
    # --report-dir (where certificate.json goes): the report's links still reach both.
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q",
         "--combinations", "pairwise", "--cases", "kind=access", "--report-dir", "out",
         "--html", "html/deep/r.html", "--junitxml", "xml/j.xml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    report = tmp_path / "html" / "deep" / "r.html"
    hrefs = re.findall(r'<p class="cf-files">.*?</p>', report.read_text(encoding="utf-8"), re.S)
    assert hrefs, "no links to the run's files"
    targets = re.findall(r'href="([^"]+)"', hrefs[0])
    assert {(report.parent / t).resolve() for t in targets} == {
        (tmp_path / "out" / "certificate.json").resolve(),
        (tmp_path / "xml" / "j.xml").resolve(),
    }
