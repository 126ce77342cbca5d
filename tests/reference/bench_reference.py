"""Throughput of the reference server (not a test: run it by hand).

    python tests/reference/bench_reference.py [--requests 3000] [--threads 1]

Starts a server on a free loopback port and POSTs the document's example
request (full XML answer) over keep-alive requests.Session connections.
"""

from __future__ import annotations

import argparse
import threading
import time

import requests

from conformance.reference import start

FIELDS = {
    "user_id": "john1970",
    "user_password": "1959caadac9b13dcb3",
    "type": "customer_info",
    "account_id": "greatwidgets",
    "code": "89898989898989",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000, help="per client thread")
    parser.add_argument("--threads", type=int, default=1, help="client threads")
    parser.add_argument("--output", default="", help="'' (XML) or json")
    args = parser.parse_args()
    fields = {**FIELDS, "output": args.output} if args.output else FIELDS

    with start() as server:

        def client() -> None:
            with requests.Session() as session:
                for _ in range(args.requests):
                    response = session.post(server.url, data=fields)
                    assert response.status_code == 200 and b"success" in response.content

        client_threads = [threading.Thread(target=client) for _ in range(args.threads)]
        started = time.perf_counter()
        for t in client_threads:
            t.start()
        for t in client_threads:
            t.join()
        elapsed = time.perf_counter() - started
    total = args.requests * args.threads
    print(f"{total} requests, {args.threads} client thread(s): {total / elapsed:.0f} requests/s")


if __name__ == "__main__":
    main()
