"""One HTTP exchange with the target: build, send, cap, time, redact.

A :class:`Request` never holds the password: its ``user_password`` field holds the
placeholder ``$TARGET_USER_PASSWORD``, which :class:`Client` swaps for the real secret
only while the bytes go onto the wire. So requests can be hashed, stored, printed and
turned into curl commands without care.
"""

from __future__ import annotations

import contextlib
import email.utils
import heapq
import importlib.util
import itertools
import os
import shlex
import socket
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import unquote, urlencode, urljoin, urlsplit
from urllib.request import getproxies

import urllib3
import urllib3.connection
from urllib3._version import __version__ as urllib3_version
from urllib3.util import make_headers

from conformance import __version__, alterations
from conformance.fetch import pause
from conformance.secret import OTHER_PLACEHOLDER, PLACEHOLDER, Secret, redact, spellings

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

    def without(self, *names: str) -> Request:
        return Request(tuple(f for f in self.fields if f[0] not in names), self.encoding)

    def with_fields(self, **values: str) -> Request:
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


# -- The deadline of one exchange -------------------------------------------------------
# requests and urllib3 bound each socket operation (a connect, one recv), never the
# exchange: a target that sends its headers a byte every 0.9 s, with a 1 s timeout,
# keeps a request open as long as it likes. Two ways to bound the whole exchange:
#   - before each read, set the socket's timeout to what is left of the deadline. The
#     reads that matter are not ours: ssl reads the handshake, http.client the status
#     line and headers line by line, urllib3 the chunk framing, each with its own recv
#     on a socket it holds privately; shortening the timeout between them needs a hook
#     into every layer, and one layer missed is a hang.
#   - a watchdog that shuts the connection's socket down at the deadline. shutdown()
#     wakes every recv or send blocked on that connection, in whichever layer, with EOF
#     or an error, plain or TLS alike; it needs only the socket, which urllib3's
#     connection class hands over when it connects and when a kept-alive connection is
#     reused (the hooks below, public methods of urllib3's connection classes).
# The watchdog is the reliable one, so it is used. Its hazard is shutting down a socket
# no longer the exchange's (a kept-alive connection already serving the next request,
# or a descriptor closed and reused by another thread's connection). So it shuts down
# only a duplicate descriptor the exchange owns (the same TCP connection; no one else
# can close or reuse it), and only while the exchange is armed: disarming takes the
# same lock, and the duplicates are closed only after it.
PHASES = {
    "connect": "still connecting",
    "tls": "the TLS handshake was not finished",
    "send": "the request was still being sent",
    "headers": "the headers had not all arrived",
    "body": "the body was still arriving",
}


class _Watch:
    """The deadline of one exchange, how far the exchange got, and the sockets it uses."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.phase = "connect"
        self.fired = False
        self.fired_in = ""  # the phase the exchange was in when the deadline passed
        self.done = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def add(self, sock: socket.socket, phase: str) -> None:
        """Watch ``sock`` (through a duplicate descriptor) from now on."""
        self.phase = phase
        try:
            own = socket.fromfd(sock.fileno(), sock.family, sock.type)
        except OSError:
            return  # closed already: nothing left to interrupt
        with self._lock:
            if not self.done:
                self._sockets.append(own)
                if self.fired:  # connected after the deadline passed
                    _shut(own)
                return
        own.close()

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired, self.fired_in = True, self.phase
            for own in self._sockets:
                _shut(own)

    def disarm(self) -> None:
        """The exchange is over: from here on, nothing of it is shut down."""
        with self._lock:
            self.done = True
            owned, self._sockets = self._sockets, []
        for own in owned:
            own.close()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # the peer closed it first
        sock.shutdown(socket.SHUT_RDWR)


class _Watchdog:
    """One thread for the process that fires each armed watch at its deadline (a
    threading.Timer per request would start a thread per request: 38,000 a full run)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Watch]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, watch: _Watch) -> None:
        with self._wake:
            heapq.heappush(self._heap, (watch.deadline, next(self._order), watch))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="conformance-deadline", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            due: list[_Watch] = []
            with self._wake:
                now = time.monotonic()
                while self._heap and (self._heap[0][2].done or self._heap[0][0] <= now):
                    watch = heapq.heappop(self._heap)[2]
                    if not watch.done:
                        due.append(watch)
                if not due:
                    self._wake.wait(self._heap[0][0] - now if self._heap else None)
            for watch in due:
                watch.fire()


_WATCHDOG = _Watchdog()
_exchange = threading.local()  # .watch: the watch of the exchange this thread is sending


def _watching(sock: socket.socket | None, phase: str) -> None:
    watch: _Watch | None = getattr(_exchange, "watch", None)
    if watch is not None:
        if sock is not None:
            watch.add(sock, phase)
        else:
            watch.phase = phase


class _HTTPConnection(urllib3.connection.HTTPConnection):
    """urllib3's connection, handing its socket to the exchange's watch."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _watching(sock, "tls" if isinstance(self, urllib3.connection.HTTPSConnection) else "send")
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        # A kept-alive connection is watched again for each exchange it serves; a new
        # one is watched when it connects (in here for http, before for https).
        _watching(self.sock, "send" if self.sock is not None else "connect")
        super().request(*args, **kwargs)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _watching(None, "headers")
        return super().getresponse(*args, **kwargs)


class _HTTPSConnection(_HTTPConnection, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


MAX_REDIRECTS = 5
RETRY_STATUSES = (429, 503)


# What every request carries besides its fields: what requests would send, but naming
# the harness, so a target's logs can tell its traffic apart.
HEADERS = {
    "User-Agent": f"customer-info-conformance/{__version__} urllib3/{urllib3_version}",
    "Accept": "*/*",
    **make_headers(keep_alive=True, accept_encoding=True),  # gzip, deflate (br, zstd when installed)
}
FORM = "application/x-www-form-urlencoded"


class Client:
    """Sends requests to one target over kept-alive connections.

    ``timeout`` bounds each attempt as a whole (connect, request, headers, body, and the
    same-origin redirects it follows), not each socket read: see _Watchdog.
    Transport errors are retried up to ``retries`` times with exponential backoff;
    429 and 503 answers are retried after their Retry-After (when it is within the
    timeout). Redirects are followed only within the target's origin: a client that
    followed them anywhere would resend the password to whatever host a redirect names
    (a 307 keeps the POST body).

    urllib3 directly, not requests' Session on top of it: a full run sends about 38,000
    requests, and requests' layers (hooks, cookies, auth, settings merged per request)
    doubled the client's CPU per request, in the one process that also judges every
    answer (bench/run.py overhead). What requests did that matters here is done once:
    the environment's proxies (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY, read with requests'
    own rules) and CA bundle (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, else certifi's, as
    requests), the form, multipart and query encodings; ~/.netrc is not read: the harness
    sends the request's fields and nothing a file adds.
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
        self.other_password = other_password  # the profile's other_user's, when it gives one
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.retries = retries
        self.backoff = backoff
        self.rate_limiter = rate_limiter or RateLimiter(0)
        # As requests would: the CA bundle the environment names stands in for the
        # default verification (not for --ca-bundle or --insecure).
        self.verify = (
            (os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True)
            if verify is True
            else verify
        )
        if verify is False:
            # Said once in the run's summary and report, not once per request.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        # Connection pools lent to one exchange at a time, kept between them: as many as
        # were ever in flight at once, whichever threads send (an evaluator's fetch
        # threads end with each scope; their successors reuse the connections).
        self._idle: list[urllib3.PoolManager] = []
        self._managers: list[urllib3.PoolManager] = []
        self._managers_lock = threading.Lock()

    def _borrow(self) -> urllib3.PoolManager:
        with self._managers_lock:
            if self._idle:
                return self._idle.pop()
        manager = _pool_manager(self.url, self.verify)  # outside the lock: it may read files
        with self._managers_lock:
            self._managers.append(manager)
        return manager

    def _give_back(self, manager: urllib3.PoolManager) -> None:
        with self._managers_lock:
            self._idle.append(manager)

    def close(self) -> None:
        with self._managers_lock:
            for manager in self._managers:
                manager.clear()
            self._managers.clear()
            self._idle.clear()

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
        if retried >= self.retries:
            return None
        if exchange.transport_error is not None:
            # An error about an answer (a redirect loop) would only repeat; one without
            # an answer may be the network's.
            return self.backoff * 2.0**retried if exchange.status is None else None
        if exchange.status in RETRY_STATUSES:
            wait = _retry_after(exchange.headers.get("retry-after"))
            if wait is None:
                return self.backoff * 2.0**retried
            # A Retry-After beyond the timeout is not waited for: the run must not hang.
            return wait if wait <= self.timeout else None
        return None

    def _follow(self, request: Request) -> Exchange:
        url, followed = self.url, list[str]()
        origin = _origin(self.url)
        deadline = time.monotonic() + self.timeout  # one for the request and its redirects
        while True:
            exchange = self._attempt(request, url, deadline)
            location = exchange.headers.get("location")
            if exchange.status not in (301, 302, 303, 307, 308) or not location:
                return replace(exchange, redirects=tuple(followed))
            target = urljoin(url, location)
            if _origin(target) != origin:
                return replace(exchange, redirects=tuple(followed))
            if len(followed) >= MAX_REDIRECTS:
                # Within the origin still: not a redirect elsewhere, but no answer either.
                error = redact(_too_many_redirects([self.url, *followed, target]), self.password)
                return replace(exchange, redirects=tuple(followed), transport_error=error)
            followed.append(target)
            url = target

    def _other_secrets(self, wire: list[tuple[str, str]], secret: str) -> list[Secret]:
        sent = next((v for k, v in wire if k == PASSWORD_FIELD), "")
        found = [self.other_password] if self.other_password is not None else []
        if sent != secret and len(sent.strip()) >= 4:
            found.append(Secret(sent))
        return found

    def _password_on_wire(self, value: str) -> str:
        return wire_password(value, self.password, self.other_password)

    def _attempt(self, request: Request, url: str, deadline: float) -> Exchange:
        secret = self.password.reveal()
        wire = [(k, self._password_on_wire(v) if k == PASSWORD_FIELD else v) for k, v in request.fields]
        started = time.monotonic()
        # Per connect and per read, no more than is left: the watchdog bounds the sum.
        remaining = max(deadline - started, 0.001)
        method, url, body, headers = _encoded(request.encoding, wire, url)
        watch = _Watch(deadline)
        _WATCHDOG.arm(watch)
        _exchange.watch = watch
        manager: urllib3.PoolManager | None = None
        response: urllib3.BaseHTTPResponse | None = None
        try:
            manager = self._borrow()
            response = manager.urlopen(
                method,
                url,
                body=body,
                headers=headers,
                redirect=False,  # followed here, within the origin only (_follow)
                retries=False,  # retried here, with backoff and Retry-After (send)
                preload_content=False,
                timeout=urllib3.Timeout(connect=remaining, read=remaining),
            )
            watch.phase = "body"
            content, truncated = self._read_capped(response, watch)
            echoed = bool(secret) and any(spelling.encode() in content for spelling in spellings(secret))
            # The password actually sent (the negative space alters it on the wire) and
            # the other user's are scrubbed like the password: an altered one is nearly it.
            for other in self._other_secrets(wire, secret):
                if any(spelling.encode() in content for spelling in spellings(other.reveal())):
                    content, echoed = _redacted(content, other), True
            return Exchange(
                request=request,
                url=self.url,
                status=response.status,
                # One value per name, repeated headers joined with ", " (as requests did).
                headers={k.lower(): redact(response.headers[k], self.password) for k in response.headers},
                body=_redacted(content, self.password) if echoed else content,
                elapsed=time.monotonic() - started,
                truncated=truncated,
                echoed_password=echoed,
            )
        except (OSError, _DeadlineExceeded, _NoPool, _BodyCutShort, urllib3.exceptions.HTTPError) as exc:
            if watch.fired:
                # Cut off by the watchdog: the library saw EOF or a reset and said so, or
                # (headers cut mid-field parse as complete) the body read found it out.
                exc = _DeadlineExceeded(watch.fired_in, exc.received if isinstance(exc, _DeadlineExceeded) else 0)
            elif _is_timeout(exc):
                # A per-read timeout, never longer than what was left of the deadline.
                exc = _DeadlineExceeded(watch.phase, 0)
            return Exchange(
                request=request,
                url=self.url,
                elapsed=time.monotonic() - started,
                transport_error=redact(_describe_transport_error(exc, self.timeout), self.password),
            )
        finally:
            _exchange.watch = None
            watch.disarm()
            if response is not None:
                # A body read to its end has already handed its connection back to the
                # pool; one cut short (the cap, the deadline, an error) is closed, never
                # reused with the rest of an answer still on it.
                response.close()
                response.release_conn()
            if manager is not None:
                self._give_back(manager)  # with its kept-alive connection, for the next exchange

    def _read_capped(self, response: urllib3.BaseHTTPResponse, watch: _Watch) -> tuple[bytes, bool]:
        # The cap counts decoded bytes, so a small gzip body cannot inflate past it.
        # read1 returns what has arrived (read(n) would wait for n bytes), so a body
        # trickling in is stopped at the deadline after the recv that crosses it; a recv
        # blocked at the deadline is ended by the watchdog.
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() >= watch.deadline:
                raise _DeadlineExceeded("body", size)
            try:
                chunk = response.read1(65536, decode_content=True)
            except (TimeoutError, urllib3.exceptions.ReadTimeoutError):
                raise _DeadlineExceeded("body", size) from None
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                if watch.fired:
                    raise _DeadlineExceeded("body", size) from None
                raise _BodyCutShort(str(exc)) from None
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_response_bytes:
                return b"".join(chunks)[: self.max_response_bytes], True
        if watch.fired:
            # The end of the body was the watchdog's shutdown (a body read to the close
            # of the connection cannot tell), or a header cut short parsed as complete.
            raise _DeadlineExceeded("body", size)
        return b"".join(chunks), False


def _encoded(
    encoding: Encoding, wire: list[tuple[str, str]], url: str
) -> tuple[str, str, bytes | None, dict[str, str]]:
    """Method, URL, body and headers of one request, encoded as requests would encode
    ``params=`` (query), ``data=`` (form) and ``files=`` with no file names (multipart)."""
    if encoding == "query":
        query = urlencode(wire)
        if query:
            parts = urlsplit(url)
            url = parts._replace(query=f"{parts.query}&{query}" if parts.query else query).geturl()
        return "GET", url, None, HEADERS
    if encoding == "multipart":
        body, content_type = urllib3.encode_multipart_formdata(wire)
        return "POST", url, body, {**HEADERS, "Content-Type": content_type}
    return "POST", url, urlencode(wire).encode("ascii"), {**HEADERS, "Content-Type": FORM}


def wire_password(value: str, secret: Secret, other: Secret | None = None) -> str:
    """The password a request's ``user_password`` stands for: ``$TARGET_USER_PASSWORD``
    (or ``$TARGET_OTHER_USER_PASSWORD``) is the secret, ``...|SPEC`` the secret altered by
    SPEC (conformance/alterations.py); any other value is sent as written."""
    placeholder, bar, spec = value.partition("|")
    if placeholder == PLACEHOLDER:
        real = secret.reveal()
    elif placeholder == OTHER_PLACEHOLDER and other is not None:
        real = other.reveal()
    else:
        return value
    return alterations.apply(spec, real) if bar else real


def _redacted(body: bytes, password: Secret) -> bytes:
    return redact(body.decode("utf-8", "surrogateescape"), password).encode("utf-8", "surrogateescape")


class _NoPool(Exception):
    """The environment names a transport this machine cannot use (a SOCKS proxy without
    PySocks, a CA bundle that is not there): said as the exchange's transport error."""


class _BodyCutShort(Exception):
    """The connection failed while the body was arriving (a reset, bad chunk framing,
    a body that does not decode)."""


def _pool_manager(url: str, verify: bool | str) -> urllib3.PoolManager:
    """Connections to ``url``'s origin: through the proxy the environment names for it,
    verified as ``verify`` says, and watched by the deadline (_HTTPPool, _HTTPSPool)."""
    tls: dict[str, Any] = {"cert_reqs": "CERT_NONE"} if verify is False else {"cert_reqs": "CERT_REQUIRED"}
    if verify is not False and urlsplit(url).scheme == "https":
        if verify is True:
            import certifi  # requests' default bundle; needed for https targets only

            verify = certifi.where()
        if os.path.isdir(verify):
            tls["ca_cert_dir"] = verify
        elif os.path.isfile(verify):
            tls["ca_certs"] = verify
        else:
            raise _NoPool(f"the CA bundle {verify} does not exist (REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE?)")
    proxy = _environment_proxy(url)
    manager: urllib3.PoolManager
    if proxy is None:
        manager = urllib3.PoolManager(**tls)
    elif proxy.lower().startswith("socks"):
        if importlib.util.find_spec("socks") is None:  # urllib3 would warn, then fail
            raise _NoPool(
                f"the environment names the SOCKS proxy {_without_userinfo(proxy)}, which needs PySocks: "
                "pip install 'urllib3[socks]', or unset ALL_PROXY / HTTP(S)_PROXY"
            )
        from urllib3.contrib.socks import SOCKSProxyManager

        user, password = _userinfo(proxy)
        # SOCKS has connection classes of its own: the deadline bounds each read there, not the exchange.
        return SOCKSProxyManager(proxy, username=user, password=password, **tls)
    else:
        user, password = _userinfo(proxy)
        auth = make_headers(proxy_basic_auth=f"{user}:{password}") if user else None
        manager = urllib3.ProxyManager(proxy, proxy_headers=auth, **tls)
    manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
    return manager


def _environment_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url``, by requests' rules (NO_PROXY with
    hosts, domains, ports and CIDR ranges; a scheme's proxy before ALL_PROXY)."""
    if not url or not getproxies():
        return None  # the common case, without importing requests
    import requests.utils

    return requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url))


def _userinfo(proxy: str) -> tuple[str | None, str | None]:
    parts = urlsplit(proxy)
    return (
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
    )


def _without_userinfo(proxy: str) -> str:
    parts = urlsplit(proxy)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


class _DeadlineExceeded(Exception):
    def __init__(self, phase: str, received: int) -> None:
        super().__init__(phase, received)
        self.phase = phase
        self.received = received


def _is_timeout(exc: BaseException) -> bool:
    # urllib3 2 still derives NewConnectionError (a refusal, an unknown host) from
    # ConnectTimeoutError: not a timeout.
    return isinstance(exc, (TimeoutError, socket.timeout, urllib3.exceptions.TimeoutError)) and not isinstance(
        exc, urllib3.exceptions.NewConnectionError
    )


def _too_many_redirects(urls: list[str]) -> str:
    """The redirects followed and the one that was not, as paths (one origin)."""
    paths = [urlsplit(u)._replace(scheme="", netloc="").geturl() or "/" for u in urls]
    loop = " (a loop?)" if len(set(paths)) < len(paths) else ""
    return (
        f"{len(paths) - 1} redirects within the target's origin, more than "
        f"the {MAX_REDIRECTS} the harness follows: {' -> '.join(paths)}{loop}"
    )


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


def _describe_transport_error(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, _DeadlineExceeded):
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
    if isinstance(exc, _NoPool):
        return str(exc)
    if isinstance(exc, urllib3.exceptions.SSLError):
        return (
            f"TLS failed: {exc}. Use --ca-bundle FILE for a private CA, or --insecure to skip verification (reported)"
        )
    if isinstance(exc, (urllib3.exceptions.HTTPError, OSError, _BodyCutShort)):
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
        placeholder, bar, spec = value.partition("|")
        if key == PASSWORD_FIELD and placeholder in (PLACEHOLDER, OTHER_PLACEHOLDER):
            # Double quotes: the shell expands it from the environment, as Client.send
            # swaps in the secret for this one field (altered, for the negative space,
            # by the same operator the harness applied).
            variable = placeholder[1:]
            shown = f"$(python3 -m conformance.alterations {shlex.quote(spec)} {variable})" if bar else f"${variable}"
            parts += [flag, f'"{key}={shown}"']
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
    fields = [
        ("user_id", user_id),
        (PASSWORD_FIELD, PLACEHOLDER),
        ("type", "customer_info"),
        ("account_id", account_id),
    ]
    fields += list(identifiers) + list(options)
    return Request(tuple(fields), encoding)
