"""--compare-url / --compare-profile: every case goes to both implementations; the
cases whose documents differ are reported side by side in the HTML report. A seeded
difference (a variant that spells a first name differently) is found, and only there."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from conformance.reference import PROFILE_PATH
from tests.targets import run_suite, serve

SELECTION = "kind=answer and account=greatwidgets and customer=89898989898989 and by=code"


def renamed(body: bytes) -> bytes:
    return body.replace(b"John", b"Jon")


def test_a_seeded_difference_is_found_side_by_side(tmp_path: Path) -> None:
    with serve(renamed) as url:
        # The target is the embedded reference; the variant is compared with it.
        run = run_suite(tmp_path, "--cases", SELECTION, "--combinations", "pairwise", "--report-dir", "out",
                        "--compare-url", url, "--compare-profile", str(PROFILE_PATH))  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]  # a difference is not a failure
    assert f"comparison with {url}: " in run.stdout
    line = next(text for text in run.stdout.splitlines() if text.startswith("comparison with"))
    differing, compared = (int(x) for x in line.split(": ")[1].split(" cases")[0].split(" of "))
    assert 0 < differing <= compared
    report = lxml.html.fromstring((tmp_path / "out" / "report.html").read_text())
    section = report.xpath('//section[@id="conformance-comparison"]')[0]
    articles = section.xpath('.//article[contains(@class, "cf-difference")]')
    assert len(articles) == differing
    sides = articles[0].xpath('.//table[contains(@class, "cf-side-by-side")]//td/pre')
    assert "John" in sides[0].text_content() and "Jon" in sides[1].text_content()
    assert "-" in articles[0].xpath(".//h4[.='Diff']/following-sibling::pre[1]")[0].text_content()
    assert "1959caadac9b13dcb3" not in (tmp_path / "out" / "report.html").read_text()


def test_the_same_implementation_shows_no_difference(tmp_path: Path) -> None:
    with serve(None) as url:
        run = run_suite(tmp_path, "--cases", SELECTION, "--combinations", "pairwise", "--report-dir", "out",
                        "--compare-url", url, "--compare-profile", str(PROFILE_PATH))  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:]
    assert f"comparison with {url}: 0 of " in run.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--compare-url", "http://127.0.0.1:9/api.php"], "--compare-url and --compare-profile go together"),
        (["--compare-url", "ftp://x", "--compare-profile", str(PROFILE_PATH)], "--compare-url='ftp://x' is not valid"),
    ],
)
def test_bad_options_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    run = run_suite(tmp_path, *args)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR and message in run.stderr and "Traceback" not in run.stderr, (
        run.stderr
    )
