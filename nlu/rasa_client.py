"""An `Interpreter` that asks a Rasa server (`POST /model/parse`) and falls back to the embedded one.

Cities that run Rasa keep their own model; the bot must still answer when that server is slow or
down, so each request has a timeout, gets one retry on a timeout / connection error / 5xx, and then
the embedded interpreter answers instead (logged). Rasa does not report the message language, so
it comes from the caller or from the embedded language identifier.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

import aiohttp

from nlu.interface import IntentScore, Interpreter, Parse

__all__ = ["RasaError", "RasaInterpreter"]

log = logging.getLogger(__name__)
MAX_CHARS = 4096


class RasaError(Exception):
    """Rasa answered, but not with something usable."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


class RasaInterpreter:
    """Rasa over HTTP with timeout, one retry and a logged fall-back to `fallback`."""

    name = "rasa"

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float = 2.0,
        fallback: Interpreter | None = None,
        retries: int = 1,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token or None
        self.timeout = float(timeout)
        self.fallback = fallback
        self.retries = max(0, int(retries))
        self._session: aiohttp.ClientSession | None = None
        self.fallbacks = 0  # how often Rasa could not answer, for health checks and tests
        self.last_latency: float | None = None

    @property
    def endpoint(self) -> str:
        return f"{self.url}/model/parse"

    def parse(self, text: str, *, lang: str | None = None, now: datetime | None = None) -> Parse:
        """Synchronous callers cannot wait for HTTP: the embedded interpreter answers directly."""
        return self._fallback(_as_text(text), lang, now)

    async def aparse(self, text: str, *, lang: str | None = None, now: datetime | None = None) -> Parse:
        raw = _as_text(text)
        if not raw.strip():
            return self._fallback(raw, lang, now)
        try:
            data = await self.request(raw[:MAX_CHARS])
        except (TimeoutError, RasaError, aiohttp.ClientError, ValueError) as exc:
            self.fallbacks += 1
            log.warning("Rasa at %s did not answer (%s); using the embedded interpreter", self.url, _why(exc))
            return self._fallback(raw, lang, now)
        try:
            parse = Parse.from_dict(data, language=self._language(raw, lang))
        except (TypeError, ValueError, AttributeError) as exc:
            self.fallbacks += 1
            log.warning(
                "Rasa at %s sent an unreadable parse (%s); using the embedded interpreter", self.url, exc
            )
            return self._fallback(raw, lang, now)
        return Parse(raw, parse.intent, parse.intent_ranking[:10], parse.entities, parse.language)

    async def request(self, text: str) -> dict[str, Any]:
        """POST the text, retrying once on timeouts, connection errors and 5xx answers."""
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                data = await self._post(text)
                self.last_latency = time.perf_counter() - started
                return data
            except (TimeoutError, aiohttp.ClientError, RasaError) as exc:
                retry = exc.retry if isinstance(exc, RasaError) else True
                if not retry or attempt == attempts:
                    raise
                log.info("Rasa request failed (%s), retrying", _why(exc))
        raise RasaError("no attempt made", retry=False)  # pragma: no cover - loop always returns/raises

    async def _post(self, text: str) -> dict[str, Any]:
        session = self._ensure_session()
        params = {"token": self.token} if self.token else None
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with session.post(self.endpoint, json={"text": text}, params=params, timeout=timeout) as resp:
            if resp.status >= 500:
                raise RasaError(f"HTTP {resp.status}", retry=True)
            if resp.status >= 400:
                raise RasaError(f"HTTP {resp.status}", retry=False)
            data = await resp.json(content_type=None)
        if not isinstance(data, dict) or "intent" not in data:
            raise RasaError("answer is not a parse result", retry=False)
        return data

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        """Close the HTTP session (call on shutdown)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _language(self, text: str, lang: str | None) -> str:
        wanted = (lang or "").strip().lower()[:2]
        if wanted in ("pl", "en"):
            return wanted
        detect = getattr(self.fallback, "detect_language", None)
        if callable(detect):
            try:
                return str(detect(text))
            except Exception:
                log.exception("language detection failed")
        return "pl"

    def _fallback(self, text: str, lang: str | None, now: datetime | None) -> Parse:
        if self.fallback is None:
            return Parse(
                text=text, intent=IntentScore("nlu_fallback", 0.0), language=self._language(text, lang)
            )
        try:
            return self.fallback.parse(text, lang=lang, now=now)
        except Exception:
            log.exception("fall-back interpreter failed")
            return Parse(
                text=text, intent=IntentScore("nlu_fallback", 0.0), language=self._language(text, lang)
            )


def _why(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timeout"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _as_text(text: Any) -> str:
    if text is None:
        return ""
    return text if isinstance(text, str) else str(text)
