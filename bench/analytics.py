"""Dashboard benchmark: how long does ``GET /api/support/dashboard`` take as the history grows?

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/support_bench python bench/analytics.py
    DATABASE_URL=… python bench/analytics.py --sizes 10000,100000,1000000 --repeat 5

Writes to the database it is given, so it refuses a name that does not end in ``_bench``.
At each size the history is grown with ``generate_demo_history`` (a year of seasonal tickets,
agents, bot answers, SLA clocks and feedback), analysed, then the dashboard API is called
through Django's test client with the response cache off (every call computes) for each
period, with and without a department filter: the first call (cold) and the median of
``--repeat`` more. Also times the weekly report's figures and a /metrics scrape. One row per
size and case.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_site.settings")
os.environ.setdefault("CHATBOT_ENCODERS", "")  # the bot plays no part here
os.environ.setdefault("EMAIL_URL", "dummymail://")
os.environ["ANALYTICS_CACHE_SECONDS"] = "0"  # measure the computation, not the cache
os.environ["METRICS_CACHE_SECONDS"] = "0"
os.environ["METRICS_TOKEN"] = "bench"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from analytics import selectors  # noqa: E402
from analytics.engine.stats import calendar_week  # noqa: E402
from analytics.services import desk_time_zone  # noqa: E402
from integrations.services import create_api_key  # noqa: E402
from tickets.demo.loader import load_demo_desk  # noqa: E402
from tickets.models import Ticket  # noqa: E402

CASES = [("24h", {}), ("7d", {}), ("30d", {}), ("30d", {"department": "billing"}), ("30d", {"category": "technical", "priority": "high"})]


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    database = settings.DATABASES["default"]
    if connection.vendor != "postgresql" or not str(database["NAME"]).endswith("_bench"):
        parser.error("point DATABASE_URL at a PostgreSQL database whose name ends in _bench (it is written to)")
    call_command("migrate", verbosity=0)
    load_demo_desk(admin_password="bench-only", with_tickets=False)
    client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Api-Key {create_api_key(name=f'bench-{time.time_ns()}', scopes=['analytics:read']).raw_key}")
    print(f"{'tickets':>10} {'case':<40} {'cold ms':>9} {'median ms':>10} {'in window':>10}", flush=True)
    for size in (int(part) for part in args.sizes.split(",")):
        missing = size - Ticket.objects.count()
        if missing > 0:
            started = time.perf_counter()
            call_command("generate_demo_history", tickets=missing, days=args.days, seed=size, batch=10000, verbosity=0,
                         stdout=open(os.devnull, "w"))
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            print(f"# grew to {Ticket.objects.count():,} tickets in {time.perf_counter() - started:.0f} s", flush=True)
        for period, filters in CASES:
            url = "/api/support/dashboard?" + "&".join(f"{key}={value}" for key, value in {"period": period, **filters}.items())
            cold = timed(lambda url=url: client.get(url))
            runs = [timed(lambda url=url: client.get(url)) for _ in range(args.repeat)]
            response = client.get(url)
            assert response.status_code == 200, response.content[:300]
            label = period + (" " + ",".join(f"{k}={v}" for k, v in filters.items()) if filters else "")
            print(f"{size:>10,} {'dashboard ' + label:<40} {cold:>9.0f} {statistics.median(runs):>10.0f} {response.json()['volume']['total']:>10,}",
                  flush=True)
        week = calendar_week(now=timezone.now(), tz=desk_time_zone())
        report_ms = timed(lambda: selectors.key_metrics(week))
        print(f"{size:>10,} {'weekly key figures (one segment)':<40} {report_ms:>9.0f} {'':>10} {'':>10}", flush=True)
        scrape = [timed(lambda: client.get("/metrics", HTTP_AUTHORIZATION="Bearer bench")) for _ in range(3)]
        print(f"{size:>10,} {'/metrics scrape (uncached)':<40} {scrape[0]:>9.0f} {statistics.median(scrape):>10.0f} {'':>10}", flush=True)


if __name__ == "__main__":
    main()
