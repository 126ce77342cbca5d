"""The sandbox's command-line options, kept apart from ``__main__.py``'s own:

    python -m conformance.reference --variant cdata,json_numbers   # these variations on every answer
    python -m conformance.reference --variants all --seed 7        # wire variations rotating per answer,
                                                                   # content ones held per customer
    python -m conformance.reference --faults no_match_as_error     # one documented behaviour broken
    python -m conformance.reference --list-variants | --list-faults

``add_arguments`` declares them; ``listing`` answers the two --list options;
``build`` turns the others into the server to run (None: the plain reference).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import textwrap
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from ..app import ReferenceApp
from ..db import Database
from ..paths import PROFILE_PATH
from ..server import _numeric_host
from .faults import FAULTS
from .middleware import Fault, FaultyApp, Reply
from .options import add_arguments, requested
from .server import Server
from .variants import VARIANTS, Rotation, VariantError, combine, customer_in, data_app, rotating

__all__ = ["LABEL_HEADER", "Sandbox", "add_arguments", "build", "listing", "requested"]

LABEL_HEADER = "X-Sandbox-Variant"


def _wrap(label: str, text: str) -> str:
    return textwrap.fill(
        text,
        width=100,
        initial_indent=f"  {label:9}",
        subsequent_indent=" " * 11,
        break_on_hyphens=False,
        break_long_words=False,
    )


def list_variants(out: TextIO) -> None:
    rotated = set(rotating())
    out.write(
        f"{len(VARIANTS)} variants ({len(rotated)} rotated by --variants all: "
        f"{sum(VARIANTS[n].layer == 'wire' for n in rotated)} one per answer, "
        f"{sum(VARIANTS[n].layer == 'content' for n in rotated)} held per customer). "
        "Each is conformant: the harness's whole suite passes against it.\n"
    )
    for name, variant in VARIANTS.items():
        out.write(f"\n{name}\n")
        for label, text in (
            ("changes", variant.description),
            ("allowed", variant.allowed),
            ("breaks", variant.breaks),
            ("scope", variant.scope),
        ):
            out.write(_wrap(label, text) + "\n")


def list_faults(out: TextIO) -> None:
    out.write(
        f"{len(FAULTS)} faults. Each breaks one documented behaviour; "
        "the harness fails the server citing the requirement.\n"
    )
    for name, fault in FAULTS.items():
        out.write(f"\n{name}\n")
        out.write(_wrap("breaks", fault.description) + "\n")
        requirement = "none: the document is silent; a security practice" if fault.by_advisory else fault.requirement
        out.write(_wrap("requires", f"{requirement} (conformance/requirements.yaml)") + "\n")


def listing(args: argparse.Namespace, out: TextIO | None = None) -> bool:
    """Answer --list-variants / --list-faults; True when one was asked (nothing to serve)."""
    out = out or sys.stdout  # looked up now: a test may have replaced it
    if args.list_variants:
        list_variants(out)
    if args.list_faults:
        list_faults(out)
    return bool(args.list_variants or args.list_faults)


@dataclass
class Sandbox:
    """A running sandbox: its URL, the profile describing its data, what it serves."""

    server: Server
    profile_path: Path
    banner: list[str]

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.stop()


def _usage(parser: argparse.ArgumentParser, message: str) -> None:
    parser.error(message)  # exits 2 with the usage line


def _console(out: TextIO) -> Any:
    lock = threading.Lock()

    def listener(number: int, label: str, environ: dict[str, Any], reply: Reply) -> None:
        # One line per answer: which variant answered which request, to replay a failure.
        line = (
            f"#{number} {label} {environ.get('REQUEST_METHOD', '')} "
            f"{environ.get('PATH_INFO', '')} -> {reply.status.split(' ', 1)[0]}\n"
        )
        with lock:
            out.write(line)
            out.flush()

    return listener


def build(parser: argparse.ArgumentParser, args: argparse.Namespace, out: TextIO | None = None) -> Sandbox:
    """The sandbox the options ask for, serving (call only when ``requested(args)``).
    Every mistake in the options ends with a usage error saying what to change."""
    if args.faults and (args.variant or args.variants):
        _usage(
            parser,
            "--faults cannot go with --variant/--variants: a fault breaks "
            "the reference, a variant keeps it conformant; run one at a time",
        )
    if args.seed is not None and not args.variants:
        _usage(parser, "--seed orders the rotation of --variants; give --variants all (or a list) with it")
    inner_db = Database.open(args.db)
    banner: list[str] = []
    profile = PROFILE_PATH
    pick = None
    listener = None
    idle = None
    fault: Fault | None = None
    if args.faults:
        if args.faults not in FAULTS:
            _usage(parser, f"no fault named {args.faults!r}; python -m conformance.reference --list-faults lists them")
        fault = FAULTS[args.faults]
        banner.append(f"fault: {args.faults}: {fault.description} (breaks {fault.requirement})")
    base = list(args.variant or [])
    names: list[str] = []
    try:
        if base:
            fault = combine(base)
            banner.append(f"variants on every answer: {', '.join(base)}")
        if args.variants:
            names = rotating() if args.variants == ["all"] else args.variants
            wide = [n for n in names if n in VARIANTS and VARIANTS[n].server_wide]
            if wide:
                raise VariantError(
                    f"{', '.join(wide)} change the whole server: name them with --variant, not in --variants"
                )
            missing = [n for n in names if n not in VARIANTS]
            if missing:
                raise VariantError(f"no variant named {', '.join(missing)} (--list-variants lists them)")
    except VariantError as exc:
        _usage(parser, str(exc))
    chosen = [VARIANTS[n] for n in base]
    inner: ReferenceApp
    if any(v.data_set for v in chosen):
        if args.db is not None:
            _usage(parser, "other_data_set brings its own data: it cannot go with --db")
        inner_db.close()
        inner, profile = data_app(Path(tempfile.mkdtemp(prefix="sandbox-data-")))
        inner.latency_s = args.latency_ms / 1000.0
    else:
        inner = ReferenceApp(inner_db, latency_ms=args.latency_ms)
    if names:
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
        # Content variants are held per customer of the data served (inner's), wire ones rotate.
        pick = Rotation(
            names, seed, base=[n for n in base if not VARIANTS[n].server_wide], customer_of=customer_in(inner.db)
        )
        listener = _console(out or sys.stdout)
        banner.append(f"seed: {seed} (the same sequence again: --variants {','.join(args.variants)} --seed {seed})")
        if pick.wire:
            banner.append(f"rotating, one per answer: {', '.join(pick.wire)}")
        if pick.content:
            banner.append(
                f"held per customer (every answer about a customer, for about half of them): {', '.join(pick.content)}"
            )
    idle = min((v.idle_timeout_s for v in chosen if v.idle_timeout_s is not None), default=None)
    # No answer cache (data_key None): the sandbox answers every request afresh, latency included.
    app = FaultyApp(
        fault, inner=inner, data_key=None, pick=pick, label_header=LABEL_HEADER if pick else None, listener=listener
    )
    try:
        server = Server(app, host=_numeric_host(args.host), port=args.port, threads=args.threads, idle_timeout_s=idle)
    except BaseException:
        app.close()
        raise
    return Sandbox(server, profile, banner)
