"""docs/performance.md's "How many requests" table (the one place the run's counts are
written down) against what the generators make of the reference's profile.

The counts a run prints ("matrix cases per mode", and the relation and access items it
collects) are computed here by the same generators, without a server or a socket: the
campaigns each customer has are learned from the reference's answers through its WSGI
app. "requests sent" is the number of distinct requests those items and the pre-flight
send (each is sent once; a relation's "again" member is sent anew but not counted, as in
a run). The run times are not checked: they are measured, not computed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from werkzeug.test import Client as WsgiClient

from conformance.access import generate_access_cases
from conformance.client import Exchange, Request
from conformance.harness import Harness
from conformance.plugin import matrix_cases
from conformance.preflight import lookups
from conformance.profile import Profile, load_profile
from conformance.reference import PROFILE_PATH, make_app
from conformance.relations import generate_relations
from conformance.secret import PLACEHOLDER

PAGE = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


class InProcessClient:
    """Stands in for conformance.client.Client: the reference's WSGI app answers, with no socket."""

    url = "http://reference.invalid/api.php"

    def __init__(self, profile: Profile) -> None:
        self._app = WsgiClient(make_app())
        self._password = profile.password.reveal()

    def send(self, request: Request) -> Exchange:
        fields = {k: (self._password if v == PLACEHOLDER else v) for k, v in request.fields}
        answer = self._app.post("/api.php", data=fields)
        return Exchange(
            request,
            self.url,
            answer.status_code,
            {"content-type": answer.headers.get("content-type", "")},
            answer.get_data(),
        )

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Counts:
    cases: int
    relations: int
    access: int
    requests: int


@cache
def computed(mode: str) -> Counts:
    profile = load_profile(PROFILE_PATH)
    harness = Harness(profile, InProcessClient(profile), "form")  # type: ignore[arg-type]

    def campaigns_of(account, customer):  # type: ignore[no-untyped-def]
        return list(harness.learn(account, customer).campaign_ids)

    cases = matrix_cases(profile, campaigns_of, mode)
    relations = generate_relations(profile, campaigns_of)
    access = generate_access_cases(profile, harness.encoding)
    sent = {c.request(profile.user_id, harness.encoding) for c in cases}
    sent |= {
        case.request(profile.user_id, harness.encoding)
        for r in relations
        for role, case in r.members
        if role != "again"
    }
    sent |= {a.request for a in access}
    # The pre-flight's lookups (conformance/preflight.py), sent before the units: each
    # customer by each identifier it has, which the identifiers relation sends anyway.
    sent |= {lookup.request for lookup in lookups(profile, harness.encoding)}
    return Counts(len(cases), len(relations), len(access), len(sent))


def documented(mode: str) -> Counts:
    """The page's row for ``--combinations MODE``, figures without their thousands commas."""
    text = PAGE.read_text(encoding="utf-8")
    section = text[text.index("## How many requests") :]
    (row,) = [line for line in section.splitlines() if line.startswith(f"| `--combinations {mode}`")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    numbers = [int(cell.replace(",", "")) for cell in cells[1:5] if re.fullmatch(r"[\d,]+", cell)]
    assert len(numbers) == 4, f"docs/performance.md's row for {mode} has not 4 counts: {row}"
    return Counts(*numbers)


def out_of_date(mode: str) -> str:
    c = computed(mode)
    return (
        f"docs/performance.md's 'How many requests' row for --combinations {mode} is out of date; "
        f"the generators make: {c.cases:,} | {c.relations:,} | {c.access:,} | {c.requests:,}"
    )


def test_documented_counts_for_the_full_matrix() -> None:
    assert documented("all") == computed("all"), out_of_date("all")


def test_documented_counts_for_pairwise() -> None:
    assert documented("pairwise") == computed("pairwise"), out_of_date("pairwise")
