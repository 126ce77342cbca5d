"""The requirement catalogue: id -> the sentence of the document it enforces."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from conformance import yamlfile

CATALOGUE_PATH = Path(__file__).with_name("requirements.yaml")
# The parts of the call a requirement is about, in the order a reader meets them.
AREAS = {
    "request": "what the request must carry and how the customer is identified",
    "access": "required fields, credentials and account scope",
    "formats": "XML, JSON, JSONP and condensed output",
    "filters": "include_balances, campaign_id, hide_custom_field and show_only_belong_to",
    "answers": "the success answer's fields and values",
    "buyx": "BuyX campaigns' numbers",
    "coalition": "coalition accounts' balances and campaigns",
    "envelopes": "the no_match and error envelopes",
}


@dataclass(frozen=True)
class Requirement:
    id: str
    section: str
    quote: str
    area: str  # one of AREAS: the pytest marker and JUnit classname of the requirement's items
    untestable: str | None = None
    checks: str | None = None  # what is checked, where that is less than the sentence says


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Requirement]:
    entries = yamlfile.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    result: dict[str, Requirement] = {}
    for entry in entries:
        requirement = Requirement(**entry)
        if requirement.area not in AREAS:
            raise ValueError(
                f"{CATALOGUE_PATH}: {requirement.id} has area {requirement.area!r}, not one of {sorted(AREAS)}"
            )
        if requirement.id in result:
            raise ValueError(f"{CATALOGUE_PATH}: requirement id {requirement.id} is listed twice")
        result[requirement.id] = requirement
    return result


def requirement(requirement_id: str) -> Requirement:
    try:
        return catalogue()[requirement_id]
    except KeyError:
        raise KeyError(f"unknown requirement id {requirement_id!r}: add it to {CATALOGUE_PATH.name}") from None


def fold_document_text(text: str) -> str:
    """The document's text as one line: list numbers and bullets dropped, spaces folded.

    Quotes in the catalogue are compared against this, so a quote may span the
    numbered lines of an example.
    """
    text = re.sub(r"(?m)^\s*(?:\d+\.|•)\s", " ", text)
    return " ".join(text.split())
