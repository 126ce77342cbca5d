"""One HTTP exchange with the target: build, send, cap, time, redact.

A :class:`Request` never holds the password: its ``user_password`` field holds the
placeholder ``$TARGET_USER_PASSWORD``, which :class:`Client` swaps for the real secret
only while the bytes go onto the wire. So requests can be hashed, stored, printed and
turned into curl commands without care.
"""

from __future__ import annotations

import email.utils
import shlex
import socket
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Iterable, Literal, Mapping
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from conformance.secret import PLACEHOLDER, Secret, redact, spellings

Encoding = Literal["form", "multipart", "query"]
ENCODINGS: tuple[Encoding, ...] = ("form", "multipart", "query")
PASSWORD_FIELD = "user_password"
DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Request:
    """The fields of one call, in the order they are sent, and how they are encoded."""

    fields: tuple[tuple[str, str], ...]
    encoding: Encoding = "form"

    def get(self, name: str) -> str | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None

    def without(self, *names: str) -> "Request":
        return Request(tuple(f for f in self.fields if f[0] not in names), self.encoding)

    def with_fields(self, **values: str) -> "Request":
        kept = tuple(f for f in self.fields if f[0] not in values)
        return Request(kept + tuple(values.items()), self.encoding)

    def describe(self) -> str:
        """The fields as one line, credentials left out: for titles and logs."""
        return " ".join(f"{k}={v!r}" for k, v in self.fields if k not in ("user_id", PASSWORD_FIELD))


@dataclass(frozen=True)
class Exchange:
    """What happened when one request was sent: an answer, or why there was none."""

    request: Request
    url: str
    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""  # the password, if the target echoed it, is already replaced
    elapsed: float = 0.0
    truncated: bool = False
    transport_error: str | None = None
    attempts: int = 1
    retry_reasons: tuple[str, ...] = ()  # why each earlier attempt was retried
    redirects: tuple[str, ...] = ()  # same-origin URLs followed, in order
    echoed_password: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class RateLimiter:
    """At most ``rate`` requests a second across all threads (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(self._next, now)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)


MAX_REDIRECTS = 5
RETRY_STATUSES = (429, 503)


class Client:
    """Sends requests to one target over kept-alive sessions (one per thread).

    Transport errors are retried up to ``retries`` times with exponential backoff;
    429 and 503 answers are retried after their Retry-After (when it is within the
    timeout). Redirects are followed only within the target's origin: requests would
    otherwise resend the password to whatever host a redirect names (a 307 keeps the
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
    ) -> None:
        self.url = url
        self.password = password
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.retries = retries
        self.backoff = backoff
        self.rate_limiter = rate_limiter or RateLimiter(0)
        self.verify = verify
        if verify is False:
            # Said once in the run's summary and report, not once per request.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.verify = self.verify
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._sessions_lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()

    def send(self, request: Request) -> Exchange:
        reasons: list[str] = []
        while True:
            self.rate_limiter.wait()
            exchange = self._follow(request)
            retry_in = self._retry_delay(exchange, len(reasons))
            if retry_in is None:
                return replace(exchange, attempts=len(reasons) + 1, retry_reasons=tuple(reasons))
            reasons.append(exchange.transport_error or f"HTTP {exchange.status}")
            time.sleep(retry_in)

    def _retry_delay(self, exchange: Exchange, retried: int) -> float | None:
        if retried >= self.retries:
            return None
        if exchange.transport_error is not None:
            return self.backoff * (2**retried)
        if exchange.status in RETRY_STATUSES:
            wait = _retry_after(exchange.headers.get("retry-after"))
            if wait is None:
                return self.backoff * (2**retried)
            # A Retry-After beyond the timeout is not waited for: the run must not hang.
            return wait if wait <= self.timeout else None
        return None

    def _follow(self, request: Request) -> Exchange:
        url, followed = self.url, []
        origin = _origin(self.url)
        while True:
            exchange = self._attempt(request, url)
            location = exchange.headers.get("location")
            if exchange.status not in (301, 302, 303, 307, 308) or not location:
                return replace(exchange, redirects=tuple(followed))
            target = urljoin(url, location)
            if _origin(target) != origin or len(followed) >= MAX_REDIRECTS:
                return replace(exchange, redirects=tuple(followed))
            followed.append(target)
            url = target

    def _attempt(self, request: Request, url: str) -> Exchange:
        secret = self.password.reveal()
        wire = [(k, secret if v == PLACEHOLDER and k == PASSWORD_FIELD else v) for k, v in request.fields]
        # verify is passed per request: requests lets REQUESTS_CA_BUNDLE override a
        # session's verify=False, so --insecure would silently not apply.
        kwargs: dict[str, object] = {"timeout": self.timeout, "stream": True, "allow_redirects": False, "verify": self.verify}
        if request.encoding == "query":
            method, kwargs["params"] = "GET", wire
        elif request.encoding == "multipart":
            method, kwargs["files"] = "POST", [(k, (None, v)) for k, v in wire]
        else:
            method, kwargs["data"] = "POST", wire
        started = time.monotonic()
        deadline = started + self.timeout
        try:
            with self._session().request(method, url, **kwargs) as response:
                body, truncated = self._read_capped(response, deadline)
                echoed = bool(secret) and any(spelling.encode() in body for spelling in spellings(secret))
                return Exchange(
                    request=request,
                    url=self.url,
                    status=response.status_code,
                    headers={k.lower(): redact(v, self.password) for k, v in response.headers.items()},
                    body=redact(body.decode("utf-8", "surrogateescape"), self.password).encode("utf-8", "surrogateescape") if echoed else body,
                    elapsed=time.monotonic() - started,
                    truncated=truncated,
                    echoed_password=echoed,
                )
        except (requests.RequestException, OSError, _DeadlineExceeded, urllib3.exceptions.HTTPError) as exc:
            return Exchange(
                request=request,
                url=self.url,
                elapsed=time.monotonic() - started,
                transport_error=redact(_describe_transport_error(exc, self.timeout), self.password),
            )

    def _read_capped(self, response: requests.Response, deadline: float) -> tuple[bytes, bool]:
        # The cap counts decoded bytes, so a small gzip body cannot inflate past it;
        # the deadline bounds a body that trickles in forever. read1 returns what has
        # arrived (iter_content would wait for a whole chunk), so the deadline is seen
        # after every recv, and a recv waits at most the socket timeout.
        chunks: list[bytes] = []
        size = 0
        raw = response.raw
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _DeadlineExceeded(size)
            _set_read_timeout(raw, remaining)
            try:
                chunk = raw.read1(65536, decode_content=True)
            except (TimeoutError, socket.timeout, urllib3.exceptions.ReadTimeoutError):
                raise _DeadlineExceeded(size) from None
            except urllib3.exceptions.HTTPError as exc:
                raise requests.ConnectionError(str(exc)) from None
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_response_bytes:
                return b"".join(chunks)[: self.max_response_bytes], True
            if time.monotonic() > deadline:
                raise _DeadlineExceeded(size)
        return b"".join(chunks), False


def _set_read_timeout(raw: urllib3.response.HTTPResponse, seconds: float) -> None:
    """Shorten the socket's timeout to what is left of the deadline (best effort:
    urllib3 keeps the socket private; without it, a recv waits the full timeout)."""
    sock = getattr(getattr(getattr(raw, "_fp", None), "fp", None), "raw", None)
    sock = getattr(sock, "_sock", None)
    if sock is not None:
        try:
            sock.settimeout(max(seconds, 0.001))
        except OSError:
            pass


class _DeadlineExceeded(Exception):
    def __init__(self, received: int) -> None:
        super().__init__(received)
        self.received = received


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
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _describe_transport_error(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, _DeadlineExceeded):
        return f"the answer was not complete after {timeout:g} s ({exc.received} bytes received); raise --target-timeout if the target is just slow"
    if isinstance(exc, requests.ConnectTimeout):
        return f"no connection within {timeout:g} s (connect timeout)"
    if isinstance(exc, requests.ReadTimeout):
        return f"no answer within {timeout:g} s (read timeout); raise --target-timeout if the target is just slow"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS failed: {exc}. Use --ca-bundle FILE for a private CA, or --insecure to skip verification (reported)"
    if isinstance(exc, requests.ConnectionError):
        reason = str(exc)
        if "Connection refused" in reason:
            return "connection refused (is the target running, and is --target-url right?)"
        if "RemoteDisconnected" in reason or "without response" in reason:
            return "the target closed the connection without answering"
        return f"connection failed: {reason}"
    return f"{type(exc).__name__}: {exc}"


def curl_command(exchange_or_request: Exchange | Request, url: str | None = None) -> str:
    """A ready-to-paste curl command that sends the same request.

    The password stays ``$TARGET_USER_PASSWORD`` (in double quotes so the shell
    expands it from the environment); every other value is single-quoted.
    """
    if isinstance(exchange_or_request, Exchange):
        request, url = exchange_or_request.request, exchange_or_request.url
    else:
        request = exchange_or_request
    assert url is not None
    flag = {"form": "--data-urlencode", "query": "--data-urlencode", "multipart": "--form-string"}[request.encoding]
    parts = ["curl", "-sS"]
    if request.encoding == "query":
        parts.append("-G")
    parts.append(shlex.quote(url))
    for key, value in request.fields:
        if key == PASSWORD_FIELD and value == PLACEHOLDER:
            # Double quotes: the shell expands it from the environment, as Client.send
            # swaps in the secret for this one field.
            parts += [flag, f'"{key}=${PLACEHOLDER[1:]}"']
        else:
            parts += [flag, shlex.quote(f"{key}={value}")]
    return " ".join(parts)


def build_request(
    user_id: str,
    account_id: str,
    identifiers: Iterable[tuple[str, str]],
    options: Iterable[tuple[str, str]] = (),
    encoding: Encoding = "form",
) -> Request:
    """The documented field order: credentials, type, account, identifiers, options."""
    fields = [("user_id", user_id), (PASSWORD_FIELD, PLACEHOLDER), ("type", "customer_info"), ("account_id", account_id)]
    fields += list(identifiers) + list(options)
    return Request(tuple(fields), encoding)
