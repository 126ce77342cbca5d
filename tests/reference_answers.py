"""Real answers of the embedded reference implementation, and how to judge one answer.

Shared by the property-based tests (tests/test_legal_variations.py,
tests/test_checks_never_crash.py): each sample is a case of the matrix (a
conformance.cases.Case) and the bytes the reference answered for it, fetched once per
process through the WSGI app (no server, no socket).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml
from werkzeug.test import Client

from conformance.cases import Case
from conformance.checks import Finding, Observation, run_checks
from conformance.client import Exchange, Request
from conformance.parse import parse_answer
from conformance.profile import Customer
from conformance.reference import PROFILE_PATH, make_app
from conformance.secret import PLACEHOLDER

URL = "http://127.0.0.1/api.php"
_PROFILE = yaml.safe_load(PROFILE_PATH.read_text(encoding="utf-8"))
USER_ID = _PROFILE["credentials"]["user_id"]
PASSWORD = _PROFILE["credentials"]["user_password"]

JOHN = Customer("89898989898989", "1212121212")  # greatwidgets and coaldemo: has a BuyX campaign in greatwidgets
JANE = Customer("70707070707070", "3434343434")
CODE_ONLY = Customer("56565656565656", None)
CARD_IS_A_CODE = Customer("34343434343434", "56565656565656")
COALITION_OTHER = Customer("45454545454545", "6767676767")
BUYX_CAMPAIGN = "3456789012345678"  # John's BuyX campaign in greatwidgets
COALITION_CAMPAIGN = "0123456123456789"

JSON = (("output", "JSON"),)
JSONP = (("output", "JSON"), ("callback", "conformanceCallback"))

# (account, coalition?, customer, identifier, options, campaign): XML, JSON, JSONP and
# condensed; customers with a BuyX campaign and coalition customers; filters; no_match
# and error answers.
CASES: tuple[Case, ...] = (
    Case("greatwidgets", False, JOHN, "code"),
    Case("greatwidgets", False, JOHN, "card_number", (("output", "XML"), ("hide_custom_field", "Y"))),
    Case("greatwidgets", False, JOHN, "both", (("include_balances", "N"),)),
    Case("greatwidgets", False, JOHN, "code", (("campaign_id", "each"),), campaign=BUYX_CAMPAIGN),
    Case("greatwidgets", False, JOHN, "code", (("condensed", "yes"),)),
    Case("greatwidgets", False, JANE, "code"),
    Case("greatwidgets", False, CODE_ONLY, "code"),
    Case("coaldemo", True, JOHN, "code"),
    Case("coaldemo", True, COALITION_OTHER, "card_number", (("show_only_belong_to", "Y"),)),
    Case("greatwidgets", False, None, "unknown_code"),
    Case("greatwidgets", False, None, "neither"),
    Case("greatwidgets", False, JOHN, "code", JSON),
    Case("greatwidgets", False, JOHN, "code", (("output", "json"),)),
    Case("greatwidgets", False, JOHN, "card_number", JSON + (("condensed", "yes"),)),
    Case("greatwidgets", False, JOHN, "code", JSONP),
    Case("greatwidgets", False, JOHN, "code", JSONP + (("condensed", "yes"),)),
    Case("greatwidgets", False, CARD_IS_A_CODE, "code", JSON),
    Case("greatwidgets", False, JOHN, "code", JSON + (("campaign_id", "each"),), campaign=BUYX_CAMPAIGN),
    Case("coaldemo", True, COALITION_OTHER, "code", JSON),
    Case("coaldemo", True, JOHN, "code", JSON + (("campaign_id", "each"),), campaign=COALITION_CAMPAIGN),
    Case("coaldemo", True, JOHN, "both", JSONP + (("show_only_belong_to", "Y"),)),
    Case("greatwidgets", False, None, "unknown_card_number", JSON),
    Case("greatwidgets", False, None, "neither", JSON),
)


@dataclass(frozen=True)
class Sample:
    case: Case
    request: Request
    body: bytes
    content_type: str

    @property
    def format(self) -> str:
        return parse_answer(self.body).format

    @property
    def condensed(self) -> bool:
        return self.case.option("condensed") == "yes"

    def __repr__(self) -> str:  # Hypothesis prints it when a property fails
        return f"Sample({self.case.id})"


@lru_cache(maxsize=1)
def samples() -> tuple[Sample, ...]:
    """Each case of CASES with the reference's answer, fetched once per process."""
    client = Client(make_app())
    found = []
    for case in CASES:
        request = case.request(USER_ID, "form")
        fields = {k: (PASSWORD if v == PLACEHOLDER else v) for k, v in request.fields}
        answer = client.post("/api.php", data=fields)
        found.append(Sample(case, request, answer.get_data(), answer.headers.get("content-type", "")))
    return tuple(found)


def samples_of(*formats: str) -> list[Sample]:
    return [s for s in samples() if s.format in formats]


def observe(sample: Sample, body: bytes) -> Observation:
    """The observation a run makes when the target answers ``body`` to the sample's case."""
    exchange = Exchange(sample.request, URL, 200, {"content-type": sample.content_type}, body)
    return Observation(sample.case, exchange, parse_answer(body))


def judge(sample: Sample, body: bytes) -> list[Finding]:
    """Every single-answer check (the schema validation among them) on ``body``."""
    return run_checks(observe(sample, body))


def describe(findings: list[Finding]) -> str:
    return "\n".join(
        f"  {f.severity} {f.check} at {f.where or '-'}: {f.title} (expected {f.expected!r}, got {f.got!r})"
        for f in findings
    )
