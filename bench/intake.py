"""Intake benchmark: post N tickets at concurrency C to a running server; time posted → routed.

    python bench/intake.py --url http://127.0.0.1:8000 --key "$KEY" -n 500 -c 16

Each client thread posts a ticket (Spanish and English payloads, the demo desk's vocabulary),
then polls it until its pipeline is done. Prints throughput and p50/p95 latencies of the POST
and of the whole trip (posted → routed). Start the server and workers first (``make run``, or
uvicorn + ``celery worker`` with DATABASE_URL/REDIS_URL for the production stack).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor

PAYLOADS = [
    {"subject": "URGENTE: Sistema caído", "description": "El sistema no funciona, necesito ayuda inmediata", "source": "phone"},
    {"subject": "Problema con factura", "description": "No puedo descargar mi factura", "category": "billing", "source": "web"},
    {"subject": "Suspicious sign-in", "description": "Someone logged in from another country without my permission", "source": "email"},
    {"subject": "Cuenta bloqueada", "description": "Mi cuenta está bloqueada y no puedo entrar", "source": "chat"},
    {"subject": "Export crashes", "description": "The reports export crashes with error 500", "source": "api"},
    {"subject": "Pregunta", "description": "¿Cómo cambio mi plan a anual?", "source": "web"},
]


class Client:
    """One keep-alive HTTP connection per thread."""

    local = threading.local()

    def __init__(self, url: str, key: str):
        self.parts = urllib.parse.urlsplit(url)
        self.headers = {"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}

    def conn(self) -> http.client.HTTPConnection:
        if getattr(self.local, "conn", None) is None:
            self.local.conn = http.client.HTTPConnection(self.parts.hostname, self.parts.port or 80, timeout=60)
        return self.local.conn

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        for attempt in range(2):
            try:
                conn = self.conn()
                conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=self.headers)
                response = conn.getresponse()
                return response.status, json.loads(response.read() or b"{}")
            except (ConnectionError, http.client.HTTPException):
                self.local.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", required=True, help="API key with tickets:read and tickets:write (manage.py create_api_key)")
    parser.add_argument("-n", "--tickets", type=int, default=200)
    parser.add_argument("-c", "--concurrency", type=int, default=8)
    parser.add_argument("--poll", type=float, default=0.1, help="seconds between status polls")
    parser.add_argument("--timeout", type=float, default=300, help="give up on a ticket after this many seconds")
    parser.add_argument("--post-only", action="store_true", help="measure intake alone (no polling): POSTs per second")
    args = parser.parse_args()
    if args.tickets < 1 or args.concurrency < 1:
        parser.error("-n and -c must be at least 1")

    client = Client(args.url, args.key)
    run = uuid.uuid4().hex[:8]
    post_ms: list[float] = []
    trip_ms: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        payload = {**PAYLOADS[n % len(PAYLOADS)], "customer_email": f"bench-{run}-{n % 50}@example.com", "ticket_id": str(uuid.uuid4())}
        started = time.perf_counter()
        status, body = client.request("POST", "/api/support/tickets", payload)
        posted = time.perf_counter()
        if status != 202:
            with lock:
                errors.append(f"POST {status}: {body}")
            return
        if args.post_only:
            with lock:
                post_ms.append((posted - started) * 1000)
            return
        path = f"/api/support/tickets/{body['ticket_id']}"
        while True:
            status, detail = client.request("GET", path)
            if status == 200 and detail.get("pipeline_stage") == "done":
                break
            if time.perf_counter() - started > args.timeout:
                with lock:
                    errors.append(f"timeout: {body['ticket_id']} at {detail.get('pipeline_stage')}")
                return
            time.sleep(args.poll)
        with lock:
            post_ms.append((posted - started) * 1000)
            trip_ms.append((time.perf_counter() - started) * 1000)

    wall = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
        list(pool.map(one, range(args.tickets)))
    wall = time.perf_counter() - wall

    print(f"tickets {args.tickets}  concurrency {args.concurrency}  server {args.url}")
    if args.post_only:
        print(f"stored {len(post_ms)}  errors {len(errors)}  wall {wall:.1f}s  intake {len(post_ms) / wall:.1f} POST/s")
        print(f"POST      p50 {percentile(post_ms, 50):7.1f} ms   p95 {percentile(post_ms, 95):7.1f} ms")
        for error in errors[:5]:
            print(f"  {error}")
        return
    print(f"routed {len(trip_ms)}  errors {len(errors)}  wall {wall:.1f}s  throughput {len(trip_ms) / wall:.1f} tickets/s (posted → routed)")
    print(f"POST      p50 {percentile(post_ms, 50):7.1f} ms   p95 {percentile(post_ms, 95):7.1f} ms   mean {statistics.fmean(post_ms) if post_ms else float('nan'):7.1f} ms")
    print(f"end-to-end p50 {percentile(trip_ms, 50):7.1f} ms   p95 {percentile(trip_ms, 95):7.1f} ms")
    for error in errors[:5]:
        print(f"  {error}")


if __name__ == "__main__":
    main()
