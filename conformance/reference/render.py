"""Rendering of a canonical document (model.py) as XML, JSON or JSONP.

Public on purpose: other code builds deliberately faulty servers by
altering a document and rendering it with these same functions.  So they
render whatever they are given (numbers, odd keys, any callback text) and
leave validation to the caller.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lxml import etree

XML_CONTENT_TYPE = "application/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
JSONP_CONTENT_TYPE = "application/javascript; charset=utf-8"

# lxml would write the declaration with single quotes; the document shows
# double quotes, so it is written by hand.
_XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

#: JSON lists become one XML element per entry, named after the list.
LIST_ITEM_TAGS: dict[str, str] = {
    "campaigns": "campaign",
    "available_rewards": "reward",
    "balances": "item",
    "transactions": "transaction",
    "errors": "error",
}

_FALLBACK_ITEM_TAG = "item"


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "Y" if value else "N"
    return str(value)


def _append(parent: etree._Element, key: str, value: Any) -> None:
    element = etree.SubElement(parent, key)
    _fill(element, key, value)


def _fill(element: etree._Element, key: str, value: Any) -> None:
    # Strings first: they are most nodes, and the Mapping ABC check is slow
    # enough to halve the server's throughput if it runs on every node.
    if isinstance(value, str):
        # "" rather than None keeps <glyph></glyph> as the document writes
        # it; lxml escapes & < > itself, so text never breaks the markup.
        element.text = value
    elif isinstance(value, (list, tuple)):
        item_tag = LIST_ITEM_TAGS.get(key, _FALLBACK_ITEM_TAG)
        for entry in value:
            _append(element, item_tag, entry)
    elif isinstance(value, Mapping):
        for child_key, child_value in value.items():
            _append(element, str(child_key), child_value)
    else:
        element.text = _scalar_text(value)


def render_xml(doc: Mapping[str, Any]) -> bytes:
    """``<response status="...">`` with one child element per key, indented."""
    root = etree.Element("response")
    for key, value in doc.items():
        if key == "status":
            root.set("status", _scalar_text(value))
        else:
            _append(root, str(key), value)
    return _XML_DECLARATION + etree.tostring(root, encoding="UTF-8", pretty_print=True)


def render_json(doc: Mapping[str, Any], *, condensed: bool, callback: str | None) -> bytes:
    """JSON (indented 2, or without any whitespace outside strings); JSONP
    ``callback(<json>)`` when a callback is given."""
    if condensed:
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(doc, ensure_ascii=False, indent=2)
    if callback is not None:
        # Legal in JSON strings but line terminators in older JavaScript.
        text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        text = f"{callback}({text})"
    return text.encode("utf-8")


def render(
    doc: Mapping[str, Any], *, fmt: str, condensed: bool = False, callback: str | None = None
) -> tuple[bytes, str]:
    """(body, Content-Type) for ``fmt`` "xml", "json" or "jsonp"."""
    if fmt == "xml":
        return render_xml(doc), XML_CONTENT_TYPE
    if fmt == "jsonp" and callback is not None:
        return render_json(doc, condensed=condensed, callback=callback), JSONP_CONTENT_TYPE
    return render_json(doc, condensed=condensed, callback=None), JSON_CONTENT_TYPE
