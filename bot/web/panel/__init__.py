"""The staff web panel (to be written)."""

from __future__ import annotations

from aiohttp import web


def setup(web_app: web.Application) -> None:
    """Add the panel's routes to the bot's aiohttp application."""
