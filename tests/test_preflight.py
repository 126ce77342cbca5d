"""The pre-flight (conformance/preflight.py): a profile that does not match the target says so.

A profile with one entry wrong (a digit of a code, of a card number, an account id) gets
one line naming that entry, from the answers the run sends anyway; the line comes first
in the certificate's reasons, in the terminal summary and in the HTML report's verdict,
before the requirement failures it causes, and the verdict stays what the evidence says.
The pass side: the certification profile gets no line, nor does any legal variant of the
server (each served with the profile that describes it), nor a target that contradicts
itself (that is the checks' business, not the profile's).

The doctored profiles are the certification profile without its ``dataset`` claim (a
profile naming the data set must equal it) and with one entry changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import yaml

from conformance.certificate import build_certificate, validate
from conformance.client import Client
from conformance.harness import Harness
from conformance.preflight import Found, diagnose, lookups
from conformance.profile import PASSWORD_ENV, Profile, load_profile
from conformance.reference import PROFILE_PATH
from conformance.reference.sandbox import variants
from tests.targets import run_suite, serve
from tests.test_certificate import ALL_PASS, facts, record

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture(autouse=True)
def _no_password_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)


def doctored(directory: Path, edit: Edit) -> Path:
    """The certification profile, its dataset claim dropped, with ``edit`` applied."""
    data = yaml.safe_load(PROFILE_PATH.read_text(encoding="utf-8"))
    del data["dataset"]
    edit(data)
    path = directory / "profile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def customer(data: dict[str, Any], account: int, position: int) -> dict[str, Any]:
    found: dict[str, Any] = data["accounts"][account]["customers"][position]
    return found


def wrong_code(data: dict[str, Any]) -> None:
    customer(data, 0, 1)["code"] = "70707070707071"  # Zoë's is ...070


def wrong_card_number(data: dict[str, Any]) -> None:
    customer(data, 0, 1)["card_number"] = "3434343435"  # Zoë's is ...434


def wrong_account(data: dict[str, Any]) -> None:
    data["accounts"][1]["account_id"] = "coaldemp"  # coaldemo


# Each wrong entry, the one line it must get, and a --cases selection that runs the
# cases it breaks (a whole run is not needed to see the line come before them).
WRONG: dict[str, tuple[Edit, str, str]] = {
    "code": (
        wrong_code,
        "profile: accounts[0].customers[1].code 70707070707071 finds no customer in account greatwidgets, "
        "but its card_number 3434343434 finds the customer with code 70707070707070: check the profile",
        "customer=70707070707071",
    ),
    "card_number": (
        wrong_card_number,
        "profile: accounts[0].customers[1].card_number 3434343435 finds no customer in account greatwidgets, "
        "but its code 70707070707070 finds the customer with card_number 3434343434: check the profile",
        "customer=70707070707070",
    ),
    "account": (
        wrong_account,
        "profile: accounts[1].account_id coaldemp: every lookup in it is refused (error 'Account not found or "
        "not accessible with these credentials'), while the same credentials look customers up in account "
        "greatwidgets: check the profile (the account id, or this user's access to it)",
        "account=coaldemp",
    ),
}


def card_number_for_a_customer_without_one(data: dict[str, Any]) -> None:
    customer(data, 0, 2)["card_number"] = "1111111111"  # Cody has a code only


def another_customers_card_number(data: dict[str, Any]) -> None:
    # John's code with Zoë's card number (Zoë left out: the profile would refuse two
    # customers sharing a card number).
    del data["accounts"][0]["customers"][1]
    customer(data, 0, 0)["card_number"] = "3434343434"


def wrong_campaign(data: dict[str, Any]) -> None:
    old, new = "2345678901234567", "2345678901234568"
    data["accounts"][0]["campaigns"] = [new if c == old else c for c in data["accounts"][0]["campaigns"]]
    for entry in data["accounts"][0]["customers"]:
        for campaign in entry.get("expect", {}).get("campaigns", []):
            campaign["id"] = new if campaign["id"] == old else campaign["id"]


MORE_WRONG: dict[str, tuple[Edit, str]] = {
    "card_number of a customer with none": (
        card_number_for_a_customer_without_one,
        "profile: accounts[0].customers[2].card_number 1111111111 finds no customer in account greatwidgets, "
        "but its code 56565656565656 finds the customer with an empty card_number: check the profile",
    ),
    "another customer's card_number": (
        another_customers_card_number,
        "profile: accounts[0].customers[0].code 89898989898989 and accounts[0].customers[0].card_number "
        "3434343434 find two different customers in account greatwidgets (the code's has card_number "
        "1212121212, the card number's has code 70707070707070): one of them is not this customer's: "
        "check the profile",
    ),
    "account campaign": (
        wrong_campaign,
        "profile: accounts[0].campaigns[1] 2345678901234568 is in no answer in account greatwidgets, which "
        "carry 2345678901234567, not in the profile's list: check the profile",
    ),
}


def preflight(url: str, profile: Profile) -> tuple[list[str], int]:
    """The pre-flight against ``url`` as a run makes it, and the requests it sent."""
    client = Client(url, profile.password)
    try:
        harness = Harness(profile, client, "form")
        return harness.preflight(concurrency=4), harness.requests_sent
    finally:
        client.close()


@pytest.fixture(scope="module")
def reference_url() -> Iterator[str]:
    with serve() as url:
        yield url


@pytest.mark.parametrize("entry", list(WRONG))
def test_a_wrong_entry_gets_one_line_naming_it(entry: str, tmp_path: Path, reference_url: str) -> None:
    edit, line, _ = WRONG[entry]
    assert preflight(reference_url, load_profile(doctored(tmp_path, edit)))[0] == [line]


@pytest.mark.parametrize("entry", list(MORE_WRONG))
def test_other_wrong_entries_get_one_line_naming_them(entry: str, tmp_path: Path, reference_url: str) -> None:
    edit, line = MORE_WRONG[entry]
    assert preflight(reference_url, load_profile(doctored(tmp_path, edit)))[0] == [line]


def test_the_certification_profile_gets_no_line_and_sends_one_request_per_identifier(reference_url: str) -> None:
    profile = load_profile(PROFILE_PATH)
    said, sent = preflight(reference_url, profile)
    assert said == []
    # Each customer by each identifier it has, once: the identifiers relation's requests.
    assert (
        sent
        == len(lookups(profile, "form"))
        == sum((c.code is not None) + (c.card_number is not None) for a in profile.accounts for c in a.customers)
    )


@pytest.mark.parametrize("name", sorted(variants.VARIANTS))
def test_no_legal_variant_gets_a_line(name: str, tmp_path: Path) -> None:
    """Each variant served with the profile that describes its data (another data set's
    for other_data_set): a server that answers differently where the document allows it
    is no profile error."""
    with variants.serve(name, tmp_path) as (url, profile_path):
        said, _ = preflight(url, load_profile(profile_path))
    assert said == []


def test_a_target_contradicting_itself_is_not_called_a_profile_error(tmp_path: Path) -> None:
    """Only what the answers prove: where the target's own answers disagree (the code
    finds no one, but the customer the card number finds has that code; a lookup that
    finds a customer other than the one it names), the checks judge the target."""
    profile = load_profile(doctored(tmp_path, lambda data: None))
    planned = [lookup for lookup in lookups(profile, "form") if (lookup.account, lookup.customer) == (0, 1)]
    code, card = (next(lookup for lookup in planned if lookup.identifier == name) for name in ("code", "card_number"))

    def said(by_code: Found, by_card: Found) -> list[str]:
        return diagnose(profile, planned, {code.request: by_code, card.request: by_card})

    zoe = Found("success", code.value, card.value)
    assert said(zoe, zoe) == []
    assert said(Found("no_match"), zoe) == [], "the customer the card number finds has the very code that found no one"
    assert said(zoe, Found("no_match")) == [], "the customer the code finds has the very card number that found no one"
    assert said(Found("no_match"), Found("success", "70707070707071", "3434343439")) == [], "the card matched wrongly"
    assert said(Found("no_match"), Found("no_match")) == [], "both find no one: nothing to compare with"
    assert said(Found(None), Found("success", "1", card.value)) == [], "no envelope proves nothing"
    other = Found("success", "11111111111111", card.value)
    assert said(Found("success", code.value, "2222222222"), zoe) == [], "only one answer disagrees with the profile"
    # The same answers with the profile's entry the only explanation: a line.
    assert len(said(Found("no_match"), other)) == 1
    assert len(said(Found("success", code.value, "2222222222"), other)) == 1


def test_the_certification_profile_points_at_the_target_s_data() -> None:
    """A profile naming the certification data set was checked equal to it when loaded:
    where the target disagrees, the data the target loaded is what to check."""
    profile = load_profile(PROFILE_PATH)
    planned = [lookup for lookup in lookups(profile, "form") if (lookup.account, lookup.customer) == (0, 1)]
    answers = {
        lookup.request: Found("no_match") if lookup.identifier == "code" else Found("success", "7", lookup.value)
        for lookup in planned
    }
    (line,) = diagnose(profile, planned, answers)
    assert line.endswith("check the data the target loaded (this is the certification profile, equal to the data set)")


@pytest.mark.parametrize(
    "records", [ALL_PASS, [*ALL_PASS, record("c", ["FIELD-CODE"], failed=["FIELD-CODE"])]], ids=["passing", "failing"]
)
def test_a_line_explains_the_verdict_it_never_changes(records: list[dict[str, Any]]) -> None:
    line = WRONG["code"][1]
    without, with_line = build_certificate(records, facts()), build_certificate(records, facts(diagnoses=[line]))
    validate(with_line)
    assert with_line["verdict"] == without["verdict"]
    assert with_line["reasons"] == [line, *without["reasons"]], "first, before the failures it explains"


# -- through the suite, as a vendor runs it -----------------------------------------------
def run(directory: Path, profile: Path, cases: str, *more: str) -> tuple[Any, dict[str, Any], str]:
    with serve() as url:
        result = run_suite(
            directory, "--combinations", "pairwise", "--cases", cases, "--target-url", url,
            "--target-profile", str(profile), "--report-dir", str(directory / "reports"), "-v", *more,
        )  # fmt: skip
    reports = directory / "reports"
    certificate = json.loads((reports / "certificate.json").read_text(encoding="utf-8"))
    return result, certificate, (reports / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("entry", "workers"), [("code", ()), ("card_number", ()), ("account", ()), ("code", ("-n", "2"))]
)
def test_a_run_names_the_wrong_entry_before_the_failures_it_causes(
    entry: str, workers: tuple[str, ...], tmp_path: Path
) -> None:
    edit, line, cases = WRONG[entry]
    result, certificate, html = run(tmp_path, doctored(tmp_path, edit), cases, *workers)
    assert certificate["verdict"] == "not-conformant", result.stdout[-3000:]
    reasons = certificate["reasons"]
    assert reasons[0] == line and re.match(r"\d+ requirements? failed", reasons[1]), reasons
    if not workers:
        # Said as the run starts (where the items are collected: under xdist, by workers,
        # whose output the terminal does not show), before any failure is shown.
        said = result.stdout.index(f"conformance: pre-flight: {line}")
        assert said < result.stdout.index(" FAILURES "), result.stdout[:3000]
    # The terminal summary lists the verdict's reasons, this one first.
    summary = result.stdout[result.stdout.index("verdict: not-conformant") :]
    assert summary.splitlines()[1] == f"  - {line}", summary[:2000]
    # The HTML report's verdict, before the failures.
    (section,) = lxml.html.fromstring(html).xpath('//section[@id="conformance-verdict"]')
    verdict = section.text_content()
    failed = re.search(r"\d+ requirements? failed", verdict)
    assert failed and verdict.index(line) < failed.start(), verdict[:3000]


def test_a_run_with_the_right_profile_names_no_entry(tmp_path: Path) -> None:
    result, certificate, html = run(tmp_path, doctored(tmp_path, lambda data: None), "customer=70707070707070")
    assert certificate["verdict"] == "incomplete", result.stdout[-3000:]  # a selection, nothing failed
    assert not [r for r in certificate["reasons"] if r.startswith("profile: ")], certificate["reasons"]
    assert "profile: accounts" not in result.stdout and "profile: accounts" not in html
