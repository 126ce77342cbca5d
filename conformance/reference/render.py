"""Rendering of a canonical document (model.py) as XML, JSON or JSONP.

Public on purpose: other code builds deliberately faulty servers by
altering a document and rendering it with these same functions.  So they
render whatever they are given (numbers instead of strings, extra or
missing keys, any callback text) and leave validation to the caller; the
one refusal is XML that could not be well-formed (ValueError).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

XML_CONTENT_TYPE = "application/xml; charset=utf-8"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
JSONP_CONTENT_TYPE = "application/javascript; charset=utf-8"

# The document's declaration, double quotes included.
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

#: JSON lists become one XML element per entry, named after the list.
LIST_ITEM_TAGS: dict[str, str] = {
    "campaigns": "campaign",
    "available_rewards": "reward",
    "balances": "item",
    "transactions": "transaction",
    "errors": "error",
}

_FALLBACK_ITEM_TAG = "item"
_INDENT = "  "

# The XML is written directly (escaped with xml.sax.saxutils) rather than
# through an lxml tree: it is 3x faster, and the server renders on every
# request.  The two checks lxml would make are kept, so a bad document
# raises instead of producing malformed XML:
#   - characters XML 1.0 cannot carry (no escape exists for them);
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#   - element names that are not XML names (no namespaces; letters beyond
#     ASCII are allowed, as lxml allows them).
_XML_NAME = re.compile(r"[^\W\d][\w.-]*")
_TEXT_ENTITIES = {"\r": "&#13;"}  # a raw CR would be read back as LF
_ATTR_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"}
_valid_names: set[str] = set()  # memo: the same few dozen names every time


def _name(key: Any) -> str:
    name = str(key)
    if name not in _valid_names:
        if not _XML_NAME.fullmatch(name):
            raise ValueError(f"not a usable XML element name: {name!r}")
        _valid_names.add(name)
    return name


# Anything that needs escaping or refusing; most texts have none of it and
# are written as they are after this one search.
_SPECIAL = re.compile(f'[&<>"\r\n\t]|{_NOT_XML_CHAR.pattern}')


def _escaped(text: str, entities: dict[str, str] = _TEXT_ENTITIES) -> str:
    if _SPECIAL.search(text) is None:
        return text
    if _NOT_XML_CHAR.search(text):
        raise ValueError("text contains a character XML 1.0 cannot carry")
    return escape(text, entities)


def _text(value: Any, entities: dict[str, str] = _TEXT_ENTITIES) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # before str(): bool is an int subclass
        return "Y" if value else "N"
    return _escaped(str(value), entities)


def _write(out: list[str], name: str, value: Any, indent: str) -> None:
    # Strings first: they are most nodes.
    if isinstance(value, str):
        # An empty string gives <glyph></glyph>, as the document writes it.
        out.append(f"{indent}<{name}>{_escaped(value)}</{name}>\n")
        return
    if isinstance(value, (list, tuple)):
        entry_name = LIST_ITEM_TAGS.get(name, _FALLBACK_ITEM_TAG)
        children: Any = [(entry_name, entry) for entry in value]
    elif isinstance(value, Mapping):
        children = [(_name(key), child) for key, child in value.items()]
    else:
        out.append(f"{indent}<{name}>{_text(value)}</{name}>\n")
        return
    if not children:
        out.append(f"{indent}<{name}/>\n")  # an empty list: <campaigns/>
        return
    out.append(f"{indent}<{name}>\n")
    inner = indent + _INDENT
    for child_name, child in children:
        _write(out, child_name, child, inner)
    out.append(f"{indent}</{name}>\n")


def render_xml(doc: Mapping[str, Any]) -> bytes:
    """``<response status="...">`` with one child element per key, indented by 2."""
    out = [_XML_DECLARATION]
    status = doc.get("status")
    if status is None:
        out.append("<response>\n")
    else:
        out.append(f'<response status="{_text(status, _ATTR_ENTITIES)}">\n')
    for key, value in doc.items():
        if key != "status":
            _write(out, _name(key), value, _INDENT)
    if len(out) == 2:  # no child: self-closing, as a tree serialiser writes it
        out[1] = out[1].replace(">\n", "/>\n")
    else:
        out.append("</response>\n")
    return "".join(out).encode("utf-8")


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
