"""What every interpreter promises: text in, intent and entities out, in Rasa's `/model/parse` shape.

The conversation engine depends only on this module, so a Rasa server, the embedded model or a
test double can stand behind the same `Interpreter` protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class IntentScore:
    """One intent with the confidence the interpreter gives it (0..1)."""

    name: str
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "confidence": round(float(self.confidence), 4)}


@dataclass(frozen=True, slots=True)
class Entity:
    """A span of the message with its normalised value (ISO date, HH:MM, canonical street, ...)."""

    entity: str
    value: Any
    start: int
    end: int
    extractor: str
    confidence: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "extractor": self.extractor,
            "confidence": round(float(self.confidence), 4),
        }


@dataclass(frozen=True, slots=True)
class Parse:
    """The interpretation of one message; `to_dict()` matches Rasa's `/model/parse` JSON plus `language`."""

    text: str
    intent: IntentScore
    intent_ranking: tuple[IntentScore, ...] = ()
    entities: tuple[Entity, ...] = ()
    language: str = "pl"

    def entity(self, name: str) -> Any | None:
        """The value of the first entity called `name`, or None: what a form slot is filled from."""
        for ent in self.entities:
            if ent.entity == name:
                return ent.value
        return None

    def entity_values(self) -> dict[str, Any]:
        """First value of each entity type, for pre-filling a flow's slots."""
        values: dict[str, Any] = {}
        for ent in self.entities:
            values.setdefault(ent.entity, ent.value)
        return values

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "intent": self.intent.to_dict(),
            "intent_ranking": [score.to_dict() for score in self.intent_ranking[:10]],
            "entities": [ent.to_dict() for ent in self.entities],
            "language": self.language,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, language: str | None = None) -> Parse:
        """Build a Parse from Rasa's JSON (used by the Rasa client and for round-trip tests)."""
        intent = data.get("intent") or {}
        return cls(
            text=str(data.get("text", "")),
            intent=IntentScore(
                str(intent.get("name") or "nlu_fallback"), float(intent.get("confidence") or 0.0)
            ),
            intent_ranking=tuple(
                IntentScore(str(item.get("name")), float(item.get("confidence") or 0.0))
                for item in data.get("intent_ranking") or []
            ),
            entities=tuple(
                Entity(
                    entity=str(item.get("entity")),
                    value=item.get("value"),
                    start=int(item.get("start") or 0),
                    end=int(item.get("end") or 0),
                    extractor=str(item.get("extractor") or "rasa"),
                    confidence=float(item.get("confidence_entity", item.get("confidence", 1.0)) or 1.0),
                )
                for item in data.get("entities") or []
            ),
            language=language or str(data.get("language") or "pl"),
        )


@dataclass(slots=True)
class NullInterpreter:
    """Understands nothing: the engine then works with buttons and commands alone."""

    name: str = "null"
    ranking: list[IntentScore] = field(default_factory=list)

    def parse(self, text: str, *, lang: str | None = None, now: datetime | None = None) -> Parse:
        return Parse(text=text, intent=IntentScore("nlu_fallback", 0.0), language=lang or "pl")

    async def aparse(self, text: str, *, lang: str | None = None, now: datetime | None = None) -> Parse:
        return self.parse(text, lang=lang, now=now)


@runtime_checkable
class Interpreter(Protocol):
    """Turns one resident message into a `Parse`. Must never raise on odd input.

    `aparse` is what the asynchronous engine awaits: in-process interpreters simply call `parse`,
    a remote one (Rasa over HTTP) does its I/O there without blocking the event loop.
    """

    def parse(self, text: str, *, lang: str | None = None, now: datetime | None = None) -> Parse: ...

    async def aparse(self, text: str, *, lang: str | None = None, now: datetime | None = None) -> Parse: ...
