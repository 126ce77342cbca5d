"""Request encodings, output formats and the optional fields that shape the answer."""

from __future__ import annotations

import json
import re

import pytest
from lxml import etree

JOHN = {"account_id": "greatwidgets", "code": "89898989898989"}
ZOE = {"account_id": "greatwidgets", "code": "70707070707070"}

CUSTOMER_ORDER = [
    "code", "card_number", "first_name", "last_name", "phone", "email", "street1",
    "street2", "city", "state", "postal_code", "country", "custom_date", "custom_field",
    "customer_username", "registered",
]  # fmt: skip

# Lines 26-58 of the document's first example, as the reference must write
# them (indentation aside).
DOC_WIDGET_AND_EMPLOYEE = """
<campaign>
<id>1234567890123456</id>
<name>Widget Rewards</name>
<type>points</type>
<balance>1500</balance>
<cumulative>4500</cumulative>
<monetary_balance>10.00</monetary_balance>
<currency>EUR</currency>
<glyph></glyph>
<last_transaction>2011-12-31</last_transaction>
<available_rewards>
<reward>
<id>678</id>
<description>Free Widget</description>
<needed_to_redeem>1000</needed_to_redeem>
<reward_id>A-345678</reward_id>
</reward>
<reward>
<id>753</id>
<description>Free bigger widget</description>
<needed_to_redeem>2500</needed_to_redeem>
</reward>
</available_rewards>
</campaign>
<campaign>
<id>2345678901234567</id>
<name>Employee Rewards</name>
<type>earned</type>
<balance>16.50</balance>
<currency>EUR</currency>
<cumulative>59.95</cumulative>
<last_transaction>2011-12-31</last_transaction>
</campaign>
"""

VARIANTS = [
    {**JOHN},
    {**JOHN, "output": "json"},
    {**JOHN, "output": "json", "condensed": "yes"},
    {**JOHN, "callback": "cb"},
    {"account_id": "coaldemo", "card_number": "1212121212", "show_only_belong_to": "Y"},
    {**ZOE, "campaign_id": "1234567890123456,3456789012345678"},
    {**JOHN, "user_password": "wrong"},
    {"account_id": "greatwidgets", "code": "nope", "output": "JSON"},
    {"account_id": "greatwidgets"},
]


# -- request encodings ---------------------------------------------------------


@pytest.mark.parametrize("fields", VARIANTS, ids=range(len(VARIANTS)))
def test_three_encodings_give_byte_identical_answers(api, fields):
    form = api.post(**fields)
    query = api.get(**fields)
    multipart = api.multipart(**fields)
    assert form.status_code == query.status_code == multipart.status_code == 200
    assert form.content == query.content == multipart.content
    assert form.headers["Content-Type"] == query.headers["Content-Type"] == multipart.headers["Content-Type"]


def test_both_paths_serve_the_endpoint(api):
    root = api.server.base_url
    assert api.url == root + "api.php"
    fields = api.fields(**JOHN)
    at_root = api.session.post(root, data=fields)
    at_api = api.session.post(root + "api.php", data=fields)
    assert at_root.status_code == at_api.status_code == 200
    assert at_root.content == at_api.content
    assert b'status="success"' in at_root.content


def test_code_and_card_number_give_the_same_answer(api):
    for account, code, card in [
        ("greatwidgets", "89898989898989", "1212121212"),
        ("greatwidgets", "70707070707070", "3434343434"),
        ("coaldemo", "45454545454545", "6767676767"),
    ]:
        by_code = api.post(account_id=account, code=code).content
        by_card = api.post(account_id=account, card_number=card).content
        assert b'status="success"' in by_code
        assert by_code == by_card


# -- XML -----------------------------------------------------------------------


def test_xml_declaration_and_indentation(api):
    body = api.post(**JOHN).content
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<response status="success">\n  <customer>\n')
    assert body.endswith(b"</response>\n")


def test_xml_campaigns_match_the_documents_example(api):
    body = api.post(**JOHN).content.decode()
    flat = "\n".join(line.strip() for line in body.splitlines())
    assert DOC_WIDGET_AND_EMPLOYEE.strip() in flat


def test_xml_customer_element_order(api):
    root = etree.fromstring(api.post(**JOHN).content)
    tags = [e.tag for e in root.find("customer")]
    assert tags == CUSTOMER_ORDER + ["custom_field_2", "custom_field_3"]
    assert [e.tag for e in root] == ["customer", "campaigns"]


def test_xml_escapes_special_characters(api, to_doc):
    response = api.post(**ZOE)
    body = response.content
    assert "Zoë &amp; &lt;Åsa&gt;".encode() in body  # real UTF-8, escaped markup
    root = etree.fromstring(body)  # well-formed despite & < > ' " ]]>
    customer = root.find("customer")
    assert customer.findtext("first_name") == "Zoë & <Åsa>"
    assert customer.findtext("last_name") == 'O\'Brien "Junior"'
    assert customer.findtext("custom_field") == 'Prefers <b>tea</b> & "scones" ]]>'
    assert customer.findtext("street1") == "1 Ünïcode Lane & Co"
    assert customer.findtext("city") == "Zürich"
    # Empty values are present and empty, not left out.
    assert customer.find("street2") is not None and customer.findtext("street2") == ""
    assert customer.find("state") is not None and customer.findtext("state") == ""
    assert customer.findtext("registered") == "N"
    assert not [e for e in customer if e.tag.startswith("custom_field_")]
    assert [e.tag for e in customer] == CUSTOMER_ORDER
    # The JSON form carries the very same strings.
    assert to_doc(body) == api.json(**ZOE)


# -- JSON / JSONP ----------------------------------------------------------------


def _leaves(value, path="$"):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path, value


@pytest.mark.parametrize("output", ["json", "JSON", "Json", " json "])
def test_output_json_is_case_insensitive(api, output):
    response = api.post(**JOHN, output=output)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == api.post(**JOHN, output="json").content


@pytest.mark.parametrize("output", [None, "xml", "XML", "html", ""])
def test_other_outputs_are_xml(api, output):
    response = api.post(**JOHN, output=output)
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml")


def test_json_shape(api):
    doc = api.json(**JOHN)
    assert list(doc) == ["status", "customer", "campaigns"]
    assert list(doc["customer"]) == CUSTOMER_ORDER + ["custom_field_2", "custom_field_3"]
    assert doc["customer"]["custom_field_2"] == {"label": "Marital Status", "data": "Single"}
    assert isinstance(doc["campaigns"], list)
    for path, leaf in _leaves(doc):
        assert isinstance(leaf, str), f"{path} is {leaf!r}"


def test_single_entry_lists_are_still_arrays(api):
    campaigns = api.campaigns(account_id="coaldemo", code="89898989898989")
    assert campaigns["Gadget Rewards"]["available_rewards"] == [
        {"id": "901", "description": "Gadget voucher", "needed_to_redeem": "850", "reward_id": "G-850"}
    ]
    one = api.json(**JOHN, campaign_id="2345678901234567")
    assert isinstance(one["campaigns"], list) and len(one["campaigns"]) == 1


def test_xml_and_json_carry_the_same_document(api, to_doc):
    for fields in VARIANTS:
        if "callback" in fields or "output" in fields:
            continue
        assert to_doc(api.post(**fields).content) == json.loads(api.post(**fields, output="json").content)


def test_json_indented_by_two_unless_condensed(api):
    body = api.post(**JOHN, output="json").content
    doc = json.loads(body)
    assert body == json.dumps(doc, indent=2, ensure_ascii=False).encode()
    condensed = api.post(**JOHN, output="json", condensed="yes").content
    assert condensed == json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
    assert b"\n" not in condensed and b'": ' not in condensed


def test_condensed_other_values_indent(api):
    indented = api.post(**JOHN, output="json").content
    assert api.post(**JOHN, output="json", condensed="no").content == indented
    assert api.post(**JOHN, output="json", condensed="YES").content != indented


def test_condensed_changes_nothing_for_xml(api):
    assert api.post(**JOHN, condensed="yes").content == api.post(**JOHN).content


def test_non_ascii_json_is_utf8(api):
    body = api.post(**ZOE, output="json").content
    assert "Zoë & <Åsa>".encode() in body
    assert json.loads(body)["customer"]["last_name"] == 'O\'Brien "Junior"'


@pytest.mark.parametrize("callback", ["cb", "jQuery1710_1334", "a.b.c", "$", "_x$.y_2", "$.fn"])
def test_jsonp(api, callback):
    response = api.post(**JOHN, callback=callback)
    assert response.headers["Content-Type"] == "application/javascript; charset=utf-8"
    body = response.content
    prefix = callback.encode() + b"("
    assert body.startswith(prefix) and body.endswith(b")")
    assert json.loads(body[len(prefix) : -1]) == api.json(**JOHN)
    assert api.post(**JOHN, callback=callback, output="json").content == body


def test_jsonp_condensed(api):
    body = api.post(**JOHN, callback="cb", condensed="yes").content
    assert body == b"cb(" + api.post(**JOHN, output="json", condensed="yes").content + b")"


def test_jsonp_wraps_errors_too(api):
    body = api.post(**JOHN, callback="cb", user_password="bad").content
    assert body.startswith(b"cb(")
    assert json.loads(body[3:-1])["status"] == "error"


def test_explicit_xml_ignores_callback(api):
    response = api.post(**JOHN, callback="cb", output="XML")
    assert response.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content == api.post(**JOHN).content


def test_empty_callback_is_no_callback(api):
    assert api.post(**JOHN, callback="").content == api.post(**JOHN).content


@pytest.mark.parametrize(
    "callback",
    ["alert(1)", "cb\n", "cb;evil()", "1abc", "a..b", "a.", ".a", "a-b", "<script>", "ë", "a b", "cb//"],
)
def test_invalid_callback_gets_an_error_envelope(api, callback):
    response = api.post(**JOHN, callback=callback)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    doc = json.loads(response.content)
    assert doc["status"] == "error" and "callback" in doc["error"]
    assert callback.encode() not in response.content


# -- fields shaping the document -------------------------------------------------


def test_hide_custom_field(api):
    for output in ("xml", "json"):
        shown = api.post(**JOHN, output=output).content
        assert api.post(**JOHN, output=output, hide_custom_field="N").content == shown
        hidden = api.post(**JOHN, output=output, hide_custom_field="Y").content
        assert b"He Likes Cheese" in shown
        assert b"He Likes Cheese" not in hidden
    doc = api.json(**JOHN, hide_custom_field="Y")
    assert "custom_field" not in doc["customer"]
    # Only "custom1" is hidden: the numbered fields stay.
    assert doc["customer"]["custom_field_2"]["data"] == "Single"
    assert list(doc["customer"]) == [k for k in CUSTOMER_ORDER if k != "custom_field"] + [
        "custom_field_2",
        "custom_field_3",
    ]


def test_include_balances_n(api):
    doc = api.json(**JOHN, include_balances="N")
    assert list(doc) == ["status", "customer"]
    assert doc["customer"]["code"] == "89898989898989"
    assert b"<campaigns" not in api.post(**JOHN, include_balances="N").content
    assert "campaigns" in api.json(**JOHN, include_balances="Y")


def test_campaign_id_single(api):
    doc = api.json(**JOHN, campaign_id="3456789012345678")
    assert [c["id"] for c in doc["campaigns"]] == ["3456789012345678"]


@pytest.mark.parametrize(
    "value",
    [
        "2345678901234567,1234567890123456",
        " 1234567890123456 , 2345678901234567 ",
        "1234567890123456,,2345678901234567,",
    ],
)
def test_campaign_id_comma_list(api, value):
    doc = api.json(**JOHN, campaign_id=value)
    # The account's order, whatever the order asked in.
    assert [c["name"] for c in doc["campaigns"]] == ["Widget Rewards", "Employee Rewards"]


@pytest.mark.parametrize("value", ["999", "7890123456789012", "0123456123456789"])
def test_campaign_id_matching_nothing_is_an_empty_success(api, value):
    # 7890... is otherco's campaign, 0123... coaldemo's: lookups are per account.
    doc = api.json(**JOHN, campaign_id=value)
    assert doc["status"] == "success" and doc["campaigns"] == []
    assert b"<campaigns/>" in api.post(**JOHN, campaign_id=value).content


def test_campaign_id_empty_means_all(api):
    assert api.post(**JOHN, campaign_id="").content == api.post(**JOHN).content


def test_campaign_id_of_a_campaign_without_transactions(api):
    # Zoë never used Employee Rewards: not hers, so nothing to list.
    assert api.json(**ZOE, campaign_id="2345678901234567")["campaigns"] == []


def test_registered_follows_the_password(api):
    assert api.json(**JOHN)["customer"]["registered"] == "Y"
    assert api.json(**ZOE)["customer"]["registered"] == "N"


def test_code_only_customer(api):
    doc = api.json(account_id="greatwidgets", code="56565656565656")
    assert doc["customer"]["card_number"] == ""
    assert doc["customer"]["first_name"] == "Cody"


def test_dates_are_iso_or_zero(api):
    for fields in ({**JOHN}, {**ZOE}, {"account_id": "coaldemo", "code": "45454545454545"}):
        doc = api.json(**fields)
        for path, leaf in _leaves(doc):
            if path.endswith(("last_transaction", "custom_date")):
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", leaf), (path, leaf)
