"""Evidence built by hand, for testing checks without a server: a crafted answer (or
several, by role) wrapped as the harness wraps a target's, so the registry judges it."""

from __future__ import annotations

import json
from typing import Any

from conformance.cases import Case
from conformance.checks import Evidence, Judged, Observation, judge
from conformance.client import Exchange, build_request
from conformance.parse import ParseError, parse_answer
from conformance.profile import Customer

URL = "http://127.0.0.1:9/api.php"
JOHN = Customer(code="89898989898989", card_number="1212121212")


def body_of(answer: dict[str, Any] | bytes | str) -> bytes:
    if isinstance(answer, dict):
        return json.dumps(answer).encode()
    return answer.encode() if isinstance(answer, str) else answer


def observation(case: Any, answer: dict[str, Any] | bytes | str, status: int = 200, request: Any = None) -> Observation:
    """``case``'s request answered with ``answer`` (a document is sent as JSON)."""
    body = body_of(answer)
    if request is None:
        request = (
            case.request("john1970", "form")
            if isinstance(case, Case)
            else getattr(case, "request", build_request("john1970", "a", [("code", "1")]))
        )
    try:
        parsed, error = parse_answer(body), None
    except ParseError as exc:
        parsed, error = None, str(exc)
    return Observation(case, Exchange(request, URL, status=status, body=body), parsed, error)


def case(
    identifier: str = "code",
    coalition: bool = False,
    customer: Customer | None = JOHN,
    campaign: str | None = None,
    **options: str,
) -> Case:
    """A matrix case (options in the matrix's order, as the relation generator makes them)."""
    from conformance.cases import load_space

    space = load_space()
    ordered = tuple((name, options[name]) for name in space.parameters if name in options)
    account = "coaldemo" if coalition else "greatwidgets"
    return Case(
        account,
        coalition,
        customer if identifier in ("code", "card_number", "both") else None,
        identifier,
        ordered,
        campaign,
    )


def judge_answer(answer: dict[str, Any] | bytes | str, the_case: Case | None = None, status: int = 200) -> Judged:
    the_case = the_case or case()
    return judge(Evidence.of("answer", observation(the_case, answer, status)))


def judge_access(access_case: Any, answer: dict[str, Any] | bytes | str, status: int = 200) -> Judged:
    return judge(Evidence.of("access", observation(access_case, answer, status, request=access_case.request)))


def judge_relation(relation: Any, answers: dict[str, dict[str, Any] | bytes | str]) -> Judged:
    observations = {role: observation(member, answers[role]) for role, member in relation.members if role in answers}
    return judge(Evidence("relation", relation, observations))


def failures(judged: Judged) -> list[tuple[str, str | None]]:
    """(check, requirement) of each failure."""
    return [(f.check, f.requirement) for f in judged.findings if f.severity == "fail"]
