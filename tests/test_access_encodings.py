"""Whatever --request-encoding a run uses, the first customer's lookup is also sent in
the other POST encoding (multipart/form-data is the document's PHP example), and must
be answered: a server that reads only urlencoded bodies fails every PHP client."""

from __future__ import annotations

import pytest

from conformance.access import generate_access_cases
from conformance.profile import load_profile
from conformance.reference import PROFILE_PATH
from tests.evidence import judge_access

ERROR = b'<response status="error"><error>Missing required fields: user_id</error></response>'
SUCCESS = b'<response status="success"><customer><code>89898989898989</code></customer></response>'


@pytest.mark.parametrize(("encoding", "other"), [("form", "multipart"), ("multipart", "form"), ("query", "form")])
def test_the_other_post_encoding_is_sent_too(encoding: str, other: str) -> None:
    cases = {c.id: c for c in generate_access_cases(load_profile(PROFILE_PATH), encoding)}  # type: ignore[arg-type]
    case = cases[f"encoding-{other}"]
    assert case.request.encoding == other and case.statuses == ("success",) and case.allow_customer
    assert f"encoding-{encoding}" not in cases
    # The same fields as the lookup the run sends in its own encoding.
    assert case.request.get("code") == "89898989898989" and case.request.get("account_id") == "greatwidgets"


@pytest.mark.parametrize(("body", "failed"), [(ERROR, True), (SUCCESS, False)], ids=["error", "success"])
def test_an_encoding_not_read_fails_citing_the_php_example(body: bytes, failed: bool) -> None:
    case = {c.id: c for c in generate_access_cases(load_profile(PROFILE_PATH), "form")}["encoding-multipart"]
    failures = [f for f in judge_access(case, body).findings if f.severity == "fail"]
    assert bool(failures) is failed, failures
    if failed:
        (finding,) = failures
        assert finding.check == "request_encoding_is_read" and finding.requirement == "REQUEST-PHP-EXAMPLE"
        assert "answered error" in finding.title
