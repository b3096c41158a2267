"""One HTTP GET for a feed, with a time limit and a size cap; every failure becomes a `FeedError`."""

from __future__ import annotations

import asyncio

import aiohttp

# No feed we read is anywhere near this; a bigger answer is a misconfigured URL.
MAX_BODY = 5 * 1024 * 1024


class FeedError(Exception):
    """The feed could not be read or understood this time; the poll is retried with back-off."""


async def fetch_body(session: aiohttp.ClientSession, url: str, timeout: float) -> tuple[int, bytes]:
    """(HTTP status, body) of GET `url`; timeouts, connection errors and huge bodies raise FeedError."""
    try:
        async with session.get(
            url, timeout=aiohttp.ClientTimeout(total=timeout), headers={"Accept": "application/json, */*"}
        ) as response:
            body = await response.content.read(MAX_BODY + 1)
            if len(body) > MAX_BODY:
                raise FeedError(f"{url}: answer larger than {MAX_BODY} bytes")
            return response.status, body
    except TimeoutError as exc:
        raise FeedError(f"{url}: no answer within {timeout:g} s") from exc
    except (aiohttp.ClientError, asyncio.IncompleteReadError, ValueError) as exc:
        raise FeedError(f"{url}: {type(exc).__name__}: {exc}") from exc
