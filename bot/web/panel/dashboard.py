"""The dashboard: reports per category per week and the median time to resolve them.

Counted in Python over the last twelve weeks (a few thousand rows at city scale), so the same code
runs on SQLite and PostgreSQL; the charts are SVG images with the numbers also given as tables.
"""

from __future__ import annotations

import asyncio
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from aiohttp import web
from sqlalchemy import select

from bot.db.models import Report, ReportEvent
from bot.domain.categories import CATEGORIES
from bot.i18n import CITY_ZONE, _, format_date, to_city_time
from bot.web.panel import charts
from bot.web.panel.auth import citybot, now, requires
from bot.web.panel.pages import category_label, render

WEEKS = 12


@dataclass(frozen=True, slots=True)
class Stats:
    weeks: list[date]  # Mondays, oldest first
    per_week: dict[str, list[int]]  # category -> counts per week (only categories with reports)
    median_days: dict[str, float]  # category -> median days from filing to resolved
    overall_median_days: float | None
    resolved: int


async def stats(request: web.Request) -> Stats:
    today = to_city_time(now()).date()
    first = today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    weeks = [first + timedelta(weeks=n) for n in range(WEEKS)]
    since = datetime.combine(first, time(0), tzinfo=CITY_ZONE)
    async with citybot(request).db.transaction() as session:
        filed_query = select(Report.id, Report.category, Report.created_at).where(Report.created_at >= since)
        filed = (await session.execute(filed_query)).all()
        resolved_query = select(ReportEvent.report_id, ReportEvent.at).where(
            ReportEvent.status == "resolved", ReportEvent.at >= since
        )
        resolved_events = (await session.execute(resolved_query)).all()
    per_week: dict[str, list[int]] = {}
    created: dict[int, tuple[str, datetime]] = {}
    for report_id, category, created_at in filed:
        created[report_id] = (category, created_at)
        index = (to_city_time(created_at).date() - first).days // 7
        if index < WEEKS:
            per_week.setdefault(category, [0] * WEEKS)[index] += 1
    resolved_at: dict[int, datetime] = {}
    for report_id, at in resolved_events:
        if report_id in created and (report_id not in resolved_at or at < resolved_at[report_id]):
            resolved_at[report_id] = at
    durations: dict[str, list[float]] = {}
    for report_id, at in resolved_at.items():
        category, created_at = created[report_id]
        durations.setdefault(category, []).append((at - created_at).total_seconds() / 86400)
    every = [d for values in durations.values() for d in values]
    order = [c.code for c in CATEGORIES]
    return Stats(
        weeks=weeks,
        per_week={c: per_week[c] for c in order if c in per_week},
        median_days={c: statistics.median(durations[c]) for c in order if c in durations},
        overall_median_days=statistics.median(every) if every else None,
        resolved=len(every),
    )


@requires("agent")
async def dashboard(request: web.Request) -> web.StreamResponse:
    data = await stats(request)
    return render(
        request, "dashboard.html", stats=data, week_label=lambda day: format_date(day, "d MMM"),
    )  # fmt: skip


def _svg_response(body: bytes) -> web.Response:
    return web.Response(
        body=body, content_type="image/svg+xml", headers={"Cache-Control": "private, no-store"}
    )


@requires("agent")
async def weekly_chart(request: web.Request) -> web.StreamResponse:
    data = await stats(request)
    weeks = [format_date(day, "d MMM") for day in data.weeks]
    series = [(category_label(code), counts) for code, counts in data.per_week.items()]
    title = _("Reports per category per week")
    return _svg_response(await asyncio.to_thread(charts.weekly_bars, weeks, series, title))


@requires("agent")
async def resolution_chart(request: web.Request) -> web.StreamResponse:
    data = await stats(request)
    labels = [category_label(code) for code in data.median_days]
    title, unit = _("Median time to resolve"), _("days")
    body = await asyncio.to_thread(
        charts.horizontal_bars, labels, list(data.median_days.values()), title, unit
    )
    return _svg_response(body)
