"""Conformant variants of the reference server: each differs from the reference only
where the document allows (or where it is silent and real clients cope, per
``real-clients.md``), and must pass the whole suite with no failure. Warnings,
advisories and unspecified behaviours are allowed; a variant that must raise a warning
names it (``warnings``), so the warning is proven to fire and nothing worse.

A variant is the reference behind the plumbing of ``tests/faults.py`` (request
re-encoded, answer parsed with that module's own parser and written again) with one
difference: another way of writing the same document (``reply``), another HTTP
envelope around it (``wire``), a server that closes every connection, or another data
set (``data_set``: the seed transformed, with the profile that describes it).

``witness``: a predicate on the variant's answer to one request (the profile's first
customer, plus ``probe`` fields) that shows the difference is really there, so a
variant that silently changed nothing cannot pass as "conformant".
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml

from conformance.reference import SEED_PATH
from conformance.reference.app import ReferenceApp
from conformance.reference.db import Database
from tests.faults import (
    COALITION_ACCOUNTS,
    XML_DECLARATION,
    Document,
    DocumentEdit,
    Fault,
    FaultyApp,
    Fields,
    Parsed,
    Reply,
    ReplyEdit,
    Server,
    WireEdit,
    parse,
    render,
    write_xml,
)

Witness = Callable[[requests.Response], bool]


@dataclass(frozen=True)
class Variant:
    description: str
    allowed: str  # why the document (or its silence, and real clients) allows it
    witness: Witness = field(repr=False, compare=False)
    probe: tuple[tuple[str, str], ...] = ()  # fields added to the witness request
    reply: ReplyEdit | None = field(default=None, repr=False, compare=False)
    wire: WireEdit | None = field(default=None, repr=False, compare=False)
    close_connections: bool = False
    data_set: bool = False
    warnings: tuple[str, ...] = ()  # checks whose warnings this variant must raise


# -- writing the same document another way ---------------------------------------------
def rewrite(
    xml: Callable[[Document], bytes] | None = None,
    json_: Callable[[Parsed], bytes] | None = None,
    edit: DocumentEdit | None = None,
) -> ReplyEdit:
    """A reply edit: parse the answer, optionally edit the document, and write it with
    ``xml`` / ``json_`` (the reference's own writers for a format left ``None``)."""

    def apply(reply: Reply, fields: Fields, number: int) -> Reply:
        parsed = parse(reply.body)
        if parsed is None:
            return reply
        if edit is not None:
            parsed.document = edit(copy.deepcopy(parsed.document), fields, number) or parsed.document
        if parsed.format == "xml":
            body = xml(parsed.document) if xml else render(parsed)[0]
        else:
            body = json_(parsed) if json_ else render(parsed)[0]
        return reply.with_body(body)

    return apply


# JSON values that are amounts: what a server typing its numbers would write unquoted.
AMOUNTS = frozenset(
    {
        "balance",
        "cumulative",
        "monetary_balance",
        "balance_coalition",
        "cumulative_coalition",
        "earned",
        "redeemed",
        "earn_ratio",
        "needed_to_redeem",
    }
)
_NUMBER = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")
_MARK = "\x00number:"
_MARKED = re.compile(r'"\\u0000number:(-?[0-9.]+)"')


def _mark_amounts(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _mark_amounts(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_amounts(v) for v in value]
    if key in AMOUNTS and isinstance(value, str) and _NUMBER.match(value):
        return _MARK + value
    return value


def write_json(
    parsed: Parsed,
    *,
    numbers: bool = False,
    php: bool = False,
    prefix: str = "",
    suffix: str = "",
    order: Callable[[Any], Any] | None = None,
) -> bytes:
    """JSON or JSONP as other servers write it: amounts as JSON numbers (``numbers``),
    PHP's ``json_encode`` (``php``: no white space, ``\\/``, ``\\uXXXX``), a JSONP
    wrapper with ``prefix``/``suffix`` (``/**/name(...);``), another key order."""
    document: Any = parsed.document
    if order is not None:
        document = order(document)
    if numbers:
        document = _mark_amounts(document)
    if php or parsed.condensed:
        text = json.dumps(document, ensure_ascii=php, separators=(",", ":"))
    else:
        text = json.dumps(document, ensure_ascii=False, indent=2)
    if numbers:
        text = _MARKED.sub(r"\1", text)
    if php:
        text = text.replace("/", "\\/")
    if parsed.format == "jsonp":
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        text = f"{prefix}{parsed.callback}({text}){suffix}"
    return text.encode("utf-8")


def _reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(v) for v in value]
    return value


def _reverse_order(name: str, keys: list[str]) -> list[str]:
    return list(reversed(keys))


def _lists_reversed(doc: Document, fields: Fields, number: int) -> Document:
    for campaign in doc.get("campaigns") or []:
        if isinstance(campaign, dict):
            for key in ("available_rewards", "balances"):
                if isinstance(campaign.get(key), list):
                    campaign[key].reverse()
    if isinstance(doc.get("campaigns"), list):
        doc["campaigns"].reverse()
    return doc


def _extra_fields(doc: Document, fields: Fields, number: int) -> Document:
    """Fields beyond the document, as the live service sends them (real-clients.md)."""
    if doc.get("status") == "error":
        doc["error_code"] = "101"
    if doc.get("status") != "success":
        return doc
    customer = doc.get("customer")
    if isinstance(customer, dict):
        customer["record_timestamp"] = "2017-11-23 12:45:38"
        customer["custom_field_9"] = {"label": "Sentinel ALT", "data": ""}
        customer["custom_field_10"] = {"label": "Loyalty tier", "data": "Gold"}
    coalition = fields.get("account_id") in COALITION_ACCOUNTS
    for campaign in doc.get("campaigns") or []:
        if not isinstance(campaign, dict):
            continue
        never = campaign.get("last_transaction") in (None, "", "0000-00-00")
        campaign["first_transaction"] = "0000-00-00" if never else "2010-01-04"
        campaign["in_coalition"] = "Y" if coalition else "N"
        campaign["created_stamp"] = "2017-11-23 12:45:38"
        campaign["points_ratio"] = "0.05"
        campaign["reward_ratio"] = "1"
        campaign["description"] = f"{campaign.get('name', '')}: earn as you shop"
        campaign["opt_out"] = "N"
        for reward in campaign.get("available_rewards") or []:
            if isinstance(reward, dict) and campaign.get("type") != "buyx":
                reward["name"] = reward.get("description", "")
                reward["level"] = "1"
                reward["reward_url"] = f"https://rewards.example.com/r/{reward.get('id', '')}"
    return doc


# The reference's texts (conformance/reference/service.py, params.py) in another language:
# "Language-specific" says the document of the no_match message.
FRENCH = {
    "No Customers Match Criteria": "Aucun client ne correspond aux critères",
    "Authentication failed: invalid user_id or user_password": (
        "Échec de l'authentification : user_id ou user_password invalide"
    ),
    "Account not found or not accessible with these credentials": (
        "Compte introuvable ou inaccessible avec ces identifiants"
    ),
    "Either 'code' or 'card_number' must be passed": "Il faut fournir 'code' ou 'card_number'",
    "Invalid type: this endpoint implements type 'customer_info' only": (
        "Type invalide : seul 'customer_info' est pris en charge"
    ),
    "Invalid callback: it must be a JavaScript identifier or dotted path of identifiers": (
        "Callback invalide : un identifiant JavaScript est attendu"
    ),
}


def _in_french(doc: Document, fields: Fields, number: int) -> Document:
    if doc.get("status") == "no_match" and isinstance(doc.get("message"), str):
        doc["message"] = FRENCH.get(doc["message"], doc["message"])
    if doc.get("status") == "error" and isinstance(doc.get("error"), str):
        text = doc["error"]
        missing = re.match(r"Missing required fields?: (.*)", text)
        doc["error"] = (
            f"Champ(s) obligatoire(s) manquant(s) : {missing.group(1)}"
            if missing
            else FRENCH.get(text, f"Erreur : {text}")
        )
    return doc


# -- another HTTP envelope ---------------------------------------------------------------
def _headers(reply: Reply, drop: tuple[str, ...], add: list[tuple[str, str]]) -> Reply:
    kept = [(k, v) for k, v in reply.headers if k.lower() not in drop]
    return Reply(reply.status, kept + add, reply.body)


_ERROR_STATUS = (
    ("Authentication failed", "401 Unauthorized"),
    ("Account not found", "403 Forbidden"),
    ("Not found", "404 Not Found"),
    ("Method not allowed", "405 Method Not Allowed"),
    ("Request body too large", "413 Payload Too Large"),
)


def _error_http_status(reply: Reply, fields: Fields, number: int) -> Reply:
    parsed = parse(reply.body)
    if parsed is None or parsed.document.get("status") != "error":
        return reply
    text = str(parsed.document.get("error", ""))
    status = next((code for prefix, code in _ERROR_STATUS if text.startswith(prefix)), "400 Bad Request")
    return Reply(status, reply.headers, reply.body)


def _gzip(reply: Reply, environ: dict[str, Any]) -> Reply:
    if "gzip" not in environ.get("HTTP_ACCEPT_ENCODING", ""):
        return reply
    body = gzip.compress(reply.body, mtime=0)
    return _headers(reply.with_body(body), (), [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")])


def _content_type(xml: str | None = None, other: str | None = None) -> WireEdit:
    def apply(reply: Reply, environ: dict[str, Any]) -> Reply:
        is_xml = reply.body.lstrip()[:1] == b"<"
        wanted = xml if is_xml else other
        return _headers(reply, ("content-type",), [("Content-Type", wanted)]) if wanted else reply

    return apply


def _chunked(reply: Reply, environ: dict[str, Any]) -> Reply:
    # No Content-Length and the body in pieces: waitress sends it chunked.
    return Reply(
        reply.status, [(k, v) for k, v in reply.headers if k.lower() != "content-length"], reply.body, chunk_size=97
    )


# -- another data set ---------------------------------------------------------------------
_DIGITS = str.maketrans("0123456789", "3947061825")
_ACCOUNTS = {"greatwidgets": "north-bakery", "coaldemo": "harbour-mall", "otherco": "rival-bakery"}
_USERS = {"john1970": ("pos-terminal-07", "Tr0ub4dor&3=x+y%z ü"), "otheruser": ("rival-pos", "an0ther+Pass&word")}
_TEXTS = {
    # customers
    "John": "Aroha",
    "Doe": "Ngata",
    "john@email.com": "aroha@ngata.example",
    "jdoe1970": "angata",
    "123 Main St.": "5 Wharf Rd",
    "Apt 3G": "Flat 2",
    "Anytown": "Port Nelson",
    "Zoë & <Åsa>": "Ngaio & <Rēwi>",
    'O\'Brien "Junior"': 'D\'Arcy "Senior"',
    "Zürich": "Ōtautahi",
    "1 Ünïcode Lane & Co": "9 Tāmaki Lane & Sons",
    'Prefers <b>tea</b> & "scones" ]]>': 'Likes <i>kawakawa</i> & "pies" ]]>',
    "Cody": "Hemi",
    "Only": "Solo",
    "cody@example.com": "hemi@example.org",
    "cody": "hemi",
    "Nina": "Tama",
    "Newcomer": "Hou",
    "nina@example.com": "tama@example.org",
    "Mary": "Kiri",
    "Major": "Rangi",
    "mary@example.com": "kiri@example.org",
    "mmajor": "krangi",
    "Othertown": "Rivertown",
    "Olive": "Pania",
    "Other": "Reef",
    "olive@example.com": "pania@example.net",
    "olive": "preef",
    "1 Other Way": "3 Reef Rd",
    "Elsewhere": "Napier",
    "Other Points": "Reef Points",
    "Free Thing": "Free pie",
    "He Likes Cheese": "Loves rewena bread",
    "Prefers email": "Prefers text messages",
    "Marital Status": "Household size",
    "Single": "Two",
    "Favourite Store": "Home branch",
    "Downtown": "Quay Street",
    # campaigns and their catalogues
    "Widget Rewards": "Loaf Points",
    "Employee Rewards": "Staff Dollars",
    "Frequent Buyer": "Bake Club",
    "Coffees": "Flat whites",
    "Cakes": "Lamingtons",
    "Books": "Cookbooks",
    "Teas": "Chai",
    "Muffins": "Scones",
    "Free Widget": "Free loaf",
    "Free bigger widget": "Free cake",
    "ACME Rewards": "Pier Points",
    "Gadget Rewards": "Market Points",
    "Doohickey Rewards": "Ferry Points",
    "Gadget voucher": "Market voucher",
}
_DIGIT_KEYS = ("code", "card_number", "campaign_id", "campaign", "id", "item_id", "reward_id")
_TEXT_KEYS = (
    "first_name",
    "last_name",
    "email",
    "customer_username",
    "street1",
    "street2",
    "city",
    "custom_field",
    "name",
    "description",
    "label",
    "data",
    "item",
)


def _transform(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _transform(v, k if isinstance(k, str) else key) for k, v in value.items()}
    if isinstance(value, list):
        return [_transform(v, key) for v in value]
    if not isinstance(value, str):
        return value
    if key in _DIGIT_KEYS:
        return value.translate(_DIGITS)
    if key == "account_id":
        return _ACCOUNTS.get(value, value)
    if key == "date":
        return f"{int(value[:4]) + 5:04d}{value[4:]}"
    if key in _TEXT_KEYS:
        return _TEXTS.get(value, value)
    return value


def other_data_set(directory: Path) -> tuple[Path, Path]:
    """The reference's seed with other codes, card numbers, campaign ids, names,
    accounts, credentials and dates (same shapes, same arithmetic), and the profile that
    describes it: (seed path, profile path), written into ``directory``."""
    seed = yaml.safe_load(SEED_PATH.read_text(encoding="utf-8"))
    users = [
        {
            "user_id": _USERS[u["user_id"]][0],
            "user_password": _USERS[u["user_id"]][1],
            "accounts": [_ACCOUNTS[a] for a in u["accounts"]],
        }
        for u in seed["api_users"]
    ]
    accounts = _transform(seed["accounts"])
    directory.mkdir(parents=True, exist_ok=True)
    seed_path = directory / "seed.yaml"
    seed_path.write_text(
        yaml.safe_dump({"api_users": users, "accounts": accounts}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    first = users[0]
    readable = set(first["accounts"])
    profile = {
        "credentials": {"user_id": first["user_id"], "user_password": first["user_password"]},
        "accounts": [
            {
                "account_id": a["account_id"],
                "coalition": a["coalition"],
                "customers": [{k: c[k] for k in ("code", "card_number") if c.get(k)} for c in a["customers"]],
            }
            for a in accounts
            if a["account_id"] in readable
        ],
        "forbidden_account_id": next(a["account_id"] for a in accounts if a["account_id"] not in readable),
    }
    profile_path = directory / "profile.yaml"
    profile_path.write_text(yaml.safe_dump(profile, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return seed_path, profile_path


# -- the variants -------------------------------------------------------------------------
def _xml_has(*texts: bytes) -> Witness:
    return lambda r: all(t in r.content for t in texts)


def _reversed_customer(r: requests.Response) -> bool:
    return r.content.find(b"<registered>") < r.content.find(b"<code>")


ZOE = (("code", "70707070707070"),)
JSON = (("output", "JSON"),)

VARIANTS: dict[str, Variant] = {
    "element_order_reversed": Variant(
        "every element's children (customer, campaign, reward, item) and every JSON object's keys in reverse order",
        "the document lists fields, it does not order them; real clients "
        "read by name (real-clients.md: none depends on element order)",
        witness=_reversed_customer,
        reply=rewrite(
            xml=lambda d: write_xml(d, order=_reverse_order), json_=lambda p: write_json(p, order=_reversed_keys)
        ),
    ),
    "campaigns_reversed": Variant(
        "campaigns, available_rewards and BuyX items listed in reverse order",
        "the document does not order the campaigns, rewards or items",
        witness=lambda r: r.content.find(b"Frequent Buyer") < r.content.find(b"Widget Rewards"),
        reply=rewrite(edit=_lists_reversed),
    ),
    "compact_xml": Variant(
        "XML with its declaration and no white space between elements",
        "white space between elements carries nothing in XML; the document shows indentation only for reading",
        witness=lambda r: r.content.startswith(XML_DECLARATION.encode() + b"<response") and b">\n" not in r.content,
        reply=rewrite(xml=lambda d: write_xml(d, indent=None)),
    ),
    "single_quoted_attributes": Variant(
        "single quotes around the declaration's and the status attribute's values",
        "XML allows either quote; the document's double quotes are one spelling",
        witness=_xml_has(b"<response status='success'>", b"version='1.0'"),
        reply=rewrite(xml=lambda d: write_xml(d, declaration="<?xml version='1.0' encoding='UTF-8'?>", quote="'")),
    ),
    "self_closing_empty_elements": Variant(
        "empty elements written <street2/>, <glyph/>, <available_rewards/>",
        "<glyph/> and <glyph></glyph> are the same XML element",
        witness=_xml_has(b"<glyph/>"),
        reply=rewrite(xml=lambda d: write_xml(d, self_closing=True)),
    ),
    "cdata_without_declaration": Variant(
        "XML without the <?xml ...?> declaration, every text in a CDATA section (the ]]> in a text split across two)",
        "the document's examples have no declaration (UTF-8 XML needs "
        "none); a CDATA section is the same text as its escaped spelling",
        witness=lambda r: (
            r.content.startswith(b"<response") and b"<![CDATA[Zo" in r.content and b"]]]]><![CDATA[>" in r.content
        ),
        probe=ZOE,
        reply=rewrite(xml=lambda d: write_xml(d, declaration=None, cdata=True)),
        warnings=("xml_text_outside_cdata",),
    ),
    "extra_fields": Variant(
        "fields the document does not list, in XML and JSON: "
        "first_transaction, in_coalition, created_stamp, points_ratio, "
        "reward_ratio, description, opt_out on campaigns; name, "
        "level, reward_url on rewards; record_timestamp and more "
        "custom_field_N on the customer; error_code on errors",
        "real-clients.md: the live service sends them, and a harness must "
        "not reject a response for carrying fields the document does not list",
        witness=_xml_has(b"<first_transaction>", b"<record_timestamp>", b"<custom_field_10>"),
        reply=rewrite(edit=_extra_fields),
    ),
    "json_numbers": Variant(
        "amounts (balance, cumulative, earned, redeemed, earn_ratio, needed_to_redeem, ...) as JSON numbers",
        "real-clients.md: clients also accept numbers; tolerated, with a warning, since the live service sends strings",
        witness=lambda r: re.search(rb'"balance": 1500\b', r.content) is not None,
        probe=JSON,
        reply=rewrite(json_=lambda p: write_json(p, numbers=True)),
        warnings=("json_scalars_are_strings",),
    ),
    "php_json_encode": Variant(
        "JSON as PHP's json_encode writes it: no white space even "
        "without condensed, '/' as '\\/', non-ASCII as \\uXXXX",
        "the same JSON values; condensed asks for no white space, it does not forbid leaving it out otherwise",
        witness=_xml_has(b'"Zo\\u00eb', b'{"status":"success"'),
        probe=ZOE + JSON,
        reply=rewrite(json_=lambda p: write_json(p, php=True)),
    ),
    "jsonp_comment_prefix": Variant(
        "JSONP written /**/name({...}); (the guard some servers put before a callback)",
        "the same call of the callback sent; a comment and a semicolon change nothing in JavaScript",
        witness=lambda r: r.content.startswith(b"/**/conformanceCallback(") and r.content.endswith(b");"),
        probe=JSON + (("callback", "conformanceCallback"),),
        reply=rewrite(json_=lambda p: write_json(p, prefix="/**/", suffix=";")),
    ),
    "error_http_4xx": Variant(
        "error envelopes with HTTP 4xx: 401 for credentials, 403 for an account, 400 for missing or bad fields",
        "the document names no HTTP status; the error envelope is "
        "what clients read (PHP cURL reads the body of any answer)",
        witness=lambda r: r.status_code == 401 and b'status="error"' in r.content,
        probe=(("user_password", "not-the-password"),),
        reply=_error_http_status,
        warnings=("envelope_comes_with_http_200",),
    ),
    "language_specific_messages": Variant(
        "the no_match message and the error texts in French",
        'the document: <message>Language-specific "No Customers '
        'Match Criteria"</message>; error texts are "Error message"',
        witness=_xml_has(b"Aucun client"),
        probe=(("code", "99999999999999"),),
        reply=rewrite(edit=_in_french),
    ),
    "gzip": Variant(
        "every answer gzip-compressed (Content-Encoding: gzip) when the request accepts it, and sent chunked "
        "(Transfer-Encoding: chunked, no Content-Length; waitress then "
        "closes the connection), as a proxy compressing on the fly does",
        "HTTP content coding and framing, below the document; every client library decodes them",
        witness=lambda r: (
            r.headers.get("Content-Encoding") == "gzip"
            and r.headers.get("Transfer-Encoding") == "chunked"
            and r.content.startswith(b"<?xml")
        ),
        wire=lambda reply, environ: _chunked(_gzip(reply, environ), environ),
    ),
    "text_xml_content_type": Variant(
        "XML served as text/xml (no charset parameter), JSON(P) as "
        "text/html; charset=UTF-8 (PHP's default when a script sets no header)",
        "the document names no content type; the XML declaration names the encoding, and clients parse the body",
        witness=lambda r: r.headers.get("Content-Type") == "text/xml",
        wire=_content_type(xml="text/xml", other="text/html; charset=UTF-8"),
    ),
    "connection_close": Variant(
        "every answer says Connection: close and the connection is closed after it",
        "HTTP connection management, below the document",
        witness=lambda r: r.headers.get("Connection", "").lower() == "close" and "Content-Length" in r.headers,
        close_connections=True,
    ),
    "other_data_set": Variant(
        "another data set: other accounts, credentials (with & + % and a space in the password), codes, card numbers, "
        "campaign ids, names, items and dates, the same shapes and arithmetic; with the profile that describes it",
        "a target's data is its own: the harness knows only the profile",
        witness=_xml_has(b"<first_name>Aroha</first_name>", b"Bake Club"),
        data_set=True,
    ),
}


# -- serving --------------------------------------------------------------------------------
@contextlib.contextmanager
def serve(name: str, workdir: Path) -> Iterator[tuple[str, Path]]:
    """Serve the named variant on 127.0.0.1; yield (URL, profile path). ``workdir``
    holds the generated data set, when the variant has one."""
    from conformance.reference import PROFILE_PATH

    variant = VARIANTS[name]
    inner = None
    profile = PROFILE_PATH
    if variant.data_set:
        seed, profile = other_data_set(workdir / "data")
        inner = ReferenceApp(Database.open(None, seed_path=seed))
    fault = Fault("", variant.description, "", request=lambda f: f, reply=variant.reply, wire=variant.wire)
    server = Server(
        FaultyApp(fault, inner=inner, data_key="other-data-set" if variant.data_set else None),
        close_connections=variant.close_connections,
    )
    try:
        yield server.url, profile
    finally:
        server.stop()


def witness_fields(profile: Path, probe: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """The witness request: the profile's first customer by code, plus ``probe``."""
    data = yaml.safe_load(profile.read_text(encoding="utf-8"))
    account = data["accounts"][0]
    fields = {
        "user_id": data["credentials"]["user_id"],
        "user_password": data["credentials"]["user_password"],
        "type": "customer_info",
        "account_id": account["account_id"],
        "code": str(account["customers"][0]["code"]),
    }
    fields.update(dict(probe))
    return fields
