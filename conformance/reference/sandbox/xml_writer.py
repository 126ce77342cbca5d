"""Writing a document as XML in the ways the reference's ``render_xml`` does not (the
variants' spellings; one fault's unescaped text). Every option but ``escape=False``
writes the same XML information set: the same elements, attributes and texts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .parser import LIST_TAGS, Document

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
KeyOrder = Callable[[str, list[str]], list[str]]  # (element name, child names) -> the order written
BOM = b"\xef\xbb\xbf"
# Texts a comment is written into (the customer's names): enough to show it, few enough to read.
COMMENTED_TEXTS = frozenset({"first_name", "last_name"})


class WriterOptionsError(ValueError):
    """Options that cannot go together (a BOM names UTF-8, another encoding needs a declaration)."""


def check_options(encoding: str = "UTF-8", bom: bool = False, declaration: bool = True, **_: Any) -> None:
    """Raise :class:`WriterOptionsError` when the options contradict each other."""
    utf8 = encoding.upper().replace("_", "-") in ("UTF-8", "UTF8")
    if bom and not utf8:
        raise WriterOptionsError(f"a byte order mark says UTF-8: it cannot go with encoding {encoding}")
    if not utf8 and not declaration:
        raise WriterOptionsError(f"XML in {encoding} must declare it: it cannot go without the declaration")
    "".encode(encoding)  # LookupError for an encoding Python does not know


def write_xml(
    doc: Document,
    *,
    indent: str | None = "  ",
    declaration: bool = True,
    quote: str = '"',
    self_closing: bool = False,
    order: KeyOrder | None = None,
    cdata: bool = False,
    escape: bool = True,
    encoding: str = "UTF-8",
    bom: bool = False,
    charrefs: bool = False,
    comments: bool = False,
    root_attributes: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """The document as XML, written in ways the reference's ``render_xml`` does not:
    another indentation (``None``: none at all), no declaration, single-quoted
    attributes, ``<x/>`` for empty elements, another child order, text in CDATA
    sections, another encoding (declared; characters it lacks as character references),
    a byte order mark, every non-ASCII character and markup character as a character
    reference, comments (before the root, first in every element with children, inside
    the customer's names), more attributes on the root, or (``escape=False``, a fault)
    text written without escaping."""
    check_options(encoding=encoding, bom=bom, declaration=declaration)
    out: list[str] = []
    newline = "" if indent is None else "\n"

    def text(value: str, name: str) -> str:
        if cdata and value:
            return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"
        if not escape:
            return value
        if charrefs:
            written = "".join(
                f"&#x{ord(c):X};" if ord(c) > 127 else f"&#{ord(c)};" if c in "&<>\r" else c for c in value
            )
        else:
            written = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
        if comments and name in COMMENTED_TEXTS and len(value) > 1:
            # Between the first character and the rest: the element's text is still the
            # whole value (XML character data around a comment), in two text nodes.
            first = written[: written.index(";") + 1] if written.startswith("&") else written[0]
            written = f"{first}<!-- written by the sandbox -->{written[len(first) :]}"
        return written

    def attribute(value: str) -> str:
        escaped = value.replace("&", "&amp;").replace("<", "&lt;")
        return escaped.replace(quote, "&quot;" if quote == '"' else "&apos;")

    def element(name: str, value: Any, depth: int) -> None:
        pad = "" if indent is None else indent * depth
        if isinstance(value, list):
            children: list[tuple[str, Any]] = [(LIST_TAGS.get(name, "item"), v) for v in value]
        elif isinstance(value, dict):
            keys = list(value)
            children = [(k, value[k]) for k in (order(name, keys) if order else keys)]
        else:
            content = "" if value is None else str(value)
            if not content and self_closing:
                out.append(f"{pad}<{name}/>{newline}")
            else:
                out.append(f"{pad}<{name}>{text(content, name)}</{name}>{newline}")
            return
        if not children:
            out.append(f"{pad}<{name}/>{newline}" if self_closing else f"{pad}<{name}></{name}>{newline}")
            return
        out.append(f"{pad}<{name}>{newline}")
        if comments:
            out.append(f"{pad}{indent or ''}<!-- {name} -->{newline}")
        for child_name, child in children:
            element(child_name, child, depth + 1)
        out.append(f"{pad}</{name}>{newline}")

    if declaration:
        out.append(f"<?xml version={quote}1.0{quote} encoding={quote}{encoding}{quote}?>{newline}")
    if comments:
        out.append(f"<!-- Retrieve Customer Information, as the sandbox writes it -->{newline}")
    status = doc.get("status")
    attributes = "" if status is None else f" status={quote}{attribute(str(status))}{quote}"
    attributes += "".join(f" {name}={quote}{attribute(value)}{quote}" for name, value in root_attributes)
    body = {k: v for k, v in doc.items() if k != "status"}
    keys = order("response", list(body)) if order else list(body)
    out.append(f"<response{attributes}>{newline}")
    if comments and keys:
        out.append(f"{indent or ''}<!-- response -->{newline}")
    for key in keys:
        element(key, body[key], 1)
    out.append(f"</response>{newline}")
    # Characters the encoding lacks become character references (legal in text and attributes).
    written = "".join(out).encode(encoding, errors="xmlcharrefreplace")
    return (BOM + written) if bom else written
