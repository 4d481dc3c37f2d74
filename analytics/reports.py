"""Scheduled reports: the weekly report and the monthly executive report.

A report is computed once per kind and period and kept (``Report``); the e-mail (HTML and text),
the Slack post and the PDF are all drawn from the stored figures, in the report language.
``send_due_reports`` is what beat runs every quarter of an hour: it works out from the
supervisors' time zone whether a report is due, so a missed run, a DST change or a time-zone
edit never skips or repeats one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agents.models import Department
from agents.notify import supervisor_emails
from notifications.models import Event
from notifications.services import emit, queue_email
from tickets.models import Category, Priority

from . import selectors
from .engine.insights import find_insights, recommendations
from .engine.stats import Period, calendar_month, calendar_week
from .models import Report, ReportKind, ReportSettings

logger = logging.getLogger(__name__)

SEND_AT_HOUR = 9
SCORES = ("csat_mean", "nps")

METRIC_LABELS = {
    "tickets": gettext_lazy("Tickets received"),
    "chatbot_resolution_rate": gettext_lazy("Bot resolution rate"),
    "chatbot_deflection_rate": gettext_lazy("Bot deflection rate"),
    "first_response_mean_minutes": gettext_lazy("First-response time (mean)"),
    "first_response_median_minutes": gettext_lazy("First-response time (median)"),
    "first_response_p90_minutes": gettext_lazy("First-response time (p90)"),
    "resolved": gettext_lazy("Tickets resolved by agents"),
    "resolution_mean_minutes": gettext_lazy("Resolution time (mean)"),
    "resolution_median_minutes": gettext_lazy("Resolution time (median)"),
    "first_contact_resolution_rate": gettext_lazy("First-contact resolution"),
    "sla_compliance_rate": gettext_lazy("SLA compliance"),
    "first_response_sla_rate": gettext_lazy("First-response SLA met"),
    "csat_mean": gettext_lazy("Satisfaction (1–5)"),
    "csat_satisfied_rate": gettext_lazy("Satisfied customers (4–5)"),
    "nps": gettext_lazy("Net Promoter Score"),
}

#: Lower-case names used inside insight sentences.
INSIGHT_NAMES = {
    "tickets": gettext_lazy("ticket volume"),
    "first_response_mean_minutes": gettext_lazy("first-response time"),
    "resolution_mean_minutes": gettext_lazy("resolution time"),
    "chatbot_resolution_rate": gettext_lazy("the bot's resolution rate"),
    "first_contact_resolution_rate": gettext_lazy("first-contact resolution"),
    "sla_compliance_rate": gettext_lazy("compliance with SLAs"),
    "csat_mean": gettext_lazy("satisfaction"),
    "nps": gettext_lazy("NPS"),
}

RECOMMENDATIONS = {
    "staffing": gettext_lazy("Review staffing and agent availability%(where)s: first responses are getting slower."),
    "backlog": gettext_lazy("Look at the oldest open tickets%(where)s: resolutions are taking longer."),
    "knowledge": gettext_lazy("Check the knowledge-gaps report%(where)s: the bot answers fewer questions."),
    "reopens": gettext_lazy("Read the reopened and escalated tickets%(where)s: fewer are solved at the first contact."),
    "escalation": gettext_lazy("Tighten escalation rules or capacity%(where)s: more SLA targets are missed."),
    "feedback": gettext_lazy("Read the recent unhappy feedback%(where)s and follow up with those customers."),
    "volume": gettext_lazy("Volume is up%(where)s: check for an incident or a new FAQ the bot could answer."),
}


# -- figures ---------------------------------------------------------------------------------------
def _segments(current: Period, previous: Period) -> dict[tuple[str, str], tuple[dict, dict]]:
    segments = {}
    for category in Category.values:
        only = selectors.Filters(category=category)
        segments[("category", category)] = (selectors.key_metrics(current, only), selectors.key_metrics(previous, only))
    for code in Department.objects.filter(is_active=True).values_list("code", flat=True):
        only = selectors.Filters(department=code)
        segments[("department", code)] = (selectors.key_metrics(current, only), selectors.key_metrics(previous, only))
    return segments


def build_report_data(period: Period) -> dict:
    """Every figure a report shows, as JSON-ready data (insights as data, not sentences)."""
    previous = _previous_like(period)
    everything = selectors.Filters()
    current_figures, previous_figures = selectors.key_metrics(period, everything), selectors.key_metrics(previous, everything)
    segments = _segments(period, previous)
    insights = find_insights(current_figures, previous_figures, segments)
    volume = selectors.volume(period, everything)
    return {
        "current": current_figures,
        "previous": previous_figures,
        "previous_period": {"start": previous.start.isoformat(), "end": previous.end.isoformat()},
        "by_priority": volume["by_priority"],
        "by_source": volume["by_source"],
        "series": volume["series"],
        "top_categories": selectors.top_categories(period, everything),
        "top_agents": selectors.agents(period, everything)["top"],
        "segments": {f"{kind}:{name}": {"current": now, "previous": then} for (kind, name), (now, then) in segments.items()},
        "insights": [insight.as_dict() for insight in insights],
        "recommendations": [list(item) for item in recommendations(insights)[:5]],
    }


def _previous_like(period: Period) -> Period:
    """The period before: the week before a week, the calendar month before a month."""
    if period.end - period.start > timedelta(days=8):
        return calendar_month(now=period.start, tz=period.tz, months_back=1)
    return period.previous()


def make_report(kind: str, period: Period) -> Report:
    """The report for ``kind`` and ``period``, computed the first time and kept (safe to call twice)."""
    existing = Report.objects.filter(kind=kind, period_start=period.start).first()
    if existing:
        return existing
    data = build_report_data(period)  # outside the transaction: reads only, may take seconds
    try:
        with transaction.atomic():
            return Report.objects.create(kind=kind, period_start=period.start, period_end=period.end, time_zone=period.tz.key, data=data)
    except IntegrityError:  # another worker made it meanwhile
        return Report.objects.get(kind=kind, period_start=period.start)


def report_period(report: Report) -> Period:
    return Period(report.period_start, report.period_end, "day", ZoneInfo(report.time_zone))


# -- words -----------------------------------------------------------------------------------------
def _segment_name(kind: str, code: str) -> str:
    if kind == "category":
        return str(dict(Category.choices).get(code, code)).lower()
    department = Department.objects.filter(code=code).first()
    return department.name if department else code


def insight_sentence(insight: dict) -> str:
    """"First-response time rose 18 % on billing tickets." in the active language."""
    name = str(INSIGHT_NAMES.get(insight["metric"], insight["metric"]))
    amount = formats.number_format(abs(insight["change"]), decimal_pos=1 if insight["unit"] == "percent" else 1)
    rose = insight["change"] > 0
    if insight["unit"] == "percent":
        change = _("rose %(amount)s %%") % {"amount": amount} if rose else _("fell %(amount)s %%") % {"amount": amount}
    else:
        change = _("rose %(amount)s points") % {"amount": amount} if rose else _("fell %(amount)s points") % {"amount": amount}
    values = {"before": format_value(insight["metric"], insight["before"]), "after": format_value(insight["metric"], insight["after"])}
    if insight["segment_kind"] == "category":
        where = _(" on %(segment)s tickets") % {"segment": _segment_name("category", insight["segment"])}
    elif insight["segment_kind"] == "department":
        where = _(" in the %(segment)s team") % {"segment": _segment_name("department", insight["segment"])}
    else:
        where = ""
    sentence = _("%(metric)s %(change)s%(where)s (%(before)s → %(after)s).") % {"metric": name, "change": change, "where": where, **values}
    return sentence[0].upper() + sentence[1:]


def recommendation_sentence(item: list) -> str:
    key, kind, code = item
    where = ""
    if kind == "category":
        where = _(" for %(segment)s tickets") % {"segment": _segment_name("category", code)}
    elif kind == "department":
        where = _(" in the %(segment)s team") % {"segment": _segment_name("department", code)}
    return str(RECOMMENDATIONS[key]) % {"where": where}


def format_value(metric: str, value) -> str:
    if value is None:
        return "—"
    if metric.endswith("_rate"):
        return f"{formats.number_format(value * 100, decimal_pos=1)} %"
    if metric.endswith("_minutes"):
        if value >= 120:
            return _("%(hours)s h") % {"hours": formats.number_format(value / 60, decimal_pos=1)}
        return _("%(minutes)s min") % {"minutes": formats.number_format(value, decimal_pos=1)}
    if isinstance(value, float):
        return formats.number_format(value, decimal_pos=1 if metric != "csat_mean" else 2)
    return formats.number_format(value)


def _rows(report: Report) -> list[dict]:
    current, previous = report.data["current"], report.data["previous"]
    rows = []
    for key, label in METRIC_LABELS.items():
        before, after = previous.get(key), current.get(key)
        if key.endswith("_rate") and before is not None and after is not None:
            delta = _("%(points)s pts") % {"points": formats.number_format((after - before) * 100, decimal_pos=1, force_grouping=False)}
            delta = ("+" if after >= before else "") + delta
        elif key in SCORES and before is not None and after is not None:  # differences of scores, not percentages
            delta = ("+" if after >= before else "") + formats.number_format(after - before, decimal_pos=2 if key == "csat_mean" else 1)
        elif before not in (None, 0) and after is not None:
            delta = f"{(after - before) / abs(before) * 100:+.1f} %".replace(".", formats.get_format("DECIMAL_SEPARATOR"))
        else:
            delta = "—"
        rows.append({"label": str(label), "current": format_value(key, after), "previous": format_value(key, before), "change": delta})
    return rows


def report_title(report: Report) -> str:
    tz = ZoneInfo(report.time_zone)
    start = formats.date_format(report.period_start.astimezone(tz), "DATE_FORMAT")
    last_day = formats.date_format((report.period_end.astimezone(tz) - timedelta(seconds=1)), "DATE_FORMAT")
    if report.kind == ReportKind.MONTHLY:
        return _("Monthly executive report: %(start)s – %(end)s") % {"start": start, "end": last_day}
    return _("Weekly support report: %(start)s – %(end)s") % {"start": start, "end": last_day}


def report_context(report: Report) -> dict:
    data = report.data
    return {
        "report": report,
        "title": report_title(report),
        "rows": _rows(report),
        "insights": [insight_sentence(item) for item in data.get("insights", [])],
        "recommendations": [recommendation_sentence(item) for item in data.get("recommendations", [])],
        "by_priority": {str(dict(Priority.choices).get(level, level)): count for level, count in data.get("by_priority", {}).items()},
        "top_categories": [{**item, "label": str(dict(Category.choices).get(item["category"], item["category"]))}
                           for item in data.get("top_categories", [])],
        "top_agents": data.get("top_agents", []),
        "dashboard_url": settings.SUPPORT_BASE_URL.rstrip("/") + reverse("admin:analytics_dashboard"),
        "pdf_url": settings.SUPPORT_BASE_URL.rstrip("/") + reverse("admin:analytics_report_pdf", args=[report.pk]),
        "executive": report.kind == ReportKind.MONTHLY,
    }


def render_report(report: Report, language: str) -> tuple[str, str, str]:
    """(subject, plain text, HTML) in ``language``."""
    with translation.override(language):
        context = report_context(report)
        return (
            context["title"],
            render_to_string("analytics/report_email.txt", context),
            render_to_string("analytics/report_email.html", context),
        )


def slack_text(report: Report, language: str) -> str:
    with translation.override(language):
        context = report_context(report)
        lines = [f"*{context['title']}*"]
        lines += [f"• {row['label']}: {row['current']} ({row['change']})" for row in context["rows"][:8]]
        lines += [f"› {sentence}" for sentence in context["insights"][:5]]
        lines.append(context["dashboard_url"])
        return "\n".join(lines)


# -- PDF -------------------------------------------------------------------------------------------
def report_pdf(report: Report, language: str) -> bytes:
    """The report as a PDF (fpdf2, core fonts: Latin-1 covers Spanish and English)."""
    from fpdf import FPDF

    with translation.override(language):
        context = report_context(report)

        def latin(text: str) -> str:
            return str(text).replace("→", "->").replace("–", "-").replace("—", "-").replace("›", ">").encode("latin-1", "replace").decode("latin-1")

        pdf = FPDF(format="A4")
        pdf.set_title(latin(context["title"]))
        pdf.set_creator("support_site")
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 15)
        pdf.multi_cell(0, 8, latin(context["title"]), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 7, latin(_("Key figures")), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 9)
        with pdf.table(col_widths=(70, 35, 35, 30), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
            table.row([latin(_("Figure")), latin(_("This period")), latin(_("Previous")), latin(_("Change"))])
            for row in context["rows"]:
                table.row([latin(row["label"]), latin(row["current"]), latin(row["previous"]), latin(row["change"])])
        for heading, lines in ((_("Insights"), context["insights"]), (_("Recommendations"), context["recommendations"])):
            pdf.ln(4)
            pdf.set_font("Helvetica", "B", 11)
            pdf.cell(0, 7, latin(heading), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 10)
            for line in lines or [_("Nothing moved enough to mention.")]:
                pdf.multi_cell(0, 6, latin(f"- {line}"), new_x="LMARGIN", new_y="NEXT")
        if context["top_agents"]:
            pdf.ln(4)
            pdf.set_font("Helvetica", "B", 11)
            pdf.cell(0, 7, latin(_("Top agents")), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 10)
            for agent in context["top_agents"]:
                pdf.cell(0, 6, latin(_("%(name)s: %(n)s resolved") % {"name": agent["name"], "n": agent["resolved"]}),
                         new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())


# -- sending ---------------------------------------------------------------------------------------
def report_recipients(report_settings: ReportSettings) -> list[str]:
    return list(dict.fromkeys(supervisor_emails() + report_settings.recipient_list()))


def send_report(report: Report, *, report_settings: ReportSettings | None = None, again: bool = False) -> int:
    """Queue the e-mails (one per recipient) and the Slack/Teams/webhook post. Safe to repeat:
    each message has a deduplication key, so a second call queues nothing new (``again``, the
    admin's "send again", makes new keys)."""
    report_settings = report_settings or ReportSettings.current()
    occurrence = report.period_start.isoformat() + (f":again:{timezone.now().isoformat()}" if again else "")
    language = report_settings.language
    subject, text, html = render_report(report, language)
    event = Event.REPORT_MONTHLY if report.kind == ReportKind.MONTHLY else Event.REPORT_WEEKLY
    queued = 0
    with transaction.atomic():
        for address in report_recipients(report_settings):
            queued += queue_email(event=event, recipient=address, subject=subject, text=text, html=html,
                                  dedupe_key=f"report:{report.kind}:{occurrence}:{address}")
        queued += emit(event, data={"report_id": report.pk, "kind": report.kind, "period_start": report.period_start.isoformat(),
                                    "period_end": report.period_end.isoformat(), "figures": report.data["current"],
                                    "text": slack_text(report, language)},
                       summary=subject, occurrence=occurrence)
        if again or report.sent_at is None:
            report.sent_at = timezone.now()
            Report.objects.filter(pk=report.pk).update(sent_at=report.sent_at)
    return queued


def due_periods(now: datetime, report_settings: ReportSettings) -> list[tuple[str, Period]]:
    """The reports whose 09:00 has passed in the supervisors' time zone: last week's from Monday,
    last month's from the 1st. Only the latest of each kind: a desk that was down for weeks is
    not sent a pile of old reports."""
    tz = ZoneInfo(report_settings.time_zone)
    local = now.astimezone(tz)
    due = []
    if report_settings.weekly_enabled:
        week = calendar_week(now=now, tz=tz, weeks_back=1)
        if local >= week.end.replace(hour=SEND_AT_HOUR):
            due.append((ReportKind.WEEKLY, week))
        else:  # before Monday 09:00: the report due is still the one for the week before last
            due.append((ReportKind.WEEKLY, calendar_week(now=now, tz=tz, weeks_back=2)))
    if report_settings.monthly_enabled:
        month = calendar_month(now=now, tz=tz, months_back=1)
        if local < month.end.replace(hour=SEND_AT_HOUR):
            month = calendar_month(now=now, tz=tz, months_back=2)
        due.append((ReportKind.MONTHLY, month))
    return due


def send_due_reports(*, now: datetime | None = None, not_after: timedelta = timedelta(days=1)) -> list[Report]:
    """Make and send every report that is due and not yet sent. A report is sent up to
    ``not_after`` past its 09:00 (a missed beat run or a worker restart catches up); later than
    that it is left alone, so a new install, or one switched off for a while, does not e-mail
    stale figures. Supervisors can still open any period's report in the admin."""
    now = now or timezone.now()
    report_settings = ReportSettings.current()
    sent = []
    for kind, period in due_periods(now, report_settings):
        if now - period.end.replace(hour=SEND_AT_HOUR) > not_after:
            continue
        report = make_report(kind, period)
        if report.sent_at is None:
            send_report(report, report_settings=report_settings)
            sent.append(report)
    return sent
