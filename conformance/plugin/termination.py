"""SIGTERM ends a run like Ctrl-C: the reports are written, then the process ends by the signal.

CI systems (GitLab, Jenkins, Kubernetes, GitHub Actions on cancel) stop a job with SIGTERM,
and Python's default for it is to die at once: no certificate, no HTML report, no JUnit
XML, for a run that may have judged thousands of cases. Here SIGTERM raises
KeyboardInterrupt in the main thread, so pytest takes the Ctrl-C path (the session
finishes, every report is written with what was judged, the verdict says the run
stopped early); when the run is over, the process ends by SIGTERM itself, so the caller
sees the conventional status (143 in a shell) and knows the job was terminated, not
failed.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

_received = False


def install() -> None:
    """Route SIGTERM to the Ctrl-C path (main thread only: Python delivers signals there)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None):
        return  # someone (an embedding program, a test runner) handles it already: theirs
    signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    global _received
    _received = True
    # A second SIGTERM while the reports are written must not cut them short.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt("SIGTERM")


def received() -> bool:
    """Whether this process was sent SIGTERM during the run."""
    return _received


def end_by_the_signal() -> None:
    """After every report is written: end as a process killed by SIGTERM would."""
    if not _received:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)
