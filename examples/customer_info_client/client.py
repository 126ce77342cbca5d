"""A short client of the "Retrieve Customer Information" call, written to work with any
conformant server, not only with one server's habits (docs/client-testing.md).

What keeps it portable, each habit one legal variation of the sandbox would break:
- the XML is parsed from the bytes (``response.content``), so the parser reads the
  declared encoding and skips a byte order mark (``xml_latin1``, ``xml_byte_order_mark``);
- texts are read with ``itertext()``: CDATA, character references and comments inside a
  text all give the same string (``cdata``, ``xml_character_references``, ``xml_comments``);
- fields are read by name, lists are not assumed ordered (``element_order_reversed``,
  ``campaigns_reversed``), unknown fields are ignored (``extra_fields``);
- JSON values are turned into strings before use (``json_numbers``);
- the body is read whatever the HTTP status: an error envelope may come with a 4xx
  (``error_http_4xx``); the status decides, never the message text
  (``language_specific_messages``).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests

LISTS = {"campaigns": "campaign", "available_rewards": "reward", "balances": "item"}


class NoMatch(LookupError):
    """No customer matches the code or card number (status no_match)."""


class ApiError(RuntimeError):
    """The server answered an error envelope (status error); the message is its text."""


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    type: str
    balance: Decimal


@dataclass(frozen=True)
class Customer:
    code: str
    card_number: str
    first_name: str
    last_name: str
    campaigns: tuple[Campaign, ...] = field(default=())

    def campaign(self, campaign_id: str) -> Campaign:
        return next(c for c in self.campaigns if c.id == campaign_id)


def _xml_value(element: ElementTree.Element) -> Any:
    if element.tag in LISTS:
        return [_xml_value(child) for child in element]
    if len(element):
        return {child.tag: _xml_value(child) for child in element}
    return "".join(element.itertext())


def _strings(value: Any) -> Any:
    """Every scalar as a string: a server may send 1500 where another sends "1500"."""
    if isinstance(value, dict):
        return {k: _strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v) for v in value]
    return "" if value is None else str(value)


def read_document(response: requests.Response) -> dict[str, Any]:
    """The answer as a dict, whatever its format and HTTP status."""
    body = response.content
    if body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        root = ElementTree.fromstring(body)  # bytes: the parser honours the declared encoding
        document = {child.tag: _xml_value(child) for child in root}
        document["status"] = root.get("status", "")
        return document
    return _strings(json.loads(body))


class Client:
    def __init__(
        self,
        url: str,
        user_id: str,
        password: str,
        account_id: str,
        output: str = "XML",
        session: requests.Session | None = None,
    ) -> None:
        self.url, self.account_id, self.output = url, account_id, output
        self.credentials = {"user_id": user_id, "user_password": password}
        self.session = session or requests.Session()

    def customer(self, *, code: str | None = None, card_number: str | None = None) -> Customer:
        fields = {**self.credentials, "type": "customer_info", "account_id": self.account_id, "output": self.output}
        fields.update({k: v for k, v in (("code", code), ("card_number", card_number)) if v is not None})
        document = read_document(self.session.post(self.url, data=fields, timeout=10))
        status = document.get("status")
        if status == "no_match":
            raise NoMatch(document.get("message", ""))
        if status != "success":
            raise ApiError(document.get("error") or "; ".join(document.get("errors", [])) or f"status {status!r}")
        person = document["customer"]
        campaigns = tuple(
            Campaign(c["id"], c["name"], c["type"], Decimal(c["balance"]))
            for c in document.get("campaigns") or []
            if "balance" in c
        )
        return Customer(person["code"], person["card_number"], person["first_name"], person["last_name"], campaigns)
