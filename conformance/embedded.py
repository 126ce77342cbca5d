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


class EmbeddedServerError(Exception):
    """The reference server did not start; the message says why."""


class EmbeddedServer:
    """A running reference server: its URL and the profile describing its data."""

    def __init__(self, starting: StartingServer, url: str, profile_path: Path) -> None:
        self._starting, self.url, self.profile_path = starting, url, profile_path
        self.process = starting.process

    @classmethod
    def start(cls, *, latency_ms: int = 0, threads: int = 8, timeout: float = 30.0) -> EmbeddedServer:
        return StartingServer(latency_ms=latency_ms, threads=threads).ready(timeout)

    def stop(self) -> None:
        self._starting.stop()


class StartingServer:
    """A reference server process launched and not yet waited for: its interpreter starts
    and loads its data while the harness does its own start-up (the profile, the plugins),
    and :meth:`ready` waits only for what is left."""

    def __init__(self, *, latency_ms: int = 0, threads: int = 8) -> None:
        # --until-stdin-closes with a pipe this process holds: if the harness is killed
        # outright (SIGKILL, a CI timeout), the pipe closes and the server stops too.
        command = [sys.executable, "-m", "conformance.reference", "--host", "127.0.0.1", "--port", "0",
                   "--threads", str(threads), "--latency-ms", str(latency_ms), "--until-stdin-closes"]  # fmt: skip
        # stderr goes to a file: a pipe nobody reads would fill and stall the server.
        self._errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - kept open until stop(), which closes it
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._errors, stdin=subprocess.PIPE, text=True
        )
        self._lines: list[str] = []
        threading.Thread(target=_read_lines, args=(self.process, self._lines), daemon=True).start()

    def ready(self, timeout: float = 30.0) -> EmbeddedServer:
        """The server, once it has said its URL and profile (EmbeddedServerError if it
        exits or says nothing within ``timeout``; it is then stopped)."""
        found: dict[str, str] = {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None and "profile" not in found:
            time.sleep(0.01)
            found = dict(line.split(": ", 1) for line in list(self._lines) if ": " in line)
        if "url" not in found or "profile" not in found:
            self.process.kill()
            self.process.wait(5)
            self._errors.seek(0)
            said = self._errors.read().strip()[-2000:] or "no output"
            self.stop()
            raise EmbeddedServerError(
                f"the embedded reference server did not start within {timeout:g} s "
                f"(exit {self.process.returncode}): {said}"
            )
        return EmbeddedServer(self, found["url"], Path(found["profile"]))

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
