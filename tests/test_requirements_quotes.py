"""The requirement catalogue quotes the document, exactly, under stable ids."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from conformance.requirements import CATALOGUE_PATH, catalogue, fold_document_text, requirement
from tests.spec import DOCUMENT

ID_PATTERN = re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*")
KEYS = {"id", "section", "area", "quote", "untestable", "checks"}

ENTRIES: list[dict[str, Any]] = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))


def entry_id(entry: dict[str, Any]) -> str:
    return str(entry.get("id"))


@pytest.fixture(scope="module")
def folded_document() -> str:
    return fold_document_text(DOCUMENT.read_text(encoding="utf-8"))


def test_catalogue_is_a_nonempty_list() -> None:
    assert isinstance(ENTRIES, list) and len(ENTRIES) >= 20
    assert len(catalogue()) == len(ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
def test_quote_occurs_in_the_document(folded_document: str, entry: dict[str, Any]) -> None:
    quote = " ".join(str(entry["quote"]).split())
    assert quote, f"{entry['id']}: empty quote"
    assert quote in folded_document, f"{entry['id']}: quote not found in {DOCUMENT.name}: {quote!r}"


def test_a_misquote_is_not_found(folded_document: str) -> None:
    # The check above can fail: one changed word is not in the document.
    assert "Retrieves a customer's information and campaigns' balances." in folded_document
    assert "Retrieves a customer's information and campaign balances." not in folded_document


def test_fold_joins_numbered_example_lines() -> None:
    text = (
        '  1. <response status="error">\n  2. <error>Error message</error>\n  '
        "3. </response>\n  \u2022 Either 'code' or\n  'card_number' must be passed."
    )
    folded = fold_document_text(text)
    assert '<response status="error"> <error>Error message</error> </response>' in folded
    assert "Either 'code' or 'card_number' must be passed." in folded
    assert "1." not in folded and "\u2022" not in folded


def test_ids_are_unique() -> None:
    ids = [entry_id(e) for e in ENTRIES]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"listed more than once: {duplicates}"


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_id)
def test_entry_is_well_formed(entry: dict[str, Any]) -> None:
    assert set(entry) <= KEYS, f"unknown keys {sorted(set(entry) - KEYS)}"
    assert {"id", "section", "quote"} <= set(entry)
    assert isinstance(entry["id"], str) and ID_PATTERN.fullmatch(entry["id"]), f"not UPPER-KEBAB-CASE: {entry['id']!r}"
    assert isinstance(entry["section"], str) and entry["section"].strip()
    assert isinstance(entry["quote"], str)
    if "untestable" in entry:
        assert isinstance(entry["untestable"], str) and entry["untestable"].strip(), (
            f"{entry['id']}: untestable without a reason"
        )


def test_id_pattern_rejects_other_cases() -> None:
    for bad in (
        "call-retrieves",
        "Call-Retrieves",
        "CALL_RETRIEVES",
        "CALL--RETRIEVES",
        "-CALL",
        "CALL-",
        "CALL RETRIEVES",
    ):
        assert not ID_PATTERN.fullmatch(bad), bad
    assert ID_PATTERN.fullmatch("NOTE-CODE-OR-CARD")


def test_lookup_by_id() -> None:
    assert requirement("NOTE-CODE-OR-CARD").quote == "Either 'code' or 'card_number' must be passed."
    with pytest.raises(KeyError, match="unknown requirement id"):
        requirement("NO-SUCH-ID")
