"""The embedded reference server, run in a child process for the length of a run.

A child process, not a thread: the harness and the server then use a core each
instead of sharing one interpreter lock, which doubles the default run's speed on a
2-core machine. The child is the reference's own command line
(``python -m conformance.reference --port 0``), so what runs embedded is exactly what
a client developer runs as a sandbox.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO


class EmbeddedServerError(Exception):
    """The reference server did not start; the message says why."""


class EmbeddedServer:
    _errors: IO[str]

    def __init__(self, process: subprocess.Popen[str], url: str, profile_path: Path) -> None:
        self.process, self.url, self.profile_path = process, url, profile_path

    @classmethod
    def start(cls, *, latency_ms: int = 0, threads: int = 8, timeout: float = 30.0) -> EmbeddedServer:
        # --until-stdin-closes with a pipe this process holds: if the harness is killed
        # outright (SIGKILL, a CI timeout), the pipe closes and the server stops too.
        command = [sys.executable, "-m", "conformance.reference", "--host", "127.0.0.1", "--port", "0",
                   "--threads", str(threads), "--latency-ms", str(latency_ms), "--until-stdin-closes"]  # fmt: skip
        # stderr goes to a file: a pipe nobody reads would fill and stall the server.
        errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - kept open until stop(), which closes it
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.PIPE, text=True)
        lines: list[str] = []
        reader = threading.Thread(target=_read_lines, args=(process, lines), daemon=True)
        reader.start()
        found: dict[str, str] = {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None and "profile" not in found:
            time.sleep(0.02)
            found = dict(line.split(": ", 1) for line in list(lines) if ": " in line)
        if "url" not in found or "profile" not in found:
            process.kill()
            process.wait(5)
            errors.seek(0)
            raise EmbeddedServerError(
                f"the embedded reference server did not start within {timeout:g} s "
                f"(exit {process.returncode}): {errors.read().strip()[-2000:] or 'no output'}"
            )
        server = cls(process, found["url"], Path(found["profile"]))
        server._errors = errors
        return server

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self._errors.close()


def _read_lines(process: subprocess.Popen[str], lines: list[str]) -> None:
    # Reads to the end, so the child never blocks on a full stdout pipe.
    assert process.stdout is not None
    try:
        for line in process.stdout:
            lines.append(line.strip())
    except (OSError, ValueError):
        pass
