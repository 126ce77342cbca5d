"""Command line: ``python -m conformance.reference --port 8080``.

Prints the endpoint URL and the profile path, then serves until Ctrl-C
(or SIGTERM). The sandbox's options (``--variant``, ``--variants``, ``--faults``,
``--list-variants``, ``--list-faults``) are in ``sandbox/cli.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from .db import DatabaseFileError
from .sandbox import options as sandbox_options
from .seed import SeedError
from .server import RunningServer, start

if TYPE_CHECKING:
    from .sandbox.cli import Sandbox


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
    parser.add_argument("--latency-ms", type=_count(0), default=0, metavar="N", help="delay every answer by N ms")
    parser.add_argument("--threads", type=_count(1), default=8, help="worker threads (default 8)")
    parser.add_argument(
        "--until-stdin-closes",
        action="store_true",
        help="also stop when standard input closes: how the harness ties the server's life to its own, "
        "so a harness killed outright leaves no server behind",
    )
    _add_dataset_options(parser)
    sandbox_options.add_arguments(parser)
    return parser


def _add_dataset_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "certification data set",
        "write the data the reference serves, for loading into another implementation, and the"
        " profile with its expected values (docs/certification-data-set.md); then exit",
    )
    group.add_argument(
        "--write-dataset", type=Path, metavar="DIR",
        help="write the certification data set into DIR (dataset.yaml, dataset.json and one CSV per table)",
    )  # fmt: skip
    group.add_argument(
        "--write-profile", type=Path, metavar="FILE",
        help="write the certification profile (hand-worked expected values for every customer) to FILE",
    )  # fmt: skip


def _write_dataset_files(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """--write-dataset / --write-profile: write, say what was written, exit."""
    from . import dataset

    try:
        if args.write_dataset is not None:
            written = dataset.write(args.write_dataset)
            print(f"{dataset.NAME}, version {dataset.VERSION}: {len(written.files)} files in {written.directory}")
            print(f"sha256 of dataset.json: {written.sha256}")
        if args.write_profile is not None:
            if args.write_profile.is_dir():
                parser.exit(
                    2,
                    f"{parser.prog}: error: --write-profile {args.write_profile} is a directory; "
                    f"give a file name, e.g. {args.write_profile / 'certification-profile.yaml'}\n",
                )
            print(f"certification profile: {dataset.write_profile(args.write_profile)}")
    except OSError as exc:
        parser.exit(1, f"{parser.prog}: error: cannot write: {exc}\n")
    return 0


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    # Once: the server is stopping, and a second SIGTERM (the stdin watcher's, when the
    # parent closes the pipe after signalling) must not interrupt the stop itself.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def _stop_when_stdin_closes() -> None:
    """Read standard input to its end (the parent's pipe closes when the parent exits,
    however it exits), then stop as SIGTERM would."""
    # os.read on the descriptor, not sys.stdin: a daemon thread blocked inside the
    # buffered reader holds its lock, and the interpreter's exit then waits on it.
    with contextlib.suppress(OSError, ValueError):
        while os.read(sys.stdin.fileno(), 4096):
            pass
    os.kill(os.getpid(), signal.SIGTERM)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.write_dataset is not None or args.write_profile is not None:
        return _write_dataset_files(parser, args)
    if sandbox_options.listing_requested(args) or sandbox_options.requested(args):
        # The faults and variants, imported only when asked for: the embedded server starts sooner.
        from .sandbox import cli as sandbox
    if sandbox_options.listing_requested(args):
        sandbox.listing(args)
        return 0
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # waitress warns whenever requests queue for a worker thread: routine
    # when a harness floods a sandbox, and noise on the console.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    banner: list[str] = []
    server: RunningServer | Sandbox
    try:
        if sandbox_options.requested(args):
            server = sandbox.build(parser, args)
            banner = server.banner
        else:
            server = start(args.host, args.port, db_path=args.db, latency_ms=args.latency_ms, threads=args.threads)
    except (OSError, DatabaseFileError, SeedError) as exc:
        parser.exit(1, f"{parser.prog}: error: cannot start: {exc}\n")
    # SIGTERM (e.g. from a process manager) stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    if args.until_stdin_closes:
        threading.Thread(target=_stop_when_stdin_closes, name="stdin-watch", daemon=True).start()
    try:
        print(f"url: {server.url}", flush=True)
        print(f"profile: {server.profile_path}", flush=True)
        for line in banner:
            print(line, flush=True)
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
