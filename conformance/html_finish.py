"""The last touch on pytest-html's report.html, once pytest-html has written it.

Three things pytest-html cannot be told through its hooks:

- The title: its page title and heading are set at the start of the session, before the
  target is known; here they name the call and the target (``html_summary.title``).
- Its data blob (``data-jsonblob``, the JSON its script turns into the results table)
  holds an entry for every item that ran, even the passing ones whose rows were dropped
  (pytest-html adds an empty list per item when it reads the teardown's log). Here the
  blob keeps only the first items that did not pass (``TABLE_ROWS_KEPT``); the passing
  ones are counted in pytest-html's totals and in the summary's matrix, and the
  certificate says what each requirement's verdict rests on.
- Its environment table (Python, platform, packages, plugins) comes first in the page
  and took the first screen (about 700 px at 1280x800) before the verdict; it is moved to
  the end, after the results table, so the first screen is the verdict's.

The file is edited as text, not through pytest-html's internals; if its layout ever
changes, the report is left as pytest-html wrote it (bigger, nothing lost).
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

from conformance.html_summary import TABLE_ROWS_KEPT, title
from conformance.templating import macro

_BLOB = re.compile(r'data-jsonblob="([^"]*)"')
# pytest-html's environment heading and its table (its script fills the table in).
_ENVIRONMENT = re.compile(
    r'[ \t]*<div id="environment-header">\s*<h2>Environment</h2>\s*</div>\s*<table id="environment"></table>\n?'
)
_FOOTER = re.compile(r"<footer>")  # pytest-html writes one, after its results table
_TITLES = (
    re.compile(r'(<title id="head-title">)(.*?)(</title>)', re.S),
    re.compile(r'(<h1 id="title">)(.*?)(</h1>)', re.S),
)


def _passed_only(entries: list[dict[str, Any]]) -> bool:
    """An item with no row, or with only passing rows: nothing for the table to show."""
    return all(str(e.get("result", "")).lower() == "passed" for e in entries)


def compact_blob(data: dict[str, Any]) -> int:
    """Drops from pytest-html's data the tests that have nothing to show, and those that
    did not pass beyond the first TABLE_ROWS_KEPT (in the order they ran); returns how many."""
    tests = data.get("tests")
    if not isinstance(tests, dict):
        return 0
    passed = {nodeid for nodeid, entries in tests.items() if isinstance(entries, list) and _passed_only(entries)}
    dropped = list(passed) + [nodeid for nodeid in tests if nodeid not in passed][TABLE_ROWS_KEPT:]
    for nodeid in dropped:
        del tests[nodeid]
    return len(dropped)


def environment_last(text: str) -> str:
    """pytest-html's environment heading and table moved from the top of the page to just
    before its footer (after the results table); the text unchanged if either is missing."""
    found = _ENVIRONMENT.search(text)
    footers = list(_FOOTER.finditer(text))
    if found is None or len(footers) != 1 or footers[0].start() < found.end():
        return text
    at = footers[0].start() - len(found.group(0))
    moved = text[: found.start()] + text[found.end() :]
    return moved[:at] + found.group(0) + moved[at:]


def finish_text(text: str, page_title: str) -> str:
    """The report's text with its title set, its environment table moved last and its
    data blob compacted."""
    for pattern in _TITLES:
        text = pattern.sub(lambda m: m.group(1) + macro("finish.html", "text", page_title) + m.group(3), text, count=1)
    text = environment_last(text)
    found = _BLOB.search(text)
    if found is None:
        return text
    try:
        data = json.loads(unescape(found.group(1)))
    except ValueError:
        return text
    if not isinstance(data, dict):
        return text
    compact_blob(data)
    data["title"] = page_title
    blob = macro("finish.html", "text", json.dumps(data, separators=(",", ":")))
    return text[: found.start(1)] + blob + text[found.end(1) :]


def finish_report(path: Path, certificate: dict[str, Any]) -> None:
    """Rewrites pytest-html's report.html at ``path`` in place (if it was written)."""
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    path.write_text(finish_text(text, title(certificate)), encoding="utf-8")
