"""Text that came from a target stays text in every HTML the harness writes.

Each producer (the summary, the comparison, the stop page, the request/response extras,
the run-lines fallback, the title html_finish writes) is fed markup and script where a
target's text can reach it, and rendered twice: once with PAYLOAD, once with BENIGN
in the same places. Markup that became markup adds elements or attributes, so the two
pages must have the same element structure, and PAYLOAD must be in the page's text.
With autoescape turned off the same comparison must find the injection (so this test
can fail). Then a real run against a target whose answers carry PAYLOAD, and a run
stopped by a target whose error text is PAYLOAD, are read with lxml and opened in
Chromium with scripts on (pytest-html's script inserts the extras and logs as HTML):
no script of the target's ran.

No markup is built in Python either: a scan of conformance/ finds no html.escape and no
string literal holding a tag (the templates in conformance/templates/ hold them).
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from conformance import html_finish, html_summary, stop_files, templating
from conformance.certificate import RunFacts, build_certificate
from conformance.reference import PROFILE_PATH
from conformance.requirements import catalogue
from tests.targets import run_suite, serve

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium")

# Each of these, were it markup, would add an element or an attribute, or run script.
PAYLOAD = (
    "<script>document.body.setAttribute('data-pwned','script')</script>"
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','img')\">"
    '"><b>bold</b>'
)
BENIGN = "plain-text-marker"


# -- the comparison -------------------------------------------------------------------------
def parsed(page: str) -> lxml.html.HtmlElement:
    """A whole page (the stop page) or a fragment (the others), parsed."""
    return (
        lxml.html.document_fromstring(page)
        if page.lstrip().startswith("<!")
        else lxml.html.fromstring(f"<div>{page}</div>")
    )


def structure(page: str) -> list[tuple[str, tuple[str, ...]]]:
    """Every element of the page in order: its tag and its attributes' names."""
    return [(str(e.tag), tuple(sorted(e.attrib))) for e in parsed(page).iter() if isinstance(e.tag, str)]


def injected(hostile: str, benign: str) -> list[str]:
    """What PAYLOAD did to the page that BENIGN did not: an element or attribute more, or
    PAYLOAD missing from the text (dropped, or taken as markup)."""
    problems = []
    if structure(hostile) != structure(benign):
        extra = sorted(set(structure(hostile)) - set(structure(benign)))
        problems.append(f"the element structure differs: {extra[:5]}")
    if PAYLOAD not in parsed(hostile).text_content():
        problems.append("PAYLOAD is not in the page's text")
    return problems


# -- the producers, each fed ``marker`` wherever a target's text can reach it ------------------
# Strings the code branches on or parses (and requirement ids, the catalogue's own).
_STRUCTURAL = {"verdict", "severity", "evidence", "outcome", "started", "finished", "combinations", "requirements"}


def marked(value: Any, marker: str, key: str = "") -> Any:
    """``value`` with ``marker`` appended to every string but those the code branches on."""
    if isinstance(value, str):
        return value if key in _STRUCTURAL else value + marker
    if isinstance(value, dict):
        return {k: marked(v, marker, k) for k, v in value.items()}
    if isinstance(value, list):
        return [marked(v, marker, key) for v in value]
    return value


def _certificate() -> dict[str, Any]:
    """A certificate with every kind of row: failing (with a baseline), passing,
    not exercised, unspecified notes, a data set statement, a selection."""
    from datetime import datetime, timezone

    testable = [r for r, q in catalogue().items() if not q.untestable]
    records = [
        {
            "id": "case-a",
            "kind": "case",
            "areas": ["answers"],
            "exercised": sorted(testable[:-1]),
            "failed": [testable[0]],
            "expected_data": [testable[1]],
            "not_applicable": [[testable[-1], "no BuyX campaign in the answer"]],
            "errors": [],
            "notes": [["unspecified", "probe_recorded", "a probe: the target answered X"], ["warning", "w", "t"]],
        }
    ]
    facts = RunFacts(
        target_url="https://target.example/api.php", embedded=False, profile_path="profile.yaml",
        profile_sha256="0" * 64, encoding="form", combinations="all",
        started=datetime(2026, 1, 1, tzinfo=timezone.utc), finished=datetime(2026, 1, 1, 0, 1, tzinfo=timezone.utc),
        collected=2, generated=2, outcomes={"a": "failed", "b": "baselined"}, selection=["--cases 'x'"],
        baseline={"file": "baseline.yaml", "hidden": [{"requirement": testable[0], "case": "case-a"}],
                  "fixed": [{"requirement": testable[1], "case": "case-b"}], "not_run": []},
    )  # fmt: skip
    certificate = build_certificate(records, facts)
    certificate["dataset"] = {"name": "d", "version": "1", "sha256": "0" * 64, "statement": "run on d; not certified"}
    return certificate


def summary_page(marker: str) -> str:
    certificate = marked(_certificate(), marker)
    failing = next(r for r, e in certificate["requirements"].items() if e["verdict"] == "fail")
    failure = {
        "nodeid": f"customer_info/answers::{failing}[scope]",
        "outcome": "failed",
        "requirements": [failing],
        "scope": "scope",
        "secondary_to": None,
        "message": "first line\nGot: the target said",
        "exchange": {"curl": "curl -sS https://target.example/api.php", "response": "HTTP 200\n\n<response/>"},
    }
    other = {**failure, "nodeid": "customer_info/answers::X[other]", "scope": "other", "exchange": None}
    harness_error = {**other, "nodeid": "customer_info/answers::Y[s]", "requirements": []}
    seen = [{"severity": "unspecified", "check": "probe_recorded", "title": "a probe: the target answered X",
             "unit": "case-a", "where": "/customer", "curl": "curl -sS x"}]  # fmt: skip
    return html_summary.summary_html(
        certificate,
        marked([failure, other, harness_error], marker, ""),
        marked(["requests sent: 3 (form)", "target: t"], marker),
        marked(seen, marker),
        marked({"certificate.json": "certificate.json", "junit.xml": "junit.xml"}, marker),
    )


def comparison_page(marker: str) -> str:
    differences = [{"id": "case-a", "summary": "first_name differs", "target": "{}", "compared": "{}", "diff": "-a"}]
    return html_summary.comparison_html("https://other.example/" + marker, 3, 1, marked(differences, marker))


def stop_page(marker: str) -> str:
    return stop_files.stop_html(
        "the smoke request was refused: " + marker, "incomplete", "https://t.example/" + marker,
        "profile.yaml" + marker, Path("reports") / "certificate.json", None,
    )  # fmt: skip


def extras_page(marker: str) -> str:
    # What plugin/reporting.py hands pytest-html for a failing item's row.
    return templating.macro("extras.html", "request", "curl " + marker) + templating.macro(
        "extras.html", "response", "HTTP 200\n\n" + marker
    )


def run_lines_page(marker: str) -> str:
    return templating.macro("extras.html", "run_lines", ["target: " + marker, "requests sent: 1"])


def finished_page(marker: str) -> str:
    page = '<title id="head-title">r</title><h1 id="title">r</h1><div id="data-container" data-jsonblob="{}"></div>'
    return html_finish.finish_text(page, "conformance: " + marker)


PRODUCERS: dict[str, Callable[[str], str]] = {
    "summary": summary_page,
    "comparison": comparison_page,
    "stop page": stop_page,
    "extras": extras_page,
    "run lines": run_lines_page,
    "title": finished_page,
}


@pytest.mark.parametrize("producer", PRODUCERS)
def test_target_text_stays_text(producer: str) -> None:
    render = PRODUCERS[producer]
    assert injected(render(PAYLOAD), render(BENIGN)) == []


@pytest.fixture
def autoescape_off(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(templating, "ENV", templating.environment(autoescape=False))
    yield


@pytest.mark.parametrize("producer", PRODUCERS)
def test_without_autoescape_the_comparison_finds_the_injection(producer: str, autoescape_off: None) -> None:
    """The check above fails when autoescape is off: every producer renders through it."""
    render = PRODUCERS[producer]
    assert injected(render(PAYLOAD), render(BENIGN)), f"{producer}: markup went through unseen with autoescape off"


def test_every_value_of_the_crafted_certificate_reaches_the_summary() -> None:
    """The marker reaches every text the summary shows of the certificate (a field left
    out of the crafted one would be a place never fed PAYLOAD)."""
    page = lxml.html.fromstring(f"<div>{summary_page(BENIGN)}</div>")
    for sid in ("verdict", "run", "matrix", "failures", "notes"):
        (found,) = page.xpath(f'//section[@id="conformance-{sid}"]')
        assert BENIGN in found.text_content(), sid


# -- no markup outside the templates ----------------------------------------------------------
_HTML_TAGS = (
    "html|head|body|title|meta|link|style|script|img|div|span|p|a|b|i|u|em|strong|small|code|pre|br|hr"
    "|ul|ol|li|dl|dt|dd|table|thead|tbody|tr|th|td|section|article|details|summary|h[1-6]|footer"
)
_HTML_TAG = re.compile(rf"<\s*/?\s*(?:{_HTML_TAGS})\b[^<>]*>", re.IGNORECASE)
# What may hold an HTML tag or call escape() without writing markup, and why.
_NOT_MARKUP = [
    ("access.py", "'<script>alert(1)</script>'", "a hostile callback the harness sends to a target"),
    ("secret.py", "html.escape()", "the password's HTML-escaped forms, found to be redacted: writes no markup"),
    ("secret.py", "markupsafe.escape()", "the password as the templates escape it, found to be redacted"),
]


def markup_in_python() -> list[str]:
    """Where conformance/'s Python escapes HTML or holds an HTML tag in a string literal:
    each one markup built outside a template. reference/ is the server under test (it
    writes XML answers, and its faults an HTML error page on purpose), not a report."""
    found = []
    package = ROOT / "conformance"
    for path in sorted(package.rglob("*.py")):
        where = path.relative_to(package).as_posix()
        if where.startswith("reference/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # A regular expression finds markup (html_finish's, in pytest-html's page); it writes none.
        patterns = {
            id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call) and _called(node).startswith("re.")
            for arg in node.args[:1]
        }  # fmt: skip
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _HTML_TAG.search(node.value)
                and id(node) not in patterns
            ):
                found.append(f"{where}: {node.value[:60]!r}")
            if isinstance(node, ast.Call) and _called(node) in ("escape", "html.escape", "markupsafe.escape"):
                found.append(f"{where}: {_called(node)}()")
    allowed = {f"{where}: {what}" for where, what, _ in _NOT_MARKUP}
    return [f for f in found if f not in allowed]


def _called(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return f"{func.value.id}.{func.attr}"
    return ""


def test_no_markup_is_built_in_python() -> None:
    assert markup_in_python() == []


def test_the_markup_scan_finds_markup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The scan above sees an f-string with a tag and a call of escape() (the summary's
    code before its template)."""
    package = tmp_path / "conformance"
    package.mkdir()
    (package / "summary.py").write_text(
        'from html import escape\n\n\ndef f(x):\n    return f"<li>{escape(x)}</li>"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert sorted(markup_in_python()) == ["summary.py: '</li>'", "summary.py: '<li>'", "summary.py: escape()"]


# -- real runs, read with lxml and opened in a browser ----------------------------------------
def carry_payload(body: bytes) -> bytes:
    """Every customer's first_name is PAYLOAD, written as XML text or a JSON string."""
    xml = PAYLOAD.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()
    body = re.sub(rb"<first_name>[^<]*</first_name>", b"<first_name>" + xml + b"</first_name>", body)
    return re.sub(rb'"first_name": ?"[^"]*"', b'"first_name":' + json.dumps(PAYLOAD).encode(), body)


def refuse_with_payload(body: bytes) -> bytes:
    """Every request refused with an error envelope whose text is PAYLOAD."""
    xml = PAYLOAD.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<response status="error"><error>{xml}</error></response>'.encode()


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """report.html of a run whose answers carry PAYLOAD, compared with the reference."""
    tmp_path = tmp_path_factory.mktemp("hostile")
    with serve(carry_payload) as url, serve(None) as reference:
        done = run_suite(
            tmp_path, "--combinations", "pairwise", "--report-dir", "out",
            "--cases", "kind=answer and account=greatwidgets and customer=89898989898989 and by=code",
            "--target-url", url, "--target-profile", str(PROFILE_PATH),
            "--compare-url", reference, "--compare-profile", str(PROFILE_PATH),
        )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:]
    return tmp_path / "out" / "report.html"


@pytest.fixture(scope="module")
def stopped_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """report.html of a run stopped at its smoke request, refused with PAYLOAD as the error."""
    tmp_path = tmp_path_factory.mktemp("stopped")
    with serve(refuse_with_payload) as url:
        done = run_suite(
            tmp_path, "--report-dir", "out", "--target-url", url, "--target-profile", str(PROFILE_PATH)
        )  # fmt: skip
    assert done.returncode == 4, done.stdout[-3000:] + done.stderr[-3000:]
    return tmp_path / "out" / "report.html"


def no_target_markup(page: str) -> list[str]:
    """PAYLOAD's elements and attributes nowhere in the page (pytest-html's own one script
    aside), in the page itself and in the HTML pytest-html's script inserts (its data:
    the extras and logs of the results table)."""
    problems = []
    fragments = [page]
    root = lxml.html.document_fromstring(page)
    blob = root.xpath('//*[@id="data-container"]/@data-jsonblob')
    if blob:
        for entries in json.loads(blob[0])["tests"].values():
            for entry in entries:
                fragments += [entry.get("log", "")] + [e.get("content", "") for e in entry.get("extras", [])]
                fragments += entry.get("resultsTableRow", [])
    for n, fragment in enumerate(fragments):
        tree = lxml.html.document_fromstring(fragment) if n == 0 else lxml.html.fromstring(f"<div>{fragment}</div>")
        scripts = [s for s in tree.iter("script") if "setAttribute('data-pwned'" in (s.text or "")]
        if scripts or tree.xpath("//*[@onerror]") or [b for b in tree.iter("b") if b.text_content() == "bold"]:
            problems.append(f"fragment {n}: the target's markup became markup")
    return problems


def test_a_hostile_targets_text_stays_text_in_the_report(hostile_run: Path) -> None:
    page = hostile_run.read_text(encoding="utf-8")
    assert no_target_markup(page) == []
    text = lxml.html.document_fromstring(page).text_content()
    # The payload was there to be shown: in a failure (the profile's first name differs),
    # in the response and in the comparison's documents.
    assert text.count(PAYLOAD) >= 3, text.count(PAYLOAD)
    assert lxml.html.document_fromstring(page).xpath('//section[@id="conformance-comparison"]')


def test_a_hostile_refusal_stays_text_in_the_stop_page(stopped_run: Path) -> None:
    page = stopped_run.read_text(encoding="utf-8")
    assert no_target_markup(page) == []
    assert shown(lxml.html.document_fromstring(page).text_content())


def shown(text: str) -> bool:
    """PAYLOAD in the text as the target sent it (the stop page quotes an error's text
    with repr(): the payload has both kinds of quote)."""
    return PAYLOAD in text or repr(PAYLOAD) in text


def rendered_by_chromium(page: Path) -> str:
    """The page's DOM once Chromium has loaded it with scripts on and they have run."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "</html>" in done.stdout, done.stderr[-2000:]
    return done.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium package is not installed")
@pytest.mark.parametrize("run", ["hostile_run", "stopped_run"])
def test_no_script_of_the_target_runs_in_a_browser(run: str, request: pytest.FixtureRequest) -> None:
    page: Path = request.getfixturevalue(run)
    dom = rendered_by_chromium(page)
    # The payload's script and onerror handler would set this attribute on <body>.
    assert not re.search(r"<body[^>]*data-pwned", dom), re.search(r"<body[^>]*>", dom)
    root = lxml.html.document_fromstring(dom)
    assert not root.xpath("//*[@onerror]") and not [b for b in root.iter("b") if b.text_content() == "bold"]
    assert shown(root.text_content())
    if run == "hostile_run":
        # pytest-html's script drew its table, with the failing rows' extras and logs.
        assert root.xpath('//*[@id="results-table"]//tbody[contains(@class, "failed")]')


def test_autoescape_is_on_for_every_template() -> None:
    env = templating.ENV
    names = env.list_templates()
    assert {"summary.html", "stop.html", "extras.html", "style.html", "finish.html"} <= set(names), names
    assert env.autoescape is True
