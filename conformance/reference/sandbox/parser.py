"""The reference's answers read as JSON-shaped documents, by a parser of this package's
own: not ``conformance.parse`` (the reference imports nothing of the harness, and a
fault built on the harness's parser could inherit, and so hide, that parser's mistakes).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

Document = dict[str, Any]

LIST_TAGS = {
    "campaigns": "campaign",
    "available_rewards": "reward",
    "balances": "item",
    "transactions": "transaction",
    "errors": "error",
}
_JSONP = re.compile(r"\A\s*(?P<name>[A-Za-z_$][\w$.]*)\((?P<body>.*)\)\s*;?\s*\Z", re.DOTALL)


# Comments and processing instructions carry nothing: dropped, so texts around them join.
_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True, remove_pis=True
)


@dataclass
class Parsed:
    format: str  # xml | json | jsonp
    document: Document
    condensed: bool = False
    callback: str | None = None


def parse(body: bytes) -> Parsed | None:
    """The reference's answer as a JSON-shaped document, or None when it is not one."""
    text = body.removeprefix(b"\xef\xbb\xbf").lstrip()
    try:
        if text.startswith(b"<"):
            return Parsed("xml", _xml_document(etree.fromstring(body, _XML_PARSER)))
        decoded = body.decode("utf-8")
        if text.startswith(b"{"):
            return Parsed("json", json.loads(decoded), condensed="\n" not in decoded)
        match = _JSONP.match(decoded)
        if match:
            inner = match.group("body")
            return Parsed("jsonp", json.loads(inner), condensed="\n" not in inner, callback=match.group("name"))
    except (etree.XMLSyntaxError, ValueError):
        return None
    return None


def _xml_document(root: Any) -> Document:
    document: Document = {"status": root.get("status")}
    for child in root:
        document[child.tag] = _xml_value(child)
    return document


def _xml_value(element: Any) -> Any:
    if element.tag in LIST_TAGS:
        return [_xml_value(child) if len(child) else (child.text or "") for child in element]
    if len(element):
        return {child.tag: _xml_value(child) for child in element}
    return element.text or ""
