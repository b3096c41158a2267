"""The reports queue: filtered list, detail with photos and history, status changes that notify.

Filters arrive as query parameters and only ever become bound SQL parameters; an unknown value
is dropped rather than answered with an error, so a stale bookmark still opens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiMapping
from sqlalchemy import Select, func, or_, select

from bot.db.models import Report, ReportPhoto
from bot.domain import reports
from bot.domain.categories import CATEGORIES
from bot.i18n import CITY_ZONE, _
from bot.web.panel.auth import citybot, now, requires, see_other
from bot.web.panel.pages import error_page, render, staff_of
from nlu.gazetteer import default_gazetteer

PAGE_SIZE = 25
MAX_NOTE = 1000
MAX_SEARCH = 100
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}


@dataclass(frozen=True, slots=True)
class Filters:
    status: str = ""
    category: str = ""
    osiedle: str = ""
    since: date | None = None
    until: date | None = None
    search: str = ""
    page: int = 1

    @classmethod
    def of(cls, query: MultiMapping[str]) -> Filters:
        status = query.get("status", "")
        category = query.get("category", "")
        osiedle = query.get("osiedle", "")
        return cls(
            status=status if status in reports.STATUS_LABELS else "",
            category=category if category in {c.code for c in CATEGORIES} else "",
            osiedle=osiedle if osiedle in default_gazetteer().districts else "",
            since=_day(query.get("since")),
            until=_day(query.get("until")),
            search=query.get("q", "").strip()[:MAX_SEARCH],
            page=max(1, int_param(query.get("page"), 1)),
        )

    def where(self, query: Select) -> Select:
        if self.status:
            query = query.where(Report.status == self.status)
        if self.category:
            query = query.where(Report.category == self.category)
        if self.osiedle:
            query = query.where(Report.osiedle == self.osiedle)
        if self.since:
            query = query.where(Report.created_at >= _city_midnight(self.since))
        if self.until:
            query = query.where(Report.created_at < _city_midnight(self.until + timedelta(days=1)))
        if self.search:
            pattern = f"%{escape_like(self.search)}%"
            query = query.where(
                or_(
                    Report.ticket.ilike(pattern, escape="\\"),
                    Report.description.ilike(pattern, escape="\\"),
                    Report.street.ilike(pattern, escape="\\"),
                )
            )
        return query

    def link(self, page: int) -> str:
        """The list URL with these filters on another page."""
        pairs = {
            "status": self.status, "category": self.category, "osiedle": self.osiedle,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "", "q": self.search, "page": str(page),
        }  # fmt: skip
        return "/panel/reports?" + urlencode({k: v for k, v in pairs.items() if v})


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def int_param(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


def _city_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CITY_ZONE)


def escape_like(text: str) -> str:
    """A search for "50%" means the characters, not a wildcard."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@requires("agent")
async def report_list(request: web.Request) -> web.StreamResponse:
    filters = Filters.of(request.query)
    async with citybot(request).db.transaction() as session:
        total = await session.scalar(filters.where(select(func.count()).select_from(Report))) or 0
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(filters.page, pages)
        query = filters.where(select(Report)).order_by(Report.created_at.desc(), Report.id.desc())
        rows = list((await session.execute(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))).scalars())
    return render(
        request, "reports.html", reports=rows, filters=filters, total=total, page=page, pages=pages,
        statuses=list(reports.STATUS_LABELS), categories=CATEGORIES, osiedla=default_gazetteer().districts,
    )  # fmt: skip


async def _detail(
    request: web.Request, ticket: str, status: int = 200, error: str | None = None
) -> web.Response:
    async with citybot(request).db.transaction() as session:
        try:
            report = await reports.by_ticket(session, ticket)
        except reports.ReportNotFound:
            return error_page(request, 404, _("There is no report {ticket}.").format(ticket=ticket[:40]))
        history = await reports.history(session, report.id)
        photos = [p for p in await reports.photos(session, report.id) if p.local_path]
        followers = len(await reports.followers(session, report.id))
    return render(
        request, "report.html", status=status, report=report, history=history, photos=photos,
        followers=followers, next_statuses=sorted(reports.TRANSITIONS[report.status]), error=error,
        changed=request.query.get("changed") == "1", where=reports.where(report),
    )  # fmt: skip


@requires("agent")
async def report_detail(request: web.Request) -> web.StreamResponse:
    return await _detail(request, request.match_info["ticket"])


@requires("agent")
async def report_status(request: web.Request) -> web.StreamResponse:
    """Change the status through the same domain call as the CLI: history, audit and pushes together."""
    staff = staff_of(request)
    assert staff is not None
    ticket = request.match_info["ticket"]
    form = await request.post()
    status = str(form.get("status", ""))
    note = str(form.get("note", "")).strip() or None
    if note and len(note) > MAX_NOTE:
        return await _detail(request, ticket, 400, _("The note is too long."))
    try:
        async with citybot(request).db.transaction() as session:
            report = await reports.change_status(
                session, ticket, status, note=note, actor=staff.actor, now=now()
            )
            ticket = report.ticket
    except reports.ReportNotFound:
        return error_page(request, 404)
    except reports.InvalidTransition:
        return await _detail(
            request, ticket, 409, _("This status cannot be set now; the page shows the current one.")
        )
    return see_other(f"/panel/reports/{ticket}?changed=1")


@requires("agent")
async def report_photo(request: web.Request) -> web.StreamResponse:
    """A stored copy of a report's photo: only rows of that report, only files inside MEDIA_DIR."""
    ticket = request.match_info["ticket"]
    photo_id = int_param(request.match_info["photo"], 0)
    settings = citybot(request).settings
    async with citybot(request).db.transaction() as session:
        local_path = await session.scalar(
            select(ReportPhoto.local_path)
            .join(Report, Report.id == ReportPhoto.report_id)
            .where(ReportPhoto.id == photo_id, Report.ticket == ticket.upper())
        )
    path = _inside_media(local_path, Path(settings.media_dir))
    if path is None:
        return error_page(request, 404)
    response = web.FileResponse(path, headers={"Content-Type": IMAGE_TYPES[path.suffix.lower()]})
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def _inside_media(local_path: str | None, media_dir: Path) -> Path | None:
    if not local_path:
        return None
    path = Path(local_path).resolve()
    if not path.is_relative_to(media_dir.resolve()) or path.suffix.lower() not in IMAGE_TYPES:
        return None
    return path if path.is_file() else None
