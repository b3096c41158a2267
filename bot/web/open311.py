"""Open311 GeoReport v2 (to be written)."""

from __future__ import annotations

from aiohttp import web


def setup(web_app: web.Application) -> None:
    """Add the Open311 routes to the bot's aiohttp application."""
