"""The initiatives moderation queue: approve (with an optional note) or reject (with a reason)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import select

from bot.db.models import Initiative
from bot.domain import initiatives
from bot.i18n import _
from bot.web.panel.auth import citybot, now, requires, see_other
from bot.web.panel.pages import render, staff_of

MAX_NOTE = 1000
QUEUE_SIZE = 100


async def _queue(request: web.Request, status: int = 200, error: str | None = None) -> web.Response:
    async with citybot(request).db.transaction() as session:
        query = (
            select(Initiative)
            .where(Initiative.status == initiatives.AWAITING)
            .order_by(Initiative.created_at, Initiative.id)
            .limit(QUEUE_SIZE)
        )
        waiting = list((await session.execute(query)).scalars())
    done = request.query.get("done")
    return render(request, "initiatives.html", status=status, initiatives=waiting, error=error, done=done)


@requires("moderator")
async def queue(request: web.Request) -> web.StreamResponse:
    return await _queue(request)


@requires("moderator")
async def moderate(request: web.Request) -> web.StreamResponse:
    """Approve or reject through the domain calls the CLI uses, so the author is told either way."""
    staff = staff_of(request)
    assert staff is not None
    try:
        initiative_id = int(request.match_info["id"])
    except ValueError:
        return await _queue(request, 404, _("There is no such initiative."))
    decision = request.match_info["decision"]
    form = await request.post()
    text = str(form.get("note" if decision == "approve" else "reason", "")).strip()
    if len(text) > MAX_NOTE:
        return await _queue(request, 400, _("The note is too long."))
    if decision == "reject" and not text:
        return await _queue(request, 400, _("A rejection needs a reason; the author will read it."))
    try:
        async with citybot(request).db.transaction() as session:
            if decision == "approve":
                await initiatives.approve(
                    session, initiative_id, actor=staff.actor, now=now(), note=text or None
                )
            else:
                await initiatives.reject(session, initiative_id, actor=staff.actor, now=now(), reason=text)
    except initiatives.InitiativeNotFound:
        return await _queue(request, 404, _("There is no such initiative."))
    except initiatives.InitiativeError:
        return await _queue(request, 409, _("This initiative has already been moderated."))
    return see_other(f"/panel/initiatives?done={decision}")
