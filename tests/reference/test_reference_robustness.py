"""No input may crash the server or earn a 5xx; concurrency; HTTP refusals."""

from __future__ import annotations

import json
import random
import socket
import threading
from urllib.parse import urlencode

import pytest
import requests
from lxml import etree

JOHN = {"account_id": "greatwidgets", "code": "89898989898989"}
ONE_MB = 1024 * 1024
STATUSES = {"success", "no_match", "error"}


def envelope_status(response: requests.Response) -> str:
    """Parse any answer as an envelope (XML, JSON or JSONP); its status."""
    content_type = response.headers.get("Content-Type", "")
    body = response.content
    if content_type == "application/xml; charset=utf-8":
        root = etree.fromstring(body)
        assert root.tag == "response"
        status = root.get("status")
        if status == "error":
            assert root.findtext("error")
    elif content_type == "application/json; charset=utf-8":
        status = json.loads(body)["status"]
    elif content_type == "application/javascript; charset=utf-8":
        start = body.index(b"(")
        assert body.endswith(b")")
        status = json.loads(body[start + 1 : -1])["status"]
    else:
        raise AssertionError(f"unexpected Content-Type {content_type!r}: {body[:200]!r}")
    assert status in STATUSES
    # The catch-all answer means an exception escaped the normal paths: a bug.
    assert b"Internal error" not in body
    return status


# -- HTTP-level refusals ----------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_get_405_with_an_envelope(api, method):
    response = api.session.request(method, api.url, data=api.fields(**JOHN))
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST"
    assert envelope_status(response) == "error"


def test_405_honours_output_in_the_query_string(api):
    response = api.session.put(api.url + "?output=json", data=api.fields(**JOHN))
    assert response.status_code == 405
    assert json.loads(response.content)["status"] == "error"


def test_head_is_get_without_a_body(api):
    response = api.session.head(api.url, params=api.fields(**JOHN))
    assert response.status_code == 200
    assert response.content == b""


def test_unknown_path_gets_404_with_an_envelope(api):
    response = api.session.post(api.server.base_url + "index.php", data=api.fields(**JOHN))
    assert response.status_code == 404
    assert envelope_status(response) == "error"


def test_body_over_one_megabyte_gets_413(api):
    body = urlencode(api.fields(**JOHN)) + "&pad=" + "x" * ONE_MB
    response = api.session.post(api.url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert envelope_status(response) == "error"
    assert b"too large" in response.content


def test_body_of_exactly_one_megabyte_is_served(api):
    # Werkzeug's defaults (500 kB of fields) must not shrink the 1 MB limit.
    head = urlencode(api.fields(**JOHN)) + "&pad="
    body = head + "x" * (ONE_MB - len(head))
    assert len(body) == ONE_MB
    response = api.session.post(api.url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert envelope_status(response) == "success"


def test_oversized_chunked_body_gets_413(api):
    def chunks():
        for _ in range(3):
            yield b"x" * (ONE_MB // 2)

    response = api.session.post(api.url, data=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert envelope_status(response) == "error"


def test_many_form_fields_are_fine(api):
    fields = api.fields(**JOHN)
    fields.update({f"extra{i}": "v" for i in range(5000)})
    assert envelope_status(api.session.post(api.url, data=fields)) == "success"


def test_repeated_field_keeps_the_last_value(api):
    fields = list(api.fields(**JOHN).items()) + [("code", "70707070707070")]
    doc = json.loads(api.session.post(api.url + "?output=json", data=fields).content)
    assert doc["customer"]["first_name"] == "Zoë & <Åsa>"


def test_body_fields_win_over_query_fields(api):
    doc = json.loads(api.session.post(api.url + "?output=json&code=70707070707070", data=api.fields(**JOHN)).content)
    assert doc["customer"]["code"] == "89898989898989"


def test_raw_http_garbage_never_kills_the_server(api):
    # Malformed HTTP is answered by waitress itself (4xx, not our envelope);
    # what matters is that the server survives it.
    host, port = api.server.host, api.server.port
    for raw in (b"\x00\xff\xfe garbage\r\n\r\n", b"GET /api.php HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"):
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(raw)
            reply = sock.recv(65536)
            assert not reply.startswith(b"HTTP/1.1 5") and not reply.startswith(b"HTTP/1.0 5")
    assert envelope_status(api.post(**JOHN)) == "success"


# -- fuzz ----------------------------------------------------------------------------

FIELD_NAMES = [
    "user_id", "user_password", "type", "account_id", "code", "card_number", "include_balances",
    "campaign_id", "hide_custom_field", "show_only_belong_to", "output", "callback", "condensed",
    "x", "", "code[]", "\u00e9", "a" * 300,
]  # fmt: skip

ODD_VALUES = [
    "", " ", "\x00", "\r\n", "N", "Y", "yes", "json", "JSON", "xml", "jsonp", "cb", "a.b", "alert(1)",
    "customer_info", "greatwidgets", "coaldemo", "otherco", "89898989898989", "1212121212",
    "1959caadac9b13dcb3", "john1970", "0123456123456789,6789012345678901", ",,,", "%", "%zz", "'\"<>&",
    "]]>", "\ud7ff\ue000\ufffd", "😀" * 50, "\u2028\u2029", "1e309", "-1", "9" * 5000, "\x1b[31m",
]  # fmt: skip


def _random_value(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return rng.choice(ODD_VALUES)
    if roll < 0.8:
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(0, 40)))
    return bytes(rng.randrange(256) for _ in range(rng.randrange(0, 60))).decode("latin-1")


def _random_fields(rng: random.Random) -> dict[str, str]:
    fields = {}
    if rng.random() < 0.7:  # often a valid base, so deeper code paths run
        fields.update({"user_id": "john1970", "user_password": "1959caadac9b13dcb3", "type": "customer_info"})
        fields.update(rng.choice([JOHN, {"account_id": "coaldemo", "card_number": "1212121212"}]))
    for _ in range(rng.randrange(0, 6)):
        fields[rng.choice(FIELD_NAMES)] = _random_value(rng)
    return fields


def test_fuzz_never_5xx_and_always_an_envelope(api):
    rng = random.Random(20240501)
    url, session = api.url, api.session
    statuses = set()
    for i in range(400):
        fields = _random_fields(rng)
        kind = i % 6
        if kind == 0:
            response = session.get(url, params=fields)
        elif kind == 1:
            response = session.post(url, data=fields)
        elif kind == 2:
            response = session.post(url, files={k: (None, v) for k, v in fields.items()})
        elif kind == 3:  # raw random bytes claiming to be a form
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 2000)))
            ctype = rng.choice(
                ["application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=zz",
                 "application/json", "text/plain", "", "application/x-www-form-urlencoded; charset=utf-16"]
            )  # fmt: skip
            response = session.post(url, data=body, headers={"Content-Type": ctype})
        elif kind == 4:  # odd query string bytes on a GET
            query = bytes(rng.choice(b"%&=+;?#abcXYZ019\xc3\xa9") for _ in range(rng.randrange(0, 80)))
            response = session.get(url + "?" + query.decode("latin-1"))
        else:  # fields in the body and others in the query string
            response = session.post(url + "?" + urlencode(_random_fields(rng)), data=fields)
        assert response.status_code < 500, (i, fields)
        assert response.status_code in (200, 404, 405, 413), (i, response.status_code)
        statuses.add(envelope_status(response))
    assert statuses == STATUSES  # the fuzz reached all three outcomes


# -- concurrency -----------------------------------------------------------------


def test_twenty_threads_of_twenty_requests(api):
    expected = {
        "john": api.post(**JOHN).content,
        "coal": api.post(account_id="coaldemo", code="89898989898989", output="json").content,
    }
    failures: list[str] = []

    def worker(n: int) -> None:
        with requests.Session() as session:
            for i in range(20):
                key = "john" if (n + i) % 2 else "coal"
                fields = (
                    api.fields(**JOHN)
                    if key == "john"
                    else api.fields(account_id="coaldemo", code="89898989898989", output="json")
                )
                try:
                    response = session.post(api.url, data=fields, timeout=30)
                except requests.RequestException as exc:
                    failures.append(f"{n}/{i}: {exc}")
                    continue
                if response.status_code != 200 or response.content != expected[key]:
                    failures.append(f"{n}/{i}: {response.status_code} {response.content[:80]!r}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
