"""Escalated cases: conversations residents have with staff in the Telegram staff group, open ones
first, each linked to its topic so an agent can jump into it."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import case as when_open
from sqlalchemy import select

from bot.db.models import HandoffCase, Resident
from bot.domain import handoff
from bot.i18n import N_, _
from bot.web.panel.auth import citybot, requires
from bot.web.panel.pages import render

LIST_SIZE = 200
STATUS_LABELS = {handoff.OPEN: N_("open"), handoff.CLOSED: N_("closed")}
REASON_LABELS = {"asked": N_("asked for a person"), "misses": N_("after two misunderstandings")}


@requires("agent")
async def case_list(request: web.Request) -> web.StreamResponse:
    status = request.query.get("status", "")
    status = status if status in STATUS_LABELS else ""
    query = (
        select(HandoffCase, Resident.display_name)
        .outerjoin(Resident, Resident.id == HandoffCase.resident_id)
        .order_by(when_open((HandoffCase.status == handoff.OPEN, 0), else_=1), HandoffCase.id.desc())
        .limit(LIST_SIZE)
    )
    if status:
        query = query.where(HandoffCase.status == status)
    async with citybot(request).db.transaction() as session:
        rows = [(case, name) for case, name in (await session.execute(query)).all()]
    return render(
        request, "handoff.html", cases=rows, shown_status=status, statuses=STATUS_LABELS,
        status_name=lambda code: _(STATUS_LABELS.get(code, code)),
        reason_name=lambda code: _(REASON_LABELS.get(code, code)), topic_link=handoff.topic_link,
    )  # fmt: skip
