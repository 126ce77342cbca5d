"""Each conformant variant (``conformance/reference/sandbox/variants.py``) passes the whole
suite with no failure: every pairwise matrix case, every relation group and every access
case (a format-only variant: the cases its format's answers reach, a transport-only one:
the access cases and one customer's, each premise proved below; ``tools/kill_matrix.py``
runs every variant over the whole suite). Warnings, advisories and unspecified behaviours
are allowed; a variant that must raise a warning raises it. A failure here is either a
variant that is not conformant after all (fix the variant) or a harness stricter than the
document (fix the harness).

Each variant is served the way a client developer serves it, ``python -m
conformance.reference --variant NAME`` (``tests/sandbox_process.py``); the runs go
through ``tests/selftest.py`` (worker processes, verdicts from JUnit XML), as for the
faults. The rotation (``--variants all --seed N``) and the faults' command line are
tested here too.
"""

from __future__ import annotations

import gzip
import json
import re
import socket
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.test import Client

from conformance.reference import make_app
from conformance.reference.sandbox.data import SMOKE_FIELDS
from conformance.reference.sandbox.json_writer import write_json
from conformance.reference.sandbox.parser import Parsed, parse
from conformance.reference.sandbox.variants import VARIANTS, other_data_set, serve, witness_fields
from conformance.reference.sandbox.xml_writer import write_xml
from tests.sandbox_process import sandbox
from tests.selftest import SessionRuns, Target, Verdict, verdicts_once_per_run

# A variant that changes only one format's writer (its `xml` or its `json` options, and
# nothing else: no content edit, status, wire, connection or data set) leaves every answer
# of the other format byte for byte the reference's, which the control and every other
# run judge already: its run here selects the cases whose answers it changes, the
# relations (which compare formats) and the access cases, not the whole suite.
# test_a_format_only_variant_leaves_the_other_format_untouched proves the premise on the
# answers; tools/kill_matrix.py still runs every variant over the whole suite.
JSON_ANSWERS = "output=JSON or output=json or callback=conformanceCallback"
FORMAT_SCOPES = {
    "xml": f"not ({JSON_ANSWERS})",
    "json": f"{JSON_ANSWERS} or kind=relation or kind=access",
}


# A variant that changes only how an answer travels (compressed and chunked, the
# connection closed after it or when idle) gives the harness, once its client has read
# the answer, the reference's exchange: the same status, the same headers but the transport
# ones, the same decoded body, which is all a check reads. Every case's judgement is then
# the reference's own (the whole pairwise run of tests/targets.reference_pairwise_run
# passes it); what such a run adds is the client's transport on every path: each POST
# encoding and GET (the access cases), each format and option (one customer's matrix and
# relations). test_a_transport_only_variant_reads_as_the_reference proves the premise and
# that this list is exactly the variants it holds for; tools/kill_matrix.py still runs
# them over the whole suite.
TRANSPORT_ONLY = ("gzip", "connection_close", "idle_keepalive_closed")
TRANSPORT_SCOPE = "kind=access or (account=greatwidgets and customer=89898989898989)"
TRANSPORT_HEADERS = frozenset(
    {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive", "vary"}
)


def scope_of(name: str) -> str | None:
    """The ``--cases`` selection a variant's run uses here (None: the whole suite)."""
    if name in TRANSPORT_ONLY:
        return TRANSPORT_SCOPE
    scope = format_only(name)
    return FORMAT_SCOPES[scope] if scope else None


def format_only(name: str) -> str | None:
    """``"xml"`` or ``"json"`` when the variant changes only that format's answers."""
    v = VARIANTS[name]
    if v.edit or v.status or v.wire or v.close_connection or v.data_set or v.idle_timeout_s is not None:
        return None
    if bool(v.xml) != bool(v.json):
        return "xml" if v.xml else "json"
    return None


def variant_targets() -> list[Target]:
    return [Target("variant", name, scope_of(name)) for name in VARIANTS]


TARGETS = {t.name: t for t in variant_targets()}


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[Target, Verdict]:
    """Every variant's run of the whole pairwise suite, two worker processes side by side
    (already running when tests/test_faults_caught.py queued them)."""
    shared = verdicts_once_per_run("variants", variant_targets(), tmp_path_factory.getbasetemp())
    if shared is not None:  # pytest-xdist: one worker ran them for all
        return shared
    return SessionRuns.of_session(tmp_path_factory.mktemp("selftest")).verdicts(variant_targets())


def _summary(verdict: Verdict) -> str:
    lines = [
        f"exit {verdict.exit_code}, {verdict.failed} of {verdict.tests} "
        f"cases failed{f', {verdict.problem}' if verdict.problem else ''}"
    ]
    lines += [f"  {count:4d} x [{', '.join(ids)}] {check}" for (check, ids), count in verdict.tally("fail").items()]
    return "\n".join(lines) + "\n\n" + (verdict.failure_text[:4000] or verdict.output[-3000:])


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variant_passes_the_whole_suite(name: str, verdicts: dict[Target, Verdict]) -> None:
    verdict = verdicts[TARGETS[name]]
    assert verdict.passed, f"{name} ({VARIANTS[name].description}):\n{_summary(verdict)}"
    warned = {f.check for f in verdict.warnings}
    for check in VARIANTS[name].warnings:
        assert check in warned, f"{name}: no warning from {check}; warnings seen: {sorted(warned) or 'none'}"


def test_every_variant_ran_the_same_suite(verdicts: dict[Target, Verdict]) -> None:
    """The same profile shape and the same campaigns give the same cases: a variant that
    ran fewer than the others of its selection made the harness learn less from its
    answers, and proves less."""
    by_selection: dict[str | None, Counter[int]] = {}
    for target, verdict in verdicts.items():
        by_selection.setdefault(target.selection, Counter())[verdict.cases] += 1
    for selection, counts in by_selection.items():
        usual, _ = counts.most_common(1)[0]
        odd = {t.name: v.cases for t, v in verdicts.items() if t.selection == selection and v.cases != usual}
        assert not odd, f"cases judged under {selection or 'the whole suite'}: usually {usual}, but {odd}"
    whole = by_selection[None].most_common(1)[0][0]
    assert whole > 900, by_selection  # the pairwise matrix, its relations and access cases: 1,078
    for selection in FORMAT_SCOPES.values():  # a format's share: a good part of it, never all of it
        assert whole / 5 < by_selection[selection].most_common(1)[0][0] < whole, (selection, by_selection)
    assert 0 < by_selection[TRANSPORT_SCOPE].most_common(1)[0][0] < whole, by_selection
    whole_items = Counter(v.tests for t, v in verdicts.items() if t.selection is None)
    assert len(whole_items) == 1, f"requirement items: {whole_items}"  # the same scopes, the same requirements
    # Relations and access cases are part of each run, not only the matrix.
    for target, verdict in verdicts.items():
        assert verdict.problem is None, f"{target.name}: {verdict.problem}"


WITNESSED = [name for name, variant in VARIANTS.items() if variant.witness is not None]


@pytest.mark.parametrize("name", WITNESSED)
def test_variant_is_in_effect(name: str, tmp_path: Path) -> None:
    """The variant's answers really differ from the reference's in the announced way,
    served by the command line."""
    variant = VARIANTS[name]
    assert variant.witness is not None
    with sandbox(["--variant", name], tmp_path) as running:
        answer = requests.post(running.url, data=witness_fields(running.profile, variant.probe), timeout=10)
    assert variant.witness(answer), (
        f"{name}: HTTP {answer.status_code} {dict(answer.headers)}\n{answer.content[:600]!r}"
    )


def test_every_variant_without_a_witness_has_its_own_test() -> None:
    assert [n for n in VARIANTS if n not in WITNESSED] == ["idle_keepalive_closed"]


def test_idle_keepalive_connection_is_closed_by_the_server(tmp_path: Path) -> None:
    """idle_keepalive_closed: a kept-alive connection left idle is closed by the server
    within a few seconds; the reference keeps it open."""
    fields = witness_fields(Path(__file__).resolve().parents[1] / "conformance" / "reference" / "profile.yaml")
    body = "&".join(f"{k}={v}" for k, v in fields.items()).encode()
    request = (
        b"POST /api.php HTTP/1.1\r\nHost: x\r\nContent-Type: "
        b"application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s"
    ) % (len(body), body)

    def closed_after_idle(url: str) -> bool:
        host, port = url.split("//")[1].split("/")[0].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            connection.sendall(request)
            answer = b""
            while b"</response>" not in answer:
                answer += connection.recv(65536)
            connection.settimeout(4.0)  # the sweep runs every second; a second of idleness is enough
            try:
                return connection.recv(1) == b""
            except TimeoutError:
                return False

    with sandbox(["--variant", "idle_keepalive_closed"], tmp_path / "idle") as running:
        assert closed_after_idle(running.url), "the idle connection stayed open"
    with sandbox([], tmp_path / "reference") as running:
        assert not closed_after_idle(running.url), "the reference closed an idle connection: the variant proves nothing"


# -- the writers the variants use carry the reference's document, unchanged ------------------
CREDENTIALS = {k: SMOKE_FIELDS[k] for k in ("user_id", "user_password", "type")}
DOCUMENTS = [
    {"account_id": "greatwidgets", "code": "89898989898989"},
    {"account_id": "greatwidgets", "code": "70707070707070"},
    {"account_id": "greatwidgets", "code": "56565656565656"},
    {"account_id": "coaldemo", "code": "89898989898989"},
    {"account_id": "greatwidgets", "code": "99999999999999"},
    {"account_id": "greatwidgets"},
]
XML_WAYS = {
    "compact": {"indent": None},
    "no-declaration": {"declaration": False},
    "single-quotes": {"quote": "'"},
    "self-closing": {"self_closing": True},
    "cdata": {"cdata": True},
    "reversed": {"order": lambda name, keys: list(reversed(keys))},
    "character-references": {"charrefs": True},
    "comments": {"comments": True},
    "bom": {"bom": True},
    "latin1": {"encoding": "ISO-8859-1"},
    "root-attributes": {"root_attributes": (("api_version", "1.4"),)},
    "all-at-once": {
        "indent": None,
        "quote": "'",
        "self_closing": True,
        "charrefs": True,
        "comments": True,
        "bom": True,
        "root_attributes": (("a", "b"),),
    },
}


def _reference(fields: dict[str, str]) -> bytes:
    return Client(make_app()).post("/api.php", data={**CREDENTIALS, **fields}).get_data()


def _unordered(value: object) -> object:
    if isinstance(value, dict):
        return {k: _unordered(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_unordered(v) for v in value]
    return value


@pytest.mark.parametrize("way", list(XML_WAYS))
@pytest.mark.parametrize("fields", DOCUMENTS, ids=lambda f: "-".join(f.values()) or "none")
def test_xml_writer_carries_the_same_document(fields: dict[str, str], way: str) -> None:
    original = parse(_reference(fields))
    assert original is not None and original.format == "xml"
    written = write_xml(original.document, **XML_WAYS[way])
    again = parse(written)
    assert again is not None, written[:300]
    assert _unordered(again.document) == _unordered(original.document)
    if way != "reversed":
        assert list(again.document) == list(original.document)


@pytest.mark.parametrize(
    "options",
    [{"numbers": True}, {"php": True}, {"prefix": "/**/", "suffix": ";"}],
    ids=["numbers", "php", "jsonp-guard"],
)
@pytest.mark.parametrize("fields", DOCUMENTS, ids=lambda f: "-".join(f.values()) or "none")
def test_json_writer_carries_the_same_values(fields: dict[str, str], options: dict[str, object]) -> None:
    original = parse(_reference({**fields, "output": "JSON", "callback": "cb"}))
    assert original is not None and original.format == "jsonp"
    written = write_json(Parsed(original.format, original.document, original.condensed, original.callback), **options)  # type: ignore[arg-type]
    call = re.fullmatch(r"(?:/\*\*/)?cb\((.*)\);?", written.decode("utf-8"), re.DOTALL)
    assert call is not None, written[:200]
    # Numbers read back as their literal text: "16.50" written 16.50 reads "16.50".
    assert json.loads(call.group(1), parse_int=str, parse_float=str) == original.document
    if options.get("numbers") and b'"balance"' in written:
        assert re.search(rb'"balance": [0-9]', written), written[:300]


def test_other_data_set_shares_nothing_with_the_reference(tmp_path: Path) -> None:
    """Codes, card numbers, campaign ids, accounts and credentials all differ."""
    import yaml

    from conformance.reference import PROFILE_PATH, SEED_PATH

    seed_path, profile_path = other_data_set(tmp_path)
    reference = SEED_PATH.read_text(encoding="utf-8")
    ours = yaml.safe_load(profile_path.read_text(encoding="utf-8"))
    theirs = yaml.safe_load(PROFILE_PATH.read_text(encoding="utf-8"))
    assert ours["credentials"]["user_id"] != theirs["credentials"]["user_id"]
    assert ours["credentials"]["user_password"] not in reference
    assert {a["account_id"] for a in ours["accounts"]}.isdisjoint(a["account_id"] for a in theirs["accounts"])
    seed = yaml.safe_load(seed_path.read_text(encoding="utf-8"))
    campaign_ids = [c["campaign_id"] for a in seed["accounts"] for c in a["campaigns"]]
    assert campaign_ids and not any(i in reference for i in campaign_ids)
    names = [c["first_name"] for a in seed["accounts"] for c in a["customers"]]
    assert names and not any(f"first_name: {n}\n" in reference for n in names)


def test_gzip_variant_answers_plain_to_a_client_that_does_not_accept_gzip(tmp_path: Path) -> None:
    with serve("gzip", tmp_path) as (url, profile):
        plain = requests.post(url, data=witness_fields(profile), headers={"Accept-Encoding": "identity"}, timeout=10)
        packed = requests.post(url, data=witness_fields(profile), timeout=10, stream=True)
        raw = packed.raw.read(decode_content=False)
    assert "Content-Encoding" not in plain.headers and plain.content.startswith(b"<?xml")
    assert gzip.decompress(raw) == plain.content


# -- format-only variants: the other format's answers are the reference's, byte for byte ----
def _sample_requests() -> list[dict[str, str]]:
    """Every customer of the reference's profile (by each identifier it has) in each format,
    with and without the options that shape a document; an unknown code, a wrong password
    and a missing identifier in each format."""
    import yaml

    from conformance.reference import PROFILE_PATH

    profile = yaml.safe_load(PROFILE_PATH.read_text(encoding="utf-8"))
    credentials = {
        "user_id": profile["credentials"]["user_id"],
        "user_password": profile["credentials"]["user_password"],
        "type": "customer_info",
    }
    formats: list[dict[str, str]] = [
        {},
        {"output": "XML"},
        {"output": "JSON"},
        {"output": "json", "condensed": "yes"},
        {"callback": "conformanceCallback"},
        {"output": "JSON", "callback": "conformanceCallback"},
    ]
    shapes: list[dict[str, str]] = [
        {},
        {"include_balances": "N", "hide_custom_field": "Y"},
        {"show_only_belong_to": "Y"},
    ]
    lookups: list[dict[str, str]] = []
    for account in profile["accounts"]:
        for customer in account["customers"]:
            for field in ("code", "card_number"):
                if customer.get(field) is not None:
                    lookups.append({"account_id": account["account_id"], field: str(customer[field])})
    first = profile["accounts"][0]["account_id"]
    requests_ = [{**credentials, **lookup, **fmt, **shape} for lookup in lookups for fmt in formats for shape in shapes]
    for fmt in formats:
        requests_ += [
            {**credentials, "account_id": first, "code": "99999999999999", **fmt},
            {**credentials, "account_id": first, "code": "1", "user_password": "wrong", **fmt},
            {**credentials, "account_id": first, **fmt},
        ]
    return requests_


def _is_json_answer(fields: dict[str, str]) -> bool:
    return fields.get("output", "").lower() == "json" or "callback" in fields


@pytest.mark.parametrize("name", [n for n in VARIANTS if format_only(n)])
def test_a_format_only_variant_leaves_the_other_format_untouched(name: str) -> None:
    """The premise of FORMAT_SCOPES: every answer of the other format is the reference's
    (status, headers, body), and some answer of its own format is not."""
    from conformance.reference.sandbox.middleware import FaultyApp
    from conformance.reference.sandbox.variants import combine

    changes_json = format_only(name) == "json"
    reference, variant = Client(FaultyApp(None)), Client(FaultyApp(combine([name])))
    changed_own = 0
    for fields in _sample_requests():
        mine, theirs = variant.post("/api.php", data=fields), reference.post("/api.php", data=fields)
        seen = (mine.status_code, sorted(mine.headers.items()), mine.get_data())
        expected = (theirs.status_code, sorted(theirs.headers.items()), theirs.get_data())
        if _is_json_answer(fields) == changes_json:
            changed_own += seen != expected
        else:
            assert seen == expected, f"{name} changed a {'XML' if changes_json else 'JSON'} answer: {fields}"
    assert changed_own, f"{name} changed no answer of its own format: it proves nothing"


# -- transport-only variants: the answers, as the client reads them, are the reference's ----
def _as_read(answer: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """What the harness's client gives the checks: the status, the headers but the
    transport ones, the body decoded (urllib3 undoes Content-Encoding: gzip)."""
    body = answer.get_data()
    if answer.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    headers = sorted((k.lower(), v) for k, v in answer.headers.items() if k.lower() not in TRANSPORT_HEADERS)
    return answer.status_code, headers, body


WIRE = {"Accept-Encoding": "gzip, deflate"}  # what urllib3 sends: a gzip variant compresses


def _reads_as_the_reference(name: str, reference: list[tuple[int, list[tuple[str, str]], bytes]]) -> bool:
    from conformance.reference.sandbox.middleware import FaultyApp
    from conformance.reference.sandbox.variants import combine

    variant = Client(FaultyApp(combine([name])))
    return all(
        _as_read(variant.post("/api.php", data=fields, headers=WIRE)) == expected
        for fields, expected in zip(_sample_requests(), reference, strict=True)
    )


def test_a_transport_only_variant_reads_as_the_reference() -> None:
    """The premise of TRANSPORT_SCOPE, and the list itself: exactly the variants in
    TRANSPORT_ONLY answer every sample request (every customer by each identifier, each
    format, the options that shape a document, errors) with the reference's exchange as
    the client reads it; every other variant (but the other data set, which answers
    other requests) changes some answer the checks read."""
    from conformance.reference.sandbox.middleware import FaultyApp

    plain = Client(FaultyApp(None))
    reference = [_as_read(plain.post("/api.php", data=fields, headers=WIRE)) for fields in _sample_requests()]
    reading_alike = {n for n in VARIANTS if not VARIANTS[n].data_set and _reads_as_the_reference(n, reference)}
    assert reading_alike == set(TRANSPORT_ONLY), reading_alike ^ set(TRANSPORT_ONLY)
