"""Render a report.html in headless Chromium to a PNG, for a person to look at.

    python tools/screenshot_report.py reports/report.html            # writes reports/report.png
    python tools/screenshot_report.py reports/report.html out.png --width 800 --height 3000

Scripts are left on, as a browser opens the file; the report's summary is plain HTML and
reads the same with them off. Needs Debian's ``chromium`` package (``apt-get install
chromium``) or a Chromium/Chrome named by ``--chromium`` or the ``CHROMIUM`` variable.
Exit status 0 when the PNG was written, 2 when Chromium is missing or fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_S = 120


def find_chromium(explicit: str | None) -> str | None:
    """The browser to run: the one named, else the first of CANDIDATES on PATH."""
    if explicit:
        return explicit if Path(explicit).is_file() or shutil.which(explicit) else None
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


def command(chromium: str, report: Path, png: Path, width: int, height: int) -> list[str]:
    return [
        chromium,
        "--headless",
        "--no-sandbox",  # runs as root in containers, where the sandbox cannot start
        "--disable-gpu",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
        f"--screenshot={png}",
        report.resolve().as_uri(),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", type=Path, help="the report.html to render")
    parser.add_argument("png", type=Path, nargs="?", help="the PNG to write (default: next to the report)")
    parser.add_argument("--width", type=int, default=1300)
    parser.add_argument("--height", type=int, default=2400)
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM"), help="path of the browser")
    args = parser.parse_args(argv)
    if not args.report.is_file():
        print(f"error: no report at {args.report}: give the path of a report.html", file=sys.stderr)
        return 2
    chromium = find_chromium(args.chromium)
    if chromium is None:
        print(
            "error: Chromium not found (looked for "
            + (args.chromium or ", ".join(CANDIDATES))
            + " on PATH). Install Debian's package (apt-get install chromium) or give its path "
            "with --chromium PATH or the CHROMIUM variable.",
            file=sys.stderr,
        )
        return 2
    png = (args.png or args.report.with_suffix(".png")).resolve()
    png.unlink(missing_ok=True)  # so a PNG left from an earlier run is never taken for this one
    try:
        done = subprocess.run(
            command(chromium, args.report, png, args.width, args.height),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        print(f"error: {chromium} did not finish within {TIMEOUT_S} s", file=sys.stderr)
        return 2
    if not png.is_file():
        print(
            f"error: {chromium} wrote no PNG (exit status {done.returncode}):\n{done.stderr[-2000:]}",
            file=sys.stderr,
        )
        return 2
    print(f"{png} ({args.width}x{args.height})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
