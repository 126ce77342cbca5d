"""The input model (cases/inputs.yaml) and the negative space generated from it
(conformance/negative.py, conformance/alterations.py), on small hand-made profiles.
No server."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance import alterations
from conformance.access import generate_access_cases
from conformance.cases import Case, expect
from conformance.client import Request, curl_command
from conformance.inputs import InputModelError, input_model, load_input_model, load_inputs
from conformance.negative import generate_negative, generate_refusals
from conformance.profile import Account, Customer, Profile, load_profile
from conformance.reference import PROFILE_PATH
from conformance.resources import cases_path
from conformance.secret import PLACEHOLDER, Secret, redact

JOHN = Customer(code="11111111111111", card_number="2222222222")
MARY = Customer(code="33333333333333", card_number=None)
SHOP = Account("shop", False, (JOHN, MARY))
COAL = Account("coal", True, (Customer(code="55555555555555", card_number="6666666666"),))
CAMPAIGNS = {"shop": ["101"], "coal": ["201"]}

# The request fields of the document's field table (retrieve-customer-information.txt).
DOCUMENT_FIELDS = {
    "user_id", "user_password", "type", "account_id", "card_number", "code", "include_balances", "campaign_id",
    "hide_custom_field", "show_only_belong_to", "output", "callback", "condensed",
}  # fmt: skip


def profile() -> Profile:
    return dataclasses.replace(load_profile(PROFILE_PATH), user_id="tester", accounts=(SHOP, COAL), other_user=None)


def campaigns_of(account: Account, customer: Customer) -> list[str]:
    return CAMPAIGNS[account.account_id]


def table() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(cases_path("inputs.yaml").read_text(encoding="utf-8"))
    return data


# -- the table ---------------------------------------------------------------------------------
def test_every_field_of_the_document_has_a_role_and_every_role_says_why() -> None:
    model = load_inputs()
    assert {f.name for f in model.fields} == DOCUMENT_FIELDS
    for role in model.roles.values():
        assert role.why and (not role.judged or role.judged_why) and (not role.probes or role.probes_why), role.name
    # What the brief of the harness says of credentials: any difference is refused.
    assert {"case-swapped", "padded", "prefix", "wildcard-percent", "other-scope"} <= set(
        model.roles["credential"].judged
    )
    assert not model.roles["credential"].probes
    # Identifiers: a case or white space change is a probe (SQL collations), the rest judged.
    assert set(model.roles["identifier"].probes) == {"case-swapped", "padded"}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["fields"]["code"].update(rol="identifier"), "unknown key 'rol'. Did you mean 'role'?"),
        (lambda d: d["fields"]["code"].update(role="identifer"), "no role 'identifer' under roles. Did you mean"),
        (
            lambda d: d["roles"]["identifier"]["judged"].append("shortend"),
            "'shortend' is not one of missing, empty",
        ),
        (lambda d: d["fields"]["code"].pop("requirement"), "add `requirement: <catalogue id>`"),
        (
            lambda d: d["fields"]["code"].update(requirement="FIELD-COD"),
            "'FIELD-COD' is not in conformance/requirements",
        ),
        (lambda d: d["roles"]["identifier"]["probes"].append("shortened"), "shortened both judged and probes"),
        (lambda d: d["fields"]["type"].pop("wrong"), "applies `wrong`: give the field a `wrong` value"),
        (lambda d: d["fields"]["output"].pop("values"), "source document needs `values`"),
        (lambda d: d["roles"]["tenant"].pop("judged_why"), "say why these alterations are judged"),
        (lambda d: d["fields"]["code"].update(source="profile"), "'profile' is not one of"),
    ],
)
def test_a_mistake_in_the_table_says_what_and_how_to_fix_it(edit: Any, message: str) -> None:
    data = table()
    edit(data)
    with pytest.raises(InputModelError) as raised:
        input_model(data, "input model copy")
    assert message in str(raised.value) and "input model copy is not valid" in str(raised.value), str(raised.value)


def test_the_table_file_is_read_with_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "inputs.yaml"
    broken.write_text("fields: [\n", encoding="utf-8")
    with pytest.raises(InputModelError, match="not valid YAML"):
        load_input_model(broken)


# -- a field added to the table gets its negative space, with no new code ----------------------
def test_a_field_added_to_the_table_gets_its_negative_cases(tmp_path: Path) -> None:
    data = table()
    # A required credential the document does not have (an API key), and an option.
    data["fields"]["api_key"] = {
        "role": "credential", "source": "document", "values": ["k-7Q2x9"], "requirement": "FIELD-USER-ID-REQUIRED",
        "required": True, "wrong": "not-a-key",
    }  # fmt: skip
    data["fields"]["points_format"] = {"role": "option", "source": "document", "values": ["short"]}
    copied = tmp_path / "inputs.yaml"
    copied.write_text(yaml.safe_dump(data), encoding="utf-8")
    model = load_input_model(copied)

    refusals = {c.id: c for c in generate_refusals(profile(), ("form",), model)}
    # Every request carries the new required field; each alteration of it is refused.
    assert refusals["wrong-password"].request.get("api_key") == "k-7Q2x9"
    assert refusals["missing-api_key"].request.get("api_key") is None
    for operator, value in [
        ("shortened", "k-7Q2x"), ("prefix-3", "k-7"), ("lengthened", "k-7Q2x99"), ("case-swapped", "K-7q2X9"),
        ("padded", " k-7Q2x9 "), ("wildcard-percent", "k-7%"), ("empty", ""), ("wrong", "not-a-key"),
        ("changed-last", "k-7Q2x0"), ("look-alike", "k-7QZx9"),
    ]:  # fmt: skip
        case = refusals[f"{operator}-api_key"]
        assert case.request.get("api_key") == value, (operator, case.request.get("api_key"))
        assert (case.statuses, case.requirement) == (("error",), "FIELD-USER-ID-REQUIRED")
    # Both accounts.
    assert "shortened-api_key-in-coal" in refusals
    # The option's values altered are probes, in every account.
    probes = [c for c in generate_negative(profile(), campaigns_of, model) if c.identifier == "points_format-short"]
    assert sorted((c.account_id, c.negative, c.sent_options(None)) for c in probes) == [  # type: ignore[arg-type]
        ("coal", "case-swapped", [("points_format", "SHORT")]),
        ("coal", "padded", [("points_format", " short ")]),
        ("shop", "case-swapped", [("points_format", "SHORT")]),
        ("shop", "padded", [("points_format", " short ")]),
    ]
    assert all(c.probe and expect(c).silence() for c in probes)
    # The harness's own table has neither.
    assert "missing-api_key" not in {c.id for c in generate_refusals(profile(), ("form",))}


# -- identifiers ----------------------------------------------------------------------------------
def negative() -> list[Case]:
    return generate_negative(profile(), campaigns_of)


def test_every_judged_alteration_of_every_identifier_of_every_customer() -> None:
    judged = load_inputs().roles["identifier"].judged
    operators = [op for op in judged if op in alterations.OPERATORS]
    for account in (SHOP, COAL):
        for customer in account.customers:
            for name in ("code", "card_number"):
                value = getattr(customer, name)
                mine = [c for c in negative() if c.customer is customer and c.identifier == f"not_a_{name}"]
                if value is None:
                    assert not mine
                    continue
                wanted = {
                    spec.replace(":", "-"): alterations.apply(spec, value)
                    for op in operators
                    for spec in alterations.variants(op, value)
                    if alterations.apply(spec, value) != value  # 3333: no look-alike digit
                }
                assert {c.negative: dict(c.sends or ())[name] for c in mine} == wanted, (customer, name)
                for case in mine:
                    assert case.cites == ("FIELD-CODE" if name == "code" else "FIELD-CARD-NUMBER")


def test_a_value_with_characters_no_identifier_has_may_also_be_refused() -> None:
    by = {(c.customer, c.negative, c.identifier): c for c in negative()}
    # Digits only: a digit changed must be no_match; a look-alike letter, a wildcard or a
    # NUL may be refused as malformed too.
    assert expect(by[(JOHN, "changed-middle", "not_a_code")]).statuses == ("no_match",)
    assert expect(by[(JOHN, "shortened", "not_a_code")]).statuses == ("no_match",)
    for how in ("look-alike", "wildcard-percent", "wildcard-underscore", "nul"):
        assert expect(by[(JOHN, how, "not_a_code")]).statuses == ("no_match", "error"), how


def test_an_altered_value_that_names_a_real_customer_is_not_sent() -> None:
    # Mary's code is John's, shortened by one and lengthened with a 1: sending it would
    # name Mary, so it is not a negative case of John's.
    john = Customer(code="1111111111111", card_number=None)
    mary = Customer(code="11111111111111", card_number=None)
    shop = Account("shop", False, (john, mary))
    cases = generate_negative(dataclasses.replace(profile(), accounts=(shop,)), lambda a, c: [])
    sent = {dict(c.sends or ()).get("code") for c in cases if c.identifier == "not_a_code"}
    assert mary.code not in sent and john.code not in sent
    assert "111111111111" in sent  # john's shortened


def test_case_and_white_space_are_probes_of_an_identifier() -> None:
    letters = Customer(code="AbC12345", card_number=None)
    shop = Account("shop", False, (letters,))
    cases = generate_negative(dataclasses.replace(profile(), accounts=(shop,)), lambda a, c: [])
    probes = {c.negative: c for c in cases if c.probe and c.identifier.startswith("code-")}
    assert dict(probes["case-swapped"].sends or ())["code"] == "aBc12345"
    assert dict(probes["padded"].sends or ())["code"] == " AbC12345 "
    assert all(expect(c).silence() for c in probes.values())


def test_a_value_of_the_other_kind_and_another_accounts_campaign() -> None:
    cases = negative()
    other_kind = {(c.account_id, dict(c.sends or ()).get("code")) for c in cases if c.negative and "the-" in c.negative}
    assert ("shop", JOHN.card_number) in other_kind and ("coal", "6666666666") in other_kind
    foreign = [c for c in cases if c.option("campaign_id") == "foreign"]
    assert sorted((c.account_id, c.customer.label, c.campaign) for c in foreign if c.customer) == [
        ("coal", "55555555555555", "101"),
        ("shop", JOHN.label, "201"),
        ("shop", MARY.label, "201"),
    ]


# -- passwords: altered on the wire, never written ---------------------------------------------
def test_an_altered_password_is_sent_altered_and_reproduced_by_its_curl() -> None:
    request = Request((("user_password", f"{PLACEHOLDER}|prefix:4"),), "form")
    curl = curl_command(request, "https://x.example/api.php")
    assert '"user_password=$(python3 -m conformance.alterations prefix:4 TARGET_USER_PASSWORD)"' in curl
    env = {**os.environ, "TARGET_USER_PASSWORD": "1959caadac9b13dcb3"}
    printed = subprocess.run(
        [sys.executable, "-m", "conformance.alterations", "prefix:4", "TARGET_USER_PASSWORD"],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert printed == "1959"


def test_a_near_copy_of_the_password_is_redacted_too() -> None:
    secret = Secret("1959caadac9b13dcb3")
    text = "error: wrong password 1959caadac9b13dcb (or 1959caadac9b13dcb33)"
    assert "1959caadac9b13dcb" not in redact(text, secret)
    assert redact("a plain answer", secret) == "a plain answer"


def test_every_access_case_of_the_reference_profile_is_generated_once() -> None:
    cases = generate_access_cases(load_profile(PROFILE_PATH), "form")
    assert len({c.id for c in cases}) == len(cases)
    # The reference profile names a second user: its credentials are tried in every account.
    ids = {c.id for c in cases}
    assert {"other-user-account", "other-user-account-in-coaldemo", "other-user-password", "other-user-user-id"} <= ids


def test_an_altered_or_other_users_password_echoed_by_the_target_is_scrubbed() -> None:
    from urllib.parse import parse_qs

    from conformance.client import Client
    from conformance.secret import OTHER_PLACEHOLDER
    from tests.servers import serve_wsgi

    def echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        size = int(environ.get("CONTENT_LENGTH") or 0)
        sent = parse_qs(environ["wsgi.input"].read(size).decode())["user_password"][0]
        start_response("200 OK", [("Content-Type", "application/xml")])
        return [f'<response status="error"><error>bad password {sent}</error></response>'.encode()]

    real, other = Secret("1959caadac9b13dcb3"), Secret("0ther-Pa55word")
    with serve_wsgi(echo) as served:
        client = Client(served.url, real, other_password=other)
        for value, leaked in ((f"{PLACEHOLDER}|shortened", "1959caadac9b13dcb"), (OTHER_PLACEHOLDER, "0ther-Pa55word")):
            exchange = client.send(Request((("user_password", value),), "form"))
            assert exchange.status == 200 and b"bad password" in exchange.body
            assert leaked.encode() not in exchange.body and exchange.echoed_password, exchange.body


def test_each_refusal_is_also_asked_by_card_number_and_in_json_and_jsonp() -> None:
    """A server that checks a credential, the operation or the account on one path of its
    code only (lookups by code, or XML answers) passes every refusal asked in the base
    shape: each field's plainest refusal is asked again in the other shapes, for the same
    customer; an identifier's refusal (which alters the lookup) is not."""
    refusals = {c.id: c for c in generate_refusals(profile(), ("form",))}
    for plain in ("wrong-user-id", "wrong-password", "wrong-type", "forbidden-account-otherco"):
        base = refusals[plain].request
        json_, jsonp, by_card = (refusals[f"{plain}-{shape}"] for shape in ("json", "jsonp", "by-card_number"))
        assert json_.request == base.with_fields(output="JSON"), plain
        assert jsonp.request == base.with_fields(output="JSON", callback="conformanceCallback"), plain
        assert by_card.request == base.without("code").with_fields(card_number=JOHN.card_number), plain
        assert {json_.statuses, jsonp.statuses, by_card.statuses} == {refusals[plain].statuses}
    assert not [i for i in refusals if i.startswith("injection-") and i.endswith(("-json", "-by-card_number"))]


def test_each_credential_and_tenant_is_given_every_other_fields_value() -> None:
    """A server that compares the password with another column, or ORs the two (user_id
    as password), accepts a request whose password is the user_id: each credential and
    the account get the value of every other non-secret field of the request, refused,
    in every account; the password is never sent in another field."""
    refusals = {c.id: c for c in generate_refusals(profile(), ("form",))}
    short = {"user_id": "user-id", "user_password": "password", "account_id": "account"}
    for position, account in enumerate(profile().accounts):
        code = account.customers[0].code
        base = {"user_id": "tester", "type": "customer_info", "account_id": account.account_id, "code": code}
        suffix = "" if position == 0 else f"-in-{account.account_id}"
        for field in short:
            for other, value in base.items():
                if other == field:
                    continue
                case = refusals.get(f"other-field-{other}-{short[field]}{suffix}")
                assert case is not None, (account.account_id, field, other, sorted(refusals)[:5])
                assert case.request.get(field) == value and case.statuses == ("error",)
                assert all(case.request.get(n) == v for n, v in base.items() if n != field)
    assert not any(
        PLACEHOLDER in (c.request.get(name) or "")
        for c in refusals.values()
        if c.id.startswith("other-field-")
        for name in ("user_id", "account_id", "type", "code")
    )
