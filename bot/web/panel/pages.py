"""Rendering panel pages: one Jinja2 environment (autoescaped, gettext from bot.i18n) and error pages."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from bot.domain.categories import BY_CODE as CATEGORIES
from bot.domain.reports import status_label
from bot.i18n import (
    N_,
    _,
    current_language,
    format_date,
    format_datetime,
    format_number,
    format_time,
    ngettext,
)
from bot.web.panel.accounts import Staff

TEMPLATES = Path(__file__).resolve().parent / "templates"
STAFF_KEY: web.RequestKey[Staff] = web.RequestKey("panel_staff", Staff)
ROLE_LABELS = {"agent": N_("agent"), "moderator": N_("moderator"), "admin": N_("administrator")}


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Old-style callables: `_()` returns plain text that autoescape then escapes, and msgids keep the
    # project's `{name}` placeholders (filled with `.format`, also escaped) instead of `%(name)s`.
    env.install_gettext_callables(_, ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.globals.update(
        category_label=category_label,
        status_label=status_label,
        when=lambda moment: format_datetime(moment, "short") if moment else "—",
        day=lambda moment: format_date(moment, "medium") if moment else "—",
        clock=format_time,
        number=lambda value: format_number(round(value, 1)),
        role_label=lambda role: _(ROLE_LABELS.get(role, role)),
    )
    return env


def category_label(code: str) -> str:
    """The category's name without the emoji the chat shows: office fonts and charts lack them."""
    category = CATEGORIES.get(code)
    if category is None:
        return code
    label = _(category.label)
    first, _space, rest = label.partition(" ")
    return rest if rest and not any(ch.isalnum() for ch in first) else label


def staff_of(request: web.Request) -> Staff | None:
    return request.get(STAFF_KEY)


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """A page in the current language, with the signed-in staff member and their CSRF token."""
    staff = staff_of(request)
    html = (
        environment()
        .get_template(template)
        .render(
            staff=staff,
            csrf=staff.csrf_token if staff else context.pop("csrf", ""),
            lang=current_language(),
            path=request.path,
            lang_link=lambda code: _language_link(request, code),
            **context,
        )
    )
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")


def _language_link(request: web.Request, code: str) -> str:
    """This page in another language (a form's result page goes back to the panel's start)."""
    if request.method != "GET":
        return f"/panel/?lang={code}"
    return f"{request.path}?{urlencode({**request.query, 'lang': code})}"


def error_page(request: web.Request, status: int, message: str | None = None) -> web.Response:
    titles = {
        400: _("The request could not be understood"),
        403: _("You may not do this"),
        404: _("Page not found"),
        409: _("This has changed in the meantime"),
        429: _("Too many attempts"),
    }
    return render(request, "error.html", status=status, title=titles.get(status, ""), message=message)
