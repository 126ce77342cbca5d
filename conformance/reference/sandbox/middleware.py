"""WSGI middleware around the reference: the request's fields may be rewritten before the
reference sees them, its answer parsed, changed and written again, or its HTTP envelope
changed. One :class:`Fault` (a behaviour broken, or a legal variation: the same
plumbing) says which; :class:`FaultyApp` applies it to every exchange.
"""

from __future__ import annotations

import copy
import io
import itertools
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request

from ..app import make_app
from ..render import render_json, render_xml
from .data import Document, Fields, is_smoke
from .parser import Parsed, parse
from .server import CLOSE_CONNECTION


def render(parsed: Parsed) -> tuple[bytes, str]:
    """(body, Content-Type) of a document in the format it came in."""
    if parsed.format == "xml":
        return render_xml(parsed.document), "application/xml; charset=utf-8"
    body = render_json(parsed.document, condensed=parsed.condensed, callback=parsed.callback)
    kind = "application/javascript" if parsed.format == "jsonp" else "application/json"
    return body, f"{kind}; charset=utf-8"


# -- one exchange through the middleware -----------------------------------------------
@dataclass
class Reply:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    chunk_size: int | None = None  # send the body in pieces of this size (no Content-Length: chunked)

    def chunks(self) -> list[bytes]:
        if not self.chunk_size:
            return [self.body]
        return [self.body[i : i + self.chunk_size] for i in range(0, len(self.body), self.chunk_size)] or [b""]

    def with_body(self, body: bytes, content_type: str | None = None) -> Reply:
        headers = [
            (k, v)
            for k, v in self.headers
            if k.lower() not in ("content-length", "content-type" if content_type else "")
        ]
        if content_type:
            headers.append(("Content-Type", content_type))
        headers.append(("Content-Length", str(len(body))))
        return Reply(self.status, headers, body)


RequestEdit = Callable[[Fields], Fields]
ReplyEdit = Callable[[Reply, Fields, int], Reply]  # (reply, fields the client sent, request number)
DocumentEdit = Callable[[Document, Fields, int], Document | None]  # None: the answer unchanged
WireEdit = Callable[[Reply, dict[str, Any]], Reply]  # (reply, the request's WSGI environ): HTTP-level changes


def on_document(edit: DocumentEdit, formats: tuple[str, ...] = ("xml", "json", "jsonp")) -> ReplyEdit:
    """A reply edit that parses the answer, lets ``edit`` change the document, and
    re-renders it in the same format (same condensing, same callback)."""

    def apply(reply: Reply, fields: Fields, number: int) -> Reply:
        parsed = parse(reply.body)
        if parsed is None or parsed.format not in formats:
            return reply
        changed = edit(copy.deepcopy(parsed.document), fields, number)
        if changed is not None:
            parsed.document = changed
        body, content_type = render(parsed)
        return reply.with_body(body, content_type)

    return apply


@dataclass(frozen=True)
class Fault:
    """One documented behaviour broken.

    ``requirement``: the id it violates (``ADVISORY``: none, the document is silent and
    an advisory check must report it); ``selection``: the ``--cases`` expression
    (conformance/selection.py) that picks the cases exercising it (with
    ``combinations``: ``pairwise`` or ``all``); ``check``: the harness check expected
    to report it (for an ``ADVISORY`` fault, the advisory check);
    ``evidence``: text the failure (or the advisory) must show (a tuple: one of these
    texts); ``advisory``: an advisory check that must report it as well as the failure.
    ``spare_smoke``: answer the harness's smoke request unmodified, so the run goes on.
    ``wire``: an HTTP-level edit of the reply, which sees the request's headers.
    ``close_connection``: the connection is closed after each answer (``Connection: close``).
    """

    requirement: str
    description: str
    selection: str
    check: str | None = None
    evidence: str | tuple[str, ...] | None = None
    combinations: str = "pairwise"
    spare_smoke: bool = False
    advisory: str | None = None
    request: RequestEdit | None = field(default=None, repr=False, compare=False)
    reply: ReplyEdit | None = field(default=None, repr=False, compare=False)
    wire: WireEdit | None = field(default=None, repr=False, compare=False)
    close_connection: bool = False  # answer "Connection: close" and close the connection after the answer

    @property
    def by_advisory(self) -> bool:
        """Caught by an advisory finding alone: no requirement of the document is broken."""
        return self.requirement == ADVISORY


ADVISORY = "advisory"


def _identity_document(doc: Document, fields: Fields, number: int) -> Document:
    return doc


# The control: the same plumbing (request re-encoded, answer parsed and re-rendered),
# no change. Its answers are byte-identical to the reference's.
NO_FAULT = Fault(
    "",
    "the reference, through the same middleware, unchanged",
    "",
    request=lambda f: f,
    reply=on_document(_identity_document),
)


# The inner reference's answers, by (data set, path, fields), shared by every server of
# this process: the reference is deterministic (a fresh in-memory database nothing
# writes to), and the self-test's worker processes serve the same few thousand requests
# to one server after another. Faults act on the request before and the answer after.
_ANSWERS: dict[tuple[Any, ...], tuple[str, tuple[tuple[str, str], ...], bytes]] = {}
_ANSWERS_LIMIT = 50_000
_ANSWERS_LOCK = threading.Lock()


# (request number, the fields it sent) -> (its label, the fault for that answer)
Pick = Callable[[int, Fields], "tuple[str, Fault]"]
Listener = Callable[[int, str, dict[str, Any], "Reply"], None]  # (number, label, environ, reply) once answered


class FaultyApp:
    """WSGI middleware: the reference app (or ``inner``, another reference app, whose
    answers are remembered under ``data_key`` when one is given) with one fault
    switched on (or none).

    ``pick`` chooses the fault per request (its number and fields) instead (the sandbox's rotation); each answer
    then names its label in the header ``label_header`` (when given), and ``listener``
    hears of every answer (the sandbox prints one line per request)."""

    def __init__(
        self,
        fault: Fault | None = None,
        inner: Any = None,
        data_key: str | None = None,
        *,
        pick: Pick | None = None,
        label_header: str | None = None,
        listener: Listener | None = None,
    ) -> None:
        self.fault = fault or NO_FAULT
        self.inner = inner if inner is not None else make_app()
        self.data_key = data_key if inner is not None else "reference"
        self.pick = pick
        self.label_header = label_header
        self.listener = listener
        self._count = itertools.count(1)
        self._lock = threading.Lock()

    def close(self) -> None:
        self.inner.close()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        sent = _fields(environ)
        with self._lock:
            number = next(self._count)
            # Under the lock: the n-th request to arrive gets the n-th pick, whatever thread serves it.
            label, chosen = self.pick(number, sent) if self.pick else ("", self.fault)
        fault = NO_FAULT if (chosen.spare_smoke and is_smoke(sent)) else chosen
        fields = fault.request(dict(sent)) if fault.request else sent
        reply = self._call_inner(environ, fields)
        if fault.reply:
            reply = fault.reply(reply, sent, number)
        if fault.wire:
            reply = fault.wire(reply, environ)
        if fault.close_connection:
            environ[CLOSE_CONNECTION] = True
        if self.label_header and label:
            reply = Reply(reply.status, reply.headers + [(self.label_header, label)], reply.body, reply.chunk_size)
        if self.listener:
            self.listener(number, label, environ, reply)
        start_response(reply.status, reply.headers)
        if reply.chunk_size:
            return iter(reply.chunks())  # an iterator: waitress cannot know the length
        return [reply.body]

    def _call_inner(self, environ: dict[str, Any], fields: Fields) -> Reply:
        key = (self.data_key, environ.get("PATH_INFO", ""), tuple(fields.items())) if self.data_key else None
        if key is not None:
            with _ANSWERS_LOCK:
                known = _ANSWERS.get(key)
            if known is not None:
                return Reply(known[0], list(known[1]), known[2])
        reply = self._ask_inner(environ, fields)
        if key is not None:
            with _ANSWERS_LOCK:
                if len(_ANSWERS) < _ANSWERS_LIMIT:
                    _ANSWERS[key] = (reply.status, tuple(reply.headers), reply.body)
        return reply

    def _ask_inner(self, environ: dict[str, Any], fields: Fields) -> Reply:
        body = urlencode(list(fields.items())).encode("ascii")
        inner_environ = dict(environ)
        inner_environ.update(
            {
                "REQUEST_METHOD": "POST",
                "QUERY_STRING": "",
                "CONTENT_TYPE": "application/x-www-form-urlencoded",
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": io.BytesIO(body),
            }
        )
        captured: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, list(headers)
            return lambda data: None

        chunks = self.inner(inner_environ, start)
        try:
            data = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        return Reply(captured["status"], captured["headers"], data)


def _fields(environ: dict[str, Any]) -> Fields:
    """The request's fields as the reference reads them: query string, then body; for a
    repeated field the last value."""
    request = Request(environ)
    fields: Fields = {}
    for source in (request.args, request.form if request.method == "POST" else None):
        if source is None:
            continue
        for key in source:
            fields[key] = source.getlist(key)[-1]
    return fields
