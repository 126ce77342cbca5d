"""Faulty variants of the reference server: each breaks exactly one documented behaviour.

Every fault is WSGI middleware around the reference (``conformance.reference.make_app``)
that does one of:

(a) rewrite the request's fields before the reference sees them (a parameter ignored,
    another value sent instead);
(b) parse the reference's answer and re-render a modified canonical document with the
    reference's own ``render_xml`` / ``render_json``;
(c) edit the answer's bytes or replace the answer outright.

``FAULTS`` maps a name to a :class:`Fault`: the requirement id it violates (from
``conformance/requirements.yaml``), what it does, and the ``--cases`` expression
(``selection``, conformance/selection.py) that picks the cases exercising it. A fault the document says
nothing about (a security weakness) has the requirement ``"advisory"``: it is caught
when the harness's advisory check reports it, without failing a case. ``serve(name)``
runs one (or the unmodified reference through the same plumbing, with ``name=None``)
with waitress on 127.0.0.1 and yields its URL; ``python -m conformance.reference
--faults NAME`` serves one for a client developer.

The catalogue is the harness's self-test (``tests/test_faults_caught.py``: each fault
must be caught, citing its requirement) and the sandbox's ``--faults`` alike; the
selection, check and evidence are the self-test's, the rest is what a client sees.
The answers are parsed with this package's own parser (``parser.py``).
"""

from __future__ import annotations

import contextlib
import copy
import math
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from ..app import make_app
from ..params import is_valid_callback
from ..render import render_xml
from .data import (
    COALITION_ACCOUNTS,
    FIRST_CODE,
    PASSWORDS,
    READABLE,
    SEEDED,
    SMOKE_FIELDS,
    Document,
    Fields,
    _first_codes,
)
from .middleware import ADVISORY, NO_FAULT, DocumentEdit, Fault, FaultyApp, Reply, RequestEdit, on_document
from .parser import parse
from .server import Server
from .xml_writer import write_xml


# -- helpers for the faults -------------------------------------------------------------
def _success(doc: Document) -> bool:
    return doc.get("status") == "success"


def _campaigns(doc: Document) -> list[dict[str, Any]]:
    value = doc.get("campaigns")
    return [c for c in value if isinstance(c, dict)] if isinstance(value, list) else []


def _buyx(doc: Document) -> list[dict[str, Any]]:
    return [c for c in _campaigns(doc) if c.get("type") == "buyx"]


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _by_card_only(fields: Fields) -> bool:
    return bool(fields.get("card_number")) and not fields.get("code")


def _flag(fields: Fields, name: str) -> str:
    return fields.get(name, "").strip().upper()


def _without(*names: str, when: Callable[[Fields], bool] = lambda f: True) -> RequestEdit:
    """A request edit that drops fields (the parameter is ignored)."""

    def edit(fields: Fields) -> Fields:
        if when(fields):
            for name in names:
                fields.pop(name, None)
        return fields

    return edit


def _customer_edit(change: Callable[[dict[str, Any]], None]) -> DocumentEdit:
    def edit(doc: Document, fields: Fields, number: int) -> Document:
        if _success(doc) and isinstance(doc.get("customer"), dict):
            change(doc["customer"])
        return doc

    return edit


def _coalition_edit(change: Callable[[list[dict[str, Any]]], None]) -> DocumentEdit:
    def edit(doc: Document, fields: Fields, number: int) -> Document:
        points = [c for c in _campaigns(doc) if c.get("type") != "buyx"]
        if _success(doc) and fields.get("account_id") in COALITION_ACCOUNTS and points:
            change(points)
        return doc

    return edit


def _buyx_edit(change: Callable[[dict[str, Any]], None]) -> DocumentEdit:
    def edit(doc: Document, fields: Fields, number: int) -> Document:
        for campaign in _buyx(doc):
            change(campaign)
        return doc

    return edit


# Envelopes ----------------------------------------------------------------------------
def _status_ok(doc: Document, fields: Fields, number: int) -> Document:
    if _success(doc):
        doc["status"] = "ok"
    return doc


def _no_match_as(replacement: Document) -> DocumentEdit:
    def edit(doc: Document, fields: Fields, number: int) -> Document:
        return copy.deepcopy(replacement) if doc.get("status") == "no_match" else doc

    return edit


def _neither_answers_first_customer(fields: Fields) -> Fields:
    if not fields.get("code") and not fields.get("card_number"):
        code = _first_codes().get(fields.get("account_id", ""))
        if code:
            fields["code"] = code
    return fields


def _error_without_text(doc: Document, fields: Fields, number: int) -> Document:
    if doc.get("status") == "error":
        doc = {"status": "error", "error": ""}
    return doc


def _no_match_without_message(doc: Document, fields: Fields, number: int) -> Document:
    if doc.get("status") == "no_match":
        doc.pop("message", None)
    return doc


HTML_500 = (
    b"<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n"
    b"<body><h1>Internal Server Error</h1>\n<p>The server encountered "
    b"an internal error and was unable to complete your request.<br>\n"
    b"Either the server is overloaded or there is an error in the application.</p></body></html>\n"
)


def _html_500(reply: Reply, fields: Fields, number: int) -> Reply:
    return Reply("500 Internal Server Error", [], b"").with_body(HTML_500, "text/html; charset=utf-8")


# Shape --------------------------------------------------------------------------------
def _flatten_custom_field_2(customer: dict[str, Any]) -> None:
    value = customer.get("custom_field_2")
    if isinstance(value, dict):
        customer["custom_field_2"] = value.get("data", "")


def _reward_without_needed_to_redeem(doc: Document, fields: Fields, number: int) -> Document:
    for campaign in _campaigns(doc):
        rewards = campaign.get("available_rewards")
        if campaign.get("type") != "buyx" and isinstance(rewards, list) and rewards and isinstance(rewards[0], dict):
            rewards[0].pop("needed_to_redeem", None)
            break
    return doc


def _item_without_earned(campaign: dict[str, Any]) -> None:
    balances = campaign.get("balances")
    if isinstance(balances, list) and balances and isinstance(balances[0], dict):
        balances[0].pop("earned", None)


_ROOT = re.compile(rb"(</?)response\b")


def _wrong_root(reply: Reply, fields: Fields, number: int) -> Reply:
    parsed = parse(reply.body)
    if parsed is None or parsed.format != "xml":
        return reply
    return reply.with_body(_ROOT.sub(rb"\1result", reply.body))


def _campaigns_as_object(doc: Document, fields: Fields, number: int) -> Document:
    if isinstance(doc.get("campaigns"), list):
        doc["campaigns"] = {"campaign": doc["campaigns"]}
    return doc


def _without_status(doc: Document, fields: Fields, number: int) -> Document:
    doc.pop("status", None)
    return doc


# Parameters ---------------------------------------------------------------------------
def _set(name: str, value: str, when: Callable[[Fields], bool]) -> RequestEdit:
    def edit(fields: Fields) -> Fields:
        if when(fields):
            fields[name] = value
        return fields

    return edit


def _drop_transacted_campaign(doc: Document, fields: Fields, number: int) -> Document:
    if _success(doc) and fields.get("account_id") in COALITION_ACCOUNTS and _flag(fields, "show_only_belong_to") == "Y":
        campaigns = _campaigns(doc)
        transacted = [c for c in campaigns if (_decimal(c.get("cumulative")) or 0) > 0]
        if transacted:
            doc["campaigns"] = [c for c in campaigns if c is not transacted[0]]
    return doc


def _condensed_xml_drops_custom_field_3(doc: Document, fields: Fields, number: int) -> Document:
    if _flag(fields, "condensed") in ("YES", "Y") and isinstance(doc.get("customer"), dict):
        doc["customer"].pop("custom_field_3", None)
    return doc


# Lookups ------------------------------------------------------------------------------
def _card_number_searched_as_code(fields: Fields) -> Fields:
    if _by_card_only(fields):
        fields["code"] = fields.pop("card_number")
    return fields


def _card_lookup_drops_custom_field_2(doc: Document, fields: Fields, number: int) -> Document:
    if _by_card_only(fields) and _success(doc) and isinstance(doc.get("customer"), dict):
        doc["customer"].pop("custom_field_2", None)
    return doc


# Coalition ----------------------------------------------------------------------------
def _per_store_balance(campaigns: list[dict[str, Any]]) -> None:
    for campaign in campaigns:
        campaign["balance"] = campaign.get("cumulative", "0")


def _balances_differ_per_store(campaigns: list[dict[str, Any]]) -> None:
    # Each store shows its own balance, and says it is the coalition's (balance_coalition
    # follows it): the campaigns no longer show the SAME balance.
    for index, campaign in enumerate(campaigns):
        value = _decimal(campaign.get("balance"))
        if value is not None:
            campaign["balance"] = campaign["balance_coalition"] = str(value + index)


def _campaign_id_answers_another(doc: Document, fields: Fields, number: int) -> Document | None:
    # Asked for one campaign, the answer is one campaign, but another of the customer's
    # (the id read as a position, say): the full answer is asked of the reference.
    wanted = fields.get("campaign_id")
    found = _campaigns(doc)
    if not wanted or len(found) != 1 or found[0].get("id") != wanted:
        return None
    from werkzeug.test import Client

    full = parse(
        Client(make_app())
        .post(
            "/api.php",
            data={k: v for k, v in fields.items() if k not in ("campaign_id", "output", "callback", "condensed")},
        )
        .get_data()
    )
    others = [c for c in _campaigns(full.document)] if full is not None else []
    other = next((c for c in others if c.get("id") != wanted), None)
    if other is None:
        return None
    doc["campaigns"] = [other]
    return doc


def _balance_coalition_varies(campaigns: list[dict[str, Any]]) -> None:
    for index, campaign in enumerate(campaigns):
        value = _decimal(campaign.get("balance_coalition"))
        if value is not None:
            campaign["balance_coalition"] = str(value + index)


def _no_coalition_fields(campaigns: list[dict[str, Any]]) -> None:
    for campaign in campaigns:
        campaign.pop("balance_coalition", None)
        campaign.pop("cumulative_coalition", None)


def _store_cumulative_above_coalition(campaigns: list[dict[str, Any]]) -> None:
    total = _decimal(campaigns[0].get("cumulative_coalition"))
    if total is not None:
        campaigns[0]["cumulative"] = str(total + 1)


# BuyX ---------------------------------------------------------------------------------
def _items(campaign: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = campaign.get(key)
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _earned_rounded_up(campaign: dict[str, Any]) -> None:
    for item in _items(campaign, "balances"):
        balance, ratio = _decimal(item.get("balance")), _decimal(item.get("earn_ratio"))
        if balance is not None and ratio:
            item["earned"] = str(math.ceil(balance / ratio))


def _earned_rounded_to_nearest(campaign: dict[str, Any]) -> None:
    for item in _items(campaign, "balances"):
        balance, ratio = _decimal(item.get("balance")), _decimal(item.get("earn_ratio"))
        if balance is not None and ratio:
            item["earned"] = str(int((balance / ratio).to_integral_value(rounding="ROUND_HALF_UP")))


def _redemptions_not_deducted(campaign: dict[str, Any]) -> None:
    # The balance keeps every purchase; earned follows that balance, as it would.
    for item in _items(campaign, "balances"):
        cumulative, ratio = _decimal(item.get("cumulative")), _decimal(item.get("earn_ratio"))
        if cumulative is not None and ratio:
            item["balance"] = str(cumulative)
            item["earned"] = str(int(cumulative // ratio))


def _reward_for_unearned_item(campaign: dict[str, Any]) -> None:
    unearned = [item for item in _items(campaign, "balances") if (_decimal(item.get("earned")) or 0) < 1]
    rewards = campaign.get("available_rewards")
    if unearned and isinstance(rewards, list):
        item = unearned[0]
        reward = {k: item[k] for k in ("item_id", "name", "earn_ratio") if k in item}
        rewards.append(reward)


def _reward_with_other_ratio(campaign: dict[str, Any]) -> None:
    rewards = _items(campaign, "available_rewards")
    if rewards:
        ratio = _decimal(rewards[0].get("earn_ratio"))
        if ratio is not None:
            rewards[0]["earn_ratio"] = str(ratio + 2)


def _reward_missing(campaign: dict[str, Any]) -> None:
    rewards = campaign.get("available_rewards")
    if isinstance(rewards, list) and rewards:
        rewards.pop()


# Values -------------------------------------------------------------------------------
def _registered_words(customer: dict[str, Any]) -> None:
    value = customer.get("registered")
    if isinstance(value, str):
        customer["registered"] = {"Y": "yes", "N": "no"}.get(value, value)


_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")


def _dates_day_first(doc: Document, fields: Fields, number: int) -> Document:
    def day_first(value: Any) -> Any:
        match = _ISO.match(value) if isinstance(value, str) else None
        return f"{match.group(3)}/{match.group(2)}/{match.group(1)}" if match else value

    if isinstance(doc.get("customer"), dict) and "custom_date" in doc["customer"]:
        doc["customer"]["custom_date"] = day_first(doc["customer"]["custom_date"])
    for campaign in _campaigns(doc):
        if "last_transaction" in campaign:
            campaign["last_transaction"] = day_first(campaign["last_transaction"])
    return doc


def _balance_thousands(doc: Document, fields: Fields, number: int) -> Document:
    for campaign in _campaigns(doc):
        value = _decimal(campaign.get("balance"))
        if value is not None and abs(value) >= 1000:
            whole, _, fraction = str(campaign["balance"]).partition(".")
            grouped = f"{int(whole):,}"
            campaign["balance"] = grouped + (f".{fraction}" if fraction else "")
    return doc


# Over time ----------------------------------------------------------------------------
def _counter_in_first_name(doc: Document, fields: Fields, number: int) -> Document:
    customer = doc.get("customer")
    if _success(doc) and isinstance(customer, dict) and isinstance(customer.get("first_name"), str):
        customer["first_name"] += str(number)
    return doc


# Extras: filters answering more than a part of the full answer ----------------------------
def _hide_y_drops_custom_field_2(doc: Document, fields: Fields, number: int) -> Document:
    if _flag(fields, "hide_custom_field") == "Y" and isinstance(doc.get("customer"), dict):
        doc["customer"].pop("custom_field_2", None)
    return doc


def _balances_n_drops_custom_field_2(doc: Document, fields: Fields, number: int) -> Document:
    if _flag(fields, "include_balances") == "N" and isinstance(doc.get("customer"), dict):
        doc["customer"].pop("custom_field_2", None)
    return doc


def _campaign_id_drops_last_transaction(doc: Document, fields: Fields, number: int) -> Document:
    if fields.get("campaign_id"):
        for campaign in _campaigns(doc):
            campaign.pop("last_transaction", None)
    return doc


def _default_output_drops_custom_field_3(doc: Document, fields: Fields, number: int) -> Document:
    if not fields.get("output") and isinstance(doc.get("customer"), dict):
        doc["customer"].pop("custom_field_3", None)
    return doc


# Encoding -------------------------------------------------------------------------------
def _xml_unescaped(reply: Reply, fields: Fields, number: int) -> Reply:
    parsed = parse(reply.body)
    if parsed is None or parsed.format != "xml":
        return reply
    return reply.with_body(write_xml(parsed.document, escape=False))


def _declares_latin1(reply: Reply, fields: Fields, number: int) -> Reply:
    # The bytes stay UTF-8; the declaration (and the header) name ISO-8859-1, so a
    # parser that believes them reads "Zoë" as "ZoÃ«".
    parsed = parse(reply.body)
    if parsed is None or parsed.format != "xml":
        return reply
    body = reply.body.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"', 1)
    return reply.with_body(body, "application/xml; charset=ISO-8859-1")


def _without_status_attribute(reply: Reply, fields: Fields, number: int) -> Reply:
    parsed = parse(reply.body)
    if parsed is None or parsed.format != "xml":
        return reply
    return reply.with_body(re.sub(rb"<response status=\"[^\"]*\"", b"<response", reply.body, count=1))


# Access and security ----------------------------------------------------------------------
def _authenticated(fields: Fields) -> bool:
    user = fields.get("user_id", "")
    return user in PASSWORDS and fields.get("user_password") == PASSWORDS[user]


def _wrong_password_accepted(fields: Fields) -> Fields:
    # Any non-empty password of a known user is taken for the right one.
    user = fields.get("user_id", "")
    if user in PASSWORDS and fields.get("user_password"):
        fields["user_password"] = PASSWORDS[user]
    return fields


def _empty_password_accepted(fields: Fields) -> Fields:
    user = fields.get("user_id", "")
    if user in PASSWORDS and fields.get("user_password") == "":
        fields["user_password"] = PASSWORDS[user]
    return fields


def _owner(account_id: str) -> str | None:
    return next((user for user, accounts in READABLE.items() if account_id in accounts), None)


def _forbidden_account_readable(fields: Fields) -> Fields:
    # The access check is skipped: the account is read with the rights of a user who may.
    account = fields.get("account_id", "")
    if _authenticated(fields) and account not in READABLE[fields["user_id"]]:
        owner = _owner(account)
        if owner:
            fields["user_id"], fields["user_password"] = owner, PASSWORDS[owner]
    return fields


def _forbidden_account_falls_back(fields: Fields) -> Fields:
    # An account the credentials may not read is replaced by the first one they may.
    account = fields.get("account_id", "")
    if _authenticated(fields) and account not in READABLE[fields["user_id"]] and _owner(account):
        fields["account_id"] = READABLE[fields["user_id"]][0]
    return fields


def _account_not_scoping(fields: Fields) -> Fields:
    # The customer is searched in every account the user may read, the one named first.
    if not _authenticated(fields) or fields.get("account_id") not in READABLE[fields["user_id"]]:
        return fields
    wanted = [(name, fields[name]) for name in ("code", "card_number") if fields.get(name)]

    def finds(account: str) -> bool:
        return bool(wanted) and all((account, name, value) in SEEDED for name, value in wanted)

    if wanted and not finds(fields["account_id"]):
        other = next((a for a in READABLE[fields["user_id"]] if finds(a)), None)
        if other:
            fields["account_id"] = other
    return fields


def _password_compared_by_prefix(fields: Fields) -> Fields:
    # strncmp(sent, stored, strlen(sent)): any non-empty prefix of the password is taken for it.
    user, sent = fields.get("user_id", ""), fields.get("user_password", "")
    if user in PASSWORDS and sent and PASSWORDS[user].startswith(sent):
        fields["user_password"] = PASSWORDS[user]
    return fields


def _password_compared_ignoring_case(fields: Fields) -> Fields:
    # The password column has a case-insensitive collation.
    user, sent = fields.get("user_id", ""), fields.get("user_password", "")
    if user in PASSWORDS and sent and sent.lower() == PASSWORDS[user].lower():
        fields["user_password"] = PASSWORDS[user]
    return fields


def _password_trimmed(fields: Fields) -> Fields:
    # The password is trimmed before it is compared: " secret " is the secret.
    user, sent = fields.get("user_id", ""), fields.get("user_password", "")
    if user in PASSWORDS and sent.strip() == PASSWORDS[user] and sent != PASSWORDS[user]:
        fields["user_password"] = PASSWORDS[user]
    return fields


def _password_not_checked_in_coalitions(fields: Fields) -> Fields:
    # The password is checked on the way into a plain account only: in a coalition
    # account any non-empty password of a known user reads it.
    user = fields.get("user_id", "")
    if user in PASSWORDS and fields.get("user_password") and fields.get("account_id") in COALITION_ACCOUNTS:
        fields["user_password"] = PASSWORDS[user]
    return fields


def _card_number_lookup_not_scoped(fields: Fields) -> Fields:
    # Code lookups are scoped to the account; card number lookups search every account
    # the user may read, the one named first.
    if not _authenticated(fields) or fields.get("account_id") not in READABLE[fields["user_id"]]:
        return fields
    card, account = fields.get("card_number"), fields["account_id"]
    if card and not fields.get("code") and (account, "card_number", card) not in SEEDED:
        other = next((a for a in READABLE[fields["user_id"]] if (a, "card_number", card) in SEEDED), None)
        if other:
            fields["account_id"] = other
    return fields


def _any_user_reads_any_account(fields: Fields) -> Fields:
    # Account access is checked for the first API user only: any other user reads any
    # account (with the rights of the user who may).
    account, user = fields.get("account_id", ""), fields.get("user_id", "")
    if _authenticated(fields) and user != SMOKE_FIELDS["user_id"] and account not in READABLE[user]:
        owner = _owner(account)
        if owner:
            fields["user_id"], fields["user_password"] = owner, PASSWORDS[owner]
    return fields


def _password_in_errors(doc: Document, fields: Fields, number: int) -> Document:
    if doc.get("status") == "error":
        doc["error"] = (
            f"{doc.get('error', '')} (request of {fields.get('user_id', '')} "
            f"with password {fields.get('user_password', '')})"
        )
    return doc


_QUERY_METACHARACTERS = re.compile(r"['%]")


def _injection_matches_first_customer(fields: Fields) -> Fields:
    # A quote or a LIKE wildcard reaches the query: the account's first customer matches.
    if any(_QUERY_METACHARACTERS.search(fields.get(name, "")) for name in ("code", "card_number")):
        first = FIRST_CODE.get(fields.get("account_id", ""))
        if first:
            fields.pop("card_number", None)
            fields["code"] = first
    return fields


def _lookup_matches_either_column(fields: Fields) -> Fields:
    # WHERE code = :v OR card_number = :v: a code that is some customer's card number
    # (and nobody's code) finds that customer.
    account, code = fields.get("account_id", ""), fields.get("code")
    if (
        code
        and "card_number" not in fields
        and (account, "code", code) not in SEEDED
        and (account, "card_number", code) in SEEDED
    ):
        fields["card_number"] = fields.pop("code")
    return fields


def _lookup_matches_prefix(fields: Fields) -> Fields:
    # WHERE code LIKE :v || '%': a truncated code finds the customer whose code it starts.
    account = fields.get("account_id", "")
    for name in ("code", "card_number"):
        value = fields.get(name)
        if value and (account, name, value) not in SEEDED:
            full = sorted(v for a, n, v in SEEDED if a == account and n == name and v.startswith(value))
            if full:
                fields[name] = full[0]
    return fields


def _campaign_id_from_any_account(doc: Document, fields: Fields, number: int) -> Document | None:
    # The campaign is looked up by id alone, not within the account: asked for a campaign
    # the customer does not have, the answer lists it anyway (a stub of it, here).
    wanted = fields.get("campaign_id")
    if doc.get("status") != "success" or not wanted or _campaigns(doc) or _flag(fields, "include_balances") == "N":
        return None
    doc["campaigns"] = [
        {
            "id": wanted,
            "name": "Another account's campaign",
            "type": "points",
            "balance": "0",
            "cumulative": "0",
            "last_transaction": "0000-00-00",
        }
    ]
    return doc


def _nul_byte_html_500(reply: Reply, fields: Fields, number: int) -> Reply:
    if any("\x00" in value for value in fields.values()):
        return _html_500(reply, fields, number)
    return reply


def _jsonp_any_callback(fields: Fields) -> Fields:
    # The reference refuses a callback that is not a JavaScript name; this server takes
    # it: the reference answers plain JSON, and the reply wraps it in the raw callback.
    callback = fields.get("callback")
    if callback and not is_valid_callback(callback) and _flag(fields, "output") in ("", "JSON"):
        fields.pop("callback")
        fields["output"] = "JSON"
    return fields


def _reflect_callback(reply: Reply, fields: Fields, number: int) -> Reply:
    callback = fields.get("callback")
    if not callback or is_valid_callback(callback) or _flag(fields, "output") not in ("", "JSON"):
        return reply
    return reply.with_body(callback.encode("utf-8") + b"(" + reply.body + b")", "application/javascript; charset=utf-8")


def _include_balances_inverted(fields: Fields) -> Fields:
    flag = _flag(fields, "include_balances")
    if flag in ("Y", "N"):
        fields["include_balances"] = {"Y": "N", "N": "Y"}[flag]
    return fields


def _rename(old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def change(customer: dict[str, Any]) -> None:
        if old in customer:
            customer[new] = customer.pop(old)

    return change


def _multipart_not_read(reply: Reply, environ: dict[str, Any]) -> Reply:
    # Only urlencoded bodies are read: a multipart one (the PHP example, every PHP
    # client) brings no field at all.
    if not environ.get("CONTENT_TYPE", "").startswith("multipart/form-data"):
        return reply
    body = render_xml({"status": "error", "error": "Missing required fields: user_id, user_password, type, account_id"})
    return Reply("200 OK", [], b"").with_body(body, "application/xml; charset=utf-8")


def _any_user_with_the_password(fields: Fields) -> Fields:
    # user_id is not checked: a password alone names the user.
    if fields.get("user_id") not in PASSWORDS:
        owner = next((user for user, password in PASSWORDS.items() if password == fields.get("user_password")), None)
        if owner:
            fields["user_id"] = owner
    return fields


def _code_searched_as_card_number(fields: Fields) -> Fields:
    # A lookup by code searches the card_number column first: Cody's code
    # 56565656565656 is Nina's card number, so Nina answers.
    code = fields.get("code")
    if code and not fields.get("card_number") and (fields.get("account_id"), "card_number", code) in SEEDED:
        fields["card_number"] = fields.pop("code")
    return fields


def _cumulative_excludes_redemptions(campaign: dict[str, Any]) -> None:
    # cumulative counts only the purchases still in the balance: those that earned a
    # free item are forgotten (Coffees: 14, not 24).
    for item in _items(campaign, "balances"):
        if "balance" in item:
            item["cumulative"] = item["balance"]


def _redeemed_counts_purchases(campaign: dict[str, Any]) -> None:
    # redeemed counts the purchases given away, not the free items (Coffees: 10, not 1).
    for item in _items(campaign, "balances"):
        redeemed, ratio = _decimal(item.get("redeemed")), _decimal(item.get("earn_ratio"))
        if redeemed is not None and ratio is not None:
            item["redeemed"] = str(int(redeemed * ratio))


def _redemption_deducts_too_little(campaign: dict[str, Any]) -> None:
    # Each free item took earn_ratio - 1 purchases off the balance (Coffees: 15, not 14).
    for item in _items(campaign, "balances"):
        balance, redeemed = _decimal(item.get("balance")), _decimal(item.get("redeemed"))
        if balance is not None and redeemed:
            item["balance"] = str(balance + redeemed)


def _cumulative_below_balance(campaign: dict[str, Any]) -> None:
    for item in _items(campaign, "balances"):
        balance = _decimal(item.get("balance"))
        if balance:
            item["cumulative"] = str(balance - 1)


def _balance_fractional(campaign: dict[str, Any]) -> None:
    for item in _items(campaign, "balances"):
        balance = _decimal(item.get("balance"))
        if balance:
            item["balance"] = f"{balance}.5"


# Presence follows the data ------------------------------------------------------------
# The document's examples carry reward_id where the reward has one (678: A-345678 in every
# example) and none where it has none (753): the same change in every answer, format and
# filter contradicts nothing the answers say of themselves; only the data can tell.
def _reward_id_moved(doc: Document, fields: Fields, number: int) -> Document:
    """In each points campaign, the first reward with a reward_id gives it to the first without one."""
    for campaign in _campaigns(doc):
        if campaign.get("type") == "buyx":
            continue
        rewards = _items(campaign, "available_rewards")
        giver = next((r for r in rewards if r.get("reward_id")), None)
        taker = next((r for r in rewards if "reward_id" not in r), None)
        if giver is not None and taker is not None:
            taker["reward_id"] = giver.pop("reward_id")
    return doc


def _reward_678_without_reward_id(doc: Document, fields: Fields, number: int) -> Document:
    for campaign in _campaigns(doc):
        for reward in _items(campaign, "available_rewards"):
            if campaign.get("type") != "buyx" and reward.get("id") == "678":
                reward.pop("reward_id", None)
    return doc


# -- the faults ---------------------------------------------------------------------------
# Selections are --cases expressions (conformance/selection.py): exact values, so the
# JSON answers are output=JSON and the lower-case output=json real clients send.
JOHN = "account=greatwidgets and customer=89898989898989"
# The matrix cases (not the relations of the customer) of the first profile customer:
# in pairwise mode, every option value among them, the plain lookup (the smoke request's
# twin) too.
JOHN_CASES = f"kind=answer and {JOHN}"
COAL_JOHN_CASES = "kind=answer and account=coaldemo and customer=89898989898989"
JSON_OUTPUT = "(output=JSON or output=json)"

FAULTS: dict[str, Fault] = {
    # Envelopes
    "status_ok": Fault(
        "EXAMPLE-SUCCESS",
        'a success answer carries status "ok"',
        JOHN_CASES,
        check="answer_is_an_envelope",
        evidence="'ok'",
        spare_smoke=True,
        reply=on_document(_status_ok),
    ),
    "no_match_as_empty_success": Fault(
        "EXAMPLE-NO-MATCH",
        "an unknown customer is answered as a success with an empty customer",
        "kind=answer and (by=unknown_code or by=unknown_card_number)",
        check="status_matches_case",
        evidence="not no_match",
        reply=on_document(_no_match_as({"status": "success", "customer": {}})),
    ),
    "no_match_as_error": Fault(
        "EXAMPLE-NO-MATCH",
        "an unknown customer is answered as an error",
        "kind=answer and (by=unknown_code or by=unknown_card_number)",
        check="status_matches_case",
        evidence="the answer's status is error",
        reply=on_document(_no_match_as({"status": "error", "error": "No Customers Match Criteria"})),
    ),
    "neither_identifier_answers_customer": Fault(
        "NOTE-CODE-OR-CARD",
        "a request with neither code nor card_number is answered with the account's first customer",
        "kind=answer and (by=neither or by=empty)",
        check="status_matches_case",
        evidence="the answer's status is success",
        request=_neither_answers_first_customer,
    ),
    "error_without_text": Fault(
        "EXAMPLE-ERROR",
        "an error answer carries an empty <error>",
        "kind=answer and (by=neither or by=empty)",
        check="error_carries_text",
        reply=on_document(_error_without_text),
    ),
    "no_match_without_message": Fault(
        "EXAMPLE-NO-MATCH",
        "a no_match answer carries no <message>",
        "kind=answer and (by=unknown_code or by=unknown_card_number)",
        check="no_match_carries_message",
        reply=on_document(_no_match_without_message),
    ),
    "html_500": Fault(
        "EXAMPLE-SUCCESS",
        "an HTML 500 page for every request but the smoke request",
        "kind=answer and account=greatwidgets and customer=70707070707070",
        check="answer_is_an_envelope",
        evidence="not an API envelope",
        spare_smoke=True,
        reply=_html_500,
    ),
    # Shape
    "customer_without_phone": Fault(
        "NOTE-ALL-FIELDS",
        "the customer's phone is left out",
        JOHN_CASES,
        check="documented_customer_fields_present",
        evidence="missing: phone",
        reply=on_document(_customer_edit(lambda c: c.pop("phone", None))),
    ),
    "custom_field_2_flattened": Fault(
        "EXAMPLE-CUSTOM-FIELD-N",
        "custom_field_2 is its data as a string, not {label, data}",
        JOHN_CASES,
        check="custom_field_n_is_label_and_data",
        evidence="custom_field_2 is not a label and a data",
        reply=on_document(_customer_edit(_flatten_custom_field_2)),
    ),
    "reward_without_needed_to_redeem": Fault(
        "EXAMPLE-POINTS-REWARDS",
        "a points campaign's first reward has no needed_to_redeem",
        JOHN_CASES,
        check="response_schema_conformance",
        evidence="needed_to_redeem",
        reply=on_document(_reward_without_needed_to_redeem),
    ),
    "buyx_item_without_earned": Fault(
        "EXAMPLE-BUYX-ITEMS",
        "a BuyX item has no earned",
        JOHN_CASES,
        check="response_schema_conformance",
        evidence="earned",
        reply=on_document(_buyx_edit(_item_without_earned)),
    ),
    "wrong_root_element": Fault(
        "EXAMPLE-SUCCESS",
        "the XML root element is <result>, not <response>",
        JOHN_CASES,
        # Reported by the XSD check, or (a parser that checks the root) as no envelope at all.
        evidence=("'result' is not an element", "root element is <result>"),
        spare_smoke=True,
        reply=_wrong_root,
    ),
    "json_campaigns_object": Fault(
        "EXAMPLE-SUCCESS",
        'JSON campaigns is an object {"campaign": [...]}, not an array',
        f"{JOHN_CASES} and {JSON_OUTPUT}",
        check="response_schema_conformance",
        evidence="is not of type 'array'",
        reply=on_document(_campaigns_as_object, formats=("json", "jsonp")),
    ),
    "json_without_status": Fault(
        "EXAMPLE-SUCCESS",
        "JSON answers carry no status",
        f"{JOHN_CASES} and {JSON_OUTPUT}",
        check="answer_is_an_envelope",
        evidence="status is not a documented one",
        reply=on_document(_without_status, formats=("json", "jsonp")),
    ),
    # Parameters
    "include_balances_ignored": Fault(
        "NOTE-INCLUDE-BALANCES-N",
        "include_balances is ignored",
        f"{JOHN_CASES} and include_balances=N",
        check="campaigns_follow_filters",
        evidence="include_balances=N, but campaigns are returned",
        request=_without("include_balances"),
    ),
    "campaign_id_ignored": Fault(
        "NOTE-CAMPAIGN-ID",
        "campaign_id is ignored",
        f"{JOHN_CASES} and campaign_id",
        check="campaigns_follow_filters",
        evidence="campaign_id must restrict",
        request=_without("campaign_id"),
    ),
    "campaign_id_answers_another_campaign": Fault(
        "FIELD-CAMPAIGN-ID",
        "campaign_id answers one campaign, but another of the customer's than the one named",
        f"{JOHN_CASES} and campaign_id",
        check="campaigns_follow_filters",
        evidence="answers another campaign",
        reply=on_document(_campaign_id_answers_another),
    ),
    "hide_custom_field_y_ignored": Fault(
        "FIELD-HIDE-CUSTOM-FIELD",
        "hide_custom_field=Y is ignored",
        f"{JOHN_CASES} and hide_custom_field=Y",
        check="custom_field_follows_hide_custom_field",
        evidence="custom_field is returned with hide_custom_field=Y",
        request=_without("hide_custom_field", when=lambda f: _flag(f, "hide_custom_field") == "Y"),
    ),
    "custom_field_hidden_by_default": Fault(
        "NOTE-CUSTOM-FIELD-DEFAULT",
        "without hide_custom_field, custom_field is hidden",
        JOHN_CASES,
        check="custom_field_follows_hide_custom_field",
        evidence="custom_field is missing with hide_custom_field not given",
        request=_set("hide_custom_field", "Y", when=lambda f: "hide_custom_field" not in f),
    ),
    "hide_custom_field_n_as_y": Fault(
        "NOTE-HIDE-CUSTOM-FIELD-N",
        "hide_custom_field=N hides custom_field, like Y",
        f"{JOHN_CASES} and hide_custom_field=N",
        check="custom_field_follows_hide_custom_field",
        evidence="custom_field is missing with hide_custom_field =N",
        request=_set("hide_custom_field", "Y", when=lambda f: _flag(f, "hide_custom_field") == "N"),
    ),
    "show_only_belong_to_ignored": Fault(
        "NOTE-SHOW-ONLY-BELONG-TO",
        "in the coalition, show_only_belong_to=Y is ignored: every campaign is answered, Doohickey Rewards too, "
        "where the customer 89898989898989 never had a transaction",
        "(kind=answer and account=coaldemo and show_only_belong_to=Y) or (relation=filters and account=coaldemo)",
        # The relation has the full answer to tell which campaigns Y must drop; a single
        # answer can show it only where the combination happens to be covered.
        check="show_only_belong_to_is_a_subset",
        request=_without("show_only_belong_to", when=lambda f: f.get("account_id") in COALITION_ACCOUNTS),
    ),
    "show_only_belong_to_drops_transacted_campaign": Fault(
        "NOTE-SHOW-ONLY-BELONG-TO",
        "in the coalition, show_only_belong_to=Y also drops a campaign the customer has transactions with",
        "relation=filters and account=coaldemo",
        check="show_only_belong_to_is_a_subset",
        evidence="where the customer has transactions",
        reply=on_document(_drop_transacted_campaign),
    ),
    "coalition_lists_only_joined_campaigns": Fault(
        "NOTE-COALITION-ALL-CAMPAIGNS",
        "in the coalition, the campaigns the customer never joined are left out even without show_only_belong_to=Y",
        "relation=coalition-campaigns",
        check="coalition_lists_all_campaigns",
        evidence="see different campaigns",
        request=_set("show_only_belong_to", "Y", when=lambda f: f.get("account_id") in COALITION_ACCOUNTS),
    ),
    "output_default_json": Fault(
        "OUTPUT-DEFAULT-XML",
        "without output (and without callback) the answer is JSON",
        JOHN_CASES,
        check="format_follows_output",
        evidence="answered JSON, not XML",
        request=_set("output", "JSON", when=lambda f: not f.get("output") and not f.get("callback")),
    ),
    "output_json_ignored": Fault(
        "OUTPUT-JSON",
        "output=JSON is ignored: XML",
        f"{JOHN_CASES} and {JSON_OUTPUT}",
        check="format_follows_output",
        evidence="answered XML, not JSON",
        request=_without("output", when=lambda f: _flag(f, "output") == "JSON"),
    ),
    "callback_ignored": Fault(
        "OUTPUT-CALLBACK-JSONP",
        "callback is ignored: plain JSON",
        f"{JOHN_CASES} and {JSON_OUTPUT} and callback",
        check="format_follows_output",
        evidence="answered JSON, not JSONP",
        request=_without("callback"),
    ),
    "callback_renamed": Fault(
        "OUTPUT-CALLBACK-JSONP",
        "the JSONP wrapper calls another name than the callback sent",
        f"{JOHN_CASES} and {JSON_OUTPUT} and callback",
        check="jsonp_callback_is_the_name_sent",
        evidence="conformanceCallback",
        request=_set("callback", "jsonpCallback", when=lambda f: bool(f.get("callback"))),
    ),
    "condensed_ignored": Fault(
        "OUTPUT-CONDENSED",
        "condensed=yes is ignored: indented JSON",
        f"{JOHN_CASES} and {JSON_OUTPUT} and condensed=yes",
        check="condensed_json_has_no_whitespace",
        evidence="white space outside strings",
        request=_without("condensed"),
    ),
    "condensed_changes_xml": Fault(
        "OUTPUT-CONDENSED-JSON-ONLY",
        "condensed=yes drops custom_field_3 from XML answers",
        f"relation=formats and {JOHN} and include_balances=N and hide_custom_field=Y",
        check="condensed_changes_nothing_in_xml",
        evidence="custom_field_3",
        reply=on_document(_condensed_xml_drops_custom_field_3, formats=("xml",)),
    ),
    # Lookups
    "card_number_searched_as_code": Fault(
        "FIELD-CARD-NUMBER",
        "a card_number lookup searches the code column: Nina's card 56565656565656 answers Cody, whose code it is",
        "kind=answer and account=greatwidgets and customer=34343434343434 and by=card_number",
        check="right_customer",
        evidence="the answer is another customer",
        request=_card_number_searched_as_code,
    ),
    "card_lookup_drops_custom_field_2": Fault(
        "FIELD-CARD-NUMBER",
        "a lookup by card_number alone leaves custom_field_2 out",
        f"relation=identifiers and {JOHN}",
        check="code_and_card_number_same_answer",
        evidence="custom_field_2",
        reply=on_document(_card_lookup_drops_custom_field_2),
    ),
    # Coalition
    "coalition_per_store_balance": Fault(
        "NOTE-COALITION-BALANCE",
        "each coalition campaign's balance is its own cumulative, not the coalition balance",
        COAL_JOHN_CASES,
        check="coalition_balance_is_shared",
        evidence="is not the coalition balance",
        reply=on_document(_coalition_edit(_per_store_balance)),
    ),
    "coalition_balances_differ_per_store": Fault(
        "COALITION-SAME-BALANCE",
        "each coalition campaign shows a balance of its own (balance_coalition following it)",
        COAL_JOHN_CASES,
        check="coalition_balance_is_shared",
        evidence="different balance values",
        reply=on_document(_coalition_edit(_balances_differ_per_store)),
    ),
    "coalition_balance_coalition_differs": Fault(
        "NOTE-COALITION-BALANCE",
        "balance_coalition differs from one coalition campaign to the next",
        COAL_JOHN_CASES,
        check="coalition_balance_is_shared",
        evidence="different balance_coalition values",
        reply=on_document(_coalition_edit(_balance_coalition_varies)),
    ),
    "coalition_fields_missing": Fault(
        "EXAMPLE-COALITION",
        "coalition campaigns carry no balance_coalition and cumulative_coalition",
        COAL_JOHN_CASES,
        check="coalition_campaigns_carry_coalition_fields",
        evidence="missing: balance_coalition, cumulative_coalition",
        reply=on_document(_coalition_edit(_no_coalition_fields)),
    ),
    "coalition_store_cumulative_above_total": Fault(
        "COALITION-STORE-CUMULATIVE",
        "a store's cumulative exceeds cumulative_coalition",
        COAL_JOHN_CASES,
        check="store_cumulative_within_coalition",
        evidence="exceeds the coalition's",
        reply=on_document(_coalition_edit(_store_cumulative_above_coalition)),
    ),
    # BuyX
    "buyx_earned_rounded_up": Fault(
        "BUYX-EARNED",
        "earned is balance / earn_ratio rounded up, not floored",
        JOHN_CASES,
        check="buyx_earned_is_floor_of_balance",
        evidence="earned is not floor(balance / earn_ratio)",
        reply=on_document(_buyx_edit(_earned_rounded_up)),
    ),
    "buyx_earned_rounded_to_nearest": Fault(
        "BUYX-EARNED",
        "earned is balance / earn_ratio rounded to the nearest whole item, not floored (7 Muffins at 8 -> 1)",
        "kind=answer and account=greatwidgets and customer=70707070707070",
        check="buyx_earned_is_floor_of_balance",
        evidence="earned is not floor(balance / earn_ratio)",
        reply=on_document(_buyx_edit(_earned_rounded_to_nearest)),
    ),
    # Not deducting redemptions and a cumulative that loses redeemed purchases give the
    # same numbers (balance = cumulative): one answer cannot say which sentence is broken,
    # only that the worked example's arithmetic is (BUYX-EXAMPLE).
    "buyx_redemptions_not_deducted": Fault(
        "BUYX-EXAMPLE",
        "redemptions are not deducted from the balance (balance = cumulative)",
        JOHN_CASES,
        check="buyx_balance_is_cumulative_minus_redeemed",
        evidence="balance is not cumulative - redeemed x earn_ratio",
        reply=on_document(_buyx_edit(_redemptions_not_deducted)),
    ),
    "buyx_reward_for_unearned_item": Fault(
        "BUYX-AVAILABLE-REWARDS",
        "available_rewards lists an item not earned",
        JOHN_CASES,
        check="buyx_available_rewards_are_earned_items",
        evidence="which the customer has not earned",
        reply=on_document(_buyx_edit(_reward_for_unearned_item)),
    ),
    "buyx_reward_other_earn_ratio": Fault(
        "BUYX-AVAILABLE-REWARDS",
        "an available reward has another earn_ratio than its item",
        JOHN_CASES,
        check="buyx_available_rewards_are_earned_items",
        evidence="has another earn_ratio than the item",
        reply=on_document(_buyx_edit(_reward_with_other_ratio)),
    ),
    "buyx_reward_missing": Fault(
        "BUYX-AVAILABLE-REWARDS",
        "available_rewards misses an earned item (Teas, earned 2)",
        JOHN_CASES,
        check="buyx_available_rewards_are_earned_items",
        evidence="available_rewards misses",
        reply=on_document(_buyx_edit(_reward_missing)),
    ),
    # Values
    "registered_yes": Fault(
        "NOTE-REGISTERED",
        'registered is "yes"/"no", not Y/N',
        JOHN_CASES,
        check="registered_is_y_or_n",
        evidence="'yes'",
        reply=on_document(_customer_edit(_registered_words)),
    ),
    "dates_day_first": Fault(
        "EXAMPLE-SUCCESS",
        "dates are written 31/12/2011",
        JOHN_CASES,
        check="dates_are_dates",
        evidence="31/12/2011",
        reply=on_document(_dates_day_first),
    ),
    "balance_thousands_separator": Fault(
        "EXAMPLE-SUCCESS",
        'balances of 1000 and more are written "1,500"',
        JOHN_CASES,
        check="amounts_are_numbers",
        evidence="'1,500'",
        reply=on_document(_balance_thousands),
    ),
    # Over time
    "answer_changes_between_requests": Fault(
        "CALL-RETRIEVES",
        "first_name carries a request counter: the same request twice gets two answers",
        "relation=repeat",
        check="same_request_same_answer",
        evidence="first_name",
        reply=on_document(_counter_in_first_name),
    ),
    # Formats
    "json_drops_email": Fault(
        "OUTPUT-JSON",
        "JSON(P) answers leave the customer's email out",
        f"relation=formats and {JOHN} and include_balances=N and hide_custom_field=Y",
        check="formats_carry_same_document",
        evidence="email",
        reply=on_document(_customer_edit(lambda c: c.pop("email", None)), formats=("json", "jsonp")),
    ),
    # Relations between a filtered answer and the full one
    "hide_custom_field_y_drops_more": Fault(
        "FIELD-HIDE-CUSTOM-FIELD",
        "hide_custom_field=Y also drops custom_field_2",
        f"relation=filters and {JOHN}",
        check="hide_custom_field_removes_only_custom_field",
        evidence="custom_field_2",
        reply=on_document(_hide_y_drops_custom_field_2),
    ),
    "include_balances_n_changes_customer": Fault(
        "NOTE-INCLUDE-BALANCES-N",
        "include_balances=N also drops custom_field_2 from the customer",
        f"relation=filters and {JOHN}",
        check="include_balances_n_is_the_customer_part",
        evidence="custom_field_2",
        reply=on_document(_balances_n_drops_custom_field_2),
    ),
    "campaign_id_changes_campaign": Fault(
        "NOTE-CAMPAIGN-ID",
        "with campaign_id, the campaign loses its last_transaction",
        f"relation=filters and {JOHN}",
        check="campaign_id_is_that_campaign_of_the_full_answer",
        evidence="last_transaction",
        reply=on_document(_campaign_id_drops_last_transaction),
    ),
    "default_output_differs_from_xml": Fault(
        "OUTPUT-DEFAULT-XML",
        "without output, the XML answer leaves custom_field_3 out (output=XML keeps it)",
        f"relation=formats and {JOHN} and include_balances=N and hide_custom_field=Y",
        check="absent_output_equals_xml",
        evidence="custom_field_3",
        reply=on_document(_default_output_drops_custom_field_3, formats=("xml",)),
    ),
    # Shape, more
    "customer_field_renamed": Fault(
        "NOTE-ALL-FIELDS",
        "the customer's postal_code is sent as zip",
        JOHN_CASES,
        check="documented_customer_fields_present",
        evidence="missing: postal_code",
        reply=on_document(_customer_edit(_rename("postal_code", "zip"))),
    ),
    "xml_without_status": Fault(
        "EXAMPLE-SUCCESS",
        "XML answers carry no status attribute",
        JOHN_CASES,
        check="answer_is_an_envelope",
        evidence="status is not a documented one",
        spare_smoke=True,
        reply=_without_status_attribute,
    ),
    "include_balances_inverted": Fault(
        "NOTE-INCLUDE-BALANCES-N",
        "include_balances is read inverted: N keeps the campaigns, Y drops them",
        f"{JOHN_CASES} and include_balances=N",
        check="campaigns_follow_filters",
        evidence="include_balances=N, but campaigns are returned",
        request=_include_balances_inverted,
    ),
    # Encoding
    "xml_text_not_escaped": Fault(
        "EXAMPLE-SUCCESS",
        "XML text is written unescaped: Zoë & <Åsa> makes the answer not well-formed",
        "kind=answer and account=greatwidgets and customer=70707070707070",
        check="answer_is_an_envelope",
        evidence="not well-formed",
        reply=_xml_unescaped,
    ),
    "xml_declares_latin1": Fault(
        "OUTPUT-JSON",
        'XML declares encoding="ISO-8859-1" over UTF-8 bytes: "Zoë" reads "ZoÃ«" in XML, "Zoë" in JSON',
        "relation=formats and account=greatwidgets and customer=70707070707070 "
        "and include_balances=N and hide_custom_field=Y",
        check="formats_carry_same_document",
        evidence="Ã",
        reply=_declares_latin1,
    ),
    # Access
    "wrong_password_accepted": Fault(
        "FIELD-USER-PASSWORD-REQUIRED",
        "any non-empty password of a known user is accepted: a wrong one reads the customer",
        "access=wrong-password",
        check="access_is_refused",
        evidence="answered success",
        request=_wrong_password_accepted,
    ),
    "empty_password_accepted": Fault(
        "FIELD-USER-PASSWORD-REQUIRED",
        "an empty password is accepted: it reads the customer",
        "access=empty-password",
        check="access_is_refused",
        evidence="answered success",
        request=_empty_password_accepted,
    ),
    "forbidden_account_readable": Fault(
        "FIELD-ACCOUNT-ID-REQUIRED",
        "the access check is skipped: an account of another user (otherco) is searched",
        "access=forbidden-account-*",
        check="access_is_refused",
        evidence="answered no_match",
        request=_forbidden_account_readable,
    ),
    "forbidden_account_answers_customer": Fault(
        "FIELD-ACCOUNT-ID-REQUIRED",
        "an account the credentials may not read (otherco) is replaced by the first they may: the customer is answered",
        "access=forbidden-account-*",
        check="access_is_refused",
        evidence="the answer carries customer data",
        request=_forbidden_account_falls_back,
    ),
    "account_id_not_scoping": Fault(
        "FIELD-ACCOUNT-ID-REQUIRED",
        "account_id does not scope the lookup: a customer of greatwidgets is found through coaldemo",
        "access=scope-*",
        check="access_is_refused",
        evidence="answered success",
        request=_account_not_scoping,
    ),
    # Found only by the negative space of the input model (cases/inputs.yaml): a credential
    # that is almost the password, an identifier kind or an account the hand-listed
    # cases never tried, a second user.
    "password_compared_by_prefix": Fault(
        "FIELD-USER-PASSWORD-REQUIRED",
        "the password is compared by prefix (strncmp): a shortened password reads the customer",
        "access=shortened-password or access=prefix-*-password",
        check="access_is_refused",
        evidence="answered success",
        request=_password_compared_by_prefix,
    ),
    "password_compared_ignoring_case": Fault(
        "FIELD-USER-PASSWORD-REQUIRED",
        "the password is compared ignoring case: 1959CAADAC9B13DCB3 reads the customer",
        "access=case-swapped-password*",
        check="access_is_refused",
        evidence="answered success",
        request=_password_compared_ignoring_case,
    ),
    "password_trimmed": Fault(
        "FIELD-USER-PASSWORD-REQUIRED",
        "the password is trimmed before it is compared: the password with spaces around reads the customer",
        "access=padded-password*",
        check="access_is_refused",
        evidence="answered success",
        request=_password_trimmed,
    ),
    "password_not_checked_in_coalitions": Fault(
        "FIELD-USER-PASSWORD-REQUIRED",
        "in a coalition account (coaldemo) any non-empty password reads the customer",
        "access=wrong-password*",
        check="access_is_refused",
        evidence="answered success",
        request=_password_not_checked_in_coalitions,
    ),
    "card_number_lookup_not_scoped": Fault(
        "FIELD-ACCOUNT-ID-REQUIRED",
        "card number lookups are not scoped to the account (code lookups are): "
        "a greatwidgets customer's card number answers through coaldemo",
        "access=scope-*-by-card_number-*",
        check="access_is_refused",
        evidence="answered success",
        request=_card_number_lookup_not_scoped,
    ),
    "other_user_reads_any_account": Fault(
        "FIELD-ACCOUNT-ID-REQUIRED",
        "account access is checked for john1970 only: another user (otheruser) reads greatwidgets and coaldemo",
        "access=other-user-account*",
        check="access_is_refused",
        evidence="the answer carries customer data",
        request=_any_user_reads_any_account,
    ),
    "password_echoed_in_errors": Fault(
        ADVISORY,
        "error texts repeat the request's user_id and password",
        "access=missing-* or access=wrong-type",
        check="target_never_echoes_password",
        evidence="echoes the password",
        reply=on_document(_password_in_errors),
    ),
    # Security: hostile values
    "injection_matches_first_customer": Fault(
        "FIELD-CODE",
        "a code or card_number with a quote or a % (' OR '1'='1) answers the account's first customer",
        "access=injection-*",
        check="access_is_refused",
        evidence="answered success",
        request=_injection_matches_first_customer,
    ),
    # Negative space (conformance/negative.py): values that must not match.
    "lookup_matches_either_column": Fault(
        "FIELD-CODE",
        "a code is matched against the card number column too: code=1212121212 (John's card number) answers John",
        "kind=answer and (negative or campaign_id=foreign-*)",
        check="status_matches_case",
        evidence="the answer's status is success, not no_match",
        request=_lookup_matches_either_column,
    ),
    "lookup_matches_prefix": Fault(
        "FIELD-CODE",
        "a code or card_number matches the customer whose identifier it begins: 8989898989898 answers John",
        "kind=answer and (negative or campaign_id=foreign-*)",
        check="status_matches_case",
        evidence="the answer's status is success, not no_match",
        request=_lookup_matches_prefix,
    ),
    "campaign_id_from_any_account": Fault(
        "FIELD-ACCOUNT-ID-REQUIRED",
        "a campaign_id is looked up in every account: another account's campaign is answered",
        "kind=answer and (negative or campaign_id=foreign-*)",
        check="foreign_campaign_is_not_answered",
        evidence="a campaign of another account",
        reply=on_document(_campaign_id_from_any_account),
    ),
    "nul_byte_html_500": Fault(
        "EXAMPLE-NO-MATCH",
        "a NUL byte in code or card_number gets an HTML 500 page",
        "access=*-nul-byte",
        check="answer_is_an_envelope",
        evidence="not an API envelope",
        advisory="server_error_status",
        reply=_nul_byte_html_500,
    ),
    "jsonp_callback_reflected": Fault(
        ADVISORY,
        "a callback that is not a JavaScript name is written into the JSONP answer as sent",
        "access=callback-*",
        check="jsonp_callback_is_not_reflected_unsafely",
        evidence="reflected into the answer",
        request=_jsonp_any_callback,
        reply=_reflect_callback,
    ),
    # Requests
    "multipart_not_read": Fault(
        "REQUEST-PHP-EXAMPLE",
        "a multipart/form-data body (the PHP example's, every PHP client's) is not read: error, missing fields",
        "access=encoding-*",
        check="request_encoding_is_read",
        evidence="answered error",
        wire=_multipart_not_read,
    ),
    # More of the field table
    "user_id_not_checked": Fault(
        "FIELD-USER-ID-REQUIRED",
        "user_id is not checked: any user_id (or none) with a known password reads the customer",
        "access=wrong-user-id or access=empty-user-id",
        check="access_is_refused",
        evidence="answered success",
        request=_any_user_with_the_password,
    ),
    "type_not_checked": Fault(
        "FIELD-TYPE-REQUIRED",
        "type is not checked: type=customer_infos answers the customer",
        "access=wrong-type",
        check="access_is_refused",
        evidence="answered success",
        request=_set("type", "customer_info", when=lambda f: "type" in f),
    ),
    "code_searched_as_card_number": Fault(
        "FIELD-CODE",
        "a code lookup searches the card_number column first: Cody's "
        "code 56565656565656 answers Nina, whose card number it is",
        "kind=answer and account=greatwidgets and customer=56565656565656 and by=code",
        check="right_customer",
        evidence="the answer is another customer",
        request=_code_searched_as_card_number,
    ),
    "include_balances_y_drops_campaigns": Fault(
        "FIELD-INCLUDE-BALANCES",
        "include_balances=Y is read like N: the campaigns are left out",
        f"relation=filters and {JOHN}",
        check="include_balances_y_is_the_default",
        evidence="include_balances=Y answers differently",
        request=_set("include_balances", "N", when=lambda f: _flag(f, "include_balances") == "Y"),
    ),
    "show_only_belong_to_n_filters": Fault(
        "FIELD-SHOW-ONLY-BELONG-TO",
        "in the coalition, show_only_belong_to=N is read like Y: Doohickey Rewards (never transacted in) is left out",
        "relation=filters and account=coaldemo",
        check="show_only_belong_to_n_is_the_default",
        evidence="show_only_belong_to=N answers differently",
        request=_set("show_only_belong_to", "Y", when=lambda f: _flag(f, "show_only_belong_to") == "N"),
    ),
    "buyx_cumulative_excludes_redemptions": Fault(
        "BUYX-EXAMPLE",
        "a BuyX item's cumulative leaves out the purchases that earned a free item (Coffees 14, not 24)",
        JOHN_CASES,
        check="buyx_balance_is_cumulative_minus_redeemed",
        evidence="balance is not cumulative - redeemed x earn_ratio",
        reply=on_document(_buyx_edit(_cumulative_excludes_redemptions)),
    ),
    "buyx_redeemed_counts_purchases": Fault(
        "BUYX-REDEEMED",
        "a BuyX item's redeemed counts the purchases given away, not the free items (Coffees 10, not 1)",
        JOHN_CASES,
        check="buyx_balance_is_cumulative_minus_redeemed",
        evidence="more free items redeemed than the purchases could earn",
        reply=on_document(_buyx_edit(_redeemed_counts_purchases)),
    ),
    "buyx_redemption_deducts_too_little": Fault(
        "BUYX-REDEMPTION",
        "each redemption deducts earn_ratio - 1 purchases from the balance, not earn_ratio (Coffees 15, not 14)",
        JOHN_CASES,
        check="buyx_balance_is_cumulative_minus_redeemed",
        evidence="each redemption deducted",
        reply=on_document(_buyx_edit(_redemption_deducts_too_little)),
    ),
    "buyx_cumulative_below_balance": Fault(
        "BUYX-CUMULATIVE",
        "a BuyX item's cumulative is one less than its balance (Coffees 13 lifetime purchases, 14 in the balance)",
        JOHN_CASES,
        check="buyx_balance_is_cumulative_minus_redeemed",
        evidence="cumulative is below the balance",
        reply=on_document(_buyx_edit(_cumulative_below_balance)),
    ),
    "buyx_balance_fractional": Fault(
        "BUYX-BALANCE",
        "a BuyX item's balance is written as a fraction of a purchase (Coffees 14.5)",
        JOHN_CASES,
        check="buyx_counts_are_whole_numbers",
        evidence="balance is not a count",
        reply=on_document(_buyx_edit(_balance_fractional)),
    ),
    # Ground truth: caught only with the certification profile's expect, which states
    # reward 678's reward_id and reward 753's absence of one (reward_id: null); with a
    # profile of identifiers only both pass (tests/test_expected_data_end_to_end.py).
    "reward_id_moved_to_reward_without_one": Fault(
        "EXAMPLE-POINTS-REWARDS",
        "reward 678's reward_id (A-345678) is answered on reward 753, which has none in the data set",
        JOHN_CASES,
        check="answer_matches_expected_data",
        evidence="reward id 753's reward_id is given, though the target holds none",
        reply=on_document(_reward_id_moved),
    ),
    "reward_id_dropped": Fault(
        "EXAMPLE-POINTS-REWARDS",
        "reward 678 is answered without the reward_id it has in the data set (A-345678)",
        JOHN_CASES,
        check="answer_matches_expected_data",
        evidence="reward id 678's reward_id is left out, though the target holds one",
        reply=on_document(_reward_678_without_reward_id),
    ),
}


@contextlib.contextmanager
def serve(fault_name: str | Fault | None) -> Iterator[str]:
    """Serve the named fault (or a Fault built elsewhere; None: the unmodified reference
    through the same middleware) on 127.0.0.1, a free port; yield the endpoint URL."""
    if isinstance(fault_name, Fault):
        fault = fault_name
    else:
        fault = NO_FAULT if fault_name is None else FAULTS[fault_name]
    server = Server(FaultyApp(fault))
    try:
        yield server.url
    finally:
        server.stop()
