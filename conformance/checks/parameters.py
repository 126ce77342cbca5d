"""Parameters: each documented parameter does what the document says.

What a case's parameters require comes from ``cases.expect`` (the data in
``cases/parameters.yaml``); these checks compare the answer with it. Where the
document is silent the expectation says so, and the checks record what the target
did instead of judging it.
"""

from __future__ import annotations

import json
import re
from typing import Iterator

from conformance.cases import CUSTOMER_IDENTIFIERS, expect
from conformance.checks import Finding, Observation, Reporter, check
from conformance.document import campaign_ids, campaigns, customer, never_transacted

_FORMAT_NAMES = {"xml": "XML", "json": "JSON", "jsonp": "JSONP"}
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


@check("format_follows_output", "OUTPUT-DEFAULT-XML", "OUTPUT-JSON", "OUTPUT-CALLBACK-JSONP")
def format_follows_output(o: Observation, r: Reporter) -> Iterator[Finding]:
    """No output: XML. output=JSON: JSON. With a callback: JSONP."""
    assert o.answer is not None
    if o.case.probe:
        return  # probe_recorded says it all in one line
    wanted = expect(o.case)
    got = o.answer.format
    if wanted.format is None:
        yield r.unspecified(f"{wanted.silence('format')}: the target answered {_FORMAT_NAMES[got]}")
        return
    if got == wanted.format:
        return
    requirement = {"xml": "OUTPUT-DEFAULT-XML", "json": "OUTPUT-JSON", "jsonp": "OUTPUT-CALLBACK-JSONP"}[wanted.format]
    title = f"answered {_FORMAT_NAMES[got]}, not {_FORMAT_NAMES[wanted.format]}"
    if o.document.get("status") == "error":
        # An error may be raised before the output parameter is read; the document
        # shows errors in XML only, so their format is recorded, not judged.
        yield r.unspecified(f"an error envelope in {_FORMAT_NAMES[got]} where {_FORMAT_NAMES[wanted.format]} was asked for")
    elif not wanted.format_strict:
        yield r.warn(
            f"output={o.case.option('output')} {title}: the document names only JSON, but real clients send it in lower case",
            requirements=(requirement,), expected=_FORMAT_NAMES[wanted.format], got=_FORMAT_NAMES[got],
        )
    else:
        yield r.fail(title, requirements=(requirement,), expected=_FORMAT_NAMES[wanted.format], got=_FORMAT_NAMES[got])


@check("jsonp_callback_is_the_name_sent", "OUTPUT-CALLBACK-JSONP")
def jsonp_callback_is_the_name_sent(o: Observation, r: Reporter) -> Iterator[Finding]:
    """JSONP is `name(<json>)`, with the callback name exactly as sent."""
    assert o.answer is not None
    wanted = expect(o.case).callback
    if o.answer.format == "jsonp" and wanted is not None and o.answer.callback != wanted:
        yield r.fail("the JSONP wrapper does not call the callback that was sent", expected=wanted, got=str(o.answer.callback))


@check("condensed_json_has_no_whitespace", "OUTPUT-CONDENSED", "OUTPUT-CONDENSED-JSON-ONLY")
def condensed_json_has_no_whitespace(o: Observation, r: Reporter) -> Iterator[Finding]:
    """condensed=yes: "(No white space)" in JSON(P), outside string values."""
    assert o.answer is not None
    if not expect(o.case).condensed or o.answer.format not in ("json", "jsonp"):
        return
    text = o.exchange.body.decode("utf-8", "replace").strip()
    if o.answer.format == "jsonp":
        text = text[text.index("(") + 1 : text.rindex(")")]
    outside_strings = _JSON_STRING.sub('""', text)
    position = next((i for i, char in enumerate(outside_strings) if char in " \t\r\n"), None)
    if position is not None:
        snippet = outside_strings[max(0, position - 20) : position + 20]
        yield r.fail("condensed=yes, but the JSON has white space outside strings", expected="no white space", got=f"...{snippet!r}...")


@check("custom_field_follows_hide_custom_field", "NOTE-CUSTOM-FIELD-DEFAULT", "NOTE-HIDE-CUSTOM-FIELD-N", "FIELD-HIDE-CUSTOM-FIELD")
def custom_field_follows_hide_custom_field(o: Observation, r: Reporter) -> Iterator[Finding]:
    """custom_field is returned unless hide_custom_field=Y."""
    if o.document.get("status") != "success":
        return
    wanted = expect(o.case).custom_field
    present = "custom_field" in customer(o.document)
    value = o.case.option("hide_custom_field")
    if wanted == "present" and not present:
        requirement = "NOTE-HIDE-CUSTOM-FIELD-N" if value == "N" else "NOTE-CUSTOM-FIELD-DEFAULT"
        yield r.fail(f"custom_field is missing with hide_custom_field {'=N' if value == 'N' else 'not given'}", requirements=(requirement,), where="customer/custom_field", expected="present", got="absent")
    elif wanted == "absent" and present:
        yield r.fail("custom_field is returned with hide_custom_field=Y", requirements=("FIELD-HIDE-CUSTOM-FIELD",), where="customer/custom_field", expected="absent", got="present")


@check("campaigns_follow_filters", "NOTE-INCLUDE-BALANCES-N", "FIELD-INCLUDE-BALANCES", "NOTE-CAMPAIGN-ID", "FIELD-CAMPAIGN-ID", "NOTE-SHOW-ONLY-BELONG-TO")
def campaigns_follow_filters(o: Observation, r: Reporter) -> Iterator[Finding]:
    """include_balances=N: the customer only. campaign_id: only that campaign.
    show_only_belong_to=Y (coalition): no campaign the customer never transacted in."""
    if o.document.get("status") != "success" or o.case.probe:
        return
    wanted = expect(o.case)
    ids = campaign_ids(o.document)
    if wanted.campaigns == "none" and ids:
        yield r.fail("include_balances=N, but campaigns are returned", requirements=("NOTE-INCLUDE-BALANCES-N",), where="campaigns", expected="no campaigns", got=f"{len(ids)} campaign(s): {', '.join(ids)}")
    elif wanted.campaigns == "single" and ids != [wanted.campaign]:
        yield r.fail("campaign_id must restrict the answer to that one campaign", requirements=("NOTE-CAMPAIGN-ID",), where="campaigns", expected=f"exactly campaign {wanted.campaign}", got=f"{len(ids)} campaign(s): {', '.join(ids) or '(none)'}")
    elif wanted.campaigns == "subset":
        for campaign in campaigns(o.document):
            if never_transacted(campaign):
                yield r.fail(
                    f"show_only_belong_to=Y lists campaign {campaign.get('id')}, where the customer has no transaction",
                    requirements=("NOTE-SHOW-ONLY-BELONG-TO",), where=f"campaigns/{campaign.get('id')}",
                    expected="only campaigns the customer has had a transaction with",
                    got=f"last_transaction {campaign.get('last_transaction')!r}, cumulative {campaign.get('cumulative')!r}",
                )
    elif wanted.silence("campaigns"):
        yield r.unspecified(f"{wanted.silence('campaigns')}: the target answered {len(ids)} campaign(s)")


@check("right_customer", "CALL-RETRIEVES", "FIELD-CODE", "FIELD-CARD-NUMBER")
def right_customer(o: Observation, r: Reporter) -> Iterator[Finding]:
    """The customer answered is the one looked up: same code and card number."""
    if o.document.get("status") != "success" or o.case.identifier not in CUSTOMER_IDENTIFIERS:
        return
    found = customer(o.document)
    for name, requirement in (("code", "FIELD-CODE"), ("card_number", "FIELD-CARD-NUMBER")):
        known = getattr(o.case.customer, name)
        if known is not None and found.get(name) != known:
            yield r.fail(f"looked up by {o.case.identifier}, the answer is another customer", requirements=(requirement,), where=f"customer/{name}", expected=known, got=repr(found.get(name)))


@check("probe_recorded", "CALL-RETRIEVES")
def probe_recorded(o: Observation, r: Reporter) -> Iterator[Finding]:
    """A probe asks what the document leaves open: record the answer in one line."""
    assert o.answer is not None
    if not o.case.probe:
        return
    status = o.document.get("status")
    seen = [f"status {status}", _FORMAT_NAMES[o.answer.format]]
    if status == "success":
        found = customer(o.document)
        seen.append(f"customer {found.get('code') or found.get('card_number')}")
        seen.append(f"{len(campaign_ids(o.document))} campaign(s)")
        seen.append("custom_field " + ("present" if "custom_field" in found else "absent"))
    yield r.unspecified(f"{o.case.probe}: the target answered " + ", ".join(seen))
