"""The audit viewer for admins: the trail of everyone's actions, filtered by actor and action."""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import func, select

from bot.db.models import AuditEntry
from bot.web.panel.auth import citybot, requires
from bot.web.panel.pages import render
from bot.web.panel.reports import escape_like, int_param

PAGE_SIZE = 50


@requires("admin")
async def audit_log(request: web.Request) -> web.StreamResponse:
    actor = request.query.get("actor", "").strip()[:64]
    action = request.query.get("action", "").strip()[:64]
    conditions = []
    if actor:
        conditions.append(AuditEntry.actor.ilike(f"%{escape_like(actor)}%", escape="\\"))
    if action:
        conditions.append(AuditEntry.action == action)
    async with citybot(request).db.transaction() as session:
        total = await session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, int_param(request.query.get("page"), 1)), pages)
        query = select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc())
        entries = list(
            (await session.execute(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))).scalars()
        )
        actions = list(
            (
                await session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
            ).scalars()
        )

    def link(number: int) -> str:
        pairs = {"actor": actor, "action": action, "page": str(number)}
        return "/panel/audit?" + urlencode({k: v for k, v in pairs.items() if v})

    return render(
        request, "audit.html", entries=entries, actor=actor, action=action, actions=actions, page=page,
        pages=pages, total=total, link=link,
    )  # fmt: skip
