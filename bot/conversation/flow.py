"""Guided forms in the spirit of Rasa forms: a flow is a table of slots, each asked, parsed, validated.

A flow declares its steps in one table (`Slot`s); each slot's parser returns a value or raises
`Invalid` with the reason to re-ask. Slots are filled from NLU entities before anything is asked,
and a summary step lets the resident confirm, edit one slot, or cancel.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.conversation.messages import Button, Location
from bot.conversation.payloads import flow_payload, new_run_id
from bot.conversation.turn import Turn
from bot.i18n import _

CONFIRM = "confirm"
EDIT = "edit"


class Invalid(Exception):
    """An answer the slot cannot take; `reason` is shown to the resident before the question again.

    `choices` ((label, value) pairs) become buttons under the reason, answering the same step (e.g.
    "did you mean" suggestions); `reprompt=False` keeps the question from being repeated when the
    reason already says what to do next (e.g. "photo 2 of 5 added, send more or tap Done").
    """

    def __init__(
        self, reason: str, *, choices: Sequence[tuple[str, str]] = (), reprompt: bool = True
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.choices = tuple(choices)
        self.reprompt = reprompt


@dataclass(frozen=True, slots=True)
class Answer:
    """What the resident gave for the current step: typed text, a tapped choice, a pin or photos."""

    text: str = ""
    choice: str | None = None
    location: Location | None = None
    photos: tuple[str, ...] = ()


class Flow(Protocol):
    """What the Dialogue engine needs from any flow."""

    name: str

    async def start(self, turn: Turn, prefill: dict[str, Any]) -> None: ...

    async def handle(self, turn: Turn, answer: Answer) -> Invalid | None:
        """Take the answer for the current step; return None when taken, or why it was not."""
        ...

    async def prompt(self, turn: Turn) -> None:
        """Ask the current step again (after a restart, /help, or an invalid answer)."""
        ...


Prompt = Callable[[Turn, "FormFlow"], Awaitable[None] | None]
Parser = Callable[[Turn, Answer], Any]


@dataclass(frozen=True, slots=True)
class Slot:
    """One question of a form.

    `entity` names the NLU entity that fills it without asking; `required` decides from the slots
    filled so far whether it is asked at all; `label` names it on the edit menu.
    """

    name: str
    ask: Prompt
    parse: Parser
    label: str = ""
    entity: str | None = None
    required: Callable[[dict[str, Any]], bool] = lambda slots: True


async def _maybe_await(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class FormFlow:
    """A form: ask each required slot in order, then confirm, then `submit`."""

    def __init__(
        self,
        name: str,
        slots: Sequence[Slot],
        *,
        submit: Callable[[Turn, FormFlow], Awaitable[None]],
        summary: Callable[[Turn, FormFlow], str] | None = None,
        on_cancel: Callable[[Turn, FormFlow], Awaitable[None] | None] | None = None,
    ) -> None:
        self.name = name
        self.slots = tuple(slots)
        self._by_name = {slot.name: slot for slot in self.slots}
        self._submit = submit
        self._summary = summary
        self._on_cancel = on_cancel

    # -- buttons ---------------------------------------------------------------------------------
    def button(self, turn: Turn, label: str, value: str) -> Button:
        """An inline choice answering the step the resident is on now."""
        return Button(label, flow_payload(turn.slots.get("_run", "-"), turn.state.step or "-", value))

    # -- lifecycle -------------------------------------------------------------------------------
    async def start(
        self, turn: Turn, prefill: dict[str, Any], *, values: dict[str, Any] | None = None
    ) -> None:
        """Begin a run, keep every pre-filled value its slot accepts, and ask the first missing one.

        `prefill` holds raw answers (NLU entities, text) that go through the slots' parsers;
        `values` holds values already checked by the caller (a pin, photos) and is taken as is.
        """
        turn.enter(self.name, None, new_run_id(), dict(values or {}))
        for slot in self.slots:
            if slot.name in turn.slots:
                continue
            raw = prefill.get(slot.name)
            if raw is None and slot.entity:
                raw = prefill.get(slot.entity)
            if raw is None:
                continue
            try:
                value = await _maybe_await(slot.parse(turn, Answer(text=str(raw), choice=str(raw))))
            except Invalid:
                continue
            turn.set_slot(slot.name, value)
        await self.advance(turn)

    async def advance(self, turn: Turn) -> None:
        """Ask the next missing slot, or show the summary, or submit when there is no summary."""
        for slot in self.slots:
            if slot.name not in turn.slots and slot.required(turn.slots):
                turn.state.step = slot.name
                await _maybe_await(slot.ask(turn, self))
                return
        if self._summary is not None:
            turn.state.step = CONFIRM
            self._show_summary(turn)
            return
        await self._finish(turn)

    async def prompt(self, turn: Turn) -> None:
        step = turn.state.step
        if step == CONFIRM:
            self._show_summary(turn)
        elif step == EDIT:
            self._show_edit_menu(turn)
        elif step in self._by_name:
            await _maybe_await(self._by_name[step].ask(turn, self))
        else:
            await self.advance(turn)

    async def cancel(self, turn: Turn) -> None:
        if self._on_cancel is not None:
            await _maybe_await(self._on_cancel(turn, self))
        turn.leave()

    # -- answers ---------------------------------------------------------------------------------
    async def handle(self, turn: Turn, answer: Answer) -> Invalid | None:
        step = turn.state.step
        if step == CONFIRM:
            return await self._handle_confirm(turn, answer)
        if step == EDIT:
            return await self._handle_edit(turn, answer)
        slot = self._by_name.get(step or "")
        if slot is None:
            await self.advance(turn)
            return None
        try:
            value = await _maybe_await(slot.parse(turn, answer))
        except Invalid as invalid:
            return invalid
        turn.set_slot(slot.name, value)
        # An edited answer may make later slots needless (or needed); drop values no longer required.
        for other in self.slots:
            if other.name in turn.slots and not other.required(turn.slots):
                turn.drop_slot(other.name)
        await self.advance(turn)
        return None

    async def _handle_confirm(self, turn: Turn, answer: Answer) -> Invalid | None:
        decision = answer.choice
        if decision is None and answer.text:
            parse = await turn.understand()
            if parse is not None and parse.intent.name in ("affirm", "deny"):
                decision = "yes" if parse.intent.name == "affirm" else "no"
        if decision == "yes":
            await self._finish(turn)
            return None
        if decision == "no":
            await self.cancel(turn)
            turn.say(_("Cancelled. Nothing was saved."), menu=turn.registry.keyboard())
            return None
        if decision == EDIT:
            turn.state.step = EDIT
            self._show_edit_menu(turn)
            return None
        return Invalid(_("Please choose one of the buttons below."))

    async def _handle_edit(self, turn: Turn, answer: Answer) -> Invalid | None:
        target = self._by_name.get(answer.choice or "")
        if target is None or not target.required(turn.slots):
            if answer.choice == CONFIRM:
                turn.state.step = CONFIRM
                self._show_summary(turn)
                return None
            return Invalid(_("Please choose what to change."))
        turn.drop_slot(target.name)
        turn.state.step = target.name
        await _maybe_await(target.ask(turn, self))
        return None

    async def _finish(self, turn: Turn) -> None:
        await self._submit(turn, self)
        if turn.state.flow == self.name:
            turn.leave()

    def explain(self, turn: Turn, invalid: Invalid) -> None:
        """Tell the resident why the answer was not taken, then (usually) ask again."""
        buttons = [[self.button(turn, label, value)] for label, value in invalid.choices]
        if invalid.reason or buttons:
            turn.say(invalid.reason or _("Please choose:"), buttons=buttons)

    # -- summary ---------------------------------------------------------------------------------
    def _show_summary(self, turn: Turn) -> None:
        assert self._summary is not None
        buttons = [
            [self.button(turn, _("✅ Confirm"), "yes")],
            [self.button(turn, _("✏️ Change something"), EDIT), self.button(turn, _("✖️ Cancel"), "no")],
        ]
        turn.say(self._summary(turn, self), buttons=buttons)

    def _show_edit_menu(self, turn: Turn) -> None:
        rows = [
            [self.button(turn, _(slot.label), slot.name)]
            for slot in self.slots
            if slot.label and slot.required(turn.slots)
        ]
        rows.append([self.button(turn, _("↩️ Back to the summary"), CONFIRM)])
        turn.say(_("What would you like to change?"), buttons=rows)
