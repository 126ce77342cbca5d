"""The harness's client: one request sent to the target as the run asks, with its
rate limit, retries and same-origin redirects.

Each attempt goes through :class:`conformance.transport.Transport` (encoding, pooled
connections, proxy and TLS set-up, the cap, the password swapped in on the wire and
scrubbed from answers), within one deadline for the request and its redirects
(conformance/deadline.py). The request values, :class:`Request` and :class:`Exchange`,
live in conformance/request.py; the rate limiter in conformance/ratelimit.py; the wording
of a transport error in conformance/transport_errors.py. Their public names are
re-exported here, the one import a caller of the client needs.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import replace
from urllib.parse import urljoin, urlsplit

from conformance.fetch import pause
from conformance.ratelimit import RateLimiter
from conformance.request import (
    ENCODINGS,
    PASSWORD_FIELD,
    Encoding,
    Exchange,
    Request,
    build_request,
    curl_command,
    wire_password,
)
from conformance.secret import Secret, redact
from conformance.transport import DEFAULT_MAX_RESPONSE_BYTES, Transport
from conformance.transport_errors import too_many_redirects

MAX_REDIRECTS = 5
RETRY_STATUSES = (429, 503)
# A busy answer (429/503) is retried this many times as often as a transport error. At
# 5% of answers busy, three attempts leave about one request in 8,000 unanswered (five
# a full run, a verdict that would change from run to run); eleven leave none. Waiting
# costs the run nothing (fetch.pause gives the slot back), and a target that stays busy
# is stopped as a whole after harness.BUSY_STOP_S, not request by request.
BUSY_RETRY_FACTOR = 5
MAX_BACKOFF_S = 8.0  # ten busy retries would otherwise back off for 256 s


class Client:
    """Sends requests to one target over kept-alive connections.

    ``timeout`` bounds each attempt as a whole (connect, request, headers, body, and the
    same-origin redirects it follows), not each socket read: see conformance/deadline.py.
    Transport errors are retried up to ``retries`` times with exponential backoff;
    429 and 503 answers up to BUSY_RETRY_FACTOR times as often, after their Retry-After
    (when it is within the timeout; without one, the same backoff, at most MAX_BACKOFF_S).
    Redirects are followed only within the target's origin: a client that followed them
    anywhere would resend the password to whatever host a redirect names (a 307 keeps the
    POST body).
    """

    def __init__(
        self,
        url: str,
        password: Secret,
        *,
        timeout: float = 10.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        retries: int = 0,
        backoff: float = 0.25,
        rate_limiter: RateLimiter | None = None,
        verify: bool | str = True,
        other_password: Secret | None = None,
    ) -> None:
        self.url = url
        self.password = password
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.rate_limiter = rate_limiter or RateLimiter(0)
        self.transport = Transport(
            url,
            password,
            timeout=timeout,
            max_response_bytes=max_response_bytes,
            verify=verify,
            other_password=other_password,  # the profile's other_user's, when it gives one
        )

    def close(self) -> None:
        self.transport.close()

    def send(self, request: Request) -> Exchange:
        reasons: list[str] = []
        while True:
            self.rate_limiter.wait()
            exchange = self._follow(request)
            retry_in = self._retry_delay(exchange, len(reasons))
            if retry_in is None:
                return replace(exchange, attempts=len(reasons) + 1, retry_reasons=tuple(reasons))
            reasons.append(exchange.transport_error or f"HTTP {exchange.status}")
            pause(retry_in)  # a thread holding a slot of the run gives it back for the wait

    def _retry_delay(self, exchange: Exchange, retried: int) -> float | None:
        busy = exchange.transport_error is None and exchange.status in RETRY_STATUSES
        if retried >= self.retries * (BUSY_RETRY_FACTOR if busy else 1):
            return None
        if exchange.transport_error is not None:
            # An error about an answer (a redirect loop) would only repeat; one without
            # an answer may be the network's.
            return self.backoff * 2.0**retried if exchange.status is None else None
        if exchange.status in RETRY_STATUSES:
            wait = _retry_after(exchange.headers.get("retry-after"))
            if wait is None:
                return min(self.backoff * 2.0**retried, MAX_BACKOFF_S)
            # A Retry-After beyond the timeout is not waited for: the run must not hang.
            return wait if wait <= self.timeout else None
        return None

    def _follow(self, request: Request) -> Exchange:
        url, followed = self.url, list[str]()
        origin = _origin(self.url)
        deadline = time.monotonic() + self.timeout  # one for the request and its redirects
        while True:
            exchange = self.transport.attempt(request, url, deadline)
            location = exchange.headers.get("location")
            if exchange.status not in (301, 302, 303, 307, 308) or not location:
                return replace(exchange, redirects=tuple(followed))
            target = urljoin(url, location)
            if _origin(target) != origin:
                return replace(exchange, redirects=tuple(followed))
            if len(followed) >= MAX_REDIRECTS:
                # Within the origin still: not a redirect elsewhere, but no answer either.
                error = redact(too_many_redirects([self.url, *followed, target], MAX_REDIRECTS), self.password)
                return replace(exchange, redirects=tuple(followed), transport_error=error)
            followed.append(target)
            url = target


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or "").lower(), port


def _retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):  # not a date (Python >= 3.10 raises, never returns None)
        return None
    return max(0.0, when.timestamp() - time.time())


__all__ = [
    "BUSY_RETRY_FACTOR",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "ENCODINGS",
    "MAX_BACKOFF_S",
    "MAX_REDIRECTS",
    "PASSWORD_FIELD",
    "RETRY_STATUSES",
    "Client",
    "Encoding",
    "Exchange",
    "RateLimiter",
    "Request",
    "build_request",
    "curl_command",
    "wire_password",
]
