"""Talking to a person: the resident's side of an escalated conversation.

A case opens from the menu, the "talk to a person" intent, or the offer after two misunderstandings.
While it is open the `handoff` flow intercepts every message and asks the channel to copy it to
staff (an effect, carried out after the turn commits); /cancel, /menu or the "back to the bot"
button end it. When staff close it, or after a long silence, the resident is back where they were.

Steps (the flow has one: `talk`):
    talk   any text, photo or pin -> copied into the case's topic; nothing is answered by the bot
"""

from __future__ import annotations

from typing import Any

from bot.conversation import Answer, Invalid, Registry, Turn
from bot.conversation.payloads import new_run_id
from bot.domain import handoff
from bot.domain.staff_hours import parse_hours
from bot.i18n import LANGUAGES, N_, _, translate, use_language
from handlers.menu import coming_soon, show_menu

FLOW = "handoff"
STEP = "talk"
BACK_LABEL = N_("↩️ Back to the bot")
# Commands that end the conversation with a person; other commands (/help, /lang) run as usual.
ENDING_COMMANDS = ("cancel", "menu")
not_available = coming_soon(N_("talking to city staff"))


def back_keyboard() -> list[list[str]]:
    """While a person answers, the main menu gives way to one button back to the bot."""
    return [[_(BACK_LABEL)]]


def _is_back(text: str) -> bool:
    return any(text == translate(BACK_LABEL, lang) for lang in LANGUAGES)


def _settings(turn: Turn) -> Any:
    return turn.services.get("settings")


def _staff_language(turn: Turn) -> str:
    settings = _settings(turn)
    return settings.default_language if settings is not None else "pl"


class HandoffFlow:
    """The resident's half of a case; the state's slots hold the case id and the form it paused."""

    name = FLOW

    async def start(self, turn: Turn, prefill: dict[str, Any]) -> None:
        await ask_for_person(turn, "")

    async def intercept(self, turn: Turn) -> bool:
        """Relay what the resident sends while the case is open; True when the message is taken."""
        case = await handoff.get_case(turn.session, int(turn.slots.get("case") or 0))
        settings = _settings(turn)
        idle_minutes = settings.handoff_idle_minutes if settings is not None else 60
        if case is None or case.status != handoff.OPEN:
            _resume(turn)
            if _is_back(turn.text):
                _back_with_the_bot(turn)
                return True
            return False
        if handoff.is_idle(case, turn.now, idle_minutes):
            await _end(turn, case.id, by="idle")
            turn.say(_("It has been quiet for a while, so you are back with the bot."))
            return False
        inbound = turn.inbound
        if inbound.payload is not None:
            return False
        command = inbound.command
        if command is not None:
            if command[0] not in ENDING_COMMANDS:
                return False
            await _end(turn, case.id, by=f"resident:{turn.resident.id}")
            _back_with_the_bot(turn)
            if command[0] == "menu":
                await show_menu(turn)
            return True
        if _is_back(turn.text):
            await _end(turn, case.id, by=f"resident:{turn.resident.id}")
            _back_with_the_bot(turn)
            return True
        await handoff.touch(turn.session, case.id, turn.now)
        turn.effects.append(handoff.ToStaff(case.id))
        return True

    async def handle(self, turn: Turn, answer: Answer) -> Invalid | None:
        """Not reached while the case is open (intercept takes every message); kept for the protocol."""
        return None

    async def prompt(self, turn: Turn) -> None:
        turn.say(
            _(
                "You are talking with city staff. Write here and they will answer in this chat. "
                "/cancel takes you back to the bot."
            ),
            menu=back_keyboard(),
        )

    async def cancel(self, turn: Turn) -> None:
        case_id = int(turn.slots.get("case") or 0)
        if case_id:
            await _end(turn, case_id, by=f"resident:{turn.resident.id}")


FLOW_INSTANCE = HandoffFlow()


async def ask_for_person(turn: Turn, arg: str) -> None:
    """Open a case (or say the one open already goes on) and tell the resident what happens next."""
    settings = _settings(turn)
    if not turn.services.get("staff_desk") or settings is None or settings.staff_chat_id is None:
        await not_available(turn)  # the terminal chat, or no staff group configured
        return
    session = turn.session
    existing = await handoff.open_case_of(session, turn.resident.id)
    if existing is not None:
        if turn.state.flow != FLOW:
            turn.enter(FLOW, STEP, new_run_id(), {"case": existing.id})
        turn.say(
            _("You are already connected with city staff. Write your message here."), menu=back_keyboard()
        )
        return
    paused = None
    if turn.state.flow and turn.state.flow != FLOW:
        paused = {"flow": turn.state.flow, "step": turn.state.step, "slots": dict(turn.state.slots)}
    case = await handoff.open_case(
        session,
        turn.resident.id,
        chat_id=settings.staff_chat_id,
        reason="misses" if arg == "misses" else "asked",
        flow=paused["flow"] if paused else None,
        now=turn.now,
    )
    turn.enter(FLOW, STEP, new_run_id(), {"case": case.id, "paused": paused})
    turn.effects.append(handoff.OpenTopic(case.id))
    turn.say(
        _(
            "I am connecting you with city staff. Write your question here; a person will answer in this "
            "chat. /cancel takes you back to the bot."
        ),
        menu=back_keyboard(),
    )
    hours = parse_hours(settings.staff_hours)
    if handoff.outside_hours(hours, turn.now):
        turn.say(handoff.expected_reply(hours, settings.handoff_expected_reply, turn.now))
        with use_language(_staff_language(turn)):
            notice = _("The resident wrote outside staff hours and was told when to expect an answer.")
        turn.effects.append(handoff.StaffNotice(case.id, notice))


async def _end(turn: Turn, case_id: int, *, by: str) -> None:
    """Close the case from the resident's side and tell staff in the topic."""
    if not await handoff.close_case(turn.session, case_id, by=by, now=turn.now):
        return
    with use_language(_staff_language(turn)):
        notice = (
            _("The conversation ended after a long silence; the resident is back with the bot.")
            if by == "idle"
            else _("The resident ended the conversation and is back with the bot.")
        )
    turn.effects += [handoff.StaffNotice(case_id, notice), handoff.CloseTopic(case_id)]
    _resume(turn)


def _resume(turn: Turn) -> None:
    """Back to the form the resident was filling in before, or to no flow at all."""
    if turn.state.flow != FLOW:
        return
    paused = turn.slots.get("paused")
    if isinstance(paused, dict) and paused.get("flow") in turn.registry.flows:
        turn.state.flow, turn.state.step = paused["flow"], paused.get("step")
        turn.state.slots = dict(paused.get("slots") or {})
    else:
        turn.leave()


def _back_with_the_bot(turn: Turn) -> None:
    turn.say(_("You are back with the bot."), menu=turn.registry.keyboard())


async def rate_help(turn: Turn, arg: str) -> None:
    """The resident's 1-5 rating after staff closed the conversation (button `g:rate:<case>:<n>`)."""
    case_id, _sep, value = arg.partition(":")
    if not (case_id.isdigit() and value.isdigit()):
        turn.say(_("This button has expired. Here is the menu."), menu=turn.registry.keyboard())
        return
    if await handoff.rate(turn.session, int(case_id), turn.resident.id, int(value), now=turn.now):
        turn.say(_("Thank you for your rating!"), menu=turn.registry.keyboard())
    else:
        turn.say(_("This conversation has been rated already."), menu=turn.registry.keyboard())
    await turn.remind()


def register(registry: Registry) -> None:
    registry.add_flow(FLOW_INSTANCE)
    registry.add_menu_item("handoff", N_("🙋 Talk to a person"), ask_for_person)
    registry.add_action("handoff", ask_for_person)
    registry.add_action("rate", rate_help)
    registry.add_intent("human_handoff", ask_for_person, N_("Talk to a person"), interrupts=True)
