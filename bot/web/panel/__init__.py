"""The staff web panel: server-rendered pages under /panel/ for city staff (reports, initiatives,
announcements, bookings, escalated cases, dashboard, audit), on the bot's own aiohttp application.

A sub-application, so the panel's guard (session, CSRF, language, headers) wraps only its pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiohttp import web

STATIC = Path(__file__).resolve().parent / "static"


def setup(web_app: web.Application) -> None:
    """Add the panel's routes to the bot's aiohttp application."""
    from aiohttp import web

    from bot.web.panel import (
        announcements,
        audit,
        auth,
        bookings,
        dashboard,
        handoff,
        initiatives,
        login,
        reports,
    )

    panel = web.Application(middlewares=[auth.guard])
    panel.router.add_get("/", home)
    panel.router.add_get("/login", login.login_page)
    panel.router.add_post("/login", login.login)
    panel.router.add_post("/logout", login.logout)
    panel.router.add_get("/reports", reports.report_list)
    panel.router.add_get("/reports/{ticket}", reports.report_detail)
    panel.router.add_post("/reports/{ticket}/status", reports.report_status)
    panel.router.add_get("/reports/{ticket}/photos/{photo}", reports.report_photo)
    panel.router.add_get("/initiatives", initiatives.queue)
    panel.router.add_post("/initiatives/{id}/{decision:approve|reject}", initiatives.moderate)
    panel.router.add_get("/announcements", announcements.announcement_list)
    panel.router.add_get("/announcements/new", announcements.announcement_form)
    panel.router.add_post("/announcements", announcements.announcement_create)
    panel.router.add_get("/bookings", bookings.day_sheet)
    panel.router.add_get("/handoff", handoff.case_list)
    panel.router.add_get("/dashboard", dashboard.dashboard)
    panel.router.add_get("/dashboard/weekly.svg", dashboard.weekly_chart)
    panel.router.add_get("/dashboard/resolution.svg", dashboard.resolution_chart)
    panel.router.add_get("/audit", audit.audit_log)
    panel.router.add_static("/static/", STATIC)
    web_app.add_subapp(auth.PREFIX, panel)
    web_app.router.add_get("/", to_panel)


async def to_panel(request: web.Request) -> web.StreamResponse:
    from aiohttp import web

    raise web.HTTPFound("/panel/")


async def home(request: web.Request) -> web.StreamResponse:
    """Signed in: the reports queue; otherwise the sign-in form."""
    from bot.web.panel.auth import see_other

    return see_other("/panel/reports")
