"""Scripted conversations against the Dialogue engine: `says(...)`, then read the replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.conversation import Dialogue, Inbound, Location, Reply
from nlu.interface import Entity, IntentScore, Parse


class FixedClock:
    """A clock tests move by hand; starts on a Sunday morning in Poznań (09:00 UTC = 10:00 CET)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 29, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class ScriptedInterpreter:
    """An interpreter answering from a table: text -> (intent, confidence, entities, ranking)."""

    table: dict[str, tuple[str, float, dict, list[tuple[str, float]]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def understands(self, text: str, intent: str, confidence: float = 0.95, ranking=(), **entities) -> None:
        self.table[text] = (intent, confidence, entities, list(ranking))

    def parse(self, text: str, *, lang=None, now=None) -> Parse:
        self.calls.append(text)
        intent, confidence, entities, ranking = self.table.get(text, ("out_of_scope", 0.1, {}, []))
        ranking = ranking or [(intent, confidence)]
        return Parse(
            text=text,
            intent=IntentScore(intent, confidence),
            intent_ranking=tuple(IntentScore(n, c) for n, c in ranking),
            entities=tuple(Entity(k, v, 0, 0, "scripted") for k, v in entities.items()),
            language=lang or "pl",
        )

    async def aparse(self, text: str, *, lang=None, now=None) -> Parse:
        return self.parse(text, lang=lang, now=now)


class Conversation:
    """One resident talking to the engine; keeps the last replies and the last inline buttons."""

    def __init__(self, dialogue: Dialogue, resident_id: int = 1001, language: str | None = "pl") -> None:
        self.dialogue = dialogue
        self.resident_id = resident_id
        self.language = language
        self.replies: list[Reply] = []
        self.buttons: dict[str, str] = {}

    async def send(self, **fields) -> list[Reply]:
        inbound = Inbound(resident_id=self.resident_id, language_hint=self.language, **fields)
        self.replies = await self.dialogue.handle(inbound)
        for reply in self.replies:
            if reply.buttons:
                self.buttons = {b.label: b.payload for row in reply.buttons for b in row}
        return self.replies

    async def says(self, text: str) -> list[Reply]:
        return await self.send(text=text)

    async def press(self, label: str) -> list[Reply]:
        """Tap the inline button whose label contains `label` (from the latest message with buttons)."""
        matches = [payload for shown, payload in self.buttons.items() if label in shown]
        assert matches, f"no button {label!r} among {list(self.buttons)}"
        return await self.send(payload=matches[0])

    async def sends_location(self, lat: float, lon: float) -> list[Reply]:
        return await self.send(location=Location(lat, lon))

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)

    def labels(self) -> list[str]:
        return [label for reply in self.replies for label in reply.button_labels()]

    def menu(self) -> list[str] | None:
        menus = [reply.menu for reply in self.replies if reply.menu]
        return [label for row in menus[-1] for label in row] if menus else None
