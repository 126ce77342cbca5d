"""Benchmarks that print ratios measured side by side, in one run on one machine.

    python bench/run.py            # all five
    python bench/run.py overhead latency collection parsing profile

Not timed tests: absolute numbers move with the machine's load, ratios much less.
Each benchmark starts its own reference server (the harness's embedded one, in a
child process) so both sides of a ratio hit the same server.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.cases import generate  # noqa: E402
from conformance.client import Client  # noqa: E402
from conformance.embedded import EmbeddedServer  # noqa: E402
from conformance.harness import Harness  # noqa: E402
from conformance.profile import load_profile  # noqa: E402
from conformance.reference import PROFILE_PATH  # noqa: E402
from conformance.secret import PLACEHOLDER  # noqa: E402


def run_suite(url: str, *extra: str) -> dict[str, float]:
    """The suite against ``url`` in a child; its wall time, peak memory and report size."""
    report_dir = Path(tempfile.mkdtemp(prefix="bench-report-"))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--target-url", url,
         "--target-profile", str(PROFILE_PATH), "--report-dir", str(report_dir), *extra],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sent = re.search(r"requests sent: (\d+)", run.stdout)
    fetched = re.search(r"fetched (\d+) answers in ([\d.]+) s", run.stdout)
    if run.returncode != 0 or not sent:
        sys.exit(f"the suite failed (exit {run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-2000:]}")
    return {
        "wall": wall,
        "requests": float(sent.group(1)),
        "fetch_seconds": float(fetched.group(2)) if fetched else float("nan"),
        "peak_rss_mb": max(peak, before) / 1024,  # ru_maxrss of the largest child so far
        "report_mb": (report_dir / "report.html").stat().st_size / 1e6,
    }


def matrix_requests(url: str) -> list[list[tuple[str, str]]]:
    """The full matrix's distinct requests, as the harness builds them, with the password."""
    profile = load_profile(PROFILE_PATH)
    harness = Harness(profile, Client(url, profile.password), "form")
    cases = generate(profile, lambda a, c: list(harness.learn(a, c).campaign_ids), "all")
    password = profile.password.reveal()
    seen = dict.fromkeys(case.request(profile.user_id, "form") for case in cases)
    return [[(k, password if v == PLACEHOLDER else v) for k, v in request.fields] for request in seen]


def bare_loop(url: str, requests_fields: list[list[tuple[str, str]]]) -> float:
    session = requests.Session()
    started = time.perf_counter()
    for fields in requests_fields:
        _ = session.post(url, data=fields, timeout=30).content  # the whole body read, as the harness does
    return time.perf_counter() - started


def overhead() -> None:
    server = EmbeddedServer.start()
    try:
        fields = matrix_requests(server.url)
        bare = bare_loop(server.url, fields)
        suite = run_suite(server.url)
    finally:
        server.stop()
    bare_rps = len(fields) / bare
    suite_rps = suite["requests"] / suite["wall"]
    print("1. harness overhead: full default run vs a bare requests.Session loop, same server")
    print(f"   bare loop:  {len(fields):6d} requests in {bare:6.1f} s = {bare_rps:6.0f} req/s")
    print(
        f"   full suite: {suite['requests']:6.0f} requests in {suite['wall']:6.1f} s = {suite_rps:6.0f} req/s "
        f"(answers fetched in {suite['fetch_seconds']:.1f} s, the rest is checks, pytest and the report)"
    )
    print(f"   ratio suite/bare: {suite_rps / bare_rps:.2f}   (target >= 0.6)")
    print(
        f"   peak memory of the run: {suite['peak_rss_mb']:.0f} MB (target "
        f"< 500); HTML report {suite['report_mb']:.1f} MB (target < 10)"
    )


def latency(latency_ms: int = 50, concurrency: int = 16) -> None:
    server = EmbeddedServer.start(latency_ms=latency_ms, threads=concurrency)
    try:
        suite = run_suite(server.url, "--concurrency", str(concurrency))
    finally:
        server.stop()
    ideal = suite["requests"] * latency_ms / 1000 / concurrency
    print(
        f"2. latency hiding: full run against a server adding {latency_ms} ms per answer, --concurrency {concurrency}"
    )
    print(f"   ideal bound (requests x latency / concurrency): {ideal:6.1f} s")
    print(
        "   answers fetched in:                             "
        f"{suite['fetch_seconds']:6.1f} s  -> {suite['fetch_seconds'] / ideal:.2f} x ideal"
    )
    print(
        f"   whole run:                                      {suite['wall']:6.1f} "
        f"s  -> {suite['wall'] / ideal:.2f} x ideal (target <= 1.5)"
    )


def collection() -> None:
    started = time.perf_counter()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "--report-dir",
            tempfile.mkdtemp(),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    count = re.search(r"(\d+) tests? collected", run.stdout)
    print("3. start-up and collection of the full matrix (embedded server start, smoke, learning, items)")
    print(f"   {count.group(1) if count else '?'} items in {wall:.1f} s (target < 3 s)")


def parsing() -> None:
    from lxml import etree

    from conformance import schemas
    from conformance.parse import parse_answer

    server = EmbeddedServer.start()
    try:
        profile = load_profile(PROFILE_PATH)
        base = {
            "user_id": profile.user_id,
            "user_password": profile.password.reveal(),
            "type": "customer_info",
            "account_id": "greatwidgets",
            "code": "89898989898989",
        }
        xml = requests.post(server.url, data=base, timeout=30).content
        js = requests.post(server.url, data={**base, "output": "JSON"}, timeout=30).content
    finally:
        server.stop()
    shared = schemas.shared()
    xml_answer, json_answer = parse_answer(xml), parse_answer(js)
    _ = shared.xsd, shared.json_validator  # both compiled outside the timing
    cases = {
        "lxml parse (XML)": lambda: etree.fromstring(xml),
        "json.loads (JSON)": lambda: json.loads(js),
        "parse_answer -> canonical (XML)": lambda: parse_answer(xml),
        "parse_answer -> canonical (JSON)": lambda: parse_answer(js),
        "xmlschema XSD 1.1 validate (XML)": lambda: list(shared.xsd.iter_errors(xml_answer.xml)),
        "jsonschema validate (JSON)": lambda: list(shared.json_validator.iter_errors(json_answer.document)),
    }
    print(f"4. per-response cost, one {len(xml)}-byte XML / {len(js)}-byte JSON answer (best of 5)")
    fastest = None
    for name, call in cases.items():
        number = 200
        cost = min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6
        fastest = fastest or cost
        print(f"   {name:36s} {cost:9.1f} us  ({cost / fastest:6.1f} x lxml parse)")
    print("   (the harness validates each distinct body once: schemas.ResponseSchemas caches by body digest)")


def profile(selection: str = "id=*greatwidgets-89898989898989*") -> None:
    """Where a run's time goes, by package: pytest in-process under cProfile."""
    import cProfile
    import pstats

    import pytest

    server = EmbeddedServer.start()
    profiler = cProfile.Profile()
    report_dir = tempfile.mkdtemp(prefix="bench-profile-")
    try:
        profiler.enable()
        pytest.main(
            [
                "-q",
                "-p",
                "no:cacheprovider",
                "--cases",
                selection,
                "--target-url",
                server.url,
                "--target-profile",
                str(PROFILE_PATH),
                f"--report-dir={report_dir}",
                str(ROOT / "conformance" / "suite"),
            ]
        )
        profiler.disable()
    finally:
        server.stop()
    groups = {
        # cProfile sees the main thread only: while the fetch threads work, it waits.
        "waiting for the fetch threads (HTTP + server)": ("<method 'acquire'",),
        "HTTP client (requests, urllib3, http, socket)": ("requests/", "urllib3/", "http/client", "socket", "ssl"),
        "pytest and pluggy": ("_pytest/", "pluggy/"),
        "pytest-html and JUnit reporting": ("pytest_html/", "junitxml", "jinja2/", "markupsafe/"),
        "the harness's checks and parsing": ("conformance/",),
        "schemas (xmlschema, jsonschema, elementpath)": ("xmlschema/", "jsonschema", "elementpath/", "referencing/"),
        "garbage collection": ("gc.collect",),
        "compiling and importing (assertion rewriting, modules)": (
            "<built-in method builtins.compile>",
            "importlib",
            "<built-in method marshal",
            "_bootstrap",
        ),
    }
    totals = dict.fromkeys(list(groups) + ["other"], 0.0)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    for (filename, _, name), (_, _, tottime, _, _) in stats.items():
        where = f"{filename} {name}"
        group = next((g for g, marks in groups.items() if any(m in where for m in marks)), "other")
        totals[group] += tottime
    others = sorted(
        (
            (t[2], f"{k[0]}:{k[2]}")
            for k, t in stats.items()
            if next((g for g, marks in groups.items() if any(m in f"{k[0]} {k[2]}" for m in marks)), None) is None
        ),
        reverse=True,
    )[:5]
    whole = sum(totals.values())
    print(f"5. where the time goes: --cases {selection!r}, one process under cProfile ({whole:.1f} s of profiled time)")
    for group, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"   {group:56s} {seconds:6.1f} s  {seconds / whole:5.1%}")
    print(
        "   largest of 'other': " + "; ".join(f"{name.rsplit('/', 1)[-1]} {seconds:.1f} s" for seconds, name in others)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "which", nargs="*", choices=["overhead", "latency", "collection", "parsing", "profile", []], default=[]
    )
    chosen = parser.parse_args().which or ["overhead", "latency", "collection", "parsing", "profile"]
    print(f"# {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for name in chosen:
        globals()[name]()


if __name__ == "__main__":
    main()
