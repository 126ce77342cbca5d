"""The embedded reference server lives no longer than the harness that started it,
however the harness ends: a run killed outright (SIGKILL, a CI job's timeout) must not
leave a server behind on the machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

STARTER = """
import sys, time
from conformance.embedded import EmbeddedServer
server = EmbeddedServer.start()
print(server.process.pid, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for this purpose (its parent, init, reaps it).
    status = Path(f"/proc/{pid}/status")
    return not (status.is_file() and "\nState:\tZ" in status.read_text())


def test_the_server_stops_when_its_harness_is_killed() -> None:
    harness = subprocess.Popen([sys.executable, "-c", STARTER], stdout=subprocess.PIPE, text=True)
    try:
        assert harness.stdout is not None
        server_pid = int(harness.stdout.readline())
        assert _alive(server_pid)
        harness.send_signal(signal.SIGKILL)  # no cleanup code runs
        harness.wait(10)
        deadline = time.monotonic() + 15
        while _alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(server_pid), "the reference server outlived the harness that started it"
    finally:
        if harness.poll() is None:
            harness.kill()


def test_a_server_watching_its_stdin_stops_cleanly_either_way() -> None:
    # Stopped by SIGTERM (EmbeddedServer.stop) or by its stdin closing: it exits 0 with
    # nothing on stderr. (A watcher blocked inside sys.stdin's buffered reader made the
    # interpreter's exit wait a second on its lock and then abort with a fatal error.)
    for stop in ("sigterm", "stdin"):
        server = subprocess.Popen(
            [sys.executable, "-m", "conformance.reference", "--port", "0", "--until-stdin-closes"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert server.stdout is not None and server.stdin is not None
        while "serving until" not in server.stdout.readline():
            pass
        if stop == "sigterm":
            server.send_signal(signal.SIGTERM)
        else:
            server.stdin.close()
        server.wait(15)
        assert server.stderr is not None
        errors = server.stderr.read()
        for stream in (server.stdin, server.stdout, server.stderr):
            stream.close()
        assert server.returncode == 0 and errors == "", (stop, server.returncode, errors[-2000:])
