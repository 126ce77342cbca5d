"""The last touch on pytest-html's report.html, once pytest-html has written it.

Two things pytest-html cannot be told through its hooks:

- The title: its page title and heading are set at the start of the session, before the
  target is known; here they name the call and the target (``html_summary.title``).
- Its data blob (``data-jsonblob``, the JSON its script turns into the results table)
  holds an entry for every item that ran, even the passing ones whose rows were dropped
  (pytest-html adds an empty list per item when it reads the teardown's log). Here the
  blob keeps only the first items that did not pass (``TABLE_ROWS_KEPT``); the passing
  ones are counted in pytest-html's totals and in the summary's matrix, and the
  certificate says what each requirement's verdict rests on.

The file is edited as text, not through pytest-html's internals; if its layout ever
changes, the report is left as pytest-html wrote it (bigger, nothing lost).
"""

from __future__ import annotations

import json
import re
from html import escape, unescape
from pathlib import Path
from typing import Any

from conformance.html_summary import TABLE_ROWS_KEPT, title

_BLOB = re.compile(r'data-jsonblob="([^"]*)"')
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


def finish_text(text: str, page_title: str) -> str:
    """The report's text with its title set and its data blob compacted."""
    for pattern in _TITLES:
        text = pattern.sub(lambda m: m.group(1) + escape(page_title) + m.group(3), text, count=1)
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
    blob = escape(json.dumps(data, separators=(",", ":")), quote=True)
    return text[: found.start(1)] + blob + text[found.end(1) :]


def finish_report(path: Path, certificate: dict[str, Any]) -> None:
    """Rewrites pytest-html's report.html at ``path`` in place (if it was written)."""
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    path.write_text(finish_text(text, title(certificate)), encoding="utf-8")
