"""`Turn`: everything one turn of one resident knows, and the replies it collects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversation.messages import Button, Inbound, Reply
from bot.conversation.store import ResidentRecord, StateRecord
from nlu.interface import Parse

if TYPE_CHECKING:
    from bot.conversation.registry import Registry


@dataclass
class Turn:
    """The unit a handler works on: the inbound message, the resident, their saved state, one session.

    The session's transaction spans the whole turn, so a handler's writes and the new conversation
    state commit together or not at all.
    """

    inbound: Inbound
    resident: ResidentRecord
    state: StateRecord
    session: AsyncSession
    now: datetime
    registry: Registry
    understand: Callable[[], Awaitable[Parse | None]]
    replies: list[Reply] = field(default_factory=list)
    services: dict[str, Any] = field(default_factory=dict)
    # Work for the channel once the turn has committed (e.g. copy this message to staff); plain
    # values the channel understands, so no handler ever calls a messenger inside a transaction.
    effects: list[Any] = field(default_factory=list)
    # Set by an erasure (/forget): the resident and their state are gone, so the engine neither logs
    # this turn nor saves a state for them.
    erased: bool = False

    @property
    def lang(self) -> str:
        return self.resident.language

    @property
    def text(self) -> str:
        return (self.inbound.text or "").strip()

    @property
    def slots(self) -> dict[str, Any]:
        """The active flow's slots (read-only view by convention; change them with `set_slot`)."""
        return self.state.slots

    def set_slot(self, name: str, value: Any) -> None:
        self.state.slots = {**self.state.slots, name: value}

    def drop_slot(self, name: str) -> None:
        self.state.slots = {k: v for k, v in self.state.slots.items() if k != name}

    def say(
        self,
        text: str,
        *,
        buttons: list[list[Button]] | None = None,
        menu: list[list[str]] | None = None,
        request_location: str | None = None,
        silent: bool = False,
    ) -> Reply:
        reply = Reply(
            text=text, buttons=buttons or [], menu=menu, request_location=request_location, silent=silent
        )
        self.replies.append(reply)
        return reply

    async def remind(self) -> None:
        """Repeat the active flow's question, so the resident knows where they are."""
        flow = self.registry.flows.get(self.state.flow or "")
        if flow is not None:
            await flow.prompt(self)

    def enter(self, flow: str, step: str | None, run: str, slots: dict[str, Any] | None = None) -> None:
        """Make `flow` the active one, at `step`, with a fresh run id."""
        self.state.flow, self.state.step = flow, step
        self.state.slots = {"_run": run, **(slots or {})}

    def leave(self) -> None:
        """End the active flow; its slots are dropped."""
        self.state.flow = self.state.step = None
        self.state.slots = {}
