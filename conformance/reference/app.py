"""The WSGI application: HTTP in, rendered document out.

HTTP concerns only (paths, methods, body size, the three request encodings,
content types); the call's logic is in service.py.  The outermost layer
turns any unexpected exception into an XML error envelope with status 200:
the reference must never answer a 5xx, whatever it is sent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from . import model, service
from .db import Database
from .params import XML_OUTPUT, OutputOptions, parse_output
from .render import render

log = logging.getLogger(__name__)

#: Larger request bodies get 413 and an error envelope.
MAX_BODY_BYTES = 1024 * 1024

ENDPOINT_PATHS = frozenset({"/", "/api.php"})
# HEAD is GET without a body (waitress drops it); allowed as HTTP expects.
ALLOWED_METHODS = ("GET", "HEAD", "POST")

MSG_NOT_FOUND = "Not found: the API is served at / and /api.php"
MSG_METHOD = "Method not allowed: send the fields with POST (or GET)"
MSG_TOO_LARGE = f"Request body too large: the limit is {MAX_BODY_BYTES} bytes"
MSG_INTERNAL = "Internal error: the request could not be processed"

StartResponse = Callable[..., Any]
WSGIEnviron = dict[str, Any]


class _Request(Request):
    # Werkzeug's own defaults (500 kB of fields, 1000 parts) would refuse
    # some bodies under 1 MB; the only limit meant here is the body size.
    max_content_length = MAX_BODY_BYTES
    max_form_memory_size = MAX_BODY_BYTES
    max_form_parts = MAX_BODY_BYTES  # every part takes bytes: the body size bounds the count


def _fields(*sources: MultiDict[str, str]) -> dict[str, str]:
    """Merge field sources, later sources winning, and for a repeated field
    keep the last value, as the PHP service does."""
    fields: dict[str, str] = {}
    for source in sources:
        for key in source:
            fields[key] = source.getlist(key)[-1]
    return fields


def _respond(doc: Mapping[str, Any], options: OutputOptions, status: int = 200) -> Response:
    body, content_type = render(doc, fmt=options.format, condensed=options.condensed, callback=options.callback)
    response = Response(body, status=status, content_type=content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


class ReferenceApp:
    """WSGI callable answering "Retrieve Customer Information" from ``db``."""

    def __init__(self, db: Database, *, latency_ms: int = 0) -> None:
        if latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        self.db = db
        self.latency_s = latency_ms / 1000.0

    def close(self) -> None:
        self.db.close()

    def __call__(self, environ: WSGIEnviron, start_response: StartResponse) -> Iterable[bytes]:
        try:
            response = self._handle(_Request(environ))
        except Exception:
            log.exception("unexpected error while answering a request")
            response = _respond(model.error_document(MSG_INTERNAL), XML_OUTPUT)
        return response(environ, start_response)

    def _handle(self, request: _Request) -> Response:
        if self.latency_s:
            time.sleep(self.latency_s)  # simulates a remote target
        query = _fields(request.args)
        # Refusals decided before the body is read still honour the
        # query string's output choice.
        early_output, _ = parse_output(query)
        if request.path not in ENDPOINT_PATHS:
            return _respond(model.error_document(MSG_NOT_FOUND), early_output, 404)
        if request.method not in ALLOWED_METHODS:
            response = _respond(model.error_document(MSG_METHOD), early_output, 405)
            response.headers["Allow"] = ", ".join(ALLOWED_METHODS)
            return response
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return _respond(model.error_document(MSG_TOO_LARGE), early_output, 413)
        fields = query
        if request.method == "POST":
            try:
                # Body fields win over query-string ones; uploaded files are
                # not fields (PHP's $_POST ignores them too).
                fields = _fields(request.args, request.form)
            except RequestEntityTooLarge:
                return _respond(model.error_document(MSG_TOO_LARGE), early_output, 413)
            except (HTTPException, ValueError):
                fields = query  # undecodable body: answer from what we have
        options, callback_error = parse_output(fields)
        if callback_error is not None:
            return _respond(model.error_document(callback_error), options)
        return _respond(service.answer(self.db, fields), options)


def make_app(db_path: str | Path | None = None, *, latency_ms: int = 0) -> ReferenceApp:
    """A WSGI app over a fresh in-memory database (or the --db file)."""
    return ReferenceApp(Database.open(db_path), latency_ms=latency_ms)
