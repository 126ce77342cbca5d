"""The harness is open where the document is open (property-based, Hypothesis).

The document shows XML answers and says nothing about attributes beyond ``status``,
elements or keys beyond the documented ones, order, whitespace, comments, CDATA,
character references, declared encodings, a byte order mark, JSON key order or
escapes. Real clients read elements and keys by name (real-clients.md), so each of
these is legal, and no check may fail on it.

Each test takes a REAL answer of the reference implementation (tests/reference_answers.py:
XML, JSON, JSONP and condensed; plain, BuyX and coalition customers; filters; no_match
and error) and rewrites it into a legal variation, then requires:

(a) the canonical document (``parse_answer(body).document``, compared with
    ``document.comparable``) is the original's, once the undocumented extras are left
    out (every key the original answers never carry);
(b) no single-answer check (``run_checks``, the XSD and JSON Schema validation among
    them) returns a finding with severity "fail" or "error".

A variation is a set of *features* (extra attributes, reordered children, CDATA ...),
drawn by Hypothesis, so a failing example shrinks to the one feature that breaks the
harness; where each feature applies (which element, which character) is decided by a
seeded ``random.Random``, which keeps the examples small enough for Hypothesis and
reproducible from the seed it prints. ``test_*_feature_alone`` runs every feature on
its own over every sample, so each is covered whatever the random draws.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conformance.document import CUSTOMER_FIELDS, comparable
from conformance.parse import LIST_CONTAINERS, parse_answer
from tests.reference_answers import Sample, describe, judge, samples, samples_of

XML_SAMPLES = samples_of("xml")
JSON_SAMPLES = samples_of("json", "jsonp")

# -- what an extra is ----------------------------------------------------------------------


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


# Every name the original answers use, and every documented one: an extra never takes
# one of them (a second <balance> is a repeated documented element, not an extra).
KNOWN = (
    set().union(*(_keys(parse_answer(s.body).document) for s in samples()))
    | set(CUSTOMER_FIELDS) | set(LIST_CONTAINERS) | set(LIST_CONTAINERS.values())
    | {"status", "message", "error", "errors", "label", "data", "id", "name", "type", "balance", "cumulative",
       "monetary_balance", "currency", "glyph", "last_transaction", "balance_coalition", "cumulative_coalition",
       "description", "needed_to_redeem", "reward_id", "item_id", "earned", "redeemed", "earn_ratio", "response"}
)  # fmt: skip
_CUSTOM_FIELD_N = re.compile(r"^custom_field_[0-9]+$")
# What the live service adds (real-clients.md), and names of every XML name shape.
REALISTIC_EXTRAS = (
    "first_transaction", "in_coalition", "created_stamp", "points_ratio", "reward_ratio", "opt_out", "level",
    "reward_url", "record_timestamp", "server_time", "version", "x-request-id", "_meta", "a.b", "Extra", "ID",
)  # fmt: skip


def is_extra_name(name: str) -> bool:
    return name not in KNOWN and not _CUSTOM_FIELD_N.match(name) and not name.lower().startswith("xml")


extra_names = st.one_of(st.sampled_from(REALISTIC_EXTRAS), st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_.-]{0,12}\Z")).filter(
    is_extra_name
)

# Characters XML 1.0 can carry (no controls but tab and newline, no surrogates, no
# U+FFFE/U+FFFF); carriage returns are written as &#13; by the serialiser.
xml_chars = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"
) | st.sampled_from("\t\n\r")
xml_texts = st.text(xml_chars, max_size=12)
json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def without_extras(value: Any) -> Any:
    """The document with every key the original answers never carry left out."""
    if isinstance(value, dict):
        return {k: without_extras(v) for k, v in value.items() if k in KNOWN or _CUSTOM_FIELD_N.match(k)}
    if isinstance(value, list):
        return [without_extras(v) for v in value]
    return value


def assert_legal_variation(sample: Sample, body: bytes, features: Any) -> None:
    original = parse_answer(sample.body)
    variant = parse_answer(body)
    assert variant.format == original.format, features
    assert comparable(without_extras(variant.document)) == comparable(original.document), (
        f"{sample!r} with {features}: the canonical document changed\nbody:\n{body[:3000]!r}"
    )
    bad = [f for f in judge(sample, body) if f.severity in ("fail", "error")]
    assert not bad, (
        f"{sample!r} with {features}: checks failed a legal answer:\n{describe(bad)}\nbody:\n{body[:3000]!r}"
    )


# -- XML -------------------------------------------------------------------------------------


@dataclass
class Node:
    """An element: a leaf holds text; a structural element holds children."""

    tag: str
    attributes: list[tuple[str, str]] = field(default_factory=list)
    children: list[Node] | None = None
    text: str = ""
    namespace: str | None = None  # declared on the element: xmlns:ext="..."


def xml_model(body: bytes) -> Node:
    root = etree.fromstring(body, etree.XMLParser(remove_blank_text=True))

    def node(element: Any) -> Node:
        structural = len(element) > 0 or element.tag in LIST_CONTAINERS
        return Node(
            element.tag,
            list(element.attrib.items()),
            [node(c) for c in element] if structural else None,
            "" if structural else (element.text or ""),
        )

    return node(root)


XML_FEATURES = (
    "extra_attributes", "namespaced_extras", "extra_elements", "nested_extras", "reorder", "reorder_lists",
    "comments", "processing_instructions", "cdata", "character_references", "single_quotes", "self_closing",
    "no_declaration", "xsi_attributes",
)  # fmt: skip
XML_ENCODINGS = ("UTF-8", "UTF-8+BOM", "UTF-16", "ISO-8859-1", "windows-1252", "US-ASCII")
XML_WHITESPACE = ("none", "indent", "random")
_PYTHON_CODEC = {
    "UTF-8": "utf-8",
    "UTF-8+BOM": "utf-8-sig",
    "UTF-16": "utf-16",
    "ISO-8859-1": "latin-1",
    "windows-1252": "cp1252",
    "US-ASCII": "ascii",
}
EXT_NS = "urn:example:extension"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_ATTRIBUTE_GAPS = (" ", " ", "\n  ", "\t")


@dataclass(frozen=True)
class XmlVariation:
    features: frozenset[str]
    encoding: str = "UTF-8"
    whitespace: str = "indent"
    names: tuple[str, ...] = ("first_transaction",)
    texts: tuple[str, ...] = ("x",)
    seed: int = 0

    def has(self, feature: str) -> bool:
        return feature in self.features


def vary_xml(sample: Sample, v: XmlVariation) -> bytes:
    r = random.Random(v.seed)
    root = xml_model(sample.body)
    _vary_tree(root, v, r, is_root=True)
    return _serialise(root, v, r)


def _extra_element(v: XmlVariation, r: random.Random, depth: int) -> Node:
    namespace = EXT_NS if v.has("namespaced_extras") and r.random() < 0.3 else None
    tag = r.choice(v.names)
    if v.has("nested_extras") and depth < 3 and r.random() < 0.5:
        children = [_extra_element(v, r, depth + 1) for _ in range(r.randint(0, 3))]
        return Node(tag, _extra_attributes(v, r, set()), children, namespace=namespace)
    return Node(tag, _extra_attributes(v, r, set()), None, r.choice(v.texts), namespace=namespace)


def _extra_attributes(v: XmlVariation, r: random.Random, taken: set[str]) -> list[tuple[str, str]]:
    if not v.has("extra_attributes") or r.random() < 0.5:
        return []
    found = []
    for _ in range(r.randint(1, 3)):
        name = r.choice(v.names + ("xml:lang",) + (("ext:" + r.choice(v.names),) if v.has("namespaced_extras") else ()))
        if name not in taken:
            taken.add(name)
            found.append((name, r.choice(v.texts)))
    return found


def _vary_tree(node: Node, v: XmlVariation, r: random.Random, is_root: bool = False) -> None:
    taken = {name for name, _ in node.attributes}
    node.attributes += _extra_attributes(v, r, taken)
    if is_root and v.has("extra_attributes") and "version" not in taken:
        node.attributes.append(("version", "2.1"))  # the answer a user saw fail thousands of cases
    if v.has("xsi_attributes"):
        # What serialisers write: a schema location on the root, xsi:nil on empty values.
        if is_root:
            node.attributes += [("xmlns:xsi", XSI), ("xsi:noNamespaceSchemaLocation", "response.xsd")]
        elif r.random() < 0.3:
            node.attributes.append(("xsi:nil", "true" if node.children is None and not node.text else "false"))
    if node.children is None:
        return
    for child in node.children:
        _vary_tree(child, v, r)
    is_list = node.tag in LIST_CONTAINERS
    if (v.has("reorder_lists") if is_list else v.has("reorder")) and r.random() < 0.7:
        r.shuffle(node.children)
    if v.has("extra_elements"):
        for _ in range(r.choice((0, 1, 1, 2))):
            node.children.insert(r.randint(0, len(node.children)), _extra_element(v, r, 1))


def _serialise(root: Node, v: XmlVariation, r: random.Random) -> bytes:
    encoding = v.encoding
    codec = _PYTHON_CODEC[encoding]
    parts: list[str] = []
    declared = "UTF-8" if encoding == "UTF-8+BOM" else encoding
    # Without a declaration a document is UTF-8 or UTF-16 (with its BOM): XML 1.0, 4.3.3.
    if not (v.has("no_declaration") and encoding in ("UTF-8", "UTF-8+BOM", "UTF-16")):
        q = _quote(v, r)
        parts.append(f"<?xml version={q}1.0{q} encoding={q}{declared}{q}?>")
    parts.append(_misc(v, r))
    _write(root, v, r, parts, 0, codec)
    parts.append(_misc(v, r))
    return "".join(parts).encode(codec, errors="xmlcharrefreplace")


def _quote(v: XmlVariation, r: random.Random) -> str:
    return "'" if v.has("single_quotes") and r.random() < 0.6 else '"'


def _misc(v: XmlVariation, r: random.Random) -> str:
    """What may stand between elements: whitespace, comments, processing instructions."""
    out = []
    if v.whitespace == "random":
        out.append(r.choice(("", " ", "\n", "\t", "\r\n", "\n\n  ")))
    if v.has("comments") and r.random() < 0.3:
        out.append(r.choice(("<!-- a comment -->", "<!---->", "<!-- <customer> & -->", "<!--\n multi\n line -->")))
    if v.has("processing_instructions") and r.random() < 0.3:
        out.append(r.choice(("<?php echo 1 ?>", "<?ext-pi?>", "<?xml-stylesheet type='text/xsl' href='s.xsl'?>")))
    return "".join(out)


def _attribute(value: str, quote: str) -> str:
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(quote, "&quot;" if quote == '"' else "&apos;")
    # Literal tabs and line ends in an attribute are normalised to spaces (XML 1.0, 3.3.3).
    return value.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")


def _char_reference(char: str, r: random.Random) -> str:
    return f"&#{ord(char)};" if r.random() < 0.5 else f"&#x{ord(char):X};"


def _text(text: str, v: XmlVariation, r: random.Random, codec: str) -> str:
    """The text, written as plain text, CDATA sections and character references."""
    if not text:
        return "<![CDATA[]]>" if v.has("cdata") and r.random() < 0.2 else ""
    chunks, start = [], 0
    while start < len(text):
        end = r.randint(start + 1, len(text)) if r.random() < 0.5 else len(text)
        chunks.append(text[start:end])
        start = end
    out = []
    for chunk in chunks:
        style = r.choice(["plain"] + ["cdata"] * v.has("cdata") + ["refs"] * v.has("character_references"))
        if style == "cdata" and "]]>" not in chunk and "\r" not in chunk and _encodable(chunk, codec):
            out.append(f"<![CDATA[{chunk}]]>")
        else:
            for char in chunk:
                if char == "\r" or (style == "refs" and r.random() < 0.5):
                    out.append(_char_reference(char, r))
                else:
                    out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;"}.get(char, char))
        if v.has("comments") and r.random() < 0.1:
            out.append("<!--in text-->")  # a comment splits the text, which still reads whole
    return "".join(out)


def _encodable(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _write(node: Node, v: XmlVariation, r: random.Random, parts: list[str], depth: int, codec: str) -> None:
    tag = f"ext:{node.tag}" if node.namespace else node.tag
    attributes = list(node.attributes)
    if node.namespace or any(name.startswith("ext:") for name, _ in attributes):
        attributes.insert(0, ("xmlns:ext", EXT_NS))
    start = tag
    for name, value in attributes:
        q = _quote(v, r)
        if v.has("character_references") and r.random() < 0.3:
            value_text = "".join(_char_reference(c, r) for c in value)
        else:
            value_text = _attribute(value, q)
        start += f"{r.choice(_ATTRIBUTE_GAPS)}{name}={q}{value_text}{q}"
    if node.children is None:
        content = _text(node.text, v, r, codec)
    else:
        inner = []
        for child in node.children:
            inner.append(_indent(v, r, depth + 1) + _misc(v, r))
            _write(child, v, r, inner, depth + 1, codec)
        if node.children:
            inner.append(_indent(v, r, depth) + _misc(v, r))
        content = "".join(inner)
    if not content and v.has("self_closing") and r.random() < 0.7:
        parts.append(f"<{start}{r.choice(('', ' '))}/>")
    else:
        parts.append(f"<{start}>{content}</{tag}>")


def _indent(v: XmlVariation, r: random.Random, depth: int) -> str:
    if v.whitespace == "indent":
        return "\n" + "  " * depth
    if v.whitespace == "random":
        return r.choice(("", " ", "\n", "\t\t", "\r\n    "))
    return ""


@st.composite
def xml_variations(draw: st.DrawFn) -> XmlVariation:
    return XmlVariation(
        features=frozenset(draw(st.sets(st.sampled_from(XML_FEATURES)))),
        encoding=draw(st.sampled_from(XML_ENCODINGS)),
        whitespace=draw(st.sampled_from(XML_WHITESPACE)),
        names=tuple(draw(st.lists(extra_names, min_size=1, max_size=4, unique=True))),
        texts=tuple(draw(st.lists(xml_texts, min_size=1, max_size=3))),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=st.sampled_from(XML_SAMPLES), variation=xml_variations())
def test_xml_variation_is_the_same_answer(sample: Sample, variation: XmlVariation) -> None:
    assert_legal_variation(sample, vary_xml(sample, variation), variation)


def _each_xml_feature() -> list[Any]:
    alone = [
        XmlVariation(frozenset({f}), names=("first_transaction", "level"), texts=("x", "é € 😀 & < ]]>"))
        for f in XML_FEATURES
    ]
    alone += [XmlVariation(frozenset({"extra_elements", "nested_extras"}), texts=("é € 😀",))]
    alone += [XmlVariation(frozenset(), encoding=e, texts=("é € 😀",)) for e in XML_ENCODINGS]
    alone += [XmlVariation(frozenset({"no_declaration"}), encoding=e) for e in ("UTF-8+BOM", "UTF-16")]
    alone += [XmlVariation(frozenset(), whitespace=w) for w in XML_WHITESPACE]
    return [pytest.param(v, id="+".join(sorted(v.features)) or f"{v.encoding}-{v.whitespace}") for v in alone]


@pytest.mark.parametrize("variation", _each_xml_feature())
def test_xml_feature_alone(variation: XmlVariation) -> None:
    for sample in XML_SAMPLES:
        for seed in range(3):
            assert_legal_variation(sample, vary_xml(sample, replace(variation, seed=seed)), variation)


def test_extra_root_attribute_is_legal() -> None:
    # The answer that made the harness fail thousands of cases: <response status="success" version="2.1">.
    for sample in XML_SAMPLES:
        body = sample.body.replace(b"<response status=", b'<response version="2.1" status=', 1)
        assert body != sample.body
        assert_legal_variation(sample, body, "version=2.1 on the root")


# -- JSON and JSONP ----------------------------------------------------------------------------

JSON_FEATURES = (
    "key_order",
    "list_order",
    "extra_keys",
    "slash_escapes",
    "unicode_escapes",
    "whitespace",
    "numbers",
    "jsonp_semicolon",
)
# Fields whose value must stay a JSON string: the schema says so (status, dates, Y/N,
# message and error texts); a number anywhere else is legal, and a check warns about it.
STRING_ONLY = {"status", "message", "error", "errors", "custom_date", "last_transaction", "registered"}
_JSON_NUMBER = re.compile(r"\A-?(0|[1-9][0-9]*)(\.[0-9]+)?\Z")


@dataclass(frozen=True)
class JsonVariation:
    features: frozenset[str]
    names: tuple[str, ...] = ("first_transaction",)
    values: tuple[Any, ...] = ("x",)
    seed: int = 0

    def has(self, feature: str) -> bool:
        return feature in self.features


def vary_json(sample: Sample, v: JsonVariation) -> bytes:
    r = random.Random(v.seed)
    text = sample.body.decode("utf-8")
    answer = parse_answer(sample.body)
    if answer.format == "jsonp":
        value = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    else:
        value = json.loads(text)
    # Condensed answers have no white space outside strings: "(No white space)".
    spaced = v.has("whitespace") and not sample.condensed
    out = _json(value, v, r, spaced, key=None)
    if answer.format == "jsonp":
        gap = (lambda: r.choice(("", " ", "\n"))) if spaced else (lambda: "")
        out = f"{answer.callback}({gap()}{out}{gap()})" + (";" if v.has("jsonp_semicolon") and r.random() < 0.7 else "")
    return out.encode("utf-8")


def _json(
    value: Any, v: JsonVariation, r: random.Random, spaced: bool, key: str | None, documented: bool = True
) -> str:
    def gap() -> str:
        return r.choice(("", " ", "\n", "\t", "\r\n  ")) if spaced else ""

    if isinstance(value, dict):
        pairs = list(value.items())
        if v.has("key_order") and r.random() < 0.7:
            r.shuffle(pairs)
        extras: list[tuple[str, Any]] = []
        if v.has("extra_keys") and documented:
            for _ in range(r.choice((0, 1, 1, 2))):
                name = r.choice(v.names)
                if name not in value and name not in dict(extras):
                    extras.append((name, r.choice(v.values)))
        for extra in extras:
            pairs.insert(r.randint(0, len(pairs)), extra)
        added = {name for name, _ in extras}  # extras get no extras of their own
        members = [
            f"{gap()}{_string(k, v, r)}{gap()}:{gap()}{_json(x, v, r, spaced, k, documented and k not in added)}{gap()}"
            for k, x in pairs
        ]
        return "{" + ",".join(members) + gap() + "}"
    if isinstance(value, list):
        items = list(value)
        if v.has("list_order") and r.random() < 0.7:
            r.shuffle(items)
        return "[" + ",".join(f"{gap()}{_json(x, v, r, spaced, key, documented)}{gap()}" for x in items) + gap() + "]"
    if isinstance(value, str):
        if (
            v.has("numbers")
            and documented
            and key not in STRING_ONLY
            and _JSON_NUMBER.match(value)
            and r.random() < 0.7
        ):
            return value  # a JSON number with the string's text: tolerated, with a warning
        return _string(value, v, r)
    return json.dumps(value)


def _string(text: str, v: JsonVariation, r: random.Random) -> str:
    out = ['"']
    for char in text:
        if char == "/" and v.has("slash_escapes") and r.random() < 0.7:
            out.append("\\/")
        elif v.has("unicode_escapes") and r.random() < 0.4:
            code = char.encode("utf-16-be")
            out.append("".join(f"\\u{int.from_bytes(code[i : i + 2], 'big'):04x}" for i in range(0, len(code), 2)))
        else:
            out.append(json.dumps(char, ensure_ascii=False)[1:-1])
    return "".join(out) + '"'


@st.composite
def json_variations(draw: st.DrawFn) -> JsonVariation:
    return JsonVariation(
        features=frozenset(draw(st.sets(st.sampled_from(JSON_FEATURES)))),
        names=tuple(draw(st.lists(extra_names, min_size=1, max_size=4, unique=True))),
        values=tuple(draw(st.lists(json_values, min_size=1, max_size=3))),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sample=st.sampled_from(JSON_SAMPLES), variation=json_variations())
def test_json_variation_is_the_same_answer(sample: Sample, variation: JsonVariation) -> None:
    assert_legal_variation(sample, vary_json(sample, variation), variation)


@pytest.mark.parametrize("feature", JSON_FEATURES)
def test_json_feature_alone(feature: str) -> None:
    variation = JsonVariation(
        frozenset({feature}), names=("first_transaction", "level"), values=("é/€😀", 1, None, {"a": [True]})
    )
    for sample in JSON_SAMPLES:
        for seed in range(3):
            assert_legal_variation(sample, vary_json(sample, replace(variation, seed=seed)), variation)


def test_json_numbers_are_warned_about_not_failed() -> None:
    # The "numbers" feature does write numbers, and they are the warning real clients
    # deserve (the live service sends strings), never a failure.
    sample = next(
        s
        for s in JSON_SAMPLES
        if s.format == "json" and not s.condensed and "campaigns" in parse_answer(s.body).document
    )
    body = vary_json(sample, JsonVariation(frozenset({"numbers"}), seed=3))
    numbers = [n for n in parse_answer(body).notes if n.startswith("number:")]
    assert any(n.endswith("/balance") for n in numbers) and any(n.endswith("/code") for n in numbers), numbers
    findings = judge(sample, body)
    assert [f.severity for f in findings if f.check == "json_scalars_are_strings"] == ["warning"]
    assert not [f for f in findings if f.severity in ("fail", "error")], describe(findings)
