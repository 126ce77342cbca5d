"""Known failures (``--baseline FILE``): listed failures do not fail the run.

The file is YAML (or JSON, which YAML reads too)::

    known_failures:
      - requirement: NOTE-ALL-FIELDS
        case: "acct-1-ada-by:code-output:JSON"   # the item id, as in the report
        reason: "ticket LOY-123"                   # optional, for people

An item whose every failed requirement is listed for it is reported as ``xfail``
(its message stays in the report); an item with any unlisted failure fails as usual.
A listed pair whose item ran and no longer fails that requirement is reported as
fixed, so the file shrinks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance import yamlfile
from conformance.requirements import catalogue

EXAMPLE = "known_failures: [{requirement: NOTE-ALL-FIELDS, case: <item id from the report>}]"


class BaselineError(Exception):
    """The baseline file cannot be used; the message names the file and the fix."""


@dataclass(frozen=True)
class Baseline:
    path: Path
    entries: frozenset[tuple[str, str]]  # (requirement id, item id)

    def hides(self, item_id: str, failed: list[str]) -> bool:
        """True when every failed requirement of the item is a listed failure."""
        return bool(failed) and all((r, item_id) in self.entries for r in failed)

    def outcome(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """hidden / fixed / not_run, for the certificate and the terminal summary."""
        ran = {record["id"]: record for record in records}
        hidden, fixed, not_run = [], [], []
        for requirement, item_id in sorted(self.entries, key=lambda e: (e[1], e[0])):
            entry = {"requirement": requirement, "case": item_id}
            record = ran.get(item_id)
            if record is None:
                not_run.append(entry)
            elif requirement in record["failed"]:
                hidden.append(entry)
            else:
                fixed.append(entry)
        return {"file": str(self.path), "hidden": hidden, "fixed": fixed, "not_run": not_run}


def load_baseline(path: Path) -> Baseline:
    where = f"--baseline {path}"
    try:
        data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{where}: no such file. Give a YAML file like: {EXAMPLE}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{where} cannot be read ({exc}). Give a readable UTF-8 YAML or JSON file.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise BaselineError(f"{where} is not valid YAML{line}. Write it like: {EXAMPLE}") from None
    if not isinstance(data, dict) or not isinstance(data.get("known_failures"), list):
        raise BaselineError(f"{where} needs a top-level 'known_failures' list, like: {EXAMPLE}")
    known = catalogue()
    entries = set()
    for number, entry in enumerate(data["known_failures"], 1):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("requirement"), str)
            or not isinstance(entry.get("case"), str)
        ):
            raise BaselineError(
                f"{where}: known_failures entry {number} needs 'requirement' and 'case' strings, like: {EXAMPLE}"
            )
        if entry["requirement"] not in known:
            raise BaselineError(
                f"{where}: known_failures entry {number} names {entry['requirement']!r}, "
                "which is no requirement id; copy the id from the report or certificate.json"
            )
        entries.add((entry["requirement"], entry["case"]))
    return Baseline(path, frozenset(entries))
