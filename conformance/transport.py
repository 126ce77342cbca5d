"""One attempt on the wire: a request encoded, sent over urllib3 on a pooled kept-alive
connection, its answer read up to the cap within the exchange's deadline, the password
scrubbed from what comes back. No retries, no redirects (conformance/client.py decides
those), one URL.

urllib3 directly, not requests' Session on top of it: a full run sends about 38,000
requests, and requests' layers (hooks, cookies, auth, settings merged per request)
doubled the client's CPU per request, in the one process that also judges every answer
(bench/run.py overhead). What requests did that matters here is done once per pool: the
environment's proxies (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY, read with requests' own rules)
and CA bundle (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, else certifi's, as requests), the
form, multipart and query encodings; ~/.netrc is not read: the harness sends the
request's fields and nothing a file adds.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import threading
import time
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit
from urllib.request import getproxies

import urllib3
import urllib3.connection
from urllib3._version import __version__ as urllib3_version
from urllib3.util import make_headers

from conformance import __version__, deadline
from conformance.deadline import DeadlineExceeded, Watch
from conformance.request import PASSWORD_FIELD, Encoding, Exchange, Request, wire_password
from conformance.secret import Secret, redact, spellings
from conformance.transport_errors import BodyCutShort, NoPool, describe_transport_error, is_timeout

DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024

# What every request carries besides its fields: what requests would send, but naming
# the harness, so a target's logs can tell its traffic apart.
HEADERS = {
    "User-Agent": f"customer-info-conformance/{__version__} urllib3/{urllib3_version}",
    "Accept": "*/*",
    **make_headers(keep_alive=True, accept_encoding=True),  # gzip, deflate (br, zstd when installed)
}
FORM = "application/x-www-form-urlencoded"


class Transport:
    """Sends one attempt of a request to one target and reads its answer.

    ``verify``: True (the environment's CA bundle, else certifi's), a CA file or folder
    (--ca-bundle), or False (--insecure). ``other_password``: the profile's other user's,
    scrubbed from answers like the password.
    """

    def __init__(
        self,
        url: str,
        password: Secret,
        *,
        timeout: float,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        verify: bool | str = True,
        other_password: Secret | None = None,
    ) -> None:
        self.url = url
        self.password = password
        self.other_password = other_password
        self.timeout = timeout  # only for the wording of a deadline missed: the caller sets the deadline
        self.max_response_bytes = max_response_bytes
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
        self.pools = Pools(url, self.verify)

    def close(self) -> None:
        self.pools.close()

    def attempt(self, request: Request, url: str, until: float) -> Exchange:
        """``request`` sent once to ``url`` (the target's, or a redirect's within its
        origin), its answer complete by ``until`` (time.monotonic()) or a transport error."""
        secret = self.password.reveal()
        wire = [(k, self._password_on_wire(v) if k == PASSWORD_FIELD else v) for k, v in request.fields]
        started = time.monotonic()
        # Per connect and per read, no more than is left: the watchdog bounds the sum.
        remaining = max(until - started, 0.001)
        method, url, body, headers = encoded(request.encoding, wire, url)
        watch = deadline.arm(until)
        manager: urllib3.PoolManager | None = None
        response: urllib3.BaseHTTPResponse | None = None
        try:
            manager = self.pools.borrow()
            response = manager.urlopen(
                method,
                url,
                body=body,
                headers=headers,
                redirect=False,  # followed by the client, within the origin only
                retries=False,  # retried by the client, with backoff and Retry-After
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
        except (OSError, DeadlineExceeded, NoPool, BodyCutShort, urllib3.exceptions.HTTPError) as exc:
            if watch.fired:
                # Cut off by the watchdog: the library saw EOF or a reset and said so, or
                # (headers cut mid-field parse as complete) the body read found it out.
                exc = DeadlineExceeded(watch.fired_in, exc.received if isinstance(exc, DeadlineExceeded) else 0)
            elif is_timeout(exc):
                # A per-read timeout, never longer than what was left of the deadline.
                exc = DeadlineExceeded(watch.phase, 0)
            return Exchange(
                request=request,
                url=self.url,
                elapsed=time.monotonic() - started,
                transport_error=redact(describe_transport_error(exc, self.timeout), self.password),
            )
        finally:
            deadline.end(watch)
            if response is not None:
                # A body read to its end has already handed its connection back to the
                # pool; one cut short (the cap, the deadline, an error) is closed, never
                # reused with the rest of an answer still on it.
                response.close()
                response.release_conn()
            if manager is not None:
                self.pools.give_back(manager)  # with its kept-alive connection, for the next exchange

    def _password_on_wire(self, value: str) -> str:
        return wire_password(value, self.password, self.other_password)

    def _other_secrets(self, wire: list[tuple[str, str]], secret: str) -> list[Secret]:
        sent = next((v for k, v in wire if k == PASSWORD_FIELD), "")
        found = [self.other_password] if self.other_password is not None else []
        if sent != secret and len(sent.strip()) >= 4:
            found.append(Secret(sent))
        return found

    def _read_capped(self, response: urllib3.BaseHTTPResponse, watch: Watch) -> tuple[bytes, bool]:
        # The cap counts decoded bytes, so a small gzip body cannot inflate past it.
        # read1 returns what has arrived (read(n) would wait for n bytes), so a body
        # trickling in is stopped at the deadline after the recv that crosses it; a recv
        # blocked at the deadline is ended by the watchdog.
        chunks: list[bytes] = []
        size = 0
        while True:
            if time.monotonic() >= watch.deadline:
                raise DeadlineExceeded("body", size)
            try:
                chunk = response.read1(65536, decode_content=True)
            except (TimeoutError, urllib3.exceptions.ReadTimeoutError):
                raise DeadlineExceeded("body", size) from None
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                if watch.fired:
                    raise DeadlineExceeded("body", size) from None
                raise BodyCutShort(str(exc)) from None
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_response_bytes:
                return b"".join(chunks)[: self.max_response_bytes], True
        if watch.fired:
            # The end of the body was the watchdog's shutdown (a body read to the close
            # of the connection cannot tell), or a header cut short parsed as complete.
            raise DeadlineExceeded("body", size)
        return b"".join(chunks), False


def _redacted(body: bytes, password: Secret) -> bytes:
    return redact(body.decode("utf-8", "surrogateescape"), password).encode("utf-8", "surrogateescape")


def encoded(encoding: Encoding, wire: list[tuple[str, str]], url: str) -> tuple[str, str, bytes | None, dict[str, str]]:
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


# -- pools ------------------------------------------------------------------------------
class Pools:
    """Connection pools to one target, lent to one exchange at a time and kept between
    them: as many as were ever in flight at once, whichever threads send (an evaluator's
    fetch threads end with each scope; their successors reuse the connections)."""

    def __init__(self, url: str, verify: bool | str) -> None:
        self.url = url
        self.verify = verify
        self._idle: list[urllib3.PoolManager] = []
        self._managers: list[urllib3.PoolManager] = []
        self._lock = threading.Lock()

    def borrow(self) -> urllib3.PoolManager:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        manager = pool_manager(self.url, self.verify)  # outside the lock: it may read files
        with self._lock:
            self._managers.append(manager)
        return manager

    def give_back(self, manager: urllib3.PoolManager) -> None:
        with self._lock:
            self._idle.append(manager)

    def close(self) -> None:
        with self._lock:
            for manager in self._managers:
                manager.clear()
            self._managers.clear()
            self._idle.clear()


class _HTTPConnection(urllib3.connection.HTTPConnection):
    """urllib3's connection, handing its socket to the exchange's deadline."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        deadline.watching(sock, "tls" if isinstance(self, urllib3.connection.HTTPSConnection) else "send")
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        # A kept-alive connection is watched again for each exchange it serves; a new
        # one is watched when it connects (in here for http, before for https).
        deadline.watching(self.sock, "send" if self.sock is not None else "connect")
        super().request(*args, **kwargs)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        deadline.watching(None, "headers")
        return super().getresponse(*args, **kwargs)


class _HTTPSConnection(_HTTPConnection, urllib3.connection.HTTPSConnection):
    pass


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


def pool_manager(url: str, verify: bool | str) -> urllib3.PoolManager:
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
            raise NoPool(f"the CA bundle {verify} does not exist (REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE?)")
    proxy = _environment_proxy(url)
    manager: urllib3.PoolManager
    if proxy is None:
        manager = urllib3.PoolManager(**tls)
    elif proxy.lower().startswith("socks"):
        if importlib.util.find_spec("socks") is None:  # urllib3 would warn, then fail
            raise NoPool(
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
