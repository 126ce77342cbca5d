"""Shape: the answer matches the documented XML or JSON shape."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conformance import schemas
from conformance.checks import Evidence, Finding, Reporter, check
from conformance.document import (
    CAMPAIGN_FIELDS,
    CAMPAIGN_FIELDS_BY_TYPE,
    CUSTOM_FIELD_N,
    CUSTOMER_FIELDS,
    ITEM_FIELDS,
    REWARD_FIELDS,
    campaigns,
    customer,
    items,
)


@check(
    "response_schema_conformance",
    "EXAMPLE-SUCCESS", "EXAMPLE-COALITION", "EXAMPLE-NO-MATCH", "EXAMPLE-ERROR", "NOTE-ALL-FIELDS",
    "EXAMPLE-CUSTOM-FIELD-N", "EXAMPLE-POINTS-REWARDS", "EXAMPLE-BUYX-ITEMS", "NOTE-REGISTERED", "BUYX-REDEEMED",
)  # fmt: skip
def response_schema_conformance(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """XML answers validate against schemas/response.xsd, JSON(P) against response.schema.json."""
    assert e.answer is not None
    r.checked(*_schema_judges(e))
    for requirement, part in _SCHEMA_PARTS.items():
        r.not_applicable(f"no {part} in the answer to validate", requirement)
    validator = schemas.shared()
    if e.answer.format == "xml":
        errors = validator.xml_errors(e.exchange.body, e.answer.xml)
        name = "schemas/response.xsd"
    else:
        errors = validator.json_errors(e.exchange.body, e.document)
        name = "schemas/response.schema.json"
    for error in errors:
        yield r.fail(
            _schema_requirement(e, error),
            f"the answer does not match {name}",
            where=error.where,
            got=error.reason,
        )


def _schema_judges(e: Evidence) -> list[str]:
    """The parts of the document's examples this answer carries, so the schema could
    have shown them broken: a BuyX item only where there is one, and so on."""
    status = e.document.get("status")
    if status in ("no_match", "error"):  # a tuple: any status, even a dict, can be looked up
        return [_ENVELOPE[status]]
    if status != "success":
        return []
    judged = ["EXAMPLE-SUCCESS", "NOTE-ALL-FIELDS"]
    if "registered" in customer(e.document):
        judged.append("NOTE-REGISTERED")
    if any(CUSTOM_FIELD_N.match(name) for name in customer(e.document)):
        judged.append("EXAMPLE-CUSTOM-FIELD-N")
    found = campaigns(e.document)
    if any(c.get("type") != "buyx" and items(c, "available_rewards") for c in found):
        judged.append("EXAMPLE-POINTS-REWARDS")
    buyx_items = [item for c in found if c.get("type") == "buyx" for item in items(c, "balances")]
    if buyx_items or any(c.get("type") == "buyx" and items(c, "available_rewards") for c in found):
        judged.append("EXAMPLE-BUYX-ITEMS")
    if any("redeemed" in item for item in buyx_items):
        judged.append("BUYX-REDEEMED")
    if found and e.case.coalition:
        judged.append("EXAMPLE-COALITION")
    return judged


_ENVELOPE = {"no_match": "EXAMPLE-NO-MATCH", "error": "EXAMPLE-ERROR"}
_SCHEMA_PARTS = {
    "EXAMPLE-SUCCESS": "success envelope",
    "NOTE-ALL-FIELDS": "customer",
    "EXAMPLE-NO-MATCH": "no_match envelope",
    "EXAMPLE-ERROR": "error envelope",
    "NOTE-REGISTERED": "registered field",
    "EXAMPLE-CUSTOM-FIELD-N": "custom_field_N",
    "EXAMPLE-POINTS-REWARDS": "points campaign reward",
    "EXAMPLE-BUYX-ITEMS": "BuyX item or reward",
    "BUYX-REDEEMED": "BuyX item",
    "EXAMPLE-COALITION": "coalition campaign",
}
_CAMPAIGN_INDEX = re.compile(r"/campaigns/(?:campaign\[(\d+)\]|(\d+))")
# The schema types <redeemed> as a count ("the number of free items"); a balance is an
# amount there (buyx_counts_are_whole_numbers judges BUYX-BALANCE).
_ITEM_COUNT = {"redeemed": "BUYX-REDEEMED"}


def campaign_example(e: Evidence) -> str:
    """The example a campaign's shape comes from: the coalition one in a coalition account."""
    return "EXAMPLE-COALITION" if getattr(e.case, "coalition", False) else "EXAMPLE-SUCCESS"


def _schema_requirement(e: Evidence, error: schemas.SchemaError) -> str:
    """The one sentence or example of the document a schema error breaks, from the
    error's structured fields alone: its path, and for an XSD assertion (reported at the
    element that holds it) its test, which says what it is about. Never from the
    library's wording (``reason``), which a new version of the library may change."""
    status = e.document.get("status")
    if status in ("no_match", "error"):
        return _ENVELOPE[status]
    where, test = error.where, error.test
    leaf = where.rstrip("/").rsplit("/", 1)[-1]
    if leaf == "registered":
        return "NOTE-REGISTERED"
    if "custom_field_" in where or "custom_field_" in test:
        return "EXAMPLE-CUSTOM-FIELD-N"
    if "/balances" in where:
        return _ITEM_COUNT.get(leaf, "EXAMPLE-BUYX-ITEMS")
    if "reward" in where or "available_rewards" in test:
        return "EXAMPLE-BUYX-ITEMS" if _campaign_at(e, where).get("type") == "buyx" else "EXAMPLE-POINTS-REWARDS"
    if "/customer" in where:
        return "NOTE-ALL-FIELDS"
    if "/campaign" in where:
        return campaign_example(e)
    return "EXAMPLE-SUCCESS"


def _campaign_at(e: Evidence, where: str) -> dict[str, Any]:
    """The campaign a location names (XPath campaign[N], 1-based; JSON pointer, 0-based)."""
    match = _CAMPAIGN_INDEX.search(where)
    found = campaigns(e.document)
    if match is None:
        return {}
    index = int(match.group(1)) - 1 if match.group(1) else int(match.group(2))
    return found[index] if 0 <= index < len(found) else {}


@check("documented_customer_fields_present", "NOTE-ALL-FIELDS")
def documented_customer_fields_present(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """ "All fields are returned on this call": every documented customer field is there
    (custom_field is judged by hide_custom_field's check)."""
    if e.document.get("status") != "success":
        r.not_applicable("not a success answer")
        return
    r.checked("NOTE-ALL-FIELDS")
    present = customer(e.document)
    missing = [name for name in CUSTOMER_FIELDS if name != "custom_field" and name not in present]
    if missing:
        yield r.fail(
            "NOTE-ALL-FIELDS",
            "documented customer fields are missing",
            where="customer",
            expected="all of " + ", ".join(CUSTOMER_FIELDS),
            got="missing: " + ", ".join(missing),
        )


@check("custom_field_n_is_label_and_data", "EXAMPLE-CUSTOM-FIELD-N")
def custom_field_n_is_label_and_data(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """Doc example lines 19-22: custom_field_N carries a label and a data."""
    found = [(name, value) for name, value in customer(e.document).items() if CUSTOM_FIELD_N.match(name)]
    if not found:
        r.not_applicable("no custom_field_N in the answer (give the profile a customer with custom fields)")
        return
    r.checked("EXAMPLE-CUSTOM-FIELD-N")
    for name, value in found:
        if not (isinstance(value, dict) and "label" in value and "data" in value):
            yield r.fail(
                "EXAMPLE-CUSTOM-FIELD-N",
                f"{name} is not a label and a data",
                where=f"customer/{name}",
                expected="{label, data}",
                got=repr(value)[:80],
            )


@check("json_scalars_are_strings", records=True)
def json_scalars_are_strings(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """Real clients parse strings; numbers and booleans are tolerated, with a warning."""
    assert e.answer is not None
    odd = [note.split(":", 1) for note in e.answer.notes if note.split(":", 1)[0] in ("number", "boolean", "null")]
    if odd:
        where = ", ".join(pointer for _, pointer in odd[:5]) + (" ..." if len(odd) > 5 else "")
        kinds = sorted({kind for kind, _ in odd})
        yield r.warn(
            f"JSON scalars sent as {'/'.join(kinds)}, not strings (the live service "
            "sends strings; Gson and dict clients cope, typed clients may not)",
            where=where,
        )


@check("xml_text_outside_cdata", records=True)
def xml_text_outside_cdata(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """CDATA is legal XML, but a PHP SimpleXML client that does not pass LIBXML_NOCDATA
    reads every value inside one as an empty array (real-clients.md): warned."""
    assert e.answer is not None
    cdata = [note.split(":", 1)[1] for note in e.answer.notes if note.startswith("cdata:")]
    if cdata:
        where = ", ".join(cdata[:5]) + (" ..." if len(cdata) > 5 else "")
        yield r.warn(
            f"{len(cdata)} value(s) in CDATA sections: PHP SimpleXML clients without LIBXML_NOCDATA read them as empty",
            where=where,
        )


# Doc, success example: what each campaign, reward and item carries, by campaign type.


@check(
    "campaigns_carry_documented_fields",
    "EXAMPLE-SUCCESS",
    "EXAMPLE-COALITION",
    "EXAMPLE-POINTS-REWARDS",
    "EXAMPLE-BUYX-ITEMS",
)
def campaigns_carry_documented_fields(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """Each campaign, reward and item has the fields the examples show for its type
    (the schemas say so too; this names the missing field, in XML and JSON alike)."""
    found = campaigns(e.document)
    if not found:
        r.not_applicable("no campaign in the answer")
    for i, campaign in enumerate(found):
        kind = "buyx" if campaign.get("type") == "buyx" else None
        example = campaign_example(e)
        r.checked(example)
        missing = [name for name in CAMPAIGN_FIELDS + CAMPAIGN_FIELDS_BY_TYPE[kind] if name not in campaign]
        if missing:
            yield r.fail(
                example,
                f"campaign {campaign.get('id')} lacks documented fields",
                where=f"campaigns/{i}",
                got="missing: " + ", ".join(missing),
            )
        reward_requirement = "EXAMPLE-BUYX-ITEMS" if kind else "EXAMPLE-POINTS-REWARDS"
        for j, reward in enumerate(items(campaign, "available_rewards")):
            r.checked(reward_requirement)
            missing = [name for name in REWARD_FIELDS[kind] if name not in reward]
            if missing:
                yield r.fail(
                    reward_requirement,
                    f"a reward of campaign {campaign.get('id')} lacks documented fields",
                    where=f"campaigns/{i}/available_rewards/{j}",
                    got="missing: " + ", ".join(missing),
                )
        for j, item in enumerate(items(campaign, "balances")):
            r.checked("EXAMPLE-BUYX-ITEMS")
            missing = [name for name in ITEM_FIELDS if name not in item]
            if missing:
                yield r.fail(
                    "EXAMPLE-BUYX-ITEMS",
                    f"a BuyX item of campaign {campaign.get('id')} lacks documented fields",
                    where=f"campaigns/{i}/balances/{j}",
                    got="missing: " + ", ".join(missing),
                )
    r.not_applicable(
        "no reward or BuyX item of that kind in the answer", "EXAMPLE-POINTS-REWARDS", "EXAMPLE-BUYX-ITEMS"
    )
    r.not_applicable(
        "not a coalition account's answer"
        if not getattr(e.case, "coalition", False)
        else "a coalition account's answer",
        "EXAMPLE-SUCCESS",
        "EXAMPLE-COALITION",
    )


_LISTS = (
    ("campaigns", "CALL-RETRIEVES"),
    ("available_rewards", "EXAMPLE-POINTS-REWARDS"),
    ("balances", "EXAMPLE-BUYX-ITEMS"),
)


@check("lists_name_each_entry_once", "CALL-RETRIEVES", "EXAMPLE-POINTS-REWARDS", "EXAMPLE-BUYX-ITEMS")
def lists_name_each_entry_once(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """A campaign, a reward or a BuyX item is listed at most once in one answer: a
    duplicate states a customer's balances twice (which one would a client believe?)."""
    found = campaigns(e.document)
    if not found:
        r.not_applicable("no campaign in the answer")
        return
    r.checked("CALL-RETRIEVES")
    yield from _duplicates(r, "CALL-RETRIEVES", "campaigns", [("id", c.get("id")) for c in found])
    for i, campaign in enumerate(found):
        rewards = items(campaign, "available_rewards")
        requirement = "EXAMPLE-BUYX-ITEMS" if campaign.get("type") == "buyx" else "EXAMPLE-POINTS-REWARDS"
        if rewards:
            r.checked(requirement)
            yield from _duplicates(
                r, requirement, f"campaigns/{i}/available_rewards", [_entry_key(reward) for reward in rewards]
            )
        entries = items(campaign, "balances")
        if entries:
            r.checked("EXAMPLE-BUYX-ITEMS")
            yield from _duplicates(
                r, "EXAMPLE-BUYX-ITEMS", f"campaigns/{i}/balances", [_entry_key(item) for item in entries]
            )
    r.not_applicable(
        "no reward or BuyX item of that kind in the answer", "EXAMPLE-POINTS-REWARDS", "EXAMPLE-BUYX-ITEMS"
    )


def _entry_key(entry: dict[str, Any]) -> tuple[str, object]:
    # A reward or item is named by its id where it has one, else by its name (Books has no item_id).
    for name in ("id", "item_id", "name"):
        if entry.get(name) not in (None, ""):
            return name, entry[name]
    return "entry", repr(sorted(entry.items(), key=str))


def _duplicates(r: Reporter, requirement: str, where: str, keys: list[tuple[str, object]]) -> Iterator[Finding]:
    seen: set[str] = set()
    for name, value in keys:
        key = f"{name} {value!r}"
        if key in seen:
            yield r.fail(
                requirement,
                f"{where} lists {key} more than once",
                where=where,
                expected="each entry once",
                got=f"{key} {sum(1 for k in keys if k == (name, value))} times",
            )
        seen.add(key)
