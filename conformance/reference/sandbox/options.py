"""The sandbox's command-line options, apart from what serves them (``cli.py``): the
reference's command line adds them to every run, and the embedded server, which uses
none of them, then starts without importing the faults and variants."""

from __future__ import annotations

import argparse


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected one or more names separated by commas")
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "sandbox for client developers",
        "Serve the reference changed the ways another conformant server may differ (variants), or with one "
        "documented behaviour broken (faults). See docs/client-testing.md.",
    )
    group.add_argument("--variant", type=_names, metavar="NAME[,NAME...]", help="apply these variants to every answer")
    group.add_argument(
        "--variants", type=_names, metavar="all|NAME[,NAME...]",
        help="rotate through these variants (all: every one that is not server-wide) in a seeded order: those that "
        "change how an answer is written or sent one per answer, those that change a customer's data held per "
        "customer (every answer about a customer has it, or none does); each answer names its variants in the "
        "X-Sandbox-Variant header and on the console",
    )  # fmt: skip
    group.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="N",
        help="the rotation's seed (default: a random one, printed): the same seed gives the same sequence",
    )
    group.add_argument("--faults", metavar="NAME", help="break one documented behaviour (see --list-faults)")
    group.add_argument(
        "--list-variants",
        action="store_true",
        help="list the variants: what each changes, why it is allowed, which clients it breaks",
    )
    group.add_argument(
        "--list-faults",
        action="store_true",
        help="list the faults: what each breaks, and the sentence of the document it breaks",
    )


def requested(args: argparse.Namespace) -> bool:
    return bool(args.variant or args.variants or args.faults)


def listing_requested(args: argparse.Namespace) -> bool:
    return bool(args.list_variants or args.list_faults)
