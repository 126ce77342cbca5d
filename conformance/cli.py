"""``customer-info-conformance``: the suite from the installed package, as one command.

It is ``pytest --pyargs conformance.suite ARGS``: every argument is pytest's (the
harness's own options included), and the exit code is pytest's. The documented way to
run from the wheel, where a bare ``pytest`` would find no suite to collect.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import pytest

SUITE = "conformance.suite"

ABOUT = """\
customer-info-conformance: the customer_info conformance suite, run from the installed package.
It is `pytest --pyargs conformance.suite ARGS`: every argument below is pytest's, the harness's
own under "customer_info conformance"; the exit code is pytest's (0: every case passed).
Without --target-url it runs against the embedded reference server.
Example: customer-info-conformance --target-url=https://api.example.com/api.php --target-profile=my-target.yaml

"""


def pytest_args(argv: Sequence[str]) -> list[str]:
    """The pytest command line for ``argv``: the suite selected, every argument kept. The
    rootdir is the directory the command runs in (unless given), not the installed
    package's: pytest prints node ids relative to it, and they then read
    ``customer_info/filters::NOTE-CAMPAIGN-ID[...]`` rather than a path into site-packages."""
    given = any(a == "--rootdir" or a.startswith("--rootdir=") for a in argv)
    return ["--pyargs", SUITE, *([] if given else [f"--rootdir={os.getcwd()}"]), *argv]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "-h" in args or "--help" in args:
        # Said first, so a reader knows what the pytest help that follows belongs to.
        sys.stdout.write(ABOUT)
        sys.stdout.flush()
    try:
        return int(pytest.main(pytest_args(args)))
    except BrokenPipeError:
        # `customer-info-conformance --help | head`: the reader stopped reading. Python's
        # documented recipe: point stdout at devnull so the exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
