"""parse_answer: XML, JSON and JSONP answers become one canonical document.

Whatever a target sends, the parser either returns the canonical document or raises
ParseError with a one-line readable message: never another exception, never a hang,
never a file or a URL the answer names.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.document import comparable
from conformance.parse import MAX_DEPTH, Answer, ParseError, parse_answer
from tests.servers import Served, serve_socket
from tests.waiting import HANG_GUARD_S, returns_within

EXAMPLES = Path(__file__).resolve().parent / "data" / "spec-examples"
EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.xml"))


def parse_error(body: bytes) -> str:
    with pytest.raises(ParseError) as info:
        parse_answer(body)
    return str(info.value)


def assert_readable(message: str) -> None:
    assert message.strip(), "empty message"
    assert "\n" not in message, f"not one line: {message!r}"
    assert len(message) < 400, f"too long: {message!r}"
    assert "Traceback" not in message


# -- the document's examples -------------------------------------------------------------
def test_the_examples_are_there() -> None:
    assert EXAMPLE_NAMES == ["coalition-success", "error", "no-match", "success"]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_xml_example_and_its_json_twin_agree(name: str) -> None:
    xml = parse_answer((EXAMPLES / f"{name}.xml").read_bytes())
    js = parse_answer((EXAMPLES / f"{name}.json").read_bytes())
    assert (xml.format, js.format) == ("xml", "json")
    assert xml.document["status"] in ("success", "error", "no_match")
    assert comparable(xml.document) == comparable(js.document)
    assert xml.xml is not None and xml.xml.tag == "response"


def test_success_example_canonical_shape() -> None:
    document = parse_answer((EXAMPLES / "success.xml").read_bytes()).document
    assert document["status"] == "success"
    assert document["customer"]["code"] == "89898989898989"
    assert document["customer"]["custom_field_2"] == {"label": "Marital Status", "data": "Single"}
    campaigns = document["campaigns"]
    assert [c["type"] for c in campaigns] == ["points", "earned", "buyx"]
    assert campaigns[0]["glyph"] == ""
    assert campaigns[0]["monetary_balance"] == "10.00"
    assert campaigns[1]["balance"] == "16.50"
    assert [r["id"] for r in campaigns[0]["available_rewards"]] == ["678", "753"]
    assert [i["name"] for i in campaigns[2]["balances"]] == ["Coffees", "Cakes", "Books"]


def test_error_and_no_match_examples() -> None:
    assert parse_answer((EXAMPLES / "error.xml").read_bytes()).document == {"status": "error", "error": "Error message"}
    no_match = parse_answer((EXAMPLES / "no-match.xml").read_bytes()).document
    assert no_match["status"] == "no_match"
    assert "No Customers Match Criteria" in no_match["message"]


def test_a_changed_value_makes_xml_and_json_differ() -> None:
    # The comparison above can fail: one changed balance is seen.
    xml = parse_answer((EXAMPLES / "success.xml").read_bytes())
    changed = (EXAMPLES / "success.json").read_text(encoding="utf-8").replace('"16.50"', '"16.51"', 1)
    assert comparable(xml.document) != comparable(parse_answer(changed.encode()).document)


# -- JSON and JSONP ---------------------------------------------------------------------------
ENVELOPE = b'{"status": "no_match", "message": "No Customers Match Criteria"}'


@pytest.mark.parametrize(
    ("body", "callback"),
    [
        (b"cb(" + ENVELOPE + b")", "cb"),
        (b"/**/cb(" + ENVELOPE + b");", "cb"),
        (b"  someFunctionName (\n" + ENVELOPE + b"\n) ;\n", "someFunctionName"),
        (b"a.b(" + ENVELOPE + b")", "a.b"),
        (b"$jq_1.cb_2(" + ENVELOPE + b");", "$jq_1.cb_2"),
    ],
    ids=["plain", "comment-prefix", "spaces", "dotted", "dollar"],
)
def test_jsonp(body: bytes, callback: str) -> None:
    answer = parse_answer(body)
    assert answer.format == "jsonp"
    assert answer.callback == callback
    assert answer.document == parse_answer(ENVELOPE).document
    assert answer.document["status"] == "no_match"


def test_json_has_no_callback() -> None:
    answer = parse_answer(ENVELOPE)
    assert (answer.format, answer.callback) == ("json", None)


def test_json_with_bom() -> None:
    assert parse_answer(b"\xef\xbb\xbf" + ENVELOPE).document["status"] == "no_match"


def test_numbers_keep_their_literal_text() -> None:
    body = (
        b'{"status": "success", "campaigns": [{"id": 1234567890123456789, '
        b'"balance": 16.50, "cumulative": 1e3, "x": -0.0}]}'
    )
    answer = parse_answer(body)
    campaign = answer.document["campaigns"][0]
    assert campaign == {"id": "1234567890123456789", "balance": "16.50", "cumulative": "1e3", "x": "-0.0"}
    assert all(type(v) is str for v in campaign.values())
    assert set(answer.notes) == {f"number:/campaigns/0/{k}" for k in ("id", "balance", "cumulative", "x")}


def test_strings_get_no_note() -> None:
    answer = parse_answer(b'{"status": "success", "customer": {"code": "0042"}}')
    assert answer.document["customer"]["code"] == "0042"
    assert answer.notes == ()


def test_booleans_and_null_are_noted() -> None:
    answer = parse_answer(b'{"status": "success", "customer": {"registered": true, "vip": false, "street2": null}}')
    assert answer.document["customer"] == {"registered": "true", "vip": "false", "street2": None}
    assert set(answer.notes) == {"boolean:/customer/registered", "boolean:/customer/vip", "null:/customer/street2"}


def test_json_number_and_xml_text_compare_equal() -> None:
    js = parse_answer(b'{"status": "success", "campaigns": [{"id": "1", "balance": 10.0, "available_rewards": []}]}')
    xml = parse_answer(b'<response status="success"><campaigns><campaign><id>1</id><balance>10.00</balance>'
                       b"<available_rewards/></campaign></campaigns></response>")  # fmt: skip
    assert comparable(js.document) == comparable(xml.document)


# -- XML ---------------------------------------------------------------------------------------
def test_empty_and_self_closing_elements_are_empty_strings() -> None:
    body = b'<response status="success"><customer><street2/><phone></phone><city> </city></customer></response>'
    customer = parse_answer(body).document["customer"]
    assert customer["street2"] == ""
    assert customer["phone"] == ""
    assert customer["city"] == " "


def test_lists_with_one_element_are_lists() -> None:
    body = (
        b'<response status="success"><campaigns><campaign><id>1</id><type>buyx</type>'
        b"<balances><item><name>Coffees</name></item></balances>"
        b"<available_rewards><reward><item_id>96</item_id></reward></available_rewards>"
        b"</campaign></campaigns></response>"
    )
    document = parse_answer(body).document
    assert isinstance(document["campaigns"], list) and len(document["campaigns"]) == 1
    campaign = document["campaigns"][0]
    assert campaign["balances"] == [{"name": "Coffees"}]
    assert campaign["available_rewards"] == [{"item_id": "96"}]


def test_empty_list_containers_are_empty_lists() -> None:
    body = b'<response status="success"><campaigns/><customer><code>1</code></customer></response>'
    assert parse_answer(body).document["campaigns"] == []
    body = (
        b"<response "
        b'status="success"><campaigns><campaign><available_rewards></available_rewards></campaign></campaigns></response>'
    )
    assert parse_answer(body).document["campaigns"] == [{"available_rewards": []}]


def test_custom_field_n_becomes_label_and_data() -> None:
    body = (
        b'<response status="success"><customer><custom_field>custom1</custom_field>'
        b"<custom_field_2><label>Marital Status</label><data>Single</data></custom_field_2>"
        b"<custom_field_7><label>Pet</label><data/></custom_field_7></customer></response>"
    )
    customer = parse_answer(body).document["customer"]
    assert customer["custom_field"] == "custom1"
    assert customer["custom_field_2"] == {"label": "Marital Status", "data": "Single"}
    assert customer["custom_field_7"] == {"label": "Pet", "data": ""}


def test_pretty_printed_xml_ignores_layout_whitespace() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<response '
        b'status="error">\n  <error>Bad account</error>\n</response>\n'
    )
    answer = parse_answer(body)
    assert answer.document == {"status": "error", "error": "Bad account"}


def test_repeated_element_is_noted_not_merged() -> None:
    answer = parse_answer(b'<response status="success"><customer><code>1</code><code>2</code></customer></response>')
    assert answer.document["customer"]["code"] == "1"
    assert "repeated:/response/customer/code" in answer.notes


def test_cdata_sections_are_read_and_noted() -> None:
    # PHP SimpleXML without LIBXML_NOCDATA reads a CDATA value as empty (real-clients.md):
    # the value is read whole, and where CDATA was used is noted for a check to warn.
    body = (
        b'<response status="success"><customer><first_name><![CDATA[John]]></first_name>'
        b"<last_name>D<![CDATA[o]]>e</last_name><city>Anytown</city><street2><![CDATA[]]></street2>"
        b"<custom_field_2><label>Pet</label><data><![CDATA[Cat & <Dog>]]></data></custom_field_2></customer>"
        b"<campaigns><campaign><id>1</id><available_rewards><reward><id><![CDATA[678]]></id></reward>"
        b"</available_rewards></campaign></campaigns></response>"
    )
    answer = parse_answer(body)
    customer = answer.document["customer"]
    assert (customer["first_name"], customer["last_name"], customer["street2"]) == ("John", "Doe", "")
    assert customer["custom_field_2"]["data"] == "Cat & <Dog>"
    assert answer.document["campaigns"][0]["available_rewards"] == [{"id": "678"}]
    assert sorted(n for n in answer.notes if n.startswith("cdata:")) == [
        "cdata:/response/campaigns/campaign[1]/available_rewards/reward[1]/id",
        "cdata:/response/customer/custom_field_2/data",
        "cdata:/response/customer/first_name",
        "cdata:/response/customer/last_name",
        "cdata:/response/customer/street2",
    ]


def test_no_cdata_no_note() -> None:
    # Text that merely looks like a CDATA section is not one.
    answer = parse_answer(b'<response status="error"><error>&lt;![CDATA[x]]&gt;</error></response>')
    assert answer.document["error"] == "<![CDATA[x]]>"
    assert answer.notes == ()


def test_cdata_in_utf16_is_noted() -> None:
    body = '<?xml version="1.0" encoding="UTF-16"?><response status="error"><error><![CDATA[Bad é]]></error></response>'
    answer = parse_answer(body.encode("utf-16"))
    assert answer.document == {"status": "error", "error": "Bad é"}
    assert answer.notes == ("cdata:/response/error",)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "declaration", ['<?xml version="1.0" encoding="UTF-16"?>\n', "\n  "], ids=["declared", "undeclared"]
)
def test_utf16_xml_with_its_byte_order_mark(codec: str, declaration: str) -> None:
    text = declaration + '<response status="no_match"><message>Aucun client ne correspond €</message></response>'
    body = text.encode(codec) if codec == "utf-16" else "\ufeff".encode(codec) + text.encode(codec)
    answer = parse_answer(body)
    assert answer.format == "xml"
    assert answer.document == {"status": "no_match", "message": "Aucun client ne correspond €"}


def test_element_beside_list_items_is_left_out_and_noted() -> None:
    # The document does not close the lists; an element beside the items has no place
    # in the JSON array clients read.
    body = (
        b'<response status="success"><campaigns><count>2</count><campaign><id>1</id></campaign>'
        b"<campaign><id>2</id><balances><total>3</total><item><name>Tea</name></item></balances></campaign>"
        b"</campaigns></response>"
    )
    answer = parse_answer(body)
    assert answer.document["campaigns"] == [{"id": "1"}, {"id": "2", "balances": [{"name": "Tea"}]}]
    assert set(answer.notes) == {
        "skipped:/response/campaigns/count",
        "skipped:/response/campaigns/campaign[2]/balances/total",
    }


def test_status_is_the_root_attribute() -> None:
    answer = parse_answer(b'<response status="error" version="2.1"><status>ok</status><error>x</error></response>')
    assert answer.document == {"status": "error", "error": "x"}


def nested(fmt: str, depth: int) -> bytes:
    """An envelope with ``depth`` containers nested below the root (arrays; elements
    holding elements), the innermost holding "1"."""
    if fmt == "json":
        return b'{"status": "success", "x": ' + b"[" * depth + b'"1"' + b"]" * depth + b"}"
    return b'<response status="success">' + b"<x>" * (depth + 1) + b"1" + b"</x>" * (depth + 1) + b"</response>"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_nesting_is_read_down_to_max_depth(fmt: str) -> None:
    assert parse_answer(nested(fmt, MAX_DEPTH)).document["status"] == "success"


@pytest.mark.parametrize(
    ("fmt", "depth"),
    [("json", 101), ("json", 500), ("json", 990), ("json", 5000), ("xml", 101), ("xml", 254), ("xml", 5000)],
)
def test_deeper_nesting_is_a_parse_error(fmt: str, depth: int) -> None:
    # Every later step walks the document recursively: past MAX_DEPTH it is refused with a
    # ParseError (json, whose decoder reads about 1,000 levels, raised RecursionError).
    message = parse_error(nested(fmt, depth))
    assert "nested too deeply" in message or "Excessive depth" in message
    assert_readable(message)


def test_standard_entities_and_character_references() -> None:
    answer = parse_answer(
        b'<response status="success"><customer><first_name>A &amp; B &#233;</first_name></customer></response>'
    )
    assert answer.document["customer"]["first_name"] == "A & B \u00e9"


# -- errors ------------------------------------------------------------------------------------
BAD_BODIES = [
    pytest.param(b"", "empty", id="empty"),
    pytest.param(b" \r\n\t  \n", "empty", id="whitespace"),
    pytest.param(
        b"<!DOCTYPE html><html><head><meta charset=utf-8><title>Error</title></head><body>oops<br></body></html>",
        "not well-formed",
        id="html-page-malformed",
    ),
    pytest.param(b"Internal Server Error", "neither XML, JSON nor JSONP", id="plain-text"),
    pytest.param(b"OK", "neither XML, JSON nor JSONP", id="plain-text-short"),
    pytest.param(b'<response status="success"><customer><code>898989', "not well-formed", id="truncated-xml"),
    pytest.param(b'{"status": "success", "customer": {"code": "89', "malformed", id="truncated-json"),
    pytest.param(b'{"status": "success", "customer": {', "malformed", id="truncated-json-object"),
    pytest.param(b'{"status": "success", "name": "Jo\xe9"}', "not valid UTF-8", id="invalid-utf8-json"),
    pytest.param(b'cb({"name": "\xff"})', "not valid UTF-8", id="invalid-utf8-jsonp"),
    pytest.param(b'[{"status": "success"}]', "top level is an array", id="json-top-level-array"),
    pytest.param(b'"success"', "it starts with", id="json-top-level-string"),
    pytest.param(b"[" * 100000 + b"]" * 100000, "nested too deeply", id="json-deep-arrays"),
    pytest.param(b'{"a":' * 100000 + b"1" + b"}" * 100000, "nested too deeply", id="json-deep-objects"),
    pytest.param(b"<a>" * 100000 + b"</a>" * 100000, "XML", id="xml-deep"),
    pytest.param(b'cb({"status": "success"}', "wrapper is malformed", id="jsonp-no-closing-paren"),
    pytest.param(b'cb({"status": "success"});alert(1)', "JSONP", id="jsonp-trailing-code"),
    pytest.param(b'cb({"status": "success"}) + cb({"status": "error"})', "JSONP", id="jsonp-two-calls"),
    pytest.param(b"cb([1, 2])", "inside the JSONP wrapper the JSON top level is an array", id="jsonp-array"),
    pytest.param(b"cb(<html></html>)", "inside the JSONP wrapper", id="jsonp-html"),
    pytest.param(b"\x00\x01\x02", "neither", id="binary"),
    pytest.param(
        b'<?xml version="1.0" encoding="no-such-encoding"?><response status="success"/>',
        "XML",
        id="xml-unknown-encoding",
    ),
    pytest.param('{"status": "success"}'.encode("utf-16"), "neither", id="json-utf16"),
]


@pytest.mark.parametrize(("body", "fragment"), BAD_BODIES)
def test_unreadable_body_is_a_parse_error(body: bytes, fragment: str) -> None:
    # Deep nesting and the like are refused, not recursed into for ever: the guard is only
    # for a hang (each parse takes milliseconds).
    message = returns_within(HANG_GUARD_S, lambda: parse_error(body), f"parsing {body[:30]!r}...")
    assert fragment in message
    assert_readable(message)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>oops</html>",
        b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>",
    ],
    ids=["bare", "nginx-502"],
)
def test_well_formed_html_page_is_a_parse_error(body: bytes) -> None:
    assert_readable(parse_error(body))


def test_truncated_json_message_reads_well() -> None:
    message = parse_error(b'{"status": "succ')
    assert "at at" not in message


# -- hostile XML -------------------------------------------------------------------------------
SECRET_TEXT = "TOPSECRET-file-contents-5f3a91"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET_TEXT + "\n", encoding="utf-8")
    return path


def everything_seen(body: bytes) -> str:
    """The canonical document, notes and error message of parsing ``body``, as one text."""
    try:
        answer = parse_answer(body)
    except ParseError as exc:
        return f"error: {exc}"
    return json.dumps(answer.document) + " " + " ".join(answer.notes) + " " + str(answer.callback)


@pytest.mark.parametrize(
    "template",
    [
        '<?xml version="1.0"?><!DOCTYPE response [<!ENTITY x SYSTEM "{uri}">]>'
        '<response status="success"><message>&x;</message></response>',
        '<?xml version="1.0"?><!DOCTYPE response [<!ENTITY % x SYSTEM "{uri}"> %x;]>'
        '<response status="success"><message>hi</message></response>',
        '<?xml version="1.0"?><!DOCTYPE response SYSTEM "{uri}"><response '
        'status="success"><message>hi</message></response>',
        '<response xmlns:xi="http://www.w3.org/2001/XInclude" status="success">'
        '<message><xi:include href="{uri}" parse="text"/></message></response>',
    ],
    ids=["general-entity", "parameter-entity", "external-dtd", "xinclude"],
)
def test_external_entity_does_not_read_local_file(secret_file: Path, template: str) -> None:
    for uri in (secret_file.as_uri(), str(secret_file)):
        seen = everything_seen(template.format(uri=uri).encode())
        assert SECRET_TEXT not in seen
    # The probe is sound: the same text inline is seen.
    assert SECRET_TEXT in everything_seen(
        f'<response status="success"><message>{SECRET_TEXT}</message></response>'.encode()
    )


def test_external_entity_answer_is_still_read(secret_file: Path) -> None:
    body = (
        f'<?xml version="1.0"?><!DOCTYPE response [<!ENTITY x SYSTEM "{secret_file.as_uri()}">]>'
        '<response status="error"><error>before &x; after</error></response>'
    ).encode()
    answer = parse_answer(body)
    assert answer.document["status"] == "error"
    assert "doctype:/" in answer.notes


def billion_laughs(levels: int = 10) -> bytes:
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, levels):
        entities.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    return (
        '<?xml version="1.0"?><!DOCTYPE response [' + "".join(entities) + "]>"
        f'<response status="success"><message>&lol{levels - 1};</message></response>'
    ).encode()


@pytest.mark.parametrize("levels", [4, 10], ids=["small", "billion"])
def test_entity_expansion_bomb_is_not_expanded(levels: int) -> None:
    # Not expanded: what is seen stays small. The guard is only for a hang (milliseconds;
    # libxml2 itself refuses the billion-fold amplification, lxml's resolve_entities or not).
    seen = returns_within(HANG_GUARD_S, lambda: everything_seen(billion_laughs(levels)), f"{levels}-level entity bomb")
    assert "lollol" not in seen
    assert len(seen) < 2000


SENTINEL = b"sentinel"


class Listener:
    """A local TCP port that counts every connection made to it (each closed after its
    first bytes are read)."""

    def __init__(self) -> None:
        self.served = Served(port=0)  # replaced by the running server's in ``listener``
        self._sentinel_seen = threading.Event()

    @property
    def port(self) -> int:
        return self.served.port

    def handle(self, conn: socket.socket, served: Served) -> None:
        conn.settimeout(HANG_GUARD_S)
        if conn.recv(len(SENTINEL)) == SENTINEL:
            self._sentinel_seen.set()

    def connections_before_now(self) -> int:
        """The connections made to the port before this call, with no sleep: a connection
        of our own is made and waited for. The kernel's accept queue is first in, first
        out, and the server counts each connection as it accepts it, so by the time ours
        is seen, every connection made before it is counted. Ours is not included."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=HANG_GUARD_S) as own:
            own.sendall(SENTINEL)
            if not self._sentinel_seen.wait(HANG_GUARD_S):
                pytest.fail(f"the listener did not see a connection of our own within {HANG_GUARD_S:g} s")
        return self.served.connections - 1


@pytest.fixture
def listener() -> Iterator[Listener]:
    port = Listener()
    with serve_socket(port.handle) as served:
        port.served = served
        yield port


@pytest.mark.parametrize(
    "template",
    [
        '<?xml version="1.0"?><!DOCTYPE response SYSTEM "{url}"><response '
        'status="success"><message>hi</message></response>',
        '<?xml version="1.0"?><!DOCTYPE response PUBLIC "-//X//DTD X//EN" "{url}"><response status="success"/>',
        '<?xml version="1.0"?><!DOCTYPE response [<!ENTITY x SYSTEM '
        '"{url}">]><response status="success"><m>&x;</m></response>',
        '<?xml version="1.0"?><!DOCTYPE response [<!ENTITY % x SYSTEM "{url}"> %x;]><response status="success"/>',
    ],
    ids=["system-dtd", "public-dtd", "general-entity", "parameter-entity"],
)
def test_network_dtd_is_never_fetched(listener: Listener, template: str) -> None:
    body = template.format(url=f"http://127.0.0.1:{listener.port}/evil.dtd").encode()
    returns_within(HANG_GUARD_S, lambda: everything_seen(body), "parsing a document naming a network DTD")
    assert listener.connections_before_now() == 0, "the parser connected to the DTD's host"


def test_listener_sees_a_real_connection(listener: Listener) -> None:
    # The probe above can fail: a connection made (and closed) before it is counted.
    with socket.create_connection(("127.0.0.1", listener.port), timeout=HANG_GUARD_S) as fetch:
        fetch.sendall(b"GET /evil.dtd HTTP/1.0\r\n\r\n")
    assert listener.connections_before_now() == 1


def test_unroutable_dtd_does_not_hang() -> None:
    body = b'<?xml version="1.0"?><!DOCTYPE response SYSTEM "http://10.255.255.1/x.dtd"><response status="success"/>'

    def parse() -> Any:
        with contextlib.suppress(ParseError):
            return parse_answer(body)
        return None

    # A parser that fetched the DTD would wait on a connect that never completes.
    answer = returns_within(HANG_GUARD_S, parse, "parsing a document naming an unroutable DTD")
    if answer is not None:
        assert isinstance(answer, Answer) and answer.document["status"] == "success"


# -- a callback that is no JavaScript name, called as sent ------------------------------------
@pytest.mark.parametrize("callback", ["alert(1);//", "<script>alert(1)</script>", "a b"])
def test_a_body_calling_the_callback_exactly_as_sent_is_the_jsonp_asked_for(callback: str) -> None:
    """The document says nothing of a callback that is no JavaScript name: a body that calls
    it as sent is read (the advisory security check flags the reflection), and the name it
    reports is the one sent. Without the callback, or with code after the call, it is not."""
    body = f'{callback}({{"response": {{"status": "error"}}}});'.encode()
    answer = parse_answer(body, callback)
    plain = parse_answer(body.replace(callback.encode(), b"cb", 1))
    assert (answer.format, answer.callback, answer.document) == ("jsonp", callback, plain.document)
    assert parse_answer(b"/**/ " + body, callback).callback == callback
    with pytest.raises(ParseError):
        parse_answer(body[:-1] + b" evil();", callback)
    with pytest.raises(ParseError):
        parse_answer(body, callback + "x")
    with pytest.raises(ParseError):
        parse_answer(body)
