"""A requirement passes only on evidence that could have shown it broken.

The checks say themselves what their evidence could judge; these tests hold the verdicts
a careful reader expects: of one error envelope, of a profile with one coalition customer
(against the reference and against a target that lists only the campaigns a customer
joined), and of the reference's own profile.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.evidence import case, judge_answer
from tests.faults import serve
from tests.records import item_record
from tests.targets import run_suite

ERROR = {"status": "error", "error": "Either code or card_number must be passed"}

# docs/profile.md's first example profile has this shape: one customer in each account.
ONE_COALITION_CUSTOMER = """\
credentials:
  user_id: john1970
  user_password: 1959caadac9b13dcb3
accounts:
  - account_id: greatwidgets
    coalition: false
    customers:
      - {code: "89898989898989", card_number: "1212121212"}
  - account_id: coaldemo
    coalition: true
    customers:
      - {code: "89898989898989", card_number: "1212121212"}
"""


def test_an_error_envelope_exercises_only_what_it_could_show() -> None:
    """The request with neither identifier answered by an error: the envelope, its text
    and the rule that an identifier must be passed; not the coalition example, not BuyX,
    not the JSON format (an error envelope used to exercise 27 requirements)."""
    for options in ({}, {"output": "JSON"}, {"output": "JSON", "hide_custom_field": "Y", "include_balances": "N"}):
        record = item_record("case", "x", judge_answer(ERROR, case(identifier="neither", **options)))
        assert record["exercised"] == ["CALL-RETRIEVES", "EXAMPLE-ERROR", "NOTE-CODE-OR-CARD"], (
            options,
            record["exercised"],
        )
        assert record["failed"] == []


def test_a_success_without_campaigns_credits_no_campaign_requirement() -> None:
    record = item_record(
        "case",
        "x",
        judge_answer(
            {"status": "success", "customer": {"code": "89898989898989", "registered": "Y"}}, case(include_balances="N")
        ),
    )
    assert not [
        r
        for r in record["exercised"]
        if r.startswith(("BUYX-", "COALITION-", "EXAMPLE-BUYX", "EXAMPLE-POINTS", "EXAMPLE-COALITION"))
    ], record["exercised"]
    reasons = dict(record["not_applicable"])
    assert "BuyX" in reasons["BUYX-EARNED"] and "coalition" in reasons["EXAMPLE-COALITION"]


def _run(tmp_path: Path, url: str) -> dict:
    (tmp_path / "one.yaml").write_text(ONE_COALITION_CUSTOMER)
    run = run_suite(
        tmp_path,
        "--combinations",
        "pairwise",
        "--report-dir",
        "out",
        "--target-url",
        url,
        "--target-profile",
        "one.yaml",
    )
    assert (tmp_path / "out" / "certificate.json").is_file(), run.stdout[-3000:]
    return json.loads((tmp_path / "out" / "certificate.json").read_text())


@pytest.mark.parametrize(
    "fault", [None, "coalition_lists_only_joined_campaigns"], ids=["reference", "lists-only-joined-campaigns"]
)
def test_one_coalition_customer_cannot_judge_all_campaigns(tmp_path: Path, fault: str | None) -> None:
    """With one customer in the coalition, "ALL campaigns in the coalition" cannot be
    judged: a target that lists only the campaigns a customer joined would pass. So the
    requirement is not-exercised, with the profile data that would judge it, whether the
    target is the reference or that faulty one. Against the faulty one, show_only_belong_to=Y
    has nothing left to drop, so it cannot be judged either; everything else is."""
    with serve(fault) as url:
        certificate = _run(tmp_path, url)
    entry = certificate["requirements"]["NOTE-COALITION-ALL-CAMPAIGNS"]
    assert entry["verdict"] == "not-exercised", entry
    assert (
        "one customer in coalition account coaldemo" in entry["reason"] and "two such customers" in entry["reason"]
    ), entry["reason"]
    unjudged = {
        r
        for r, e in certificate["requirements"].items()
        if e["verdict"] != "pass" and "untestable" not in e.get("reason", "")
    }
    assert unjudged == {"NOTE-COALITION-ALL-CAMPAIGNS"} | ({"NOTE-SHOW-ONLY-BELONG-TO"} if fault else set()), unjudged
    if fault:
        assert "nothing to drop" in certificate["requirements"]["NOTE-SHOW-ONLY-BELONG-TO"]["reason"]
    assert certificate["verdict"] == "incomplete"
    assert any("not exercised: NOTE-COALITION-ALL-CAMPAIGNS" in reason for reason in certificate["reasons"]), (
        certificate["reasons"]
    )


def test_an_unknown_campaign_id_refused_in_xml_is_recorded_not_failed() -> None:
    """The document is silent on a campaign_id no campaign has: a target may refuse it,
    in XML, whatever output was asked (this failed 18 cases, citing FIELD-CARD-NUMBER)."""
    for options in (
        {"output": "JSON"},
        {"output": "JSON", "callback": "cb", "hide_custom_field": "Y"},
        {"include_balances": "N"},
    ):
        the_case = case(identifier="card_number", campaign_id="unknown", **options)
        judged = judge_answer(b'<response status="error"><error>Unknown campaign</error></response>', the_case)
        assert [f for f in judged.findings if f.severity == "fail"] == [], options
        (note,) = [f for f in judged.findings if f.severity == "unspecified"]
        assert note.title.startswith("a campaign_id that no campaign has") and "error, XML" in note.title, note.title
