"""certificate.json: it validates against schemas/certificate.schema.json, and its
verdicts follow the rules (per requirement, and overall), on synthetic records and on
real runs against the reference and against a server that leaves out the phone."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from conformance import __version__
from conformance.certificate import CertificateInvalid, RunFacts, build_certificate, public_url, validate
from conformance.reference import PROFILE_PATH
from conformance.requirements import catalogue
from tests.targets import drop_phone, reference_pairwise_run, run_suite, serve

TESTABLE = [r for r, entry in catalogue().items() if not entry.untestable]
CASES_SELECTED = re.compile(r"(?P<chosen>[\d,]+) of (?P<generated>[\d,]+) cases selected \(--cases 'kind=access'\)")
UNTESTABLE = [r for r, entry in catalogue().items() if entry.untestable]


def facts(**kw) -> RunFacts:
    base: dict[str, Any] = dict(
        target_url="https://api.example.com:8443/api.php?token=abc#frag", embedded=False, profile_path="profile.yaml",
        profile_sha256="0" * 64, encoding="form", combinations="all",
        started=datetime(2026, 1, 1, tzinfo=timezone.utc), finished=datetime(2026, 1, 1, 0, 5, tzinfo=timezone.utc),
        collected=2, generated=2, outcomes={"a": "passed", "b": "passed"},
    )  # fmt: skip
    base.update(kw)
    return RunFacts(**base)


def record(
    item_id: str,
    exercised: list[str],
    failed: Sequence[str] = (),
    notes: Sequence[Any] = (),
    not_applicable: Sequence[Any] = (),
) -> dict:
    return {
        "id": item_id,
        "kind": "case",
        "areas": ["formats"],
        "exercised": sorted(set(exercised) | set(failed)),
        "failed": list(failed),
        "not_applicable": [list(pair) for pair in not_applicable],
        "errors": [],
        "notes": list(notes),
    }


ALL_PASS = [
    record("a", TESTABLE[: len(TESTABLE) // 2]),
    record(
        "b", TESTABLE[len(TESTABLE) // 2 :], notes=[["unspecified", "probe_recorded", "a probe: the target answered X"]]
    ),
]


def test_conformant_only_when_every_testable_requirement_passed_in_full_mode() -> None:
    certificate = build_certificate(ALL_PASS, facts())
    validate(certificate)
    assert certificate["verdict"] == "conformant" and certificate["reasons"] == []
    assert {certificate["requirements"][r]["verdict"] for r in TESTABLE} == {"pass"}
    for requirement_id in UNTESTABLE:  # listed, with the catalogue's reason, and no obstacle
        entry = certificate["requirements"][requirement_id]
        assert entry["verdict"] == "not-exercised" and entry["reason"].startswith("untestable: ")
    assert certificate["harness"]["version"] == __version__
    assert certificate["target"]["url"] == "https://api.example.com:8443/api.php"  # no query, no fragment
    assert any(k.startswith("schemas/") for k in certificate["inputs"]) and any(
        k.startswith("cases/") for k in certificate["inputs"]
    )
    assert certificate["notes"] == [
        {"severity": "unspecified", "check": "probe_recorded", "title": "a probe: the target answered X", "items": 1}
    ]


def test_a_failure_makes_it_not_conformant_with_the_cases_behind_it() -> None:
    records = copy.deepcopy(ALL_PASS) + [record(f"c{i}", [], failed=["NOTE-ALL-FIELDS"]) for i in range(25)]
    certificate = build_certificate(
        records, facts(collected=27, outcomes={"a": "passed", "b": "passed", **{f"c{i}": "failed" for i in range(25)}})
    )
    validate(certificate)
    assert certificate["verdict"] == "not-conformant"
    entry = certificate["requirements"]["NOTE-ALL-FIELDS"]
    assert entry["verdict"] == "fail" and entry["failed"]["count"] == 25 and len(entry["failed"]["cases"]) == 20
    assert any("NOTE-ALL-FIELDS" in reason for reason in certificate["reasons"])


@pytest.mark.parametrize(
    "change, reason",
    [
        (dict(combinations="pairwise"), "--combinations pairwise"),
        (
            dict(generated=10, deselected=8, selection=["-k 'BUYX'"]),
            "8 of 10 items deselected (a selection of the suite: -k 'BUYX')",
        ),
        (
            dict(cases_generated=756, cases_selected=4, selection=["--cases 'kind=access'"]),
            "4 of 756 cases selected (--cases 'kind=access')",
        ),
        (dict(collected=5), "3 of 5 collected items did not run"),
        (dict(outcomes={"a": "passed", "b": "error"}), "error of the harness"),
    ],
)
def test_incomplete_runs_say_why(change: dict, reason: str) -> None:
    certificate = build_certificate(ALL_PASS, facts(**change))
    validate(certificate)
    assert certificate["verdict"] == "incomplete"
    assert any(reason in r for r in certificate["reasons"]), certificate["reasons"]


@pytest.mark.parametrize(
    "change, cause",
    [
        (
            dict(cases_generated=756, cases_selected=4, selection=["--cases 'kind=access'"]),
            "--cases 'kind=access' selected no case that could judge it",
        ),
        (dict(generated=10, deselected=8, selection=["-k 'BUYX'"]), "its items were deselected (-k 'BUYX')"),
        (dict(generated=10, deselected=8), "its items were deselected (by a plugin)"),
        (dict(stopped="the smoke request got no envelope."), "the run stopped early: only the smoke lookup ran"),
        (dict(collected=5), "its items did not run (stopped early: -x, Ctrl-C or SIGTERM)"),
    ],
    ids=["cases", "k", "plugin", "stopped", "interrupted"],
)
def test_a_requirement_no_item_of_which_ran_names_the_runs_cause(change: dict, cause: str) -> None:
    # A requirement with no item that ran (here every one but those ALL_PASS judged is
    # left out of ``selected``): the matrix shows the reason, which names what the run
    # did, not a guess ("deselected by -k or -m" for a --cases run, as it said before).
    certificate = build_certificate(ALL_PASS, facts(**change), selected={"EXAMPLE-SUCCESS"})
    validate(certificate)
    reasons = {e["reason"] for r, e in certificate["requirements"].items() if r != "EXAMPLE-SUCCESS" and "reason" in e}
    not_run = {r for r in reasons if r.startswith("not run: ")}
    assert not_run == {f"not run: no item of this requirement ran; {cause}"}, not_run


def test_a_skipped_item_leaves_the_verdict_to_the_requirements() -> None:
    # An item is skipped when no case of its scope could judge its requirement (BuyX
    # rules for a customer with no BuyX campaign); whether the requirement was exercised
    # at all is its verdict over every scope, not the skip.
    certificate = build_certificate(ALL_PASS, facts(outcomes={"a": "passed", "b": "skipped"}))
    validate(certificate)
    assert certificate["verdict"] == "conformant" and certificate["reasons"] == [], certificate["reasons"]
    assert certificate["counts"]["outcomes"] == {"passed": 1, "skipped": 1}


def test_a_requirement_no_answer_applied_to_is_not_exercised_and_the_run_incomplete() -> None:
    why = "no BuyX campaign with items in the answer (give the profile a customer with a BuyX campaign)"
    buyx = [r for r in TESTABLE if r.startswith("BUYX-")]
    records = [record("a", [r for r in TESTABLE if r not in buyx], not_applicable=[(r, why) for r in buyx])]
    records.append(record("b", [], not_applicable=[("BUYX-EARNED", why)]))
    certificate = build_certificate(records, facts(collected=2, outcomes={"a": "passed", "b": "passed"}))
    validate(certificate)
    assert certificate["verdict"] == "incomplete"
    entry = certificate["requirements"]["BUYX-EARNED"]
    # The checks' own reason, with how many cases gave it.
    assert entry["verdict"] == "not-exercised" and entry["reason"] == f"{why} (2 cases)", entry
    assert f"{len(buyx)} testable requirements not exercised: {', '.join(buyx)}" in " ".join(certificate["reasons"])


def test_a_certificate_breaking_its_schema_is_a_harness_bug() -> None:
    certificate = build_certificate(ALL_PASS, facts())
    certificate["verdict"] = "fine"
    with pytest.raises(CertificateInvalid, match=r"harness bug.*verdict"):
        validate(certificate)


def test_public_url_drops_credentials() -> None:
    assert public_url("https://u:p@host.example/api.php?x=1") == "https://host.example/api.php"


# -- real runs -----------------------------------------------------------------------
def test_reference_pairwise_run_writes_a_valid_certificate(tmp_path_factory: pytest.TempPathFactory) -> None:
    run = reference_pairwise_run(tmp_path_factory.getbasetemp())  # shared with test_passing_rows, test_end_to_end
    assert run.returncode == 0, run.stdout[-3000:]
    certificate = json.loads((run.directory / "reports" / "certificate.json").read_text())
    validate(certificate)
    assert certificate["verdict"] == "incomplete"
    assert certificate["reasons"] == ["--combinations pairwise: not the full matrix (use --combinations all)"]
    assert {certificate["requirements"][r]["verdict"] for r in TESTABLE} == {"pass"}, {
        r: e.get("reason") for r, e in certificate["requirements"].items() if e["verdict"] != "pass"
    }
    assert certificate["target"]["embedded_reference"] is True
    assert "verdict: incomplete" in run.stdout


def test_require_conformant_fails_an_incomplete_run_that_passed(tmp_path: Path) -> None:
    run = run_suite(
        tmp_path, "--combinations", "pairwise", "--cases", "kind=access", "--report-dir", "out", "--require-conformant"
    )
    assert run.returncode == 1, run.stdout[-3000:]
    assert "passed" in run.stdout and "failed" not in run.stdout.splitlines()[-1]
    assert "--require-conformant: the run fails because the verdict is not conformant" in run.stdout
    certificate = json.loads((tmp_path / "out" / "certificate.json").read_text())
    # The selection is of cases (the evidence), counted: all the access cases, and no other.
    access = certificate["counts"]["items_by_kind"]
    assert set(access) == {"access"}, access
    selected = [m for r in certificate["reasons"] if (m := CASES_SELECTED.fullmatch(r))]
    assert certificate["verdict"] == "incomplete" and selected, certificate["reasons"]
    chosen, generated = (int(selected[0].group(g).replace(",", "")) for g in ("chosen", "generated"))
    assert chosen == access["access"] < generated, (access, selected[0].group(0))


def test_a_server_without_phone_is_not_conformant(tmp_path: Path) -> None:
    with serve(drop_phone) as url:
        run = run_suite(
            tmp_path,
            "--combinations",
            "pairwise",
            "--cases",
            "(kind=answer and account=greatwidgets and customer=89898989898989 "
            "and by=code and (output=JSON or output=json)) or kind=access",
            "--report-dir",
            "out",
            "--target-url",
            url,
            "--target-profile",
            str(PROFILE_PATH),
        )
    assert run.returncode == 1, run.stdout[-3000:]
    certificate = json.loads((tmp_path / "out" / "certificate.json").read_text())
    validate(certificate)
    assert certificate["verdict"] == "not-conformant"
    entry = certificate["requirements"]["NOTE-ALL-FIELDS"]
    assert entry["verdict"] == "fail" and entry["failed"]["count"] >= 1
    assert all("89898989898989" in case for case in entry["failed"]["cases"])
    assert certificate["target"]["url"] == url and certificate["target"]["embedded_reference"] is False
    assert "1959caadac9b13dcb3" not in (tmp_path / "out" / "certificate.json").read_text()


def test_xdist_controller_writes_the_same_verdicts(tmp_path: Path) -> None:
    pytest.importorskip("xdist")
    selection = [
        "--combinations",
        "pairwise",
        "--cases",
        "kind=access or (kind=answer and account=greatwidgets and customer=89898989898989 "
        "and by=code and (output=JSON or output=json))",
    ]
    single = run_suite(tmp_path, *selection, "--report-dir", "single")
    spread = run_suite(tmp_path, *selection, "--report-dir", "spread", "-n", "2")
    assert single.returncode == spread.returncode == 0, spread.stdout[-3000:]
    first, second = (json.loads((tmp_path / d / "certificate.json").read_text()) for d in ("single", "spread"))
    validate(second)
    assert {r: (e["verdict"], e["exercised"]["count"]) for r, e in first["requirements"].items()} == {
        r: (e["verdict"], e["exercised"]["count"]) for r, e in second["requirements"].items()
    }
    assert first["counts"] == second["counts"] and first["verdict"] == second["verdict"]
