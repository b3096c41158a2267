"""Open311 GeoReport v2 over HTTP, under /open311/v2: services, one service's definition, creating
and searching service requests, one request. The rules live in bot/domain/open311.py.

Only JSON is served. The spec names XML as its required format, but every maintained client speaks
JSON and a second serialisation would double the surface to keep correct and safe, so a `.xml`
(or any other) URL gets a 400 that says to use `.json`.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from functools import partial, wraps
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import MultiDictProxy

from bot.domain import open311
from bot.domain.open311 import Open311Error
from bot.web.server import CITYBOT

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

BASE = "/open311/v2"
LIST_PARAMS = frozenset({"service_request_id", "service_code", "status"})  # repeatable, comma lists
MAX_PARAM_LENGTH = 8192

Endpoint = Callable[[web.Request, "App", Mapping[str, str]], Awaitable[tuple[int, Any]]]
_dumps = partial(json.dumps, ensure_ascii=False)


def setup(web_app: web.Application) -> None:
    """Add the Open311 routes to the bot's aiohttp application."""
    router = web_app.router
    router.add_get(BASE + "/services.{fmt}", services)
    router.add_get(BASE + "/services/{code}.{fmt}", service_definition)
    router.add_get(BASE + "/requests.{fmt}", search_requests)
    router.add_post(BASE + "/requests.{fmt}", create_request)
    router.add_get(BASE + "/requests/{ticket}.{fmt}", one_request)
    router.add_get(BASE + "/{tail:.*}", unknown_path)  # answered in the API's own error format


def error_response(status: int, description: str) -> web.Response:
    """The spec's error body: a list of {code, description}."""
    return web.json_response([{"code": status, "description": description}], status=status, dumps=_dumps)


def endpoint(handler: Endpoint) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Checks shared by every method (format, parameters, jurisdiction) and errors as the spec wants."""

    @wraps(handler)
    async def respond(request: web.Request) -> web.Response:
        app = request.app[CITYBOT]
        try:
            if request.match_info["fmt"].lower() != "json":
                raise Open311Error(400, "only the JSON format is supported; use the .json URL")
            params = _params(request.query)
            if request.method == "POST":
                params.update(_params(await request.post()))
            _check_jurisdiction(app, params.get("jurisdiction_id", ""))
            status, payload = await handler(request, app, params)
        except Open311Error as error:
            return error_response(error.status, error.description)
        return web.json_response(payload, status=status, dumps=_dumps)

    return respond


def _params(values: MultiDictProxy[Any]) -> dict[str, str]:
    """One string per name; the list parameters may also be repeated. Files are refused."""
    params: dict[str, str] = {}
    for name in values:
        if name in params:
            continue
        given = values.getall(name)
        if not all(isinstance(value, str) for value in given):
            raise Open311Error(400, f"{name[:64]}: file uploads are not supported; send media_url")
        value = ",".join(given) if name in LIST_PARAMS else given[0]
        if len(value) > MAX_PARAM_LENGTH or "\x00" in value:
            raise Open311Error(400, f"{name[:64]} is too long or contains a NUL character")
        params[name] = value
    return params


def _check_jurisdiction(app: App, given: str) -> None:
    """One jurisdiction is served; naming it is optional, naming another one is a 404."""
    if given.strip() and given.strip().lower() != app.settings.open311_jurisdiction.lower():
        raise Open311Error(404, f"jurisdiction_id {given[:64]!r} not found")


def requester(app: App, given: str) -> str:
    """The audit actor for a valid key ("open311:abcd…"); every configured key is compared in full."""
    if not given:
        raise Open311Error(403, "api_key was not provided")
    keys = [key.strip() for key in app.settings.open311_api_keys.split(",") if key.strip()]
    matched = None
    for key in keys:
        if hmac.compare_digest(given.encode(), key.encode()):
            matched = key
    if matched is None:
        log.warning("Open311 request with a wrong api_key")
        raise Open311Error(403, "api_key is not valid")
    return f"open311:{matched[:4]}…"


@endpoint
async def services(request: web.Request, app: App, params: Mapping[str, str]) -> tuple[int, Any]:
    return 200, open311.service_list()


@endpoint
async def service_definition(request: web.Request, app: App, params: Mapping[str, str]) -> tuple[int, Any]:
    return 200, open311.service_definition(request.match_info["code"])


@endpoint
async def create_request(request: web.Request, app: App, params: Mapping[str, str]) -> tuple[int, Any]:
    """File a report for an app or partner system; the key is checked before anything else is read."""
    actor = requester(app, params.get("api_key", ""))
    settings = app.settings
    boundary = str(settings.city_boundary_file) if settings.city_boundary_file else None
    new = open311.new_report(params, actor=actor, language=settings.default_language, boundary_file=boundary)
    async with app.db.transaction() as session:
        ticket, notice = await open311.file_request(session, new, now=app.dialogue.clock())
    log.info("Open311 request %s filed by %s", ticket, actor)
    return 201, [{"service_request_id": ticket, "service_notice": notice, "account_id": None}]


@endpoint
async def search_requests(request: web.Request, app: App, params: Mapping[str, str]) -> tuple[int, Any]:
    search = open311.parse_search(params, now=app.dialogue.clock())
    async with app.db.transaction() as session:
        found = await open311.find_requests(session, search)
        notes = await open311.latest_notes(session, [report.id for report in found])
    return 200, [open311.as_service_request(report, notes.get(report.id)) for report in found]


@endpoint
async def one_request(request: web.Request, app: App, params: Mapping[str, str]) -> tuple[int, Any]:
    async with app.db.transaction() as session:
        report = await open311.one_request(session, request.match_info["ticket"])
        notes = await open311.latest_notes(session, [report.id])
    return 200, [open311.as_service_request(report, notes.get(report.id))]


async def unknown_path(request: web.Request) -> web.Response:
    return error_response(404, "no such Open311 resource; see /open311/v2/services.json")
