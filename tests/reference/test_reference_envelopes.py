"""Error and no_match envelopes: which request gets which answer."""

from __future__ import annotations

import json

import pytest

JOHN = {"account_id": "greatwidgets", "code": "89898989898989"}
REQUIRED = ("user_id", "user_password", "type", "account_id")

XML_NO_MATCH = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<response status="no_match">\n'
    b"  <message>No Customers Match Criteria</message>\n"
    b"</response>\n"
)


def error_text(api, **fields):
    """The error message of both formats, after checking they agree."""
    xml = api.xml(**fields)
    doc = api.json(**fields)
    assert xml == doc
    assert set(doc) == {"status", "error"}, doc
    assert doc["status"] == "error"
    assert isinstance(doc["error"], str) and doc["error"]
    return doc["error"]


def test_valid_request_succeeds(api):
    # Positive control for every refusal below: the same fields, unbroken.
    assert api.xml(**JOHN)["status"] == "success"


@pytest.mark.parametrize("missing", REQUIRED)
def test_each_missing_required_field_is_named(api, missing):
    message = error_text(api, **{**JOHN, missing: None})
    assert missing in message
    for other in REQUIRED:
        if other != missing:
            assert f" {other}" not in message and f"{other}," not in message


def test_several_missing_fields_are_all_named(api):
    message = error_text(api, **{**JOHN, "type": None, "account_id": None})
    assert "type" in message and "account_id" in message


def test_empty_account_id_counts_as_missing(api):
    assert "account_id" in error_text(api, **{**JOHN, "account_id": ""})


@pytest.mark.parametrize(
    "credentials",
    [
        {"user_password": "wrong-password"},
        {"user_password": ""},
        {"user_id": "nobody"},
        {"user_id": ""},
        {"user_id": "JOHN1970"},  # user ids are exact
        {"user_password": "1959caadac9b13dcb3 "},
    ],
    ids=["wrong-password", "empty-password", "unknown-user", "empty-user", "case", "trailing-space"],
)
def test_authentication_failures_share_one_message(api, credentials):
    reference = error_text(api, **JOHN, user_password="wrong-password")
    assert "Authentication failed" in reference
    assert error_text(api, **JOHN, **credentials) == reference


def test_password_is_never_echoed(api):
    secret = "S3cret-Do-Not-Echo"
    for output in ("xml", "json"):
        body = api.post(**JOHN, user_password=secret, output=output).content
        assert b"error" in body
        assert secret.encode() not in body


def test_wrong_type(api):
    message = error_text(api, **JOHN, type="customer_list")
    assert "type" in message
    assert error_text(api, **JOHN, type="CUSTOMER_INFO") == message


def test_wrong_type_after_authentication(api):
    # A bad password is reported as such even when the type is also wrong.
    assert "Authentication" in error_text(api, **JOHN, type="x", user_password="bad")


def test_forbidden_account_is_refused_like_an_unknown_one(api):
    forbidden = error_text(api, account_id="otherco", code="11223344556677")
    unknown = error_text(api, account_id="no-such-account", code="11223344556677")
    assert forbidden == unknown
    assert "ccount" in forbidden


def test_forbidden_account_exists_for_its_own_user(api):
    # Proves the refusal above is about permissions, not a missing account,
    # and that permissions are per user (otheruser cannot read greatwidgets).
    own = api.xml(user_id="otheruser", user_password="0ther-Pa55word", account_id="otherco", code="11223344556677")
    assert own["status"] == "success"
    assert own["customer"]["first_name"] == "Olive"
    refused = api.xml(user_id="otheruser", user_password="0ther-Pa55word", **JOHN)
    assert refused["status"] == "error"


@pytest.mark.parametrize(
    "identifiers",
    [{}, {"code": ""}, {"card_number": ""}, {"code": "", "card_number": ""}],
    ids=["absent", "empty-code", "empty-card", "both-empty"],
)
def test_neither_identifier(api, identifiers):
    message = error_text(api, account_id="greatwidgets", **identifiers)
    assert message == "Either 'code' or 'card_number' must be passed"


def test_no_match_exact_xml(api):
    response = api.post(account_id="greatwidgets", code="00000000000000")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content == XML_NO_MATCH


def test_no_match_json(api):
    response = api.post(account_id="greatwidgets", card_number="0000000000", output="json")
    assert json.loads(response.content) == {"status": "no_match", "message": "No Customers Match Criteria"}


def test_lookup_is_scoped_to_the_account(api):
    # Olive exists, but in otherco; coaldemo's John is not greatwidgets' John.
    assert api.xml(account_id="greatwidgets", code="11223344556677")["status"] == "no_match"
    gw = api.json(account_id="greatwidgets", code="89898989898989")
    cd = api.json(account_id="coaldemo", code="89898989898989")
    assert gw["status"] == cd["status"] == "success"
    assert [c["id"] for c in gw["campaigns"]] != [c["id"] for c in cd["campaigns"]]


def test_both_identifiers_must_match_the_same_customer(api):
    john_code, john_card = "89898989898989", "1212121212"
    zoe_card = "3434343434"
    both = api.xml(account_id="greatwidgets", code=john_code, card_number=john_card)
    assert both["status"] == "success"
    mixed = api.xml(account_id="greatwidgets", code=john_code, card_number=zoe_card)
    assert mixed["status"] == "no_match"


def test_code_and_card_number_are_not_interchangeable(api):
    # Cody's CODE is Nina's CARD NUMBER in the seed.
    by_code = api.xml(account_id="greatwidgets", code="56565656565656")
    by_card = api.xml(account_id="greatwidgets", card_number="56565656565656")
    assert by_code["customer"]["first_name"] == "Cody"
    assert by_card["customer"]["first_name"] == "Nina"


def test_error_and_no_match_are_http_200(api):
    for fields in ({**JOHN, "user_password": "x"}, {"account_id": "greatwidgets", "code": "nope"}):
        for output in ("xml", "json"):
            assert api.post(**fields, output=output).status_code == 200
