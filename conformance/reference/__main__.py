"""Command line: ``python -m conformance.reference --port 8080``.

Prints the endpoint URL and the profile path, then serves until Ctrl-C
(or SIGTERM).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Callable, Sequence

from .db import DatabaseFileError, SeedError
from .server import start


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0-65535 (0 = any free port), got {value}")
    return value


def _count(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m conformance.reference",
        description="Run the reference 'Retrieve Customer Information' server (a sandbox).",
    )
    parser.add_argument("--port", type=_port, default=8080, help="TCP port; 0 picks a free one (default 8080)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="PATH",
        help="keep the data in this SQLite file (created from the seed if absent or empty,"
        " reused otherwise); default: a fresh in-memory database",
    )
    parser.add_argument(
        "--latency-ms", type=_count(0), default=0, metavar="N", help="delay every answer by N ms"
    )
    parser.add_argument("--threads", type=_count(1), default=8, help="worker threads (default 8)")
    return parser


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # waitress warns whenever requests queue for a worker thread: routine
    # when a harness floods a sandbox, and noise on the console.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    try:
        server = start(
            args.host, args.port, db_path=args.db, latency_ms=args.latency_ms, threads=args.threads
        )
    except (OSError, DatabaseFileError, SeedError) as exc:
        parser.exit(1, f"{parser.prog}: error: cannot start: {exc}\n")
    # SIGTERM (e.g. from a process manager) stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        print(f"url: {server.url}", flush=True)
        print(f"profile: {server.profile_path}", flush=True)
        print("serving until Ctrl-C", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
