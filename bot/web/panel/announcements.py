"""Announcements: compose one for a topic's subscribers (some osiedla, a send time) and follow its
delivery counters. Validation is the domain's (`alerts.announce`); this page explains its refusals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select

from bot.db.models import Broadcast
from bot.domain import alerts
from bot.domain.subscriptions import BY_CODE as TOPICS
from bot.i18n import CITY_ZONE, N_, _
from bot.web.panel.auth import citybot, now, requires, see_other
from bot.web.panel.pages import render, staff_of
from nlu.gazetteer import default_gazetteer

LIST_SIZE = 50
# Which form field each refusal of the domain belongs to, and what to tell the staff member.
REFUSALS = {
    "empty_text_pl": ("text_pl", N_("Write the Polish text.")),
    "empty_text_en": ("text_en", N_("Write the English text.")),
    "too_long": ("text_pl", N_("The text is too long for one Telegram message; shorten it.")),
    "in_past": ("send_at", N_("The send time is in the past; choose a later time or leave it empty.")),
    "unknown_topic": ("topic", N_("Choose a topic.")),
    "unknown_osiedle": ("osiedla", N_("Choose osiedla from the list.")),
    "bad_time": ("send_at", N_("Give the send time as a date and an hour.")),
}


def topic_label(code: str) -> str:
    topic = TOPICS.get(code)
    return _(topic.label) if topic else code


def _form_page(
    request: web.Request, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> web.Response:
    return render(
        request, "announcement_form.html", status=status, values=values, errors=errors,
        topics=[(code, topic_label(code)) for code in alerts.TOPICS], osiedla=default_gazetteer().districts,
    )  # fmt: skip


@requires("moderator")
async def announcement_list(request: web.Request) -> web.StreamResponse:
    async with citybot(request).db.transaction() as session:
        query = (
            select(Broadcast)
            .where(Broadcast.kind == alerts.ANNOUNCEMENT)
            .order_by(Broadcast.send_at.desc(), Broadcast.id.desc())
            .limit(LIST_SIZE)
        )
        items = list((await session.execute(query)).scalars())
    return render(
        request, "announcements.html", items=items, topic_label=topic_label,
        created=request.query.get("created"),
    )  # fmt: skip


@requires("moderator")
async def announcement_form(request: web.Request) -> web.StreamResponse:
    return _form_page(request, {"topic": "city_news", "osiedla": []}, {})


def _send_time(value: str) -> datetime | None:
    """A `datetime-local` field on Poznań's clock; empty means now."""
    if not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=CITY_ZONE)
    except ValueError as error:
        raise alerts.AnnouncementError("bad_time", str(error)) from error


@requires("moderator")
async def announcement_create(request: web.Request) -> web.StreamResponse:
    staff = staff_of(request)
    assert staff is not None
    form = await request.post()
    values = {
        "topic": str(form.get("topic", "")),
        "osiedla": [str(name) for name in form.getall("osiedla", [])],
        "text_pl": str(form.get("text_pl", "")),
        "text_en": str(form.get("text_en", "")),
        "send_at": str(form.get("send_at", "")),
    }
    try:
        send_at = _send_time(values["send_at"])
        async with citybot(request).db.transaction() as session:
            item = await alerts.announce(
                session, values["topic"], values["text_pl"], values["text_en"], send_at=send_at,
                osiedla=values["osiedla"] or None, actor=staff.actor, now=now(),
            )  # fmt: skip
            created = item.id
    except alerts.AnnouncementError as refused:
        field, message = REFUSALS.get(refused.reason, ("", N_("The announcement could not be saved.")))
        return _form_page(request, values, {field: _(message)}, status=400)
    return see_other(f"/panel/announcements?created={created}")
