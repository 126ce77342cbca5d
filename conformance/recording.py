"""Recordings: every exchange of a run saved (``--record-dir DIR``) and played back
(``--replay-dir DIR``) with no network, so a failure is reproduced and re-judged offline.

The format (docs/recording.md)::

    DIR/manifest.json           what the recording was made with (see MANIFEST_KEYS)
    DIR/exchanges-<proc>.jsonl  one exchange a line, in the order they were sent; <proc>
                                is "main", or the xdist worker id (gw0, gw1, ...)
    DIR/bodies/<sha256>         each distinct response body once, raw bytes

Requests are stored as the harness holds them: the password field is the placeholder
``$TARGET_USER_PASSWORD``, never the password; a body the target echoed the password
in was scrubbed at receipt. Nothing here imports pytest.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from conformance import __version__
from conformance.request import Exchange, Request

FORMAT = "customer-info-recording"
VERSION = 1
MANIFEST_KEYS = (
    "format",
    "version",
    "harness_version",
    "target_url",
    "embedded_reference",
    "profile_sha256",
    "request_encoding",
    "combinations",
)


class RecordingError(Exception):
    """A recording cannot be written or read; the message names the directory and the fix."""


def _exchange_json(exchange: Exchange, body_name: str, fresh: bool) -> dict[str, Any]:
    return {
        "request": {"fields": [list(f) for f in exchange.request.fields], "encoding": exchange.request.encoding},
        "fresh": fresh,  # sent again on purpose (the "again" of a repeat relation)
        "url": exchange.url,
        "status": exchange.status,
        "headers": dict(exchange.headers),
        "body": body_name,
        "elapsed": exchange.elapsed,
        "truncated": exchange.truncated,
        "transport_error": exchange.transport_error,
        "attempts": exchange.attempts,
        "retry_reasons": list(exchange.retry_reasons),
        "redirects": list(exchange.redirects),
        "echoed_password": exchange.echoed_password,
    }


def _exchange_of(data: dict[str, Any], body: bytes) -> Exchange:
    request = Request(tuple((str(k), str(v)) for k, v in data["request"]["fields"]), data["request"]["encoding"])
    return Exchange(
        request=request,
        url=data["url"],
        status=data["status"],
        headers=dict(data["headers"]),
        body=body,
        elapsed=float(data["elapsed"]),
        truncated=bool(data["truncated"]),
        transport_error=data["transport_error"],
        attempts=int(data["attempts"]),
        retry_reasons=tuple(data["retry_reasons"]),
        redirects=tuple(data["redirects"]),
        echoed_password=bool(data["echoed_password"]),
    )


class Recorder:
    """Collects every exchange as it is sent (a Harness listener); ``save`` writes them."""

    def __init__(self, directory: Path, process: str) -> None:
        self.directory, self.process = directory, process
        self._lines: list[str] = []
        self._bodies: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange, fresh: bool) -> None:
        name = hashlib.sha256(exchange.body).hexdigest()
        line = json.dumps(_exchange_json(exchange, name, fresh), ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._bodies.setdefault(name, exchange.body)
            self._lines.append(line)

    def save(self, manifest: dict[str, Any]) -> int:
        """Write this process's exchanges, its bodies and the manifest; return how many."""
        bodies = self.directory / "bodies"
        try:
            bodies.mkdir(parents=True, exist_ok=True)
            for name, body in self._bodies.items():
                path = bodies / name
                if not path.exists():
                    path.write_bytes(body)
            (self.directory / f"exchanges-{self.process}.jsonl").write_text(
                "".join(line + "\n" for line in self._lines), encoding="utf-8"
            )
            (self.directory / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise RecordingError(
                f"--record-dir {self.directory}: cannot write the recording "
                f"({exc.strerror}). Choose a directory you can write to."
            ) from None
        return len(self._lines)


def manifest(
    target_url: str | None, embedded: bool, profile_sha256: str, encoding: str, combinations: str
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "harness_version": __version__,
        "target_url": target_url,
        "embedded_reference": embedded,
        "profile_sha256": profile_sha256,
        "request_encoding": encoding,
        "combinations": combinations,
    }


def check_new_directory(directory: Path) -> None:
    """A recording is never mixed with an older one."""
    if (directory / "manifest.json").exists() or any(directory.glob("exchanges-*.jsonl")):
        raise RecordingError(
            f"--record-dir {directory} already holds a recording. Give a new or empty directory (or delete that one)."
        )


def read_manifest(directory: Path) -> dict[str, Any]:
    where = f"--replay-dir {directory}"
    path = directory / "manifest.json"
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecordingError(
            f"{where}: no manifest.json there. Give a directory written by --record-dir DIR."
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordingError(
            f"{where}: manifest.json cannot be read ({exc}). Record the run again with --record-dir DIR."
        ) from None
    if (
        not isinstance(found, dict)
        or found.get("format") != FORMAT
        or found.get("version") != VERSION
        or any(k not in found for k in MANIFEST_KEYS)
    ):
        raise RecordingError(
            f"{where}: manifest.json is not a version {VERSION} recording "
            "of this harness. Record the run again with --record-dir DIR."
        )
    return found


class ReplayClient:
    """Stands in for :class:`conformance.client.Client`: answers each request from the
    recording, sends nothing. A request asked for again gets the next recorded answer
    to it, in turn (the "again" of a repeat relation was recorded as a second answer);
    a request never recorded gets a transport error, which fails its case visibly."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.manifest = read_manifest(directory)
        self.url = self.manifest["target_url"] or "embedded reference server (recorded)"
        self._answers: dict[Request, list[Exchange]] = defaultdict(list)
        self._turn: dict[Request, int] = defaultdict(int)
        self._lock = threading.Lock()
        files = sorted(directory.glob("exchanges-*.jsonl"))
        if not files:
            raise RecordingError(
                f"--replay-dir {directory}: no exchanges-*.jsonl files. Record the run again with --record-dir DIR."
            )
        bodies: dict[str, bytes] = {}
        for path in files:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                try:
                    data = json.loads(line)
                    name = data["body"]
                    if name not in bodies:
                        bodies[name] = (directory / "bodies" / name).read_bytes()
                    exchange = _exchange_of(data, bodies[name])
                except (OSError, KeyError, TypeError, ValueError) as exc:
                    raise RecordingError(
                        f"--replay-dir {directory}: {path.name} line {number} "
                        f"cannot be read ({exc}). Record the run again."
                    ) from None
                self._answers[exchange.request].append(exchange)

    def __len__(self) -> int:
        return sum(len(v) for v in self._answers.values())

    def send(self, request: Request) -> Exchange:
        with self._lock:
            answers = self._answers.get(request)
            if not answers:
                return Exchange(
                    request,
                    self.url,
                    transport_error=f"this request is not in the recording {self.directory} "
                    "(--replay-dir sends nothing)",
                )
            turn = self._turn[request]
            self._turn[request] = turn + 1
            return answers[turn % len(answers)]

    def close(self) -> None:
        pass


__all__ = ["Recorder", "RecordingError", "ReplayClient", "check_new_directory", "manifest", "read_manifest"]
