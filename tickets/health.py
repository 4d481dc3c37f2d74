"""Operational checks behind ``manage.py support_health_check``.

Each check returns a CheckResult; none raises. A check that fails says what to do about it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from kombu import Connection
from kombu.utils.url import maybe_sanitize_url

HEARTBEAT_TASK = "support.heartbeat"
HEARTBEAT_STALE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    warning: bool = False  # shown, but does not fail the run


def check_database() -> CheckResult:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return CheckResult("database", False, f"cannot query {connection.vendor}: {exc}. Check DATABASE_URL and that the server runs.")
    if pending:
        return CheckResult("database", False, f"{len(pending)} migration(s) not applied. Run 'manage.py migrate'.")
    return CheckResult("database", True, f"{connection.vendor} reachable, migrations applied")


def check_broker(app, broker_url: str | None = None) -> CheckResult:
    url = broker_url or app.conf.broker_url
    options = dict(app.conf.broker_transport_options or {})
    shown = maybe_sanitize_url(url)
    if url.startswith("filesystem://"):
        folder = options.get("data_folder_in", "")
        if not folder or not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            return CheckResult("broker", False, f"filesystem broker folder {folder!r} is missing or not writable. Check SUPPORT_VAR_DIR.")
    try:
        with Connection(url, transport_options=options, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # kombu raises transport-specific errors
        return CheckResult("broker", False, f"cannot connect to {shown}: {str(exc).rstrip('.')}. Start the broker (Redis) or fix REDIS_URL.")
    return CheckResult("broker", True, f"{shown} reachable")


def check_worker(app, broker_url: str | None = None, timeout: float = 3.0) -> CheckResult:
    try:
        if broker_url:
            with app.connection_for_write(broker_url) as conn:
                replies = app.control.ping(timeout=timeout, connection=conn)
        else:
            replies = app.control.ping(timeout=timeout)
    except Exception as exc:
        return CheckResult("worker", False, f"could not ask workers: {exc}.")
    if not replies:
        return CheckResult("worker", False, f"no Celery worker answered within {timeout:g}s. Start one: celery -A support_site worker.")
    names = sorted(name for reply in replies for name in reply)
    return CheckResult("worker", True, f"{len(names)} answering ({', '.join(names)})")


def check_beat() -> list[CheckResult]:
    from django_celery_beat.models import PeriodicTask

    enabled = PeriodicTask.objects.filter(enabled=True)
    count = enabled.count()
    if not count:
        return [CheckResult("beat schedules", False, "no enabled periodic task. Run 'manage.py migrate' (it creates them).")]
    results = [CheckResult("beat schedules", True, f"{count} enabled")]
    heartbeat = enabled.filter(task=HEARTBEAT_TASK).first()
    if heartbeat is None:
        results.append(CheckResult("beat running", True, "heartbeat schedule disabled; cannot tell", warning=True))
    elif heartbeat.last_run_at is None or timezone.now() - heartbeat.last_run_at > HEARTBEAT_STALE_AFTER:
        seen = heartbeat.last_run_at.isoformat() if heartbeat.last_run_at else "never"
        results.append(
            CheckResult("beat running", False, f"heartbeat last sent {seen}. Start beat: celery -A support_site beat.", warning=True)
        )
    else:
        results.append(CheckResult("beat running", True, f"heartbeat sent at {heartbeat.last_run_at.isoformat()}"))
    return results


def check_knowledge_base() -> CheckResult:
    from chatbot.models import FAQArticle

    count = FAQArticle.objects.filter(published=True).count()
    if not count:
        return CheckResult("faq articles", False, "no published FAQ article: the bot cannot answer. Add some or run 'manage.py seed_demo'.")
    return CheckResult("faq articles", True, f"{count} published")


def check_bot_retrieval() -> list[CheckResult]:
    """Do the encoders load here, and is the knowledge base calibrated? (Loads the models: ~2 s.)"""
    from django.conf import settings

    from chatbot.knowledge import encoders
    from chatbot.models import KnowledgeBaseState

    loaded = encoders()
    results = []
    if loaded.failures:
        failures = "; ".join(f"{name}: {error}" for name, error in loaded.failures.items())
        results.append(CheckResult(
            "bot retrieval", False,
            f"degraded to {'+'.join(loaded.names) or 'BM25 only (lexical)'}: {failures}. Reinstall with 'make install' "
            "(requirements-retrieval.txt) or set CHATBOT_ENCODERS.", warning=True,
        ))
    elif not settings.CHATBOT_ENCODERS:
        results.append(CheckResult("bot retrieval", False, "CHATBOT_ENCODERS is empty: BM25 only (lexical).", warning=True))
    else:
        results.append(CheckResult("bot retrieval", True, f"encoders loaded: {', '.join(loaded.names)}"))
    state = KnowledgeBaseState.objects.filter(pk=1).first()
    if state is None or state.calibrated_version is None:
        results.append(CheckResult("bot calibration", False, "not built yet: it is built on the first ticket or article change.", warning=True))
    elif not state.calibration:
        results.append(CheckResult(
            "bot calibration", False, "too few example questions to calibrate: the bot escalates everything. "
            "Add example questions to the FAQ articles.", warning=True,
        ))
    else:
        calibration = state.calibration
        stale = " (index changed since; refits on the next ticket)" if state.calibrated_version != state.version else ""
        results.append(CheckResult(
            "bot calibration", True,
            f"fitted on {calibration.get('samples')} held-out questions, calibration error {calibration.get('ece') or 0:.3f}{stale}",
        ))
    return results


def check_agents() -> CheckResult:
    from agents.models import Agent

    count = Agent.objects.available().count()
    if not count:
        return CheckResult("agents", False, "no available agent: escalated tickets will wait in queues. Mark agents available.")
    return CheckResult("agents", True, f"{count} available")


def check_pipelines() -> CheckResult:
    from tickets.models import Ticket
    from tickets.services.pipeline import MAX_PIPELINE_ATTEMPTS

    unfinished = Ticket.objects.exclude(pipeline_stage="done")
    stuck = unfinished.filter(pipeline_attempts__gte=MAX_PIPELINE_ATTEMPTS, pipeline_enqueued_at__lt=timezone.now() - timedelta(minutes=10))
    count = stuck.count()
    if count:
        return CheckResult(
            "pipelines", False,
            f"{count} ticket(s) failed the intake pipeline {MAX_PIPELINE_ATTEMPTS} times. Look at the worker logs, then route them "
            "by hand (admin: Tickets › filter 'pipeline: Gave up').",
        )
    late = unfinished.filter(pipeline_enqueued_at__lt=timezone.now() - timedelta(minutes=10)).count()
    if late:
        return CheckResult("pipelines", False, f"{late} ticket(s) queued over 10 minutes ago are not processed yet.", warning=True)
    return CheckResult("pipelines", True, "no stuck ticket")


def check_rollups() -> CheckResult:
    """Warn when yesterday's analytics rollup is missing or older than an hour (beat not running
    the refresh): the dashboard is still right, only slower, so this is a warning."""
    from analytics.models import RollupDay
    from analytics.services import desk_time_zone
    from tickets.models import Ticket

    tz = desk_time_zone()
    yesterday = timezone.now().astimezone(tz).date() - timedelta(days=1)
    first = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is None or first.astimezone(tz).date() > yesterday:
        return CheckResult("analytics rollups", True, "nothing to roll up yet")
    stored = RollupDay.objects.filter(day=yesterday, time_zone=tz.key).values_list("computed_at", flat=True).first()
    if stored is None or stored < timezone.now() - timedelta(hours=1):
        return CheckResult("analytics rollups", False, "yesterday's rollup is missing or over an hour old: is beat running "
                           "'analytics: refresh rollups'? Run 'manage.py refresh_rollups' meanwhile.", warning=True)
    return CheckResult("analytics rollups", True, f"fresh (computed {stored:%H:%M} UTC)")


def run_checks(app, *, broker_url: str | None = None, worker_timeout: float = 3.0, skip_worker: bool = False) -> list[CheckResult]:
    results = [check_database()]
    database_ok = results[0].ok
    broker = check_broker(app, broker_url)
    results.append(broker)
    if not skip_worker:
        results.append(check_worker(app, broker_url, worker_timeout) if broker.ok else CheckResult("worker", False, "skipped: broker unreachable."))
    if database_ok:
        results += check_beat()
        results += [check_knowledge_base(), *check_bot_retrieval(), check_agents(), check_pipelines(), check_rollups()]
    return results
