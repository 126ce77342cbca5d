"""Reference implementation of the "Retrieve Customer Information" API call.

A faithful, self-contained server (SQLite data seeded from seed.yaml,
served by waitress) that the conformance suite runs against by default and
that client developers can run as a sandbox:

    python -m conformance.reference --port 8080

Independent of the harness: nothing here imports pytest or any other
``conformance.*`` module.

The server's modules are imported when first used (PEP 562): the harness reads
``PROFILE_PATH`` and the data set in its own process, where the server (WSGI app,
SQLite, waitress: a fifth of a second) never runs; it runs in a child process.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .paths import PROFILE_PATH, SEED_PATH

if TYPE_CHECKING:
    from .app import make_app
    from .render import render_json, render_xml
    from .server import RunningServer, start

_WHERE = {
    "make_app": ".app",
    "render_json": ".render",
    "render_xml": ".render",
    "RunningServer": ".server",
    "start": ".server",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PROFILE_PATH",
    "SEED_PATH",
    "RunningServer",
    "make_app",
    "render_json",
    "render_xml",
    "start",
]
