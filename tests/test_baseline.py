"""--baseline FILE: listed failures do not fail the run but stay in the report (xfail,
with their message, and in the certificate); a listed failure that now passes is
reported so the baseline shrinks; a bad file is a usage error naming it and the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from conformance.reference import PROFILE_PATH
from tests.targets import drop_phone, run_suite, serve

SELECTION = (
    "(kind=answer and account=greatwidgets and customer=89898989898989 and by=code and (output=JSON or output=json)) "
    "or id=greatwidgets-89898989898989-by:code or access=wrong-password"
)


def test_baseline_hides_listed_failures_and_reports_fixed_ones(tmp_path: Path) -> None:
    with serve(drop_phone) as url:
        target = ["--target-url", url, "--target-profile", str(PROFILE_PATH)]
        first = run_suite(
            tmp_path, "--combinations", "pairwise", "--cases", SELECTION, "--report-dir", "first", *target
        )
        assert first.returncode == 1, first.stdout[-3000:]
        certificate = json.loads((tmp_path / "first" / "certificate.json").read_text())
        known = [
            {"requirement": r, "case": c}
            for r, e in certificate["requirements"].items()
            if e["verdict"] == "fail"
            for c in e["failed"]["cases"]
        ]
        assert known
        fixed = {"requirement": "FIELD-USER-PASSWORD-REQUIRED", "case": "wrong-password", "reason": "was broken once"}
        (tmp_path / "baseline.yaml").write_text(yaml.safe_dump({"known_failures": known + [fixed]}))
        second = run_suite(
            tmp_path,
            "--combinations",
            "pairwise",
            "--cases",
            SELECTION,
            "--report-dir",
            "second",
            "--baseline",
            "baseline.yaml",
            "-rx",
            *target,
        )
    assert second.returncode == 0, second.stdout[-3000:]
    failing_items = certificate["counts"]["outcomes"]["failed"]
    assert f"{failing_items} xfailed" in second.stdout and " failed" not in second.stdout.splitlines()[-1]
    assert (
        "known failure listed in baseline.yaml" in second.stdout and "[NOTE-ALL-FIELDS]" in second.stdout
    )  # still visible
    assert "1 listed failure now passes; remove them from the file" in second.stdout
    assert "requirement: FIELD-USER-PASSWORD-REQUIRED, case: wrong-password" in second.stdout
    after = json.loads((tmp_path / "second" / "certificate.json").read_text())
    assert after["verdict"] == "not-conformant"  # a baseline hides failures from the exit status, not from the verdict
    assert after["baseline"]["fixed"] == [{"requirement": "FIELD-USER-PASSWORD-REQUIRED", "case": "wrong-password"}]
    assert sorted(map(str, after["baseline"]["hidden"])) == sorted(map(str, known))
    assert after["counts"]["outcomes"]["baselined"] == failing_items
    assert after["requirements"]["NOTE-ALL-FIELDS"]["baselined"]["count"] >= 1
    html = (tmp_path / "second" / "report.html").read_text()
    assert "known failure, listed in the baseline" in html and "Baselined failures that now pass" in html


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such file"),
        ("known_failures: [", "is not valid YAML"),
        ("- a\n- b\n", "needs a top-level 'known_failures' list"),
        ("known_failures: [{requirement: NOTE-ALL-FIELDS}]", "entry 1 needs 'requirement' and 'case'"),
        ("known_failures: [{requirement: NO-SUCH-ID, case: x}]", "which is no requirement id"),
    ],
)
def test_bad_baseline_is_a_usage_error(tmp_path: Path, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / "b.yaml").write_text(content)
    run = run_suite(tmp_path, "--baseline", "b.yaml", "--combinations", "pairwise", "--cases", "access=wrong-password")
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout[-2000:]
    assert (
        f"--baseline {tmp_path / 'b.yaml'}" in run.stderr and message in run.stderr and "Traceback" not in run.stderr
    ), run.stderr
