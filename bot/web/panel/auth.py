"""The panel's HTTP guard: language, session cookie, CSRF on every POST, roles, safety headers.

One middleware on the panel sub-application does it for every page, so a new page cannot forget
the CSRF check; `requires(role)` states on each handler who may open it.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import wraps
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web

from bot.i18n import LANGUAGES, _, use_language
from bot.web.panel import accounts
from bot.web.panel.pages import STAFF_KEY, error_page, staff_of
from bot.web.server import CITYBOT

if TYPE_CHECKING:
    from bot.app import App

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SESSION_COOKIE = "citybot_panel"
LOGIN_COOKIE = "citybot_panel_login"  # CSRF token of the sign-in form, before there is a session
LANG_COOKIE = "citybot_panel_lang"
PREFIX = "/panel"
LOGIN_PATH = f"{PREFIX}/login"
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


def citybot(request: web.Request) -> App:
    return request.config_dict[CITYBOT]


def now() -> datetime:
    return datetime.now(UTC)


def panel_language(request: web.Request) -> str:
    """Polish unless the staff member picked English (?lang=en, remembered in a cookie)."""
    chosen = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    return chosen if chosen in LANGUAGES else "pl"


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    lang = panel_language(request)
    with use_language(lang):
        response = await _guarded(request, handler)
    if request.query.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, path=PREFIX, max_age=365 * 86400, samesite="Strict",
                            httponly=True, secure=citybot(request).settings.panel_cookie_secure)  # fmt: skip
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        async with citybot(request).db.transaction() as session:
            request[STAFF_KEY] = await accounts.staff_for_token(session, token, now=now())
    if request.method == "POST" and not await _csrf_ok(request):
        return error_page(request, 403, _("The form has expired or did not come from this panel. Reload it."))
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return error_page(request, 404)


async def _csrf_ok(request: web.Request) -> bool:
    """The form's token must equal the session's (or, on the sign-in form, the sign-in cookie's)."""
    form = await request.post()
    given = form.get("csrf")
    staff = staff_of(request)
    if request.path == LOGIN_PATH:
        expected = request.cookies.get(LOGIN_COOKIE, "")
    else:
        expected = staff.csrf_token if staff else ""
    return (
        isinstance(given, str) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())
    )


def requires(role: str) -> Callable[[Handler], Handler]:
    """Only signed-in staff of at least `role`: others go to the sign-in page, or get a 403 page."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            staff = staff_of(request)
            if staff is None:
                if request.method != "GET":
                    return error_page(request, 403, _("Your session has ended. Sign in again."))
                return see_other(f"{LOGIN_PATH}?next={quote(request.path_qs, safe='')}")
            if not staff.may(role):
                return error_page(request, 403, _("Your role does not allow this page."))
            return await handler(request)

        return checked

    return decorate


def new_login_token() -> str:
    return secrets.token_urlsafe(32)


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    settings = citybot(request).settings
    response.set_cookie(
        SESSION_COOKIE, token, path=PREFIX, max_age=int(settings.panel_session_hours * 3600),
        httponly=True, samesite="Strict", secure=settings.panel_cookie_secure,
    )  # fmt: skip


def set_login_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    response.set_cookie(
        LOGIN_COOKIE, token, path=LOGIN_PATH, max_age=3600, httponly=True, samesite="Strict",
        secure=citybot(request).settings.panel_cookie_secure,
    )  # fmt: skip


def see_other(location: str) -> web.Response:
    """The redirect after a POST (a returned response, so the middleware can add cookies and headers)."""
    return web.Response(status=303, headers={"Location": location})


def safe_next(target: str | None) -> str:
    """Only a path inside the panel: never an open redirect to another site."""
    if target and target.startswith(f"{PREFIX}/") and not target.startswith("//") and "\\" not in target:
        return target
    return f"{PREFIX}/"
