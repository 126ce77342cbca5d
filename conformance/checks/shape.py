"""Shape: the answer matches the documented XML or JSON shape."""

from __future__ import annotations

from typing import Iterator

from conformance import schemas
from conformance.checks import Finding, Observation, Reporter, check
from conformance.document import CUSTOM_FIELD_N, CUSTOMER_FIELDS, campaigns, customer, items


@check(
    "response_schema_conformance",
    "EXAMPLE-SUCCESS", "EXAMPLE-COALITION", "EXAMPLE-NO-MATCH", "EXAMPLE-ERROR", "NOTE-ALL-FIELDS",
    "EXAMPLE-CUSTOM-FIELD-N", "EXAMPLE-POINTS-REWARDS", "EXAMPLE-BUYX-ITEMS",
)  # fmt: skip
def response_schema_conformance(o: Observation, r: Reporter) -> Iterator[Finding]:
    """XML answers validate against schemas/response.xsd, JSON(P) against response.schema.json."""
    assert o.answer is not None
    validator = schemas.shared()
    if o.answer.format == "xml":
        errors = validator.xml_errors(o.exchange.body, o.answer.xml)
        name = "schemas/response.xsd"
    else:
        errors = validator.json_errors(o.exchange.body, o.document)
        name = "schemas/response.schema.json"
    for error in errors:
        yield r.fail(f"the answer does not match {name}", requirements=(_schema_requirement(o, error.where),), where=error.where, got=error.reason)


def _schema_requirement(o: Observation, where: str) -> str:
    """The one sentence or example of the document a schema error at ``where`` breaks."""
    status = o.document.get("status")
    if status == "no_match":
        return "EXAMPLE-NO-MATCH"
    if status == "error":
        return "EXAMPLE-ERROR"
    for marker, requirement in (
        ("custom_field_", "EXAMPLE-CUSTOM-FIELD-N"),
        ("balances", "EXAMPLE-BUYX-ITEMS"),
        ("item", "EXAMPLE-BUYX-ITEMS"),
        ("reward", "EXAMPLE-POINTS-REWARDS"),
    ):
        if marker in where:
            return requirement
    if "customer" in where:
        return "NOTE-ALL-FIELDS"
    if "campaign" in where and o.case.coalition:
        return "EXAMPLE-COALITION"
    return "EXAMPLE-SUCCESS"


@check("documented_customer_fields_present", "NOTE-ALL-FIELDS")
def documented_customer_fields_present(o: Observation, r: Reporter) -> Iterator[Finding]:
    """"All fields are returned on this call": every documented customer field is there
    (custom_field is judged by hide_custom_field's check)."""
    if o.document.get("status") != "success":
        return
    present = customer(o.document)
    missing = [name for name in CUSTOMER_FIELDS if name != "custom_field" and name not in present]
    if missing:
        yield r.fail("documented customer fields are missing", where="customer", expected="all of " + ", ".join(CUSTOMER_FIELDS), got="missing: " + ", ".join(missing))


@check("custom_field_n_is_label_and_data", "EXAMPLE-CUSTOM-FIELD-N")
def custom_field_n_is_label_and_data(o: Observation, r: Reporter) -> Iterator[Finding]:
    """Doc example lines 19-22: custom_field_N carries a label and a data."""
    for name, value in customer(o.document).items():
        if CUSTOM_FIELD_N.match(name) and not (isinstance(value, dict) and "label" in value and "data" in value):
            yield r.fail(f"{name} is not a label and a data", where=f"customer/{name}", expected="{label, data}", got=repr(value)[:80])


@check("json_scalars_are_strings", "EXAMPLE-SUCCESS")
def json_scalars_are_strings(o: Observation, r: Reporter) -> Iterator[Finding]:
    """Real clients parse strings; numbers and booleans are tolerated, with a warning."""
    assert o.answer is not None
    odd = [note.split(":", 1) for note in o.answer.notes if note.split(":", 1)[0] in ("number", "boolean", "null")]
    if odd:
        where = ", ".join(pointer for _, pointer in odd[:5]) + (" ..." if len(odd) > 5 else "")
        kinds = sorted({kind for kind, _ in odd})
        yield r.warn(f"JSON scalars sent as {'/'.join(kinds)}, not strings (the live service sends strings)", where=where)


# Doc, success example: what each campaign, reward and item carries, by campaign type.
_CAMPAIGN_FIELDS = ("id", "name", "type", "last_transaction")
_BY_TYPE = {"buyx": ("balances",), None: ("balance", "cumulative")}
_REWARD_FIELDS = {"buyx": ("name", "earn_ratio"), None: ("id", "description", "needed_to_redeem")}
_ITEM_FIELDS = ("name", "balance", "earned", "cumulative", "redeemed", "earn_ratio")


@check("campaigns_carry_documented_fields", "EXAMPLE-SUCCESS", "EXAMPLE-POINTS-REWARDS", "EXAMPLE-BUYX-ITEMS")
def campaigns_carry_documented_fields(o: Observation, r: Reporter) -> Iterator[Finding]:
    """Each campaign, reward and item has the fields the examples show for its type
    (the schemas say so too; this names the missing field, in XML and JSON alike)."""
    for i, campaign in enumerate(campaigns(o.document)):
        kind = "buyx" if campaign.get("type") == "buyx" else None
        missing = [name for name in _CAMPAIGN_FIELDS + _BY_TYPE[kind] if name not in campaign]
        if missing:
            yield r.fail(f"campaign {campaign.get('id')} lacks documented fields", requirements=("EXAMPLE-SUCCESS",), where=f"campaigns/{i}", got="missing: " + ", ".join(missing))
        for j, reward in enumerate(items(campaign, "available_rewards")):
            missing = [name for name in _REWARD_FIELDS[kind] if name not in reward]
            if missing:
                requirement = "EXAMPLE-BUYX-ITEMS" if kind else "EXAMPLE-POINTS-REWARDS"
                yield r.fail(f"a reward of campaign {campaign.get('id')} lacks documented fields", requirements=(requirement,), where=f"campaigns/{i}/available_rewards/{j}", got="missing: " + ", ".join(missing))
        for j, item in enumerate(items(campaign, "balances")):
            missing = [name for name in _ITEM_FIELDS if name not in item]
            if missing:
                yield r.fail(f"a BuyX item of campaign {campaign.get('id')} lacks documented fields", requirements=("EXAMPLE-BUYX-ITEMS",), where=f"campaigns/{i}/balances/{j}", got="missing: " + ", ".join(missing))
