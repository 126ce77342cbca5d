"""XML, JSON and JSONP answers -> one canonical document.

The canonical document is the JSON shape real clients parse: a dict with ``status``;
``customer`` (a dict; ``custom_field_N`` as ``{"label", "data"}``); ``campaigns``,
``available_rewards`` and ``balances`` as lists; every scalar a string. Each semantic
check is written once against it, so it holds for XML, JSON and JSONP alike.

Parsing is strict about what it cannot read and silent about what it can: format-
specific shape rules (arrays vs objects, element names) belong to the schemas, and
what the parser had to tolerate (numbers instead of strings, a DTD it ignored) is
kept as ``notes`` for the checks that warn about it.

Each note is ``kind:where`` (a JSON pointer, or an XPath-like path for XML):
``number``, ``boolean``, ``null`` (a JSON scalar that is not a string), ``repeated``
(a key or element given twice; the first is kept), ``doctype`` (a DTD the parser
ignored), ``cdata`` (a value written, at least in part, as a CDATA section: PHP
SimpleXML without LIBXML_NOCDATA reads it as empty), ``skipped`` (an element inside a
list that is not one of its items, left out of the list).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from lxml import etree

Format = Literal["xml", "json", "jsonp"]

# Elements whose children form a list, with the name of each child. These are the
# lists of the document's examples plus `transactions`/`errors`, which real clients
# read as arrays (real-clients.md).
LIST_CONTAINERS = {
    "campaigns": "campaign",
    "available_rewards": "reward",
    "balances": "item",
    "transactions": "transaction",
    "errors": "error",
}


_JSONP_START = re.compile(r"\A\s*(?:/\*\*/\s*)?(?P<name>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\(")
_JSONP_END = re.compile(r"\A\s*\)\s*;?\s*\Z")

# No DTD, no entity expansion, no network, no huge trees: a target's answer is
# untrusted input (XXE, entity bombs, documents that fetch other documents).
_XML_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
    # CDATA sections kept as such in the tree (their text reads the same), so that the
    # values written in CDATA can be noted: some real clients read them as empty.
    strip_cdata=False,
)
# Deeper than this an answer is not read. The documented answers nest five levels
# (response > campaigns > campaign > balances > item > name); the schemas, the checks and
# the comparisons of two answers all walk a document recursively, and 100 levels keep
# them far from Python's recursion limit, whatever the caller's stack. (lxml alone
# stops at 256 levels, json at about 1,000.)
MAX_DEPTH = 100
# A UTF-16 document starts with its byte order mark (XML 1.0, 4.3.3).
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class ParseError(Exception):
    """The body is not a readable XML, JSON or JSONP document; the message says why."""


@dataclass(frozen=True)
class Answer:
    format: Format
    document: dict[str, Any]
    callback: str | None = None
    notes: tuple[str, ...] = ()
    xml: Any = field(default=None, repr=False, compare=False)  # the lxml root, for the XSD


def sniff_format(body: bytes) -> Format | None:
    if body[:2] in _UTF16_BOMS:
        # UTF-16 is legal XML (JSON is UTF-8: RFC 8259, 8.1); white space may come first.
        return "xml" if body[:400].decode("utf-16", "replace").lstrip(" \t\r\n")[:1] == "<" else None
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return "xml"
    if head in (b"{", b"["):
        return "json"
    if _JSONP_START.match(body[:300].decode("utf-8", "replace")):
        return "jsonp"
    return None


def parse_answer(body: bytes, callback: str | None = None) -> Answer:
    """Parse a target's answer, whatever its format, into the canonical document.

    ``callback``: the callback the request sent. JSONP is ``name(<json>)``; the document
    names a callback ``someFunctionName`` and says nothing of one that is no JavaScript
    name (``alert(1);//``). A body that calls such a callback exactly as sent is the
    JSONP the request asked for, so it is read with that name; reflecting it is a
    security matter the advisory check ``jsonp_callback_is_not_reflected_unsafely``
    flags, not a broken envelope."""
    if not body.strip():
        raise ParseError("the body is empty")
    if callback and not _JSONP_START.fullmatch(callback + "("):
        literal = _literal_jsonp(body, callback)
        if literal is not None:
            return literal
    kind = sniff_format(body)
    if kind == "xml":
        return _parse_xml(body)
    if kind == "json":
        document, notes = _parse_json_text(_decode(body), where="")
        return Answer("json", document, notes=notes)
    if kind == "jsonp":
        return _parse_jsonp(body)
    start = body[:60].decode("utf-8", "replace")
    raise ParseError(f"the body is neither XML, JSON nor JSONP; it starts with {start!r}")


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"the body is not valid UTF-8 (byte {body[exc.start]:#04x} at offset {exc.start})") from None


def _literal_jsonp(body: bytes, callback: str) -> Answer | None:
    """The body as a call of ``callback`` exactly as sent (None: it is not one)."""
    try:
        text = _decode(body)
    except ParseError:
        return None
    head = text.lstrip()
    head = head[4:].lstrip() if head.startswith("/**/") else head
    if not head.startswith(callback + "("):
        return None
    return _jsonp_call(head, callback, len(callback) + 1)


def _parse_jsonp(body: bytes) -> Answer:
    text = _decode(body)
    start = _JSONP_START.match(text)
    if not start:
        raise ParseError(f"the body looks like JSONP but the wrapper is malformed; it starts with {text[:60]!r}")
    return _jsonp_call(text, start.group("name"), start.end())


def _jsonp_call(text: str, name: str, begin: int) -> Answer:
    """``text`` from ``begin`` (just after "name(") is a JSON value, and the call closes."""
    # The JSON value is read from just after "name(", and the wrapper must close right
    # after it: code after the call (";alert(1)") is reported as such.
    while text[begin : begin + 1].isspace():
        begin += 1
    value, end = _decode_json(text, begin, where="inside the JSONP wrapper ")
    rest = text[end:]
    if not _JSONP_END.match(rest):
        what = "no ')' closes the call" if not rest.strip() else f"after the JSON value it goes on with {rest[:40]!r}"
        raise ParseError(f"the JSONP wrapper is malformed: {what}")
    document, notes = _to_document(value, where="inside the JSONP wrapper ")
    return Answer("jsonp", document, callback=name, notes=notes)


def _parse_json_text(text: str, where: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    begin = len(text) - len(text.lstrip())
    value, end = _decode_json(text, begin, where)
    if text[end:].strip():
        raise ParseError(f"{where}the JSON is malformed: extra data after the value: {text[end : end + 40]!r}")
    return _to_document(value, where)


def _decode_json(text: str, begin: int, where: str) -> tuple[Any, int]:
    try:
        return _decoder().raw_decode(text, begin)
    except json.JSONDecodeError as exc:
        raise ParseError(f"{where}the JSON is malformed: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise ParseError(f"{where}the JSON is nested too deeply to read") from None
    except _NotJson as exc:
        raise ParseError(f"{where}the JSON is malformed: {exc}") from None


def _to_document(value: Any, where: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ParseError(f"{where}the JSON top level is {_json_kind(value)}, not an object")
    notes: list[str] = []
    try:
        return _canonical_json(value, "", notes, 0), tuple(notes)
    except _TooDeep:
        raise ParseError(f"{where}the JSON is nested too deeply to read (more than {MAX_DEPTH} levels)") from None


class _Number(str):
    """A JSON number, kept as its literal text but remembered as a number."""


class _Object(dict):  # type: ignore[type-arg]
    """A JSON object that remembers keys it saw twice (json keeps the last silently)."""

    repeated: tuple[str, ...] = ()


class _NotJson(ValueError):
    pass


class _TooDeep(ValueError):
    pass


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    result = _Object(pairs)
    if len(result) < len(pairs):
        keys = [k for k, _ in pairs]
        result.repeated = tuple(sorted({k for k in keys if keys.count(k) > 1}))
    return result


def _constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON value")


def _decoder() -> json.JSONDecoder:
    # Numbers keep their literal text ("16.50" stays "16.50"), so a JSON number and
    # the XML text of the same value compare equal.
    return json.JSONDecoder(parse_float=_Number, parse_int=_Number, parse_constant=_constant, object_pairs_hook=_object)


def _json_kind(value: Any) -> str:
    return {list: "an array", str: "a string", _Number: "a number", bool: "a boolean"}.get(type(value), "null")


def _canonical_json(value: Any, pointer: str, notes: list[str], depth: int) -> Any:
    if isinstance(value, (dict, list)) and depth > MAX_DEPTH:
        raise _TooDeep(pointer)
    if isinstance(value, _Object):
        notes.extend(f"repeated:{pointer}/{key}" for key in value.repeated)
    if isinstance(value, dict):
        return {k: _canonical_json(v, f"{pointer}/{k}", notes, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical_json(v, f"{pointer}/{i}", notes, depth + 1) for i, v in enumerate(value)]
    if isinstance(value, _Number):
        notes.append(f"number:{pointer}")
        return str(value)
    if isinstance(value, bool):
        notes.append(f"boolean:{pointer}")
        return "true" if value else "false"
    if value is None:
        notes.append(f"null:{pointer}")
        return None
    return value


def _parse_xml(body: bytes) -> Answer:
    try:
        root = etree.fromstring(body, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"the XML is not well-formed: {exc.msg}") from None
    except ValueError as exc:  # e.g. a declared encoding lxml does not know
        raise ParseError(f"the XML cannot be read: {exc}") from None
    if root.tag != "response":
        # Every documented answer is a <response>; anything else (an HTML error page,
        # a proxy's XML) is not an envelope of this API.
        raise ParseError(f"the XML's root element is <{root.tag}>, not <response>: not an API envelope")
    notes: list[str] = []
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]  # lxml-stubs 0.5 lacks DocInfo.doctype
        notes.append("doctype:/")
    # Cheap test first: only a tree that holds a CDATA section serialises one.
    reader = _XmlReader(notes, cdata=b"<![CDATA[" in etree.tostring(root))
    try:
        document: dict[str, Any] = reader.children(root, f"/{root.tag}", 0)
    except _TooDeep:
        raise ParseError(f"the XML is nested too deeply to read (more than {MAX_DEPTH} levels)") from None
    # The status is the root's attribute, as clients read it ($response->attributes()->status),
    # whatever an element of that name says.
    document["status"] = root.get("status")
    return Answer("xml", document, notes=tuple(notes), xml=root)


class _XmlReader:
    """XML elements -> canonical values, noting what a client may trip on."""

    def __init__(self, notes: list[str], cdata: bool) -> None:
        self.notes, self.cdata = notes, cdata

    def children(self, element: Any, path: str, depth: int) -> dict[str, Any]:
        if depth > MAX_DEPTH:
            raise _TooDeep(path)
        result: dict[str, Any] = {}
        for child in element:
            if not isinstance(child.tag, str):  # entity references left unexpanded
                continue
            if child.tag in result:
                self.notes.append(f"repeated:{path}/{child.tag}")
                continue
            result[child.tag] = self.value(child, f"{path}/{child.tag}", depth + 1)
        return result

    def value(self, element: Any, path: str, depth: int) -> Any:
        item_name = LIST_CONTAINERS.get(element.tag)
        children = [c for c in element if isinstance(c.tag, str)]
        if item_name is not None:
            # A list holds its items; an element beside them (the document does not close
            # the list) has no place in the JSON array clients read, so it is left out.
            items: list[Any] = []
            for child in children:
                if child.tag != item_name:
                    self.notes.append(f"skipped:{path}/{child.tag}")
                    continue
                where = f"{path}/{child.tag}[{len(items) + 1}]"
                items.append(self.value(child, where, depth + 1) if len(child) else self.text(child, where))
            return items
        if children:
            return self.children(element, path, depth)
        return self.text(element, path)

    def text(self, element: Any, path: str) -> str:
        if self.cdata and b"<![CDATA[" in etree.tostring(element, with_tail=False):
            self.notes.append(f"cdata:{path}")
        return element.text or ""
