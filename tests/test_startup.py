"""What a run pays before its first request: modules it needs only later are imported later."""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.waiting import HANG_GUARD_S


def test_xmlschema_is_imported_when_the_first_answer_is_validated_not_at_start() -> None:
    # xmlschema and its XPath engine take about half a second to import: a run pays it
    # after its first request (the first XML answer validated), --collect-only never.
    code = (
        "import sys, conformance.plugin, conformance.checks, conformance.evaluation;"
        "conformance.checks._load_families();"
        "print('xmlschema' in sys.modules)"
    )
    started = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert started.stdout.strip() == "False", "xmlschema is imported at start-up"
    # ... and the schema it compiles then still judges: the document's own example passes,
    # the same answer without its message does not.
    from conformance.schemas import shared

    example = (Path(__file__).parent / "data" / "spec-examples" / "no-match.xml").read_text(encoding="utf-8")
    assert shared().xsd.is_valid(example)
    assert not shared().xsd.is_valid(re.sub(r"<message>.*?</message>", "", example))
    assert "xmlschema" in sys.modules


def test_the_harness_process_imports_neither_the_reference_server_nor_requests() -> None:
    # The reference server runs in a child process: the harness reads its profile and data
    # set, never its WSGI app, SQLite store or waitress (a fifth of a second). And the
    # client is urllib3's: requests is imported only when the environment names a proxy.
    code = (
        "import sys, conformance.plugin, conformance.checks, conformance.evaluation;"
        "from conformance.client import Client;"
        "from conformance.reference import PROFILE_PATH;"
        "from conformance.profile import load_profile;"
        "profile = load_profile(PROFILE_PATH);"
        "Client('http://127.0.0.1:1/api.php', profile.password).transport.pools.borrow();"
        "print(sorted(m for m in ('conformance.reference.app', 'waitress', 'requests') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    started = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert started.stdout.strip() == "[]", started.stdout
    # ... and what the tests and the sandbox import from the package still resolves.
    from conformance import reference

    assert callable(reference.make_app) and callable(reference.start) and reference.RunningServer


def test_the_xsd_is_compiled_once_whoever_asks_first(monkeypatch: pytest.MonkeyPatch) -> None:
    # The warming thread and the judging thread may both ask for it at the start of a run.
    import xmlschema

    from conformance.schemas import ResponseSchemas

    compiled: list[str] = []
    real = xmlschema.XMLSchema11

    def counting(source: str) -> Any:
        compiled.append(source)
        time.sleep(0.2)  # both threads ask while the first still compiles
        return real(source)

    monkeypatch.setattr(xmlschema, "XMLSchema11", counting)
    schemas = ResponseSchemas()
    warming = schemas.warm_in_background()
    asked = [schemas.xsd for _ in range(3)]
    warming.join(HANG_GUARD_S)
    assert len(compiled) == 1 and all(x is asked[0] for x in asked) and schemas.xsd is asked[0]


def _what_the_first_request_sees(workdir: str) -> dict[str, bool]:
    """In a fresh process: serve the reference, run a short suite in this process, and say
    what the schemas were doing when the target got its first request (the smoke), and
    the interpreter's switch interval during the run and after it."""
    from conformance import schemas
    from conformance.plugin.session import FETCH_SWITCH_INTERVAL_S
    from conformance.reference import PROFILE_PATH, make_app
    from tests.servers import serve_wsgi

    seen: dict[str, bool] = {}
    app = make_app()
    before = sys.getswitchinterval()

    def first_looks(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not seen:
            shared = schemas._SHARED
            warming = any(t.name == "conformance-schemas" for t in threading.enumerate())
            seen["started"] = shared is not None and (warming or shared._xsd is not None)
            seen["lowered"] = sys.getswitchinterval() <= FETCH_SWITCH_INTERVAL_S < before
        return app(environ, start_response)  # type: ignore[no-any-return]

    with serve_wsgi(first_looks) as served:
        os.chdir(workdir)
        pytest.main(
            ["--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-q", "--target-url", served.url,
             "--target-profile", str(PROFILE_PATH), "--report-dir", "r", "--combinations", "pairwise",
             "--cases", "customer=89898989898989"]
        )  # fmt: skip
    seen["compiled_after"] = schemas._SHARED is not None and schemas._SHARED._xsd is not None
    seen["restored"] = sys.getswitchinterval() == before
    return seen


@pytest.fixture(scope="module")
def first_request(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bool]:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        future = pool.submit(_what_the_first_request_sees, str(tmp_path_factory.mktemp("first-request")))
        return future.result(timeout=HANG_GUARD_S * 4)


@pytest.mark.slow
def test_a_run_compiles_the_schemas_beside_its_smoke_request_not_after_it(first_request: dict[str, bool]) -> None:
    # The compilation (about a second of CPU) overlaps the server's start, the smoke and the
    # campaigns learned (waits on another process or the network) instead of delaying the
    # first answer judged. In a fresh process, as a run starts: nothing compiled before.
    assert first_request["started"] and first_request["compiled_after"], first_request


@pytest.mark.slow
def test_a_run_lowers_the_switch_interval_while_it_fetches_and_restores_it(first_request: dict[str, bool]) -> None:
    # A fetch thread whose answer has arrived waits for the judging thread to let go of the
    # interpreter lock: at most FETCH_SWITCH_INTERVAL_S during a run, not the default 5 ms;
    # and a process that runs the suite in it (the self-test's workers) gets its own back.
    assert first_request["lowered"] and first_request["restored"], first_request
