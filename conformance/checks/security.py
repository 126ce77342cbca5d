"""Security: what a target must not do with the credentials and input it is given.

The document says nothing about security, so most of these are advisory: shown in
the report, never failed. Where a document sentence applies (a wrong password cannot
read a customer, because user_password is required), the check cites it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from conformance.checks import Evidence, Finding, Reporter, check

_JS_NAME = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")


@check("target_never_echoes_password", kinds=("answer", "access"), needs_answer=False, advisory=True)
def target_never_echoes_password(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """No answer carries the password it was sent (a log, a proxy or a browser would keep it)."""
    if e.exchange.echoed_password:
        yield r.advise("the answer echoes the password sent (replaced by $TARGET_USER_PASSWORD here)", where="body")


@check("server_error_status", kinds=("answer", "access"), needs_answer=False, advisory=True)
def server_error_status(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """A 5xx answer means the input reached code that did not expect it."""
    if (e.exchange.status or 0) >= 500:
        yield r.advise(
            f"HTTP {e.exchange.status}: the target failed on this input instead of answering an error envelope",
            got=str(e.exchange.status),
        )


@check("jsonp_callback_is_not_reflected_unsafely", kinds=("answer", "access"), needs_answer=False, advisory=True)
def jsonp_callback_is_not_reflected_unsafely(e: Evidence, r: Reporter) -> Iterator[Finding]:
    """A callback that is not a JavaScript name is refused or sanitised: reflected
    JSONP is a known cross-site scripting vector."""
    sent = e.exchange.request.get("callback")
    if not sent or _JS_NAME.match(sent):
        return
    body = e.exchange.body.decode("utf-8", "replace")
    if sent in body:
        yield r.advise(
            "a callback that is not a JavaScript name is reflected into the answer",
            where="callback",
            expected="an error, or a sanitised name",
            got=repr(sent),
        )
