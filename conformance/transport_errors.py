"""Why an exchange got no answer, in one line a vendor can act on: what went wrong,
and the option or setting that fixes it where there is one. Also the errors the
transport raises for what urllib3 has no exception of its own."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import urllib3

from conformance.deadline import PHASES, DeadlineExceeded


class NoPool(Exception):
    """The environment names a transport this machine cannot use (a SOCKS proxy without
    PySocks, a CA bundle that is not there): said as the exchange's transport error."""


class BodyCutShort(Exception):
    """The connection failed while the body was arriving (a reset, bad chunk framing,
    a body that does not decode)."""


def is_timeout(exc: BaseException) -> bool:
    # urllib3 2 still derives NewConnectionError (a refusal, an unknown host) from
    # ConnectTimeoutError: not a timeout.
    return isinstance(exc, (TimeoutError, socket.timeout, urllib3.exceptions.TimeoutError)) and not isinstance(
        exc, urllib3.exceptions.NewConnectionError
    )


def too_many_redirects(urls: list[str], limit: int) -> str:
    """The redirects followed and the one that was not, as paths (one origin)."""
    paths = [urlsplit(u)._replace(scheme="", netloc="").geturl() or "/" for u in urls]
    loop = " (a loop?)" if len(set(paths)) < len(paths) else ""
    return (
        f"{len(paths) - 1} redirects within the target's origin, more than "
        f"the {limit} the harness follows: {' -> '.join(paths)}{loop}"
    )


def describe_transport_error(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, DeadlineExceeded):
        limit = f"{timeout:g} s, the --target-timeout for the whole exchange"
        if exc.phase == "body":
            said = (
                f"the answer was not complete after {limit}: the body "
                f"was still arriving ({exc.received} bytes received)"
            )
        elif exc.phase in ("connect", "tls"):
            said = f"no connection within {limit}: {PHASES[exc.phase]}"
        else:
            said = f"no answer within {limit}: {PHASES[exc.phase]}"
        return f"{said}; raise --target-timeout if the target is just slow"
    if isinstance(exc, NoPool):
        return str(exc)
    if isinstance(exc, urllib3.exceptions.SSLError):
        return (
            f"TLS failed: {exc}. Use --ca-bundle FILE for a private CA, or --insecure to skip verification (reported)"
        )
    if isinstance(exc, (urllib3.exceptions.HTTPError, OSError, BodyCutShort)):
        reason = str(exc)
        if "Connection refused" in reason:
            return "connection refused (is the target running, and is --target-url right?)"
        if "RemoteDisconnected" in reason or "without response" in reason:
            return "the target closed the connection without answering"
        return f"connection failed: {reason}"
    return f"{type(exc).__name__}: {exc}"
