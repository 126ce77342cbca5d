"""Reference implementation of the "Retrieve Customer Information" API call.

A faithful, self-contained server (SQLite data seeded from seed.yaml,
served by waitress) that the conformance suite runs against by default and
that client developers can run as a sandbox:

    python -m conformance.reference --port 8080

Independent of the harness: nothing here imports pytest or any other
``conformance.*`` module.
"""

from .app import make_app
from .paths import PROFILE_PATH, SEED_PATH
from .render import render_json, render_xml
from .server import RunningServer, start

__all__ = [
    "PROFILE_PATH",
    "SEED_PATH",
    "RunningServer",
    "make_app",
    "render_json",
    "render_xml",
    "start",
]
