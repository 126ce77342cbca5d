"""The sandbox started as a client developer starts it: ``python -m conformance.reference
--port 0 ...`` in a child process, its console written to a file (so that a chatty
rotation never blocks on a full pipe), its URL and profile read from that console."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

READY = "serving until Ctrl-C"
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Sandbox:
    url: str
    profile: Path
    console: Path  # everything the sandbox printed
    seed: int | None

    def lines(self) -> list[str]:
        return self.console.read_text(encoding="utf-8", errors="replace").splitlines()


class SandboxDidNotStart(RuntimeError):
    pass


@contextlib.contextmanager
def sandbox(arguments: Sequence[str], workdir: Path) -> Iterator[Sandbox]:
    """Run the sandbox with ``arguments`` (after ``--port 0``) until the block ends."""
    workdir.mkdir(parents=True, exist_ok=True)
    console = workdir / "sandbox-console.txt"
    command = [sys.executable, "-m", "conformance.reference", "--port", "0", *arguments]
    with open(console, "w", encoding="utf-8") as out:
        # PYTHONUNBUFFERED: every per-answer line reaches the file as it is printed.
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        text = ""
        while READY not in text:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SandboxDidNotStart(
                    f"{' '.join(command)} (exit {process.poll()}):\n{console.read_text(encoding='utf-8')}"
                )
            time.sleep(0.05)
            text = console.read_text(encoding="utf-8")
        url = re.search(r"^url: (\S+)$", text, re.MULTILINE)
        profile = re.search(r"^profile: (.+)$", text, re.MULTILINE)
        seed = re.search(r"^seed: (\d+)", text, re.MULTILINE)
        assert url and profile, text
        yield Sandbox(url.group(1), Path(profile.group(1)), console, int(seed.group(1)) if seed else None)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the sandbox stops cleanly on SIGTERM
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
