"""Parameters: each documented parameter does what the document says.

What a case's parameters require comes from ``cases.expect`` (the data in
``cases/parameters.yaml``); these checks compare the answer with it. Where the
document is silent the expectation says so, and the checks record what the target
did instead of judging it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from conformance.cases import CUSTOMER_IDENTIFIERS, FOREIGN, expect, identifiers_sent
from conformance.checks import Evidence, Finding, Reporter, check
from conformance.document import campaign_ids, campaigns, customer, never_transacted

_FORMAT_NAMES = {"xml": "XML", "json": "JSON", "jsonp": "JSONP"}
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


@check("format_follows_output", "OUTPUT-DEFAULT-XML", "OUTPUT-JSON", "OUTPUT-CALLBACK-JSONP")
def format_follows_output(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """No output: XML. output=JSON: JSON. With a callback: JSONP."""
    assert e.answer is not None
    if e.case.probe:
        r.not_applicable("a probe: the document is silent")
        return  # probe_recorded says it all in one line
    wanted = expect(e.case)
    got = e.answer.format
    if wanted.format is None:
        # status_matches_case records what the target chose, in one line.
        r.not_applicable(f"the document is silent here ({wanted.silence()})")
        return
    requirement = _FORMAT_REQUIREMENT[wanted.format]
    title = f"answered {_FORMAT_NAMES[got]}, not {_FORMAT_NAMES[wanted.format]}"
    if e.document.get("status") == "error":
        # An error may be raised before the output parameter is read; the document
        # shows errors in XML only, so their format is recorded, not judged.
        r.not_applicable("an error envelope: the document shows errors in XML only")
        if got != wanted.format:
            yield r.unspecified(
                f"an error envelope in {_FORMAT_NAMES[got]} where {_FORMAT_NAMES[wanted.format]} was asked for"
            )
    elif not wanted.format_strict:
        r.not_applicable(f"output={e.case.option('output')}: the document names only JSON")
        if got != wanted.format:
            yield r.warn(
                f"output={e.case.option('output')} {title}: the document names only "
                "JSON, but real clients send it in lower case (a Java Retrofit client)",
                expected=_FORMAT_NAMES[wanted.format], got=_FORMAT_NAMES[got],
            )  # fmt: skip
    else:
        r.checked(requirement)
        if got != wanted.format:
            yield r.fail(requirement, title, expected=_FORMAT_NAMES[wanted.format], got=_FORMAT_NAMES[got])


_FORMAT_REQUIREMENT = {"xml": "OUTPUT-DEFAULT-XML", "json": "OUTPUT-JSON", "jsonp": "OUTPUT-CALLBACK-JSONP"}


@check("jsonp_callback_is_the_name_sent", "OUTPUT-CALLBACK-JSONP")
def jsonp_callback_is_the_name_sent(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """JSONP is `name(<json>)`, with the callback name exactly as sent."""
    assert e.answer is not None
    wanted = expect(e.case).callback
    if e.answer.format != "jsonp" or wanted is None:
        r.not_applicable("not a JSONP answer to a callback")
        return
    r.checked("OUTPUT-CALLBACK-JSONP")
    if e.answer.callback != wanted:
        yield r.fail(
            "OUTPUT-CALLBACK-JSONP",
            "the JSONP wrapper does not call the callback that was sent",
            expected=wanted,
            got=str(e.answer.callback),
        )


@check("condensed_json_has_no_whitespace", "OUTPUT-CONDENSED")
def condensed_json_has_no_whitespace(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """condensed=yes: "(No white space)" in JSON(P), outside string values."""
    assert e.answer is not None
    if not expect(e.case).condensed or e.answer.format not in ("json", "jsonp"):
        r.not_applicable("not a JSON(P) answer to condensed=yes")
        return
    r.checked("OUTPUT-CONDENSED")
    text = e.exchange.body.decode("utf-8", "replace").strip()
    if e.answer.format == "jsonp":
        text = text[text.index("(") + 1 : text.rindex(")")]
    outside_strings = _JSON_STRING.sub('""', text)
    position = next((i for i, char in enumerate(outside_strings) if char in " \t\r\n"), None)
    if position is not None:
        snippet = outside_strings[max(0, position - 20) : position + 20]
        yield r.fail(
            "OUTPUT-CONDENSED",
            "condensed=yes, but the JSON has white space outside strings",
            expected="no white space",
            got=f"...{snippet!r}...",
        )


@check(
    "custom_field_follows_hide_custom_field",
    "NOTE-CUSTOM-FIELD-DEFAULT",
    "NOTE-HIDE-CUSTOM-FIELD-N",
    "FIELD-HIDE-CUSTOM-FIELD",
)
def custom_field_follows_hide_custom_field(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """custom_field is returned unless hide_custom_field=Y."""
    wanted = expect(e.case).custom_field
    if e.document.get("status") != "success" or wanted is None:
        r.not_applicable("not a success answer whose custom_field the document settles")
        return
    present = "custom_field" in customer(e.document)
    value = e.case.option("hide_custom_field")
    requirement = {"N": "NOTE-HIDE-CUSTOM-FIELD-N", "Y": "FIELD-HIDE-CUSTOM-FIELD"}.get(
        value, "NOTE-CUSTOM-FIELD-DEFAULT"
    )
    r.checked(requirement)
    if wanted == "present" and not present:
        yield r.fail(
            requirement,
            f"custom_field is missing with hide_custom_field {'=N' if value == 'N' else 'not given'}",
            where="customer/custom_field",
            expected="present",
            got="absent",
        )
    elif wanted == "absent" and present:
        yield r.fail(
            requirement,
            "custom_field is returned with hide_custom_field=Y",
            where="customer/custom_field",
            expected="absent",
            got="present",
        )


@check(
    "campaigns_follow_filters",
    "NOTE-INCLUDE-BALANCES-N",
    "NOTE-CAMPAIGN-ID",
    "FIELD-CAMPAIGN-ID",
    "NOTE-SHOW-ONLY-BELONG-TO",
)
def campaigns_follow_filters(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """include_balances=N: the customer only. campaign_id: only that campaign, the one
    named. show_only_belong_to=Y (coalition): no campaign the customer never transacted in."""
    if e.document.get("status") != "success" or e.case.probe:
        r.not_applicable("not a success answer to a case of the matrix")
        return
    wanted = expect(e.case)
    ids = campaign_ids(e.document)
    if wanted.campaigns == "none":
        r.checked("NOTE-INCLUDE-BALANCES-N")
        if ids:
            yield r.fail(
                "NOTE-INCLUDE-BALANCES-N",
                "include_balances=N, but campaigns are returned",
                where="campaigns",
                expected="no campaigns",
                got=f"{len(ids)} campaign(s): {', '.join(ids)}",
            )
    elif wanted.campaigns == "single":
        r.checked("NOTE-CAMPAIGN-ID", "FIELD-CAMPAIGN-ID")
        if len(ids) == 1 and ids != [wanted.campaign]:
            # One campaign, but not the one named: the parameter's value was not read as a campaign's id.
            yield r.fail(
                "FIELD-CAMPAIGN-ID",
                f"campaign_id={wanted.campaign} answers another campaign",
                where="campaigns/0/id",
                expected=str(wanted.campaign),
                got=ids[0],
            )
        elif len(ids) != 1:
            yield r.fail(
                "NOTE-CAMPAIGN-ID",
                "campaign_id must restrict the answer to that one campaign",
                where="campaigns",
                expected=f"exactly campaign {wanted.campaign}",
                got=f"{len(ids)} campaign(s): {', '.join(ids) or '(none)'}",
            )
    elif wanted.campaigns == "subset":
        listed = [c for c in campaigns(e.document) if never_transacted(c)]
        for campaign in listed:
            yield r.fail(
                "NOTE-SHOW-ONLY-BELONG-TO",
                f"show_only_belong_to=Y lists campaign {campaign.get('id')}, where the customer has no transaction",
                where=f"campaigns/{campaign.get('id')}",
                expected="only campaigns the customer has had a transaction with",
                got=f"last_transaction {campaign.get('last_transaction')!r}, cumulative {campaign.get('cumulative')!r}",
            )
        if not listed:
            # Which campaigns should have been dropped needs the full answer: the relation
            # show_only_belong_to_is_a_subset judges it.
            r.not_applicable(
                "judged against the full answer by show_only_belong_to_is_a_subset", "NOTE-SHOW-ONLY-BELONG-TO"
            )
    r.not_applicable("the case sets no parameter that filters campaigns this way")


@check("right_customer", "FIELD-CODE", "FIELD-CARD-NUMBER")
def right_customer(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """The customer answered is the one looked up: the identifier sent is the customer's."""
    if e.document.get("status") != "success" or e.case.identifier not in CUSTOMER_IDENTIFIERS:
        r.not_applicable("not a success answer to a customer lookup")
        return
    found = customer(e.document)
    for name in identifiers_sent(e.case.identifier):
        requirement = "FIELD-CODE" if name == "code" else "FIELD-CARD-NUMBER"
        known = getattr(e.case.customer, name)
        r.checked(requirement)
        if found.get(name) != known:
            yield r.fail(
                requirement,
                f"looked up by {name} {known}, the answer is another customer",
                where=f"customer/{name}",
                expected=known,
                got=repr(found.get(name)),
            )
            return  # one wrong customer is one failure


@check("foreign_campaign_is_not_answered", "FIELD-ACCOUNT-ID-REQUIRED")
def foreign_campaign_is_not_answered(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """A campaign_id learned from another account names no campaign of this account's
    customer: whatever the target answers (the document is silent on an unknown
    campaign_id), it never carries that campaign: account_id scopes the call."""
    if e.case.option("campaign_id") != FOREIGN:
        r.not_applicable("the case sends no other account's campaign_id")
        return
    if e.document.get("status") != "success":
        r.not_applicable("not a success answer: nothing of the other account could be in it")
        return
    r.checked("FIELD-ACCOUNT-ID-REQUIRED")
    if e.case.campaign in campaign_ids(e.document):
        yield r.fail(
            "FIELD-ACCOUNT-ID-REQUIRED",
            f"campaign_id={e.case.campaign}, a campaign of another account, is answered in account {e.case.account_id}",
            where="campaigns",
            expected=f"no campaign {e.case.campaign} (it belongs to another account)",
            got=f"campaign {e.case.campaign}",
        )


@check("probe_recorded", records=True)
def probe_recorded(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """A probe asks what the document leaves open: record the answer in one line."""
    assert e.answer is not None
    if not e.case.probe:
        return
    status = e.document.get("status")
    seen = [f"status {status}", _FORMAT_NAMES[e.answer.format]]
    if status == "success":
        found = customer(e.document)
        seen.append(f"customer {found.get('code') or found.get('card_number')}")
        seen.append(f"{len(campaign_ids(e.document))} campaign(s)")
        seen.append("custom_field " + ("present" if "custom_field" in found else "absent"))
    yield r.unspecified(f"{e.case.probe}: the target answered " + ", ".join(seen))
