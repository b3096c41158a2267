"""Signing in and out: throttled per e-mail and per address, every attempt in the audit trail."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain import audit
from bot.i18n import _
from bot.web.panel import accounts
from bot.web.panel.auth import (
    LOGIN_COOKIE,
    LOGIN_PATH,
    SESSION_COOKIE,
    citybot,
    new_login_token,
    now,
    requires,
    safe_next,
    see_other,
    set_login_cookie,
    set_session_cookie,
)
from bot.web.panel.pages import render, staff_of

THROTTLED, WRONG = "throttled", "wrong"  # never a token: those are 43 random characters


def _form(request: web.Request, status: int = 200, error: str | None = None, email: str = "") -> web.Response:
    token = new_login_token()
    response = render(
        request, "login.html", status=status, csrf=token, error=error, email=email,
        next=safe_next(request.query.get("next")),
    )  # fmt: skip
    set_login_cookie(request, response, token)
    return response


async def login_page(request: web.Request) -> web.StreamResponse:
    if staff_of(request) is not None:
        return see_other(safe_next(request.query.get("next")))
    return _form(request)


async def login(request: web.Request) -> web.StreamResponse:
    """Check the password unless this e-mail or address is throttled; open a session on success."""
    form = await request.post()
    email = accounts.normalise_email(str(form.get("email", "")))[:254]
    bot = citybot(request)
    async with bot.db.transaction() as session:
        outcome = await _sign_in(session, request, email, str(form.get("password", "")))
    if outcome == THROTTLED:
        return _form(request, 429, _("Too many failed sign-ins. Wait 15 minutes and try again."), email)
    if outcome == WRONG:
        return _form(request, 401, _("Wrong e-mail or password."), email)
    response = see_other(safe_next(str(form.get("next", ""))))
    set_session_cookie(request, response, outcome)
    response.del_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
    return response


async def _sign_in(session: AsyncSession, request: web.Request, email: str, password: str) -> str:
    """THROTTLED, WRONG or the new session's cookie token; the attempt is audited either way."""
    settings, moment = citybot(request).settings, now()
    keys = accounts.throttle_keys(email, request.remote)
    actor = accounts.actor_for(email or "?")
    if await accounts.throttled(session, keys, settings.panel_login_attempts, now=moment):
        details = {"reason": "throttled", "address": request.remote}
        await audit.record(session, actor, "staff.login_failed", details=details, at=moment)
        return THROTTLED
    user = await accounts.authenticate(session, email, password, now=moment)
    if user is None:
        await accounts.record_failure(session, keys, now=moment)
        details = {"reason": "password", "address": request.remote}
        await audit.record(session, actor, "staff.login_failed", details=details, at=moment)
        return WRONG
    await accounts.forget_failures(session, keys[0])
    token = await accounts.open_session(session, user, hours=settings.panel_session_hours, now=moment)
    await audit.record(session, actor, "staff.login", details={"address": request.remote}, at=moment)
    return token


@requires("agent")
async def logout(request: web.Request) -> web.StreamResponse:
    staff = staff_of(request)
    assert staff is not None  # requires() saw to it
    async with citybot(request).db.transaction() as session:
        await accounts.close_session(session, staff.token_hash)
        await audit.record(session, staff.actor, "staff.logout", at=now())
    response = see_other(LOGIN_PATH)
    response.del_cookie(SESSION_COOKIE, path="/panel")
    return response
