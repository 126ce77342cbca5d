"""Tests of the response schemas: schemas/response.xsd (XSD 1.1) and schemas/response.schema.json.

(a) the stored examples in tests/data/spec-examples/ are the document's own (extracted from the
    document and compared), and the JSON counterparts carry the same data in the JSON shape;
(b) every example validates;
(c) variations the document and real clients allow are accepted;
(d) each violation is rejected, one change per case, and the rejection is reported at the place
    the rule lives (so a case cannot pass because of some unrelated error).

Every variation starts from a fresh copy of an example and changes one thing.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from jsonschema import Draft202012Validator
from lxml import etree

from tests.spec import DOCUMENT

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
XSD_PATH = REPO / "schemas" / "response.xsd"
JSON_SCHEMA_PATH = REPO / "schemas" / "response.schema.json"
EXAMPLES_DIR = HERE / "data" / "spec-examples"
# The repository's copy of the contract (docs/spec, kept equal to shared/spec by test_spec_copy.py).
SPEC_PATH = DOCUMENT

# Example file stem -> the heading the document prints above the example (spelling is the document's).
EXAMPLE_HEADINGS = {
    "success": "Success XML Response:",
    "coalition-success": "Success XML Response for a Coaltion campaign:",
    "no-match": "XML Response if no customer matches code or card_number given:",
    "error": "Error XML Response:",
}
EXAMPLES = list(EXAMPLE_HEADINGS)

CUSTOMER_FIELDS = [
    "code",
    "card_number",
    "first_name",
    "last_name",
    "phone",
    "email",
    "street1",
    "street2",
    "city",
    "state",
    "postal_code",
    "country",
    "custom_date",
    "customer_username",
    "registered",
]
ITEM_FIELDS = ["name", "balance", "earned", "cumulative", "redeemed", "earn_ratio"]
LIST_WRAPPERS = {"campaigns", "available_rewards", "balances"}

_EXAMPLE_LINE = re.compile(r"  (\d+)\. (.*)")


# --------------------------------------------------------------------------------------------
# (a) The examples are the document's
# --------------------------------------------------------------------------------------------


def extract_examples(spec_text: str) -> dict[str, str]:
    """The document's four XML examples, keyed by file stem.

    Each example is the run of numbered lines ("  1. <response ...>") after its heading; the
    numbers and the elision lines ("...") are removed, everything else is kept as printed.
    """
    lines = spec_text.splitlines()
    examples = {}
    for stem, heading in EXAMPLE_HEADINGS.items():
        assert lines.count(heading) == 1, f"heading {heading!r} not found exactly once"
        start = lines.index(heading) + 1
        body: list[str] = []
        number = 0
        for line in lines[start:]:
            match = _EXAMPLE_LINE.fullmatch(line)
            if match is None:
                if number:
                    break
                continue  # blank lines between the heading and line 1
            number += 1
            assert int(match.group(1)) == number, f"{heading}: line {number} is numbered {match.group(1)}"
            if match.group(2).strip() != "...":
                body.append(match.group(2))
        assert body, f"no example lines after {heading!r}"
        examples[stem] = "\n".join(body) + "\n"
    return examples


def test_stored_examples_are_the_documents() -> None:
    extracted = extract_examples(SPEC_PATH.read_text(encoding="utf-8"))
    stored = {stem: (EXAMPLES_DIR / f"{stem}.xml").read_text(encoding="utf-8") for stem in EXAMPLES}
    assert stored == extracted


def xml_to_json_shape(element: etree._Element) -> Any:
    """The JSON shape real clients parse: lists are arrays, scalars strings, nesting objects."""
    if element.tag in LIST_WRAPPERS:
        return [xml_to_json_shape(child) for child in element]
    if len(element):
        return {child.tag: xml_to_json_shape(child) for child in element}
    return element.text or ""


@pytest.mark.parametrize("stem", EXAMPLES)
def test_json_counterpart_carries_the_example(stem: str) -> None:
    root = etree.parse(str(EXAMPLES_DIR / f"{stem}.xml")).getroot()
    expected = {"status": root.get("status"), **{c.tag: xml_to_json_shape(c) for c in root}}
    assert json.loads((EXAMPLES_DIR / f"{stem}.json").read_text(encoding="utf-8")) == expected


# --------------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xsd() -> xmlschema.XMLSchema11:
    return xmlschema.XMLSchema11(str(XSD_PATH))


@pytest.fixture(scope="module")
def json_validator() -> Draft202012Validator:
    schema = json.loads(JSON_SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


XmlMutation = Callable[[etree._Element], "str | None"]
JsonMutation = Callable[[dict], None]


def xml_document(stem: str, mutate: XmlMutation | None = None) -> str:
    """An example as text, after `mutate` edited its tree (or returned replacement text)."""
    root = etree.parse(str(EXAMPLES_DIR / f"{stem}.xml")).getroot()
    replaced = mutate(root) if mutate else None
    return replaced if isinstance(replaced, str) else etree.tostring(root, encoding="unicode")


def json_document(stem: str, mutate: JsonMutation | None = None) -> dict:
    document = copy.deepcopy(json.loads((EXAMPLES_DIR / f"{stem}.json").read_text(encoding="utf-8")))
    if mutate:
        mutate(document)
    return document


def xsd_errors(xsd: xmlschema.XMLSchema11, text: str) -> list:
    return list(xsd.iter_errors(text))


def json_errors(validator: Draft202012Validator, document: dict) -> list:
    return list(validator.iter_errors(document))


def the(root: etree._Element, path: str) -> etree._Element:
    """The one element at `path` (relative to the root): a mutation must hit exactly one."""
    found = root.xpath(path)
    assert len(found) == 1, f"{path!r} matched {len(found)} elements"
    return found[0]


# XML tree edits: each returns a mutation.


def drop(path: str) -> XmlMutation:
    def mutate(root):
        element = the(root, path)
        element.getparent().remove(element)

    return mutate


def set_text(path: str, text: str | None) -> XmlMutation:
    def mutate(root):
        the(root, path).text = text

    return mutate


def add(
    path: str, tag: str, text: str | None = None, children: dict[str, str] | None = None, first: bool = False
) -> XmlMutation:
    """Add <tag>text</tag> (or with simple children) as the last (or first) child of `path`."""

    def mutate(root):
        parent = root if path == "." else the(root, path)
        element = etree.Element(tag)
        element.text = text
        for child_tag, child_text in (children or {}).items():
            etree.SubElement(element, child_tag).text = child_text
        parent.insert(0 if first else len(parent), element)

    return mutate


def duplicate(path: str) -> XmlMutation:
    def mutate(root):
        element = the(root, path)
        element.addnext(copy.deepcopy(element))

    return mutate


def rename(path: str, tag: str) -> XmlMutation:
    def mutate(root):
        the(root, path).tag = tag

    return mutate


def reverse_children(path: str) -> XmlMutation:
    def mutate(root):
        for parent in root.xpath(path):
            children = list(parent)
            for child in children:
                parent.remove(child)
            parent.extend(reversed(children))

    return mutate


def set_attribute(name: str, value: str | None, path: str = ".") -> XmlMutation:
    def mutate(root):
        element = root if path == "." else the(root, path)
        if value is None:
            del element.attrib[name]
        else:
            element.set(name, value)

    return mutate


def flatten_custom_field(root):
    element = the(root, "customer/custom_field_2")
    data = element.findtext("data")
    for child in list(element):
        element.remove(child)
    element.text = data


def wrap_children(path: str, tag: str) -> XmlMutation:
    """Move the children of `path` into a single new child <tag>."""

    def mutate(root):
        parent = the(root, path)
        wrapper = etree.Element(tag)
        wrapper.extend(list(parent))
        parent.append(wrapper)

    return mutate


def self_closing(*paths: str) -> XmlMutation:
    def mutate(root):
        for path in paths:
            element = the(root, path)
            element.text = None
        text = etree.tostring(root, encoding="unicode")
        for path in paths:
            assert f"<{path.rsplit('/', 1)[-1]}/>" in text
        return text

    return mutate


def single_quoted_status(root):
    text = etree.tostring(root, encoding="unicode")
    status = root.get("status")
    assert f'status="{status}"' in text
    return text.replace(f'status="{status}"', f"status='{status}'", 1)


def with_xml_declaration(root):
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode")


def each(*mutations: XmlMutation) -> XmlMutation:
    """Several edits that together make one variation (e.g. extra elements of one kind)."""

    def mutate(root):
        for mutation in mutations:
            mutation(root)

    return mutate


# JSON edits: each returns a mutation. A path is a tuple of keys / indexes from the root.


def _parent(document: Any, path: tuple) -> Any:
    for key in path[:-1]:
        document = document[key]
    return document


def jdrop(*path: Any) -> JsonMutation:
    def mutate(document):
        parent = _parent(document, path)
        assert path[-1] in parent, f"{path} is not in the example"
        del parent[path[-1]]

    return mutate


def jset(*path_and_value: Any) -> JsonMutation:
    *path, value = path_and_value

    def mutate(document):
        _parent(document, tuple(path))[path[-1]] = value

    return mutate


def jwrap(*path_and_key: Any) -> JsonMutation:
    """Replace the list at `path` by {key: list}: the XML-to-JSON shape that breaks List<...> clients."""
    *path, key = path_and_key

    def mutate(document):
        parent = _parent(document, tuple(path))
        assert isinstance(parent[path[-1]], list)
        parent[path[-1]] = {key: parent[path[-1]]}

    return mutate


def jeach(*mutations: JsonMutation) -> JsonMutation:
    def mutate(document):
        for mutation in mutations:
            mutation(document)

    return mutate


# --------------------------------------------------------------------------------------------
# (b) The examples validate
# --------------------------------------------------------------------------------------------


def test_xsd_is_xsd_1_1(xsd: xmlschema.XMLSchema11) -> None:
    assert xsd.XSD_VERSION == "1.1"


def test_json_schema_is_a_valid_2020_12_schema() -> None:
    schema = json.loads(JSON_SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("stem", EXAMPLES)
def test_xsd_accepts_example(xsd, stem: str) -> None:
    assert xsd_errors(xsd, xml_document(stem)) == []


@pytest.mark.parametrize("stem", EXAMPLES)
def test_json_schema_accepts_example(json_validator, stem: str) -> None:
    assert [e.message for e in json_errors(json_validator, json_document(stem))] == []


# --------------------------------------------------------------------------------------------
# (c) Allowed variations
# --------------------------------------------------------------------------------------------

XML_ACCEPTED = [
    # Order is not meaningful: clients read by name.
    pytest.param("success", reverse_children("customer"), id="customer-elements-reordered"),
    pytest.param("success", reverse_children("campaigns/campaign"), id="campaign-elements-reordered"),
    pytest.param(
        "success", reverse_children("campaigns/campaign/available_rewards/reward"), id="reward-elements-reordered"
    ),
    pytest.param("success", reverse_children("campaigns/campaign/balances/item"), id="item-elements-reordered"),
    pytest.param("success", reverse_children("campaigns"), id="campaigns-reordered"),
    pytest.param("success", reverse_children("."), id="campaigns-before-customer"),
    # Extra, undocumented elements (the live service sends them).
    pytest.param(
        "success", add("customer", "record_timestamp", "2017-11-23 12:45:38"), id="customer-extra-record_timestamp"
    ),
    pytest.param(
        "success",
        add("customer", "record_timestamp", "2017-11-23 12:45:38", first=True),
        id="customer-extra-element-first",
    ),
    pytest.param("success", add(".", "server_time", "2017-11-23 12:45:38"), id="success-extra-envelope-element"),
    pytest.param("no-match", add(".", "code", "404"), id="no_match-extra-envelope-element"),
    pytest.param("error", add(".", "code", "17"), id="error-extra-envelope-element"),
    pytest.param(
        "success",
        each(
            add("customer", "custom_field_3", children={"label": "Sentinel ALT", "data": ""}),
            add("customer", "custom_field_10", children={"label": "Pet", "data": "Cat"}),
        ),
        id="customer-more-custom_field_N",
    ),
    pytest.param(
        "success",
        each(
            *(
                add("campaigns/campaign[1]", tag, text)
                for tag, text in [
                    ("first_transaction", "2010-01-05"),
                    ("in_coalition", "Y"),
                    ("created_stamp", "2017-11-23 12:45:38"),
                    ("points_ratio", "0.05"),
                    ("reward_ratio", "1"),
                    ("description", "Our points"),
                    ("opt_out", "N"),
                ]
            )
        ),
        id="campaign-extra-elements",
    ),
    pytest.param(
        "success",
        each(
            add("campaigns/campaign[1]/available_rewards/reward[1]", "name", "Widget"),
            add("campaigns/campaign[1]/available_rewards/reward[1]", "level", "1"),
            add("campaigns/campaign[1]/available_rewards/reward[1]", "reward_url", "https://x/y"),
        ),
        id="reward-extra-elements",
    ),
    pytest.param(
        "success",
        add("campaigns/campaign[3]/balances/item[1]", "image_url", "https://x/c.png"),
        id="item-extra-element",
    ),
    pytest.param(
        "coalition-success",
        add("campaigns/campaign[1]", "in_coalition", "Y"),
        id="coalition-campaign-extra-in_coalition",
    ),
    # The document does not close the lists either: an element beside the items.
    pytest.param("success", add("campaigns", "note", "x"), id="campaigns-extra-element"),
    pytest.param(
        "success",
        add("campaigns/campaign[1]/available_rewards", "count", "2", first=True),
        id="available_rewards-extra-element",
    ),
    pytest.param(
        "success",
        add("campaigns/campaign[3]/balances", "total", children={"balance": "27"}),
        id="balances-extra-element-with-children",
    ),
    # Attributes beyond status, on any element (the document is silent about attributes).
    pytest.param("success", set_attribute("version", "2.1"), id="root-extra-attribute"),
    pytest.param("no-match", set_attribute("version", "2.1"), id="root-extra-attribute-no_match"),
    pytest.param("error", set_attribute("code", "17", "error"), id="error-element-attribute"),
    pytest.param(
        "success",
        each(
            *(
                set_attribute("updated", "2017-11-23", path)
                for path in (
                    "customer",
                    "customer/code",
                    "customer/registered",
                    "customer/custom_date",
                    "customer/custom_field_2/label",
                    "campaigns",
                    "campaigns/campaign[1]",
                    "campaigns/campaign[1]/balance",
                    "campaigns/campaign[1]/glyph",
                    "campaigns/campaign[1]/available_rewards/reward[1]",
                    "campaigns/campaign[3]/balances/item[1]/earned",
                )
            )
        ),
        id="attributes-on-every-kind-of-element",
    ),
    # Empty elements written self-closing, and other lexical forms.
    pytest.param(
        "success",
        self_closing(
            "customer/street2",
            "customer/custom_field",
            "customer/state",
            "campaigns/campaign[1]/currency",
            "campaigns/campaign[1]/glyph",
        ),
        id="self-closing-empty-elements",
    ),
    pytest.param("success", set_text("customer/custom_field_2/data", None), id="custom_field_N-empty-data"),
    pytest.param("success", single_quoted_status, id="single-quoted-attribute"),
    pytest.param("no-match", single_quoted_status, id="single-quoted-attribute-no_match"),
    pytest.param("success", with_xml_declaration, id="xml-declaration"),
    # Optional content.
    pytest.param("success", drop("customer/custom_field"), id="custom_field-absent-hidden"),
    pytest.param("success", drop("campaigns"), id="campaigns-absent-include_balances-N"),
    pytest.param("success", each(*(drop("campaigns/campaign[1]") for _ in range(3))), id="no-campaigns"),
    pytest.param(
        "success", each(drop("campaigns/campaign[2]"), drop("campaigns/campaign[2]")), id="one-campaign-campaign_id"
    ),
    pytest.param("success", drop("campaigns/campaign[1]/available_rewards"), id="campaign-without-available_rewards"),
    pytest.param(
        "success",
        each(
            drop("campaigns/campaign[1]/available_rewards/reward[2]"),
            drop("campaigns/campaign[1]/available_rewards/reward[1]"),
        ),
        id="available_rewards-empty",
    ),
    pytest.param(
        "success", each(*(drop("campaigns/campaign[3]/balances/item[1]") for _ in range(3))), id="buyx-balances-empty"
    ),
    pytest.param(
        "success", drop("campaigns/campaign[1]/available_rewards/reward[1]/reward_id"), id="reward-without-reward_id"
    ),
    pytest.param("success", drop("campaigns/campaign[3]/balances/item[1]/item_id"), id="item-without-item_id"),
    # Values.
    pytest.param("success", set_text("customer/custom_date", "0000-00-00"), id="custom_date-0000-00-00"),
    pytest.param("success", set_text("customer/custom_date", None), id="custom_date-empty"),
    pytest.param(
        "success", set_text("campaigns/campaign[1]/last_transaction", "0000-00-00"), id="last_transaction-0000-00-00"
    ),
    pytest.param("success", set_text("campaigns/campaign[1]/last_transaction", ""), id="last_transaction-empty"),
    pytest.param("success", set_text("customer/registered", "N"), id="registered-N"),
    pytest.param("success", set_text("campaigns/campaign[1]/balance", "-25.50"), id="negative-balance"),
    pytest.param("success", set_text("campaigns/campaign[2]/type", "rebate"), id="undocumented-campaign-type"),
]


@pytest.mark.parametrize(("stem", "mutate"), XML_ACCEPTED)
def test_xsd_accepts_variation(xsd, stem: str, mutate: XmlMutation) -> None:
    text = xml_document(stem, mutate)
    assert [f"{e.path}: {e.reason}" for e in xsd_errors(xsd, text)] == []


JSON_ACCEPTED = [
    pytest.param(
        "success",
        jeach(
            jset("campaigns", 0, "balance", 1500),
            jset("campaigns", 0, "cumulative", 4500),
            jset("campaigns", 0, "monetary_balance", 10.0),
            jset("campaigns", 2, "balances", 0, "earned", 1),
            jset("campaigns", 2, "balances", 0, "earn_ratio", 10),
        ),
        id="amounts-as-numbers",
    ),
    pytest.param(
        "success",
        jeach(
            jset("customer", "code", 89898989898989),
            jset("customer", "card_number", 1212121212),
            jset("campaigns", 0, "id", 1234567890123456),
        ),
        id="identifiers-as-numbers",
    ),
    pytest.param(
        "success", jset("customer", "record_timestamp", "2017-11-23 12:45:38"), id="customer-extra-record_timestamp"
    ),
    pytest.param("success", jset("server_time", "2017-11-23 12:45:38"), id="success-extra-envelope-property"),
    pytest.param("error", jset("code", "17"), id="error-extra-envelope-property"),
    pytest.param(
        "success",
        jeach(
            jset("customer", "custom_field_3", {"label": "Sentinel ALT", "data": ""}),
            jset("customer", "custom_field_10", {"label": "Pet", "data": "Cat"}),
        ),
        id="customer-more-custom_field_N",
    ),
    pytest.param(
        "success",
        jeach(
            *(
                jset("campaigns", 0, key, value)
                for key, value in [
                    ("first_transaction", "2010-01-05"),
                    ("in_coalition", "Y"),
                    ("created_stamp", "2017-11-23 12:45:38"),
                    ("points_ratio", "0.05"),
                    ("reward_ratio", "1"),
                    ("description", "Our points"),
                    ("opt_out", "N"),
                ]
            )
        ),
        id="campaign-extra-properties",
    ),
    pytest.param(
        "success",
        jeach(
            jset("campaigns", 0, "available_rewards", 0, "name", "Widget"),
            jset("campaigns", 0, "available_rewards", 0, "level", "1"),
            jset("campaigns", 0, "available_rewards", 0, "reward_url", "https://x/y"),
        ),
        id="reward-extra-properties",
    ),
    pytest.param(
        "success", jset("campaigns", 2, "balances", 0, "image_url", "https://x/c.png"), id="item-extra-property"
    ),
    pytest.param("success", jset("customer", "custom_field_2", "data", ""), id="custom_field_N-empty-data"),
    pytest.param("success", jset("customer", "street2", ""), id="empty-string"),
    pytest.param("success", jdrop("customer", "custom_field"), id="custom_field-absent-hidden"),
    pytest.param("success", jdrop("campaigns"), id="campaigns-absent-include_balances-N"),
    pytest.param("success", jset("campaigns", []), id="no-campaigns"),
    pytest.param("success", jdrop("campaigns", 0, "available_rewards"), id="campaign-without-available_rewards"),
    pytest.param("success", jset("campaigns", 0, "available_rewards", []), id="available_rewards-empty"),
    pytest.param("success", jset("campaigns", 2, "balances", []), id="buyx-balances-empty"),
    pytest.param("success", jset("customer", "custom_date", "0000-00-00"), id="custom_date-0000-00-00"),
    pytest.param("success", jset("customer", "custom_date", ""), id="custom_date-empty"),
    pytest.param("success", jset("campaigns", 0, "last_transaction", "0000-00-00"), id="last_transaction-0000-00-00"),
    pytest.param("success", jset("campaigns", 0, "last_transaction", ""), id="last_transaction-empty"),
    pytest.param("success", jset("customer", "registered", "N"), id="registered-N"),
    pytest.param(
        "error", jeach(jdrop("error"), jset("errors", ["Invalid account", "Missing code"])), id="errors-array"
    ),
]


@pytest.mark.parametrize(("stem", "mutate"), JSON_ACCEPTED)
def test_json_schema_accepts_variation(json_validator, stem: str, mutate: JsonMutation) -> None:
    document = json_document(stem, mutate)
    assert [f"{e.json_path}: {e.message}" for e in json_errors(json_validator, document)] == []


# --------------------------------------------------------------------------------------------
# (d) Violations are rejected, each where its rule lives
# --------------------------------------------------------------------------------------------

C1 = "campaigns/campaign[1]"  # points campaign "Widget Rewards"
C2 = "campaigns/campaign[2]"  # "earned" campaign "Employee Rewards"
C3 = "campaigns/campaign[3]"  # buyx campaign "Frequent Buyer"

XML_REJECTED = [
    # "All fields are returned on this call": each documented customer field is required.
    *(
        pytest.param("success", drop(f"customer/{field}"), "/response/customer", id=f"customer-missing-{field}")
        for field in CUSTOMER_FIELDS
    ),
    pytest.param("success", duplicate("customer/city"), "/response/customer", id="customer-repeated-city"),
    pytest.param(
        "success", duplicate("customer/custom_field"), "/response/customer", id="customer-repeated-custom_field"
    ),
    pytest.param(
        "success", set_text("customer/registered", "Yes"), "/response/customer/registered", id="registered-Yes"
    ),
    pytest.param("success", flatten_custom_field, "/response/customer", id="custom_field_2-flattened"),
    pytest.param(
        "success", drop("customer/custom_field_2/data"), "/response/customer", id="custom_field_2-without-data"
    ),
    pytest.param(
        "success",
        add("customer", "custom_field_7", children={"label": "Pet"}),
        "/response/customer",
        id="extra-custom_field_7-without-data",
    ),
    pytest.param(
        "success",
        add("customer/first_name", "given", "John"),
        "/response/customer/first_name",
        id="customer-field-with-child-element",
    ),
    # Campaigns.
    *(
        pytest.param(
            "success", drop(f"{C1}/{field}"), "/response/campaigns/campaign[1]", id=f"campaign-missing-{field}"
        )
        for field in ["id", "name", "type", "last_transaction"]
    ),
    pytest.param(
        "success", duplicate(f"{C1}/balance"), "/response/campaigns/campaign[1]", id="campaign-repeated-balance"
    ),
    pytest.param("success", drop(f"{C3}/balances"), "/response/campaigns/campaign[3]", id="buyx-without-balances"),
    pytest.param("success", drop(f"{C1}/balance"), "/response/campaigns/campaign[1]", id="points-without-balance"),
    pytest.param(
        "success", drop(f"{C1}/cumulative"), "/response/campaigns/campaign[1]", id="points-without-cumulative"
    ),
    pytest.param("success", drop(f"{C2}/balance"), "/response/campaigns/campaign[2]", id="earned-without-balance"),
    pytest.param(
        "success",
        drop(f"{C1}/available_rewards/reward[2]/needed_to_redeem"),
        "/response/campaigns/campaign[1]",
        id="points-reward-missing-needed_to_redeem",
    ),
    pytest.param(
        "success",
        drop(f"{C1}/available_rewards/reward[1]/id"),
        "/response/campaigns/campaign[1]",
        id="points-reward-missing-id",
    ),
    pytest.param(
        "success",
        drop(f"{C1}/available_rewards/reward[1]/description"),
        "/response/campaigns/campaign[1]",
        id="points-reward-missing-description",
    ),
    pytest.param(
        "success",
        drop(f"{C3}/available_rewards/reward[1]/earn_ratio"),
        "/response/campaigns/campaign[3]",
        id="buyx-reward-missing-earn_ratio",
    ),
    pytest.param(
        "success",
        drop(f"{C3}/available_rewards/reward[2]/name"),
        "/response/campaigns/campaign[3]",
        id="buyx-reward-missing-name",
    ),
    *(
        pytest.param(
            "success",
            drop(f"{C3}/balances/item[1]/{field}"),
            "/response/campaigns/campaign[3]/balances/item[1]",
            id=f"item-missing-{field}",
        )
        for field in ITEM_FIELDS
    ),
    # Values.
    pytest.param(
        "success", set_text(f"{C1}/balance", "1,500"), "/response/campaigns/campaign[1]/balance", id="balance-1,500"
    ),
    pytest.param(
        "success",
        set_text(f"{C1}/monetary_balance", "10,00"),
        "/response/campaigns/campaign[1]/monetary_balance",
        id="monetary_balance-10,00",
    ),
    pytest.param(
        "coalition-success",
        set_text(f"{C1}/balance_coalition", "1 500"),
        "/response/campaigns/campaign[1]/balance_coalition",
        id="balance_coalition-1-500",
    ),
    pytest.param(
        "success",
        set_text(f"{C1}/available_rewards/reward[1]/needed_to_redeem", "1,000"),
        "/response/campaigns/campaign[1]/available_rewards/reward[1]/needed_to_redeem",
        id="needed_to_redeem-1,000",
    ),
    pytest.param(
        "success",
        set_text(f"{C3}/balances/item[1]/balance", "1,400"),
        "/response/campaigns/campaign[3]/balances/item[1]/balance",
        id="item-balance-1,400",
    ),
    pytest.param(
        "success",
        set_text(f"{C3}/balances/item[1]/earned", "-1"),
        "/response/campaigns/campaign[3]/balances/item[1]/earned",
        id="earned-negative",
    ),
    pytest.param(
        "success",
        set_text(f"{C3}/balances/item[1]/earned", "1.5"),
        "/response/campaigns/campaign[3]/balances/item[1]/earned",
        id="earned-fractional",
    ),
    pytest.param(
        "success",
        set_text(f"{C3}/balances/item[1]/redeemed", "-1"),
        "/response/campaigns/campaign[3]/balances/item[1]/redeemed",
        id="redeemed-negative",
    ),
    pytest.param(
        "success",
        set_text(f"{C1}/last_transaction", "31/12/2011"),
        "/response/campaigns/campaign[1]/last_transaction",
        id="last_transaction-31/12/2011",
    ),
    pytest.param(
        "success",
        set_text("customer/custom_date", "31/12/2011"),
        "/response/customer/custom_date",
        id="custom_date-31/12/2011",
    ),
    pytest.param(
        "success",
        set_text("customer/custom_date", "2011-13-01"),
        "/response/customer/custom_date",
        id="custom_date-month-13",
    ),
    # Envelopes.
    pytest.param("success", rename(".", "result"), "/result", id="wrong-root-element"),
    pytest.param("success", set_attribute("status", None), "/response", id="status-missing"),
    pytest.param("success", set_attribute("status", "ok"), "/response", id="status-ok"),
    pytest.param("success", set_attribute("status", "Success"), "/response", id="status-Success"),
    pytest.param("success", drop("customer"), "/response", id="success-without-customer"),
    pytest.param(
        "success", wrap_children("campaigns", "list"), "/response/campaigns", id="campaigns-hidden-in-a-wrapper"
    ),
    pytest.param(
        "success",
        wrap_children(f"{C3}/balances", "items"),
        "/response/campaigns/campaign[3]/balances",
        id="balances-hidden-in-a-wrapper",
    ),
    # An attribute does not excuse a value: the text is still typed.
    pytest.param(
        "success",
        each(set_attribute("unit", "points", f"{C1}/balance"), set_text(f"{C1}/balance", "1,500")),
        "/response/campaigns/campaign[1]/balance",
        id="balance-with-attribute-1,500",
    ),
    pytest.param(
        "success",
        each(set_attribute("x", "1", f"{C3}/balances/item[1]/earned"), set_text(f"{C3}/balances/item[1]/earned", "-1")),
        "/response/campaigns/campaign[3]/balances/item[1]/earned",
        id="earned-with-attribute-negative",
    ),
    pytest.param(
        "success",
        wrap_children(f"{C1}/available_rewards", "rewards"),
        "/response/campaigns/campaign[1]/available_rewards",
        id="available_rewards-non-reward-child",
    ),
    pytest.param("no-match", drop("message"), "/response", id="no_match-without-message"),
    pytest.param("no-match", set_text("message", None), "/response/message", id="no_match-empty-message"),
    pytest.param("error", drop("error"), "/response", id="error-without-error"),
    pytest.param("error", rename("error", "message"), "/response", id="error-with-message-instead"),
    pytest.param("error", set_text("error", None), "/response/error", id="error-empty-error"),
]


@pytest.mark.parametrize(("stem", "mutate", "where"), XML_REJECTED)
def test_xsd_rejects_violation(xsd, stem: str, mutate: XmlMutation, where: str) -> None:
    errors = xsd_errors(xsd, xml_document(stem, mutate))
    assert errors, "the XSD accepted it"
    assert where in {e.path for e in errors}, [f"{e.path}: {e.reason}" for e in errors]


JSON_REJECTED = [
    *(
        pytest.param("success", jdrop("customer", field), "$.customer", id=f"customer-missing-{field}")
        for field in CUSTOMER_FIELDS
    ),
    pytest.param("success", jset("customer", "registered", "Yes"), "$.customer.registered", id="registered-Yes"),
    pytest.param("success", jset("customer", "registered", 1), "$.customer.registered", id="registered-number"),
    pytest.param(
        "success", jset("customer", "custom_field_2", "Single"), "$.customer.custom_field_2", id="custom_field_2-string"
    ),
    pytest.param(
        "success",
        jdrop("customer", "custom_field_2", "data"),
        "$.customer.custom_field_2",
        id="custom_field_2-without-data",
    ),
    pytest.param("success", jset("customer", "city", None), "$.customer.city", id="customer-field-null"),
    pytest.param(
        "success",
        jset("customer", "first_name", {"given": "John"}),
        "$.customer.first_name",
        id="customer-field-object",
    ),
    *(
        pytest.param("success", jdrop("campaigns", 0, field), "$.campaigns[0]", id=f"campaign-missing-{field}")
        for field in ["id", "name", "type", "last_transaction"]
    ),
    pytest.param("success", jdrop("campaigns", 2, "balances"), "$.campaigns[2]", id="buyx-without-balances"),
    pytest.param("success", jdrop("campaigns", 0, "balance"), "$.campaigns[0]", id="points-without-balance"),
    pytest.param("success", jdrop("campaigns", 0, "cumulative"), "$.campaigns[0]", id="points-without-cumulative"),
    pytest.param("success", jdrop("campaigns", 1, "balance"), "$.campaigns[1]", id="earned-without-balance"),
    pytest.param(
        "success",
        jdrop("campaigns", 0, "available_rewards", 1, "needed_to_redeem"),
        "$.campaigns[0].available_rewards[1]",
        id="points-reward-missing-needed_to_redeem",
    ),
    pytest.param(
        "success",
        jdrop("campaigns", 0, "available_rewards", 0, "id"),
        "$.campaigns[0].available_rewards[0]",
        id="points-reward-missing-id",
    ),
    pytest.param(
        "success",
        jdrop("campaigns", 0, "available_rewards", 0, "description"),
        "$.campaigns[0].available_rewards[0]",
        id="points-reward-missing-description",
    ),
    pytest.param(
        "success",
        jdrop("campaigns", 2, "available_rewards", 0, "earn_ratio"),
        "$.campaigns[2].available_rewards[0]",
        id="buyx-reward-missing-earn_ratio",
    ),
    pytest.param(
        "success",
        jdrop("campaigns", 2, "available_rewards", 1, "name"),
        "$.campaigns[2].available_rewards[1]",
        id="buyx-reward-missing-name",
    ),
    *(
        pytest.param(
            "success",
            jdrop("campaigns", 2, "balances", 0, field),
            "$.campaigns[2].balances[0]",
            id=f"item-missing-{field}",
        )
        for field in ITEM_FIELDS
    ),
    pytest.param("success", jset("campaigns", 0, "balance", "1,500"), "$.campaigns[0].balance", id="balance-1,500"),
    pytest.param("success", jset("campaigns", 0, "balance", "1 500"), "$.campaigns[0].balance", id="balance-1-500"),
    pytest.param(
        "coalition-success",
        jset("campaigns", 0, "cumulative_coalition", "8.350,00"),
        "$.campaigns[0].cumulative_coalition",
        id="cumulative_coalition-8.350,00",
    ),
    pytest.param(
        "success",
        jset("campaigns", 0, "available_rewards", 0, "needed_to_redeem", "1,000"),
        "$.campaigns[0].available_rewards[0].needed_to_redeem",
        id="needed_to_redeem-1,000",
    ),
    pytest.param(
        "success",
        jset("campaigns", 2, "balances", 0, "earned", "-1"),
        "$.campaigns[2].balances[0].earned",
        id="earned-negative-string",
    ),
    pytest.param(
        "success",
        jset("campaigns", 2, "balances", 0, "earned", -1),
        "$.campaigns[2].balances[0].earned",
        id="earned-negative-number",
    ),
    pytest.param(
        "success",
        jset("campaigns", 2, "balances", 0, "earned", "1.5"),
        "$.campaigns[2].balances[0].earned",
        id="earned-fractional-string",
    ),
    pytest.param(
        "success",
        jset("campaigns", 2, "balances", 0, "earned", 1.5),
        "$.campaigns[2].balances[0].earned",
        id="earned-fractional-number",
    ),
    pytest.param(
        "success",
        jset("campaigns", 0, "last_transaction", "31/12/2011"),
        "$.campaigns[0].last_transaction",
        id="last_transaction-31/12/2011",
    ),
    pytest.param(
        "success", jset("customer", "custom_date", "31/12/2011"), "$.customer.custom_date", id="custom_date-31/12/2011"
    ),
    pytest.param(
        "success", jset("customer", "custom_date", 19700714), "$.customer.custom_date", id="custom_date-number"
    ),
    # Lists are arrays.
    pytest.param("success", jwrap("campaigns", "campaign"), "$.campaigns", id="campaigns-as-object"),
    pytest.param(
        "success",
        jset(
            "campaigns",
            {"id": "1", "name": "x", "type": "points", "balance": "1", "cumulative": "1", "last_transaction": ""},
        ),
        "$.campaigns",
        id="single-campaign-as-object",
    ),
    pytest.param(
        "success",
        jwrap("campaigns", 0, "available_rewards", "reward"),
        "$.campaigns[0].available_rewards",
        id="available_rewards-as-object",
    ),
    pytest.param(
        "success", jwrap("campaigns", 2, "balances", "item"), "$.campaigns[2].balances", id="balances-as-object"
    ),
    # Envelopes.
    pytest.param("success", jdrop("status"), "$", id="status-missing"),
    pytest.param("success", jset("status", "ok"), "$.status", id="status-ok"),
    pytest.param("success", jdrop("customer"), "$", id="success-without-customer"),
    pytest.param("no-match", jdrop("message"), "$", id="no_match-without-message"),
    pytest.param("no-match", jset("message", ""), "$.message", id="no_match-empty-message"),
    pytest.param("error", jdrop("error"), "$", id="error-without-error"),
    pytest.param("error", jset("error", ["Error message"]), "$.error", id="error-as-array"),
    pytest.param("error", jeach(jdrop("error"), jset("errors", [])), "$.errors", id="errors-empty"),
]


@pytest.mark.parametrize(("stem", "mutate", "where"), JSON_REJECTED)
def test_json_schema_rejects_violation(json_validator, stem: str, mutate: JsonMutation, where: str) -> None:
    errors = json_errors(json_validator, json_document(stem, mutate))
    assert errors, "the JSON Schema accepted it"
    assert where in {e.json_path for e in errors}, [f"{e.json_path}: {e.message}" for e in errors]
