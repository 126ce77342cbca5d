"""Conformant variants of the reference: each differs from the reference only where the
document allows (or where it is silent and real clients cope, per ``real-clients.md``).

One catalogue, two users:

- the harness's self-test (``tests/test_variants_pass.py``): the whole suite must pass
  against each variant, served through the sandbox's command line; warnings are allowed,
  and a variant that must raise one names it (``warnings``);
- client developers: ``python -m conformance.reference --variant NAME[,NAME...]`` serves
  the reference with those variations, ``--variants all`` rotates through them, and
  ``--list-variants`` says what each changes, why the document allows it and which kinds
  of client it is known to break (``breaks``).

Each variant says which ``layer`` it changes. A ``wire`` variant sends the same document
in another spelling or envelope (order, white space, CDATA, quoting, character
references, encoding, HTTP status and headers), or changes a text no two answers are
tied by (the no_match and error messages): ``--variants`` rotates them one per answer.
A ``content`` variant changes what a success answer says about a customer (fields the
document does not define, another data set): a server's data belongs to the customer,
not to the answer, so ``--variants`` holds each per customer, every answer about one
customer with it or every one without it, decided by the seed and the customer
(``Rotation``). A customer who has ``custom_field_10`` in one answer and not in the
next is no legal server: the document defines ``custom_field_N``, and answers it ties
together (the same lookup in XML and JSON, twice, ...) must agree on it.

A variant is made of independent parts, so that several combine: an ``edit`` of the
document's content (same information: list order, extra fields, language), options of
the XML and JSON writers (``xml``, ``json``: another spelling of the same document),
an edit of the HTTP status (``status``), of the HTTP envelope (``wire``), a closed
connection after each answer, or, for the whole server, idle connections closed
(``idle_timeout_s``) or another data set (``data_set``: the seed transformed, with the
profile that describes it).

``witness``: a predicate on the variant's answer to one request (the profile's first
customer, plus ``probe`` fields) that shows the difference is really there, so a
variant that silently changed nothing cannot pass as "conformant".
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import hashlib
import itertools
import random
import re
import tempfile
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from ..app import ReferenceApp
from ..db import Database
from ..paths import PROFILE_PATH, SEED_PATH
from ..seed import load_yaml
from .data import COALITION_ACCOUNTS, Document, Fields
from .json_writer import write_json
from .middleware import Fault, FaultyApp, Reply, ReplyEdit, WireEdit, render
from .parser import parse
from .server import Server
from .xml_writer import BOM, WriterOptionsError, check_options, write_xml

Witness = Callable[[Any], bool]  # (a requests.Response-like answer: .content, .headers, .status_code) -> in effect?
DocumentEdit = Callable[[Document, Fields, int], "Document | None"]
Options = tuple[tuple[str, Any], ...]
Layer = Literal["content", "wire"]
LAYERS: tuple[Layer, ...] = ("content", "wire")


@dataclass(frozen=True)
class Variant:
    description: str
    allowed: str  # why the document (its sentence, or its silence and real clients) allows it
    breaks: str  # which kinds of client it is known to break
    # content: what a success answer says about a customer (held per customer when rotated);
    # wire: how it is spelled or sent, or a text no relation compares (rotated per answer).
    layer: Layer = field(kw_only=True)
    witness: Witness | None = field(
        default=None, repr=False, compare=False
    )  # None: tests/test_variants_pass.py has its own
    probe: tuple[tuple[str, str], ...] = ()  # fields added to the witness request
    edit: DocumentEdit | None = field(default=None, repr=False, compare=False)
    xml: Options = ()  # options of write_xml
    json: Options = ()  # options of write_json
    status: ReplyEdit | None = field(default=None, repr=False, compare=False)
    wire: WireEdit | None = field(default=None, repr=False, compare=False)
    close_connection: bool = False
    idle_timeout_s: int | None = None  # the whole server: idle keep-alive connections closed after this
    data_set: bool = False  # the whole server: another data set
    warnings: tuple[str, ...] = ()  # checks whose warnings this variant must raise

    @property
    def server_wide(self) -> bool:
        """Changes the whole server, not an answer: named with --variant, never rotated."""
        return self.data_set or self.idle_timeout_s is not None

    @property
    def scope(self) -> str:
        if self.data_set:
            return "whole server (another data set and profile): --variant only, not rotated"
        if self.idle_timeout_s is not None:
            return "whole server (its connections): --variant only, not rotated"
        if self.layer == "content":
            return (
                "per customer (it changes a customer's data): --variant, or under --variants held for some "
                "customers in every answer about them, the seed and the customer deciding which"
            )
        return "per answer: --variant, or rotated by --variants"


# -- content edits: the same information in another form ------------------------------------
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
    "Authentication failed: invalid user_id or user_password": "Échec de l'authentification : "
    "user_id ou user_password invalide",
    "Account not found or not accessible with these credentials": "Compte introuvable ou "
    "inaccessible avec ces identifiants",
    "Either 'code' or 'card_number' must be passed": "Il faut fournir 'code' ou 'card_number'",
    "Invalid type: this endpoint implements type 'customer_info' only": "Type invalide : seul "
    "'customer_info' est pris en charge",
    "Invalid callback: it must be a JavaScript identifier or dotted path of identifiers": "Callback invalide "
    ": un identifiant "
    "JavaScript est attendu",
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
        is_xml = reply.body.removeprefix(BOM).lstrip()[:1] == b"<"
        wanted = xml if is_xml else other
        return _headers(reply, ("content-type",), [("Content-Type", wanted)]) if wanted else reply

    return apply


def _chunked(reply: Reply, environ: dict[str, Any]) -> Reply:
    # No Content-Length and the body in pieces: waitress sends it chunked.
    return Reply(
        reply.status, [(k, v) for k, v in reply.headers if k.lower() != "content-length"], reply.body, chunk_size=97
    )


# -- another data set ---------------------------------------------------------------------


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
    seed = load_yaml(SEED_PATH.read_text(encoding="utf-8"))
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
        # The second user, who may read none of the first's accounts: the same refusals
        # are generated for this data set as for the reference's.
        "other_user": next(
            {"user_id": u["user_id"], "user_password": u["user_password"]}
            for u in users[1:]
            if not readable & set(u["accounts"])
        ),
    }
    profile_path = directory / "profile.yaml"
    profile_path.write_text(yaml.safe_dump(profile, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return seed_path, profile_path


# -- the variants -------------------------------------------------------------------------
def _has(*texts: bytes) -> Witness:
    return lambda r: all(t in r.content for t in texts)


def _reversed_customer(r: Any) -> bool:
    return bool(r.content.find(b"<registered>") < r.content.find(b"<code>"))


ZOE = (("code", "70707070707070"),)  # the customer whose names carry markup and non-ASCII letters
JSON = (("output", "JSON"),)
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'

VARIANTS: dict[str, Variant] = {
    "element_order_reversed": Variant(
        "every element's children (customer, campaign, reward, item) and every JSON object's keys in reverse order",
        "the document lists fields, it does not order them; real clients "
        "read by name (real-clients.md: none depends on element order)",
        "clients that read fields by position (an XML pull parser expecting <code> first, a CSV-like split)",
        witness=_reversed_customer,
        xml=(("order", _reverse_order),),
        json=(("order", _reversed_keys),),
        layer="wire",
    ),
    "campaigns_reversed": Variant(
        "campaigns, available_rewards and BuyX items listed in reverse order",
        "the document does not order the campaigns, rewards or items",
        "clients that take campaigns[0] as 'the' campaign, or match rewards to items by position",
        witness=lambda r: r.content.find(b"Frequent Buyer") < r.content.find(b"Widget Rewards"),
        edit=_lists_reversed,
        layer="wire",
    ),
    "compact_xml": Variant(
        "XML with its declaration and no white space between elements",
        "white space between elements carries nothing in XML; the document shows indentation only for reading",
        "clients that read the XML line by line or with regular expressions",
        witness=lambda r: r.content.startswith(DECLARATION + b"<response") and b">\n" not in r.content,
        xml=(("indent", None),),
        layer="wire",
    ),
    "single_quoted_attributes": Variant(
        "single quotes around the declaration's and the status attribute's values",
        "XML allows either quote; the document's double quotes are one spelling",
        'clients that search the raw text for status="success" instead of parsing the XML',
        witness=_has(b"<response status='success'>", b"version='1.0'"),
        xml=(("quote", "'"),),
        layer="wire",
    ),
    "self_closing_empty_elements": Variant(
        "empty elements written <street2/>, <glyph/>, <available_rewards/>",
        "<glyph/> and <glyph></glyph> are the same XML element",
        "clients that search the raw text for <glyph></glyph>; parsers are not affected",
        witness=_has(b"<glyph/>"),
        xml=(("self_closing", True),),
        layer="wire",
    ),
    "cdata": Variant(
        "every XML text in a CDATA section (<first_name><![CDATA[John]]></first_name>), the declaration kept",
        "a CDATA section is the same text as its escaped spelling (XML "
        "1.0, section 2.7); the document does not say how texts are escaped",
        "PHP SimpleXML clients parsing without LIBXML_NOCDATA that cast "
        "nodes to arrays: every value reads as an empty array (real-clients.md)",
        witness=lambda r: (
            r.content.startswith(DECLARATION) and b"<first_name><![CDATA[John]]></first_name>" in r.content
        ),
        xml=(("cdata", True),),
        warnings=("xml_text_outside_cdata",),
        layer="wire",
    ),
    "cdata_without_declaration": Variant(
        "XML without the <?xml ...?> declaration, every text in a CDATA section (the ]]> in a text split across two)",
        "the document's examples have no declaration (UTF-8 XML needs "
        "none); a CDATA section is the same text as its escaped spelling",
        "PHP SimpleXML clients without LIBXML_NOCDATA (real-clients.md); clients that check the body starts with <?xml",
        witness=lambda r: (
            r.content.startswith(b"<response") and b"<![CDATA[Zo" in r.content and b"]]]]><![CDATA[>" in r.content
        ),
        probe=ZOE,
        xml=(("declaration", False), ("cdata", True)),
        warnings=("xml_text_outside_cdata",),
        layer="wire",
    ),
    "xml_character_references": Variant(
        "every non-ASCII character of an XML text as a hexadecimal "
        "character reference (Zo&#xEB;), & < > as decimal ones (&#38;)",
        "a character reference is the character (XML 1.0, section "
        "4.1); the document does not say how texts are escaped",
        "clients that read the raw text (regular expressions, string search) instead of parsing; a client that "
        "re-escapes every & before parsing (the CakePHP component, real-clients.md) shows every reference as its "
        "literal text: &#xEB; for ë in every non-ASCII name, &#38; for &",
        witness=_has(b"Zo&#xEB; &#38; &#60;&#xC5;sa&#62;"),
        probe=ZOE,
        xml=(("charrefs", True),),
        layer="wire",
    ),
    "xml_comments": Variant(
        "XML comments before the root, first in every element with children, "
        "and inside the customer's first and last names (J<!-- ... -->ohn)",
        "comments are not part of the document's character data (XML 1.0, section 2.5): the element's text is the same",
        "lxml clients reading element.text (only the text before the comment: "
        "'J'), clients that count child nodes rather than child elements",
        witness=_has(b"<!-- customer -->", b"<first_name>J<!--"),
        xml=(("comments", True),),
        layer="wire",
    ),
    "xml_extra_root_attribute": Variant(
        "more attributes on the root beside status: <response "
        'status="success" api_version="1.4" generated="2026-12-01T10:00:00Z">',
        "the document names the status attribute, it does not forbid others; "
        "clients read the status by name ($response->attributes()->status)",
        'clients that search the raw text for <response status="success">',
        witness=_has(b'<response status="success" api_version="1.4"'),
        xml=(("root_attributes", (("api_version", "1.4"), ("generated", "2026-12-01T10:00:00Z"))),),
        layer="wire",
    ),
    "xml_byte_order_mark": Variant(
        "XML preceded by a UTF-8 byte order mark (EF BB BF)",
        "XML 1.0 (section 4.3.3 and appendix F) lets UTF-8 entities "
        "start with a byte order mark; the document does not say",
        "clients that test the first byte for '<', or decode the "
        "body to text and hand that text (\\ufeff first) to a parser",
        witness=lambda r: r.content.startswith(BOM + DECLARATION),
        xml=(("bom", True),),
        layer="wire",
    ),
    "xml_latin1": Variant(
        'XML encoded in ISO-8859-1 and declared so (encoding="ISO-8859-1", '
        "Content-Type charset=ISO-8859-1); characters it lacks as character references",
        "XML may be in any declared encoding (XML 1.0, section "
        "4.3.3); the document shows no declaration and no encoding",
        "clients that decode the body as UTF-8 themselves before parsing ('Zoë' becomes 'Zo\\ufffd')",
        witness=lambda r: (
            r.content.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>')
            and "Zoë".encode("latin-1") in r.content
        ),
        probe=ZOE,
        xml=(("encoding", "ISO-8859-1"),),
        layer="wire",
    ),
    "extra_fields": Variant(
        "fields the document does not list, in XML and JSON: "
        "first_transaction, in_coalition, created_stamp, points_ratio, "
        "reward_ratio, description, opt_out on campaigns; name, "
        "level, reward_url on rewards; record_timestamp and more "
        "custom_field_N on the customer; error_code on errors",
        "real-clients.md: the live service sends them, and a harness must "
        "not reject a response for carrying fields the document does not list",
        "clients that map JSON strictly (Jackson's default "
        "FAIL_ON_UNKNOWN_PROPERTIES, a schema with additionalProperties: false); "
        "clients that loop over every custom_field_N expecting 1 to 3",
        witness=_has(b"<first_transaction>", b"<record_timestamp>", b"<custom_field_10>"),
        edit=_extra_fields,
        layer="content",
    ),
    "json_numbers": Variant(
        "amounts (balance, cumulative, earned, redeemed, earn_ratio, "
        "needed_to_redeem, ...) as JSON numbers, their digits kept (16.50)",
        "real-clients.md: clients also accept numbers; tolerated, with a warning, since the live service sends strings",
        "clients that compare the raw value as a string (a (String) cast, a str comparison such as "
        "balance == '0' in Python or PHP's ===); not Gson, which fills Map<String,String> and String fields "
        "from numbers (the Android POS app survived it, real-clients.md)",
        witness=lambda r: re.search(rb'"balance": 1500\b', r.content) is not None,
        probe=JSON,
        json=(("numbers", True),),
        warnings=("json_scalars_are_strings",),
        layer="wire",
    ),
    "php_json_encode": Variant(
        "JSON as PHP's json_encode writes it: no white space even "
        "without condensed, '/' as '\\/', non-ASCII as \\uXXXX",
        "the same JSON values; condensed asks for no white space, it does not forbid leaving it out otherwise",
        "clients that search the raw JSON text (for a URL with '/', a name with 'ë') instead of parsing it",
        witness=_has(b'"Zo\\u00eb', b'{"status":"success"'),
        probe=ZOE + JSON,
        json=(("php", True),),
        layer="wire",
    ),
    "jsonp_comment_prefix": Variant(
        "JSONP written /**/name({...}); (the guard some servers put before a callback)",
        "the same call of the callback sent; a comment and a semicolon change nothing in JavaScript",
        "clients that strip the callback with a pattern anchored at "
        "the start (^name\\() or at the end (\\)$) to read the JSON",
        witness=lambda r: r.content.startswith(b"/**/conformanceCallback(") and r.content.endswith(b");"),
        probe=JSON + (("callback", "conformanceCallback"),),
        json=(("prefix", "/**/"), ("suffix", ";")),
        layer="wire",
    ),
    "error_http_4xx": Variant(
        "error envelopes with HTTP 4xx: 401 for credentials, 403 for an account, 400 for missing or bad fields",
        "the document names no HTTP status; the error envelope is "
        "what clients read (PHP cURL reads the body of any answer)",
        "PHP file_get_contents clients (false for any 4xx: the error text "
        "is lost), the Android POS app (parses only HTTP 200 answers), "
        "clients that call raise_for_status() before reading the envelope (real-clients.md)",
        witness=lambda r: r.status_code == 401 and b'status="error"' in r.content,
        probe=(("user_password", "not-the-password"),),
        status=_error_http_status,
        warnings=("envelope_comes_with_http_200",),
        layer="wire",
    ),
    "language_specific_messages": Variant(
        "the no_match message and the error texts in French",
        'the document: <message>Language-specific "No Customers '
        'Match Criteria"</message>; error texts are "Error message"',
        "clients that compare the message or error text with an English string instead of reading the status",
        witness=_has(b"Aucun client"),
        probe=(("code", "99999999999999"),),
        edit=_in_french,
        layer="wire",
    ),
    "text_xml_content_type": Variant(
        "XML served as text/xml (no charset parameter), JSON(P) as "
        "text/html; charset=UTF-8 (PHP's default when a script sets no header)",
        "the document names no content type; the XML declaration names the encoding, and clients parse the body",
        "clients that dispatch on the exact Content-Type (application/xml, "
        "application/json), or decode text/* without a charset as ISO-8859-1",
        witness=lambda r: r.headers.get("Content-Type") == "text/xml",
        wire=_content_type(xml="text/xml", other="text/html; charset=UTF-8"),
        layer="wire",
    ),
    "gzip": Variant(
        "every answer gzip-compressed (Content-Encoding: gzip) when the request accepts it, and sent chunked "
        "(Transfer-Encoding: chunked, no Content-Length; waitress then "
        "closes the connection), as a proxy compressing on the fly does",
        "HTTP content coding and framing, below the document; every client library decodes them",
        "clients that send Accept-Encoding: gzip by hand and read the "
        "raw bytes (PHP cURL with the header set but no CURLOPT_ENCODING), "
        "clients that need a Content-Length; a client that sends no Accept-Encoding (neither PHP client of "
        "real-clients.md does) is answered plain and never meets it",
        witness=lambda r: (
            r.headers.get("Content-Encoding") == "gzip"
            and r.headers.get("Transfer-Encoding") == "chunked"
            and r.content.startswith(b"<?xml")
        ),
        wire=lambda reply, environ: _chunked(_gzip(reply, environ), environ),
        layer="wire",
    ),
    "connection_close": Variant(
        "every answer says Connection: close and the connection is closed after it",
        "HTTP connection management, below the document",
        "clients that keep a connection open for the next request and do not reconnect when the server closed it",
        witness=lambda r: r.headers.get("Connection", "").lower() == "close" and "Content-Length" in r.headers,
        close_connection=True,
        layer="wire",
    ),
    "idle_keepalive_closed": Variant(
        "keep-alive connections idle for more than a second are closed "
        "by the server (waitress's channel_timeout, swept every second)",
        "HTTP connection management, below the document (RFC 9112, "
        "section 9.6: a server may close an idle connection at any time)",
        "clients that keep a pooled connection through a pause and "
        "send on it without checking it (a reset, 'connection aborted')",
        idle_timeout_s=1,
        layer="wire",
    ),
    "other_data_set": Variant(
        "another data set: other accounts, credentials (with & + % and a space in the password), codes, card numbers, "
        "campaign ids, names, items and dates, the same shapes and arithmetic; with the profile that describes it",
        "a target's data is its own: the harness knows only the profile",
        "clients, and client test suites, that hard-code the "
        "reference's codes, campaign ids, account ids or credentials; a GET client that builds its query "
        "string without URL-encoding (the CakePHP component's file_get_contents path, real-clients.md) sends "
        "the password's & + % and space mangled: the request is refused (400) or its credentials read wrong",
        witness=_has(b"<first_name>Aroha</first_name>", b"Bake Club"),
        data_set=True,
        layer="content",
    ),
}


# -- combining and rotating ---------------------------------------------------------------
class VariantError(ValueError):
    """Variants that do not exist or cannot go together; the message says which and why."""


def unknown(names: Sequence[str]) -> list[str]:
    return [n for n in names if n not in VARIANTS]


def _merged(names: Sequence[str], part: str) -> dict[str, Any]:
    """One writer's options of the named variants; two variants setting one option differently conflict."""
    merged: dict[str, Any] = {}
    owner: dict[str, str] = {}
    for name in names:
        for key, value in getattr(VARIANTS[name], part):
            if key in merged and merged[key] != value:
                raise VariantError(
                    f"{owner[key]} and {name} both set the {part.upper()} writer's {key!r}: they cannot go together"
                )
            merged[key], owner[key] = value, name
    return merged


def _rewrite(edits: list[DocumentEdit], xml: dict[str, Any], json: dict[str, Any]) -> ReplyEdit:
    """A reply edit: parse the reference's answer, apply the content edits, and write it
    with the XML / JSON writers' options (the reference's own writer for a format no
    variant touches)."""

    def apply(reply: Reply, fields: Fields, number: int) -> Reply:
        parsed = parse(reply.body)
        if parsed is None:
            return reply
        for edit in edits:
            parsed.document = edit(copy.deepcopy(parsed.document), fields, number) or parsed.document
        content_type = None
        if parsed.format == "xml" and xml:
            body = write_xml(parsed.document, **xml)
            encoding = xml.get("encoding", "UTF-8")
            content_type = f"application/xml; charset={encoding}"
        elif parsed.format != "xml" and json:
            body = write_json(parsed, **json)
        else:
            body, content_type = render(parsed)
        return reply.with_body(body, content_type)

    return apply


def _chain_replies(edits: list[ReplyEdit]) -> ReplyEdit:
    def apply(reply: Reply, fields: Fields, number: int) -> Reply:
        for edit in edits:
            reply = edit(reply, fields, number)
        return reply

    return apply


def _chain_wires(edits: list[WireEdit]) -> WireEdit:
    def apply(reply: Reply, environ: dict[str, Any]) -> Reply:
        for edit in edits:
            reply = edit(reply, environ)
        return reply

    return apply


def combine(names: Sequence[str]) -> Fault:
    """The named variants at once, as one middleware setting (in catalogue order: content
    edits, writers, HTTP status, then the envelope, compression last). Raises
    :class:`VariantError` for an unknown name or variants that cannot go together."""
    missing = unknown(names)
    if missing:
        raise VariantError(
            f"no variant named {', '.join(missing)} (python -m conformance.reference --list-variants lists them)"
        )
    ordered = [n for n in VARIANTS if n in names]
    xml, json = _merged(ordered, "xml"), _merged(ordered, "json")
    try:
        check_options(**xml)
    except (WriterOptionsError, LookupError) as exc:
        raise VariantError(f"{', '.join(n for n in ordered if VARIANTS[n].xml)}: {exc}") from None
    variants = [VARIANTS[n] for n in ordered]
    edits = [v.edit for v in variants if v.edit]
    replies: list[ReplyEdit] = [_rewrite(edits, xml, json)] if (edits or xml or json) else []
    replies += [v.status for v in variants if v.status]
    wires = [v.wire for v in variants if v.wire]
    return Fault(
        "", "; ".join(v.description for v in variants) or "the reference, unchanged", "",
        reply=_chain_replies(replies) if replies else None,
        wire=_chain_wires(wires) if wires else None,
        close_connection=any(v.close_connection for v in variants),
    )  # fmt: skip


def rotating() -> list[str]:
    """The variants ``--variants all`` rotates through: every one that changes an answer
    (the wire ones one per answer, the content ones held per customer)."""
    return [n for n, v in VARIANTS.items() if not v.server_wide]


CustomerOf = Callable[[Fields], Hashable]  # a request's fields -> the customer it names


def request_customer(fields: Fields) -> Hashable:
    """The customer a request names, as its fields name it (account and identifiers): a
    customer looked up by code and by card number is two customers to it. The sandbox's
    command line uses ``customer_in`` instead, which asks the data."""
    return ("request", fields.get("account_id", ""), fields.get("code") or None, fields.get("card_number") or None)


def customer_in(database: Database) -> CustomerOf:
    """The customer a request names, looked up in the served data as the reference looks
    it up (an empty identifier is not given): one key for every lookup of one customer,
    by code, by card number or by both; a request naming no customer is keyed by its fields."""

    def customer(fields: Fields) -> Hashable:
        code, card_number = fields.get("code") or None, fields.get("card_number") or None
        account = fields.get("account_id", "")
        found = database.find_customer(account, code, card_number) if (code or card_number) else None
        return ("customer", found.customer_pk) if found is not None else request_customer(fields)

    return customer


def _draw(*parts: Any) -> int:
    # Not hash(): str hashes are salted per process, and a seed must give the same run again.
    return int.from_bytes(hashlib.sha256(repr(parts).encode("utf-8")).digest()[:8], "big")


class Rotation:
    """The variants of each answer under ``--variants``.

    The wire variants among ``names`` rotate one per answer: request n (in arrival order)
    gets the n-th name of a sequence made of shuffles of them, each shuffle a
    permutation (every variant once per round), all drawn from ``random.Random(seed)``.
    The content variants are held per customer (``customer_of`` says which customer a
    request names): each customer has a content variant in every answer about it or in
    none. Which customers have it follows from the seed and the customer: the data
    set's customers (their keys are numbers) alternate, so about half have it and half
    not, whichever the seed; a request naming no customer draws from the seed and its
    fields. The same seed gives the same sequence and the same customers. ``base``
    variants apply to every answer as well."""

    def __init__(
        self, names: Sequence[str], seed: int, base: Sequence[str] = (), customer_of: CustomerOf = request_customer
    ) -> None:
        if not names:
            raise VariantError("nothing to rotate: name at least one variant")
        wide = [n for n in names if n in VARIANTS and VARIANTS[n].server_wide]
        if wide:
            raise VariantError(
                f"{', '.join(wide)} change the whole server, not one "
                "answer: name them with --variant, not in --variants"
            )
        missing = unknown(names)
        if missing:
            raise VariantError(f"no variant named {', '.join(missing)} (--list-variants lists them)")
        self.names, self.seed, self.base = list(names), seed, list(base)
        self.wire = [n for n in self.names if VARIANTS[n].layer == "wire"]
        self.content = [n for n in self.names if VARIANTS[n].layer == "content" and n not in self.base]
        self.customer_of = customer_of
        self._faults: dict[tuple[str, ...], Fault] = {}
        self._sequence = self.sequence()

    def sequence(self) -> Iterator[str]:
        """The wire variants in the order answers get them (a fresh iterator from the
        start; empty when no wire variant is rotated)."""
        if not self.wire:
            return
        chooser = random.Random(self.seed)
        for _ in itertools.count():
            round_ = list(self.wire)
            chooser.shuffle(round_)
            yield from round_

    def held(self, customer: Hashable) -> list[str]:
        """The content variants ``customer`` has, in every answer about it."""
        if isinstance(customer, tuple) and len(customer) == 2 and isinstance(customer[1], int):
            return [n for n in self.content if (customer[1] + _draw(self.seed, n)) % 2 == 0]
        return [n for n in self.content if _draw(self.seed, n, customer) % 2 == 0]

    def __call__(self, number: int, fields: Fields) -> tuple[str, Fault]:
        # Called once per request, in arrival order (FaultyApp holds its lock).
        names = tuple(self.held(self.customer_of(fields)) + [n for n in [next(self._sequence, None)] if n])
        fault = self._faults.get(names)
        if fault is None:
            fault = self._faults[names] = combine(list(dict.fromkeys([*self.base, *names])))
        return "+".join(names) or "reference", fault


# -- serving --------------------------------------------------------------------------------
def data_app(workdir: Path) -> tuple[ReferenceApp, Path]:
    """The reference over the other data set written into ``workdir``: (app, profile path)."""
    seed, profile = other_data_set(workdir)
    return ReferenceApp(Database.open(None, seed_path=seed)), profile


@contextlib.contextmanager
def serve(names: str | Sequence[str], workdir: Path | None = None) -> Iterator[tuple[str, Path]]:
    """Serve the named variant(s) on 127.0.0.1 in this process; yield (URL, profile
    path). ``workdir`` holds the generated data set, when a variant has one. (The
    self-test serves them through the command line instead: ``tests/selftest.py``.)"""
    names = [names] if isinstance(names, str) else list(names)
    fault = combine(names)
    chosen = [VARIANTS[n] for n in names]
    inner, profile = None, PROFILE_PATH
    if any(v.data_set for v in chosen):
        inner, profile = data_app((workdir or Path(tempfile.mkdtemp(prefix="sandbox-data-"))) / "data")
    idle = min((v.idle_timeout_s for v in chosen if v.idle_timeout_s is not None), default=None)
    server = Server(FaultyApp(fault, inner=inner, data_key="other-data-set" if inner else None), idle_timeout_s=idle)
    try:
        yield server.url, profile
    finally:
        server.stop()


def witness_fields(profile: Path, probe: tuple[tuple[str, str], ...] = ()) -> dict[str, str]:
    """The witness request: the profile's first customer by code, plus ``probe``."""
    data = load_yaml(profile.read_text(encoding="utf-8"))
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
