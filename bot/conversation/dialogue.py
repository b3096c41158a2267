"""The Dialogue engine: one inbound message in, the bot's replies out, state saved in between.

Routing order (DESIGN.md): button payload or command -> menu label -> the active flow's step ->
NLU intent (starting a flow with the entities already given) -> low confidence: the top two
intents as buttons -> repeated failure: offer a person.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from bot import metrics
from bot.conversation.flow import Answer, Flow, Invalid
from bot.conversation.locks import ResidentLocks
from bot.conversation.messages import Button, Inbound, Reply
from bot.conversation.payloads import FlowPayload, GlobalPayload, PayloadError, decode, global_payload
from bot.conversation.registry import IntentRoute, Registry
from bot.conversation.store import load_for_turn, save_turn
from bot.conversation.throttle import Throttle, Verdict
from bot.conversation.turn import Turn
from bot.db.database import Database, is_unavailable
from bot.domain import message_log
from bot.i18n import _, ngettext, normalise_language, set_language, use_language
from nlu.interface import Interpreter, NullInterpreter, Parse

log = logging.getLogger(__name__)

# Misunderstandings in a row after which the bot offers a person.
MISSES_BEFORE_HANDOFF = 2
# Below the confidence threshold but above this, the top intents are offered as buttons.
CLARIFY_FLOOR = 0.2

UNSUPPORTED_KINDS = {
    "sticker": lambda: _("stickers"),
    "voice": lambda: _("voice messages"),
    "video": lambda: _("videos"),
    "video_note": lambda: _("video messages"),
    "audio": lambda: _("audio files"),
    "contact": lambda: _("contacts"),
    "animation": lambda: _("GIFs"),
    "poll": lambda: _("polls"),
    "document": lambda: _("files"),
}


@dataclass(frozen=True, slots=True)
class TurnResult:
    """The replies for the resident and the effects for the channel (see `Turn.effects`)."""

    replies: list[Reply]
    effects: list[Any] = field(default_factory=list)


@dataclass
class DialogueConfig:
    confidence_threshold: float = 0.55
    max_text_length: int = 4096
    default_language: str = "pl"
    services: dict[str, Any] = field(default_factory=dict)
    # Messages per resident per `throttle_seconds` (0: off; app.py sets THROTTLE_MESSAGES).
    throttle_messages: int = 0
    throttle_seconds: float = 60.0


class Dialogue:
    """Channel-agnostic conversation engine; flows and the interpreter are injected by app.py."""

    def __init__(
        self,
        db: Database,
        registry: Registry,
        interpreter: Interpreter | None = None,
        *,
        config: DialogueConfig | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self.registry = registry
        self.interpreter: Interpreter = interpreter or NullInterpreter()
        self.config = config or DialogueConfig()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.locks = ResidentLocks()
        self.throttle = Throttle(self.config.throttle_messages, self.config.throttle_seconds)

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """Handle one message under the resident's lock; the whole turn is one transaction."""
        return (await self.handle_turn(inbound)).replies

    async def handle_turn(self, inbound: Inbound) -> TurnResult:
        """`handle`, plus the effects a channel carries out after the commit (talking to staff)."""
        metrics.UPDATES.labels(
            metrics.inbound_kind(
                payload=inbound.payload,
                text=inbound.text,
                location=inbound.location,
                photos=inbound.photos,
                unsupported=inbound.unsupported,
            )
        ).inc()
        inbound = _storable(inbound)
        # Before the lock and the transaction: a flood must cost neither a database connection
        # nor a place in the resident's queue.
        verdict = self.throttle.check(inbound.resident_id)
        if verdict is not Verdict.PASS:
            return self._throttled(inbound, verdict)
        with metrics.TURN_SECONDS.time():
            async with self.locks.hold(inbound.resident_id):
                try:
                    return await self._turn(inbound)
                except Exception as error:
                    if is_unavailable(error):
                        # An outage, not a bug: no traceback per message, and the pool's pre-ping
                        # reconnects by itself once the database is back.
                        metrics.ERRORS.labels("database").inc()
                        log.warning(
                            "database unavailable during a turn of resident %s: %s: %s",
                            inbound.resident_id, type(error).__name__, error,
                        )  # fmt: skip
                        return TurnResult([self._unavailable_reply(inbound)])
                    metrics.ERRORS.labels("turn").inc()
                    log.exception("turn failed for resident %s", inbound.resident_id)
                    return TurnResult([self._failure_reply(inbound)])

    async def _turn(self, inbound: Inbound) -> TurnResult:
        now = self.clock()
        hinted = normalise_language(inbound.language_hint, self.config.default_language)
        async with self.db.transaction() as session:
            loaded = await load_for_turn(
                session, inbound.resident_id, language=hinted, display_name=inbound.display_name, now=now
            )
            set_language(loaded.resident.language)
            parsed: dict[str, Parse | None] = {}

            async def understand() -> Parse | None:
                if "parse" not in parsed:
                    parsed["parse"] = await self._parse(turn)
                return parsed["parse"]

            turn = Turn(
                inbound=inbound,
                resident=loaded.resident,
                state=loaded.state,
                session=session,
                now=now,
                registry=self.registry,
                understand=understand,
                services=self.config.services,
            )
            await self._route(turn, parsed)
            if not turn.erased:
                await message_log.record(session, inbound.resident_id, _log_lines(turn), now=now)
                await save_turn(session, loaded, now)
        if not turn.erased:  # an erased resident leaves nothing behind, not even in memory
            self.throttle.remember_language(inbound.resident_id, turn.resident.language)
        return TurnResult(turn.replies, turn.effects)

    def _language(self, inbound: Inbound) -> str:
        """The resident's language without reading the database: as of their last turn here, else
        what their client says."""
        known = self.throttle.language(inbound.resident_id)
        return known or normalise_language(inbound.language_hint, self.config.default_language)

    def _failure_reply(self, inbound: Inbound) -> Reply:
        with use_language(self._language(inbound)):
            return Reply(_("Sorry, something went wrong on our side. Please try again in a moment."))

    def _unavailable_reply(self, inbound: Inbound) -> Reply:
        with use_language(self._language(inbound)):
            return Reply(_("Our service is temporarily unavailable. Please try again in a moment."))

    def _throttled(self, inbound: Inbound, verdict: Verdict) -> TurnResult:
        """One polite notice per throttled window; later messages in it get no answer at all."""
        if verdict is Verdict.DROP:
            metrics.THROTTLED.labels("dropped").inc()
            log.debug("resident %s over the message limit: message dropped", inbound.resident_id)
            return TurnResult([])
        metrics.THROTTLED.labels("notice").inc()
        log.info("resident %s over the message limit: asked to slow down", inbound.resident_id)
        with use_language(self._language(inbound)):
            notice = _("You are sending messages faster than I can answer. Please wait a moment.")
        return TurnResult([Reply(notice)])

    async def _parse(self, turn: Turn) -> Parse | None:
        text = turn.text[: self.config.max_text_length]
        if not text:
            return None
        try:
            parse = await self.interpreter.aparse(text, now=turn.now)
        except Exception:
            metrics.ERRORS.labels("nlu").inc()
            log.exception("NLU failed; continuing without it")
            return None
        if parse is not None:
            metrics.NLU_CONFIDENCE.observe(parse.intent.confidence)
        return parse

    # -- routing ---------------------------------------------------------------------------------
    async def _route(self, turn: Turn, parsed: dict[str, Parse | None]) -> None:
        inbound = turn.inbound
        if inbound.unsupported:
            await self._unsupported(turn)
        elif len(turn.text) > self.config.max_text_length:
            length = len(turn.text)
            turn.say(
                ngettext(
                    "Your message is too long: {length} character. Please keep it under {limit}.",
                    "Your message is too long: {length} characters. Please keep it under {limit}.",
                    length,
                ).format(length=length, limit=self.config.max_text_length)
            )
            await self._remind(turn)
        elif await self._intercepted(turn):
            return
        elif inbound.payload is not None:
            await self._on_payload(turn, inbound.payload, parsed)
        elif inbound.command is not None:
            await self._on_command(turn, *inbound.command)
        elif (item := self.registry.menu_item_for(turn.text)) is not None:
            turn.state.misses = 0
            await item.action(turn, "")
        elif turn.state.flow and turn.state.flow in self.registry.flows:
            await self._in_flow(turn)
        else:
            if turn.state.flow:  # a flow this version no longer has: start clean
                turn.leave()
            await self._free_input(turn)

    async def _intercepted(self, turn: Turn) -> bool:
        """A flow that owns the whole conversation (talking to a person) sees each message first and
        may take it; commands and buttons it leaves alone are routed as usual."""
        if not turn.state.flow:
            return False
        intercept = getattr(self.registry.flows.get(turn.state.flow), "intercept", None)
        return intercept is not None and bool(await intercept(turn))

    async def _on_payload(self, turn: Turn, payload: str, parsed: dict[str, Parse | None]) -> None:
        try:
            decoded = decode(payload)
        except PayloadError:
            await self._expired(turn)
            return
        if isinstance(decoded, GlobalPayload):
            if decoded.action == "intent":
                await self._chosen_intent(turn, decoded.arg, parsed)
                return
            action = self.registry.actions.get(decoded.action)
            if action is None:
                await self._expired(turn)
                return
            turn.state.misses = 0
            await action(turn, decoded.arg)
            return
        await self._flow_button(turn, decoded)

    async def _flow_button(self, turn: Turn, payload: FlowPayload) -> None:
        state = turn.state
        flow = self.registry.flows.get(state.flow or "")
        if flow is None or state.slots.get("_run") != payload.run or state.step != payload.step:
            await self._expired(turn)
            return
        invalid = await flow.handle(turn, Answer(choice=payload.value))
        if invalid is not None:
            await self._explain(turn, flow, invalid)

    async def _on_command(self, turn: Turn, name: str, arg: str) -> None:
        action = self.registry.commands.get(name)
        if action is None:
            names = ", ".join(f"/{command}" for command in self.registry.command_help)
            turn.say(
                _("I don't know the command /{name}. These work: {commands}.").format(
                    name=name, commands=names
                ),
                menu=self.registry.keyboard(),
            )
            return
        turn.state.misses = 0
        await action(turn, arg)

    async def _in_flow(self, turn: Turn) -> None:
        flow = self.registry.flows[turn.state.flow or ""]
        inbound = turn.inbound
        answer = Answer(text=turn.text, location=inbound.location, photos=inbound.photos)
        invalid = await flow.handle(turn, answer)
        if invalid is None:
            turn.state.misses = 0
            return
        route = await self._interrupting(turn)
        if route is not None:
            run = turn.state.slots.get("_run")
            await route.action(turn, "")
            if turn.state.flow == flow.name and turn.state.slots.get("_run") == run:
                await flow.prompt(turn)
            return
        await self._explain(turn, flow, invalid)

    async def _explain(self, turn: Turn, flow: Flow, invalid: Invalid) -> None:
        explain = getattr(flow, "explain", None)
        if explain is not None:
            explain(turn, invalid)
        elif invalid.reason:
            turn.say(invalid.reason)
        if invalid.reprompt:
            await flow.prompt(turn)

    async def _interrupting(self, turn: Turn) -> IntentRoute | None:
        """An intent confident enough, and marked as allowed, to break into a form (help, a person)."""
        if not turn.text:
            return None
        parse = await turn.understand()
        if parse is None or parse.intent.confidence < self.config.confidence_threshold:
            return None
        route = self.registry.intents.get(parse.intent.name)
        return route if route is not None and route.interrupts else None

    async def _free_input(self, turn: Turn) -> None:
        inbound = turn.inbound
        if inbound.location is not None and self.registry.on_location is not None:
            await self.registry.on_location(turn, "")
            return
        if inbound.photos and self.registry.on_photo is not None:
            await self.registry.on_photo(turn, "")
            return
        parse = await turn.understand()
        if parse is not None:
            route = self.registry.intents.get(parse.intent.name)
            if route is not None and parse.intent.confidence >= self.config.confidence_threshold:
                turn.state.misses = 0
                await route.action(turn, "")
                return
            choices = [
                score.name
                for score in parse.intent_ranking
                if score.name in self.registry.intents and score.confidence >= CLARIFY_FLOOR
            ][:2]
            if choices:
                await self._clarify(turn, choices)
                return
        await self._misunderstood(turn)

    async def _clarify(self, turn: Turn, intents: list[str]) -> None:
        """Offer the likeliest intents as buttons; the text is kept so its entities are not asked again."""
        turn.state.misses += 1
        turn.set_slot("_pending_text", turn.text[:1000])
        buttons = [
            [Button(_(self.registry.intents[name].label), global_payload("intent", name))] for name in intents
        ]
        turn.say(_("I'm not sure I understood. Did you mean:"), buttons=buttons)

    async def _chosen_intent(self, turn: Turn, intent: str, parsed: dict[str, Parse | None]) -> None:
        route = self.registry.intents.get(intent)
        if route is None:
            await self._expired(turn)
            return
        pending = str(turn.state.slots.get("_pending_text") or "")
        if not turn.state.flow:
            turn.drop_slot("_pending_text")
        if pending:
            parse = await self.interpreter.aparse(pending, now=turn.now)
            parsed["parse"] = Parse(
                text=parse.text,
                intent=type(parse.intent)(intent, 1.0),
                intent_ranking=parse.intent_ranking,
                entities=parse.entities,
                language=parse.language,
            )
        turn.state.misses = 0
        await route.action(turn, "")

    async def _misunderstood(self, turn: Turn) -> None:
        turn.state.misses += 1
        if turn.state.misses >= MISSES_BEFORE_HANDOFF and "handoff" in {
            item.key for item in self.registry.menu
        }:
            # The handoff feature tells an accepted offer from a plain request (the case's reason).
            offer = (
                global_payload("handoff", "misses")
                if "handoff" in self.registry.actions
                else global_payload("menu", "handoff")
            )
            turn.say(
                _("I'm sorry, I still don't understand. Would you like to talk to a person from the city?"),
                buttons=[[Button(_("🙋 Talk to a person"), offer)]],
            )
            turn.say(_("Or choose from the menu below."), menu=self.registry.keyboard())
            return
        turn.say(
            _(
                "Sorry, I didn't understand that. Please choose from the menu below, "
                'or write in a few words what you need, for example: "report a pothole".'
            ),
            menu=self.registry.keyboard(),
        )

    async def _unsupported(self, turn: Turn) -> None:
        if turn.inbound.unsupported == "oversized":
            turn.say(_("This file is too big for me. Please send it as a photo, not as a file."))
            await self._remind(turn)
            return
        describe = UNSUPPORTED_KINDS.get(turn.inbound.unsupported or "")
        what = describe() if describe else _("this kind of message")
        turn.say(
            _("I can't read {what} yet. Please write a text message or use the buttons.").format(what=what)
        )
        await self._remind(turn)

    async def _expired(self, turn: Turn) -> None:
        turn.say(_("This button has expired. Here is the menu."), menu=self.registry.keyboard())
        await self._remind(turn)

    async def _remind(self, turn: Turn) -> None:
        await turn.remind()


def _storable(inbound: Inbound) -> Inbound:
    """Without NUL characters, which PostgreSQL cannot store in text (found by fuzzing): a message
    carrying one would otherwise fail its turn instead of being read."""
    fields = {
        name: value.replace("\x00", "")
        for name in ("text", "payload", "display_name")
        if isinstance(value := getattr(inbound, name), str) and "\x00" in value
    }
    if any("\x00" in photo for photo in inbound.photos):
        fields["photos"] = tuple(photo.replace("\x00", "") for photo in inbound.photos)
    return replace(inbound, **fields) if fields else inbound


def _log_lines(turn: Turn) -> list[tuple[str, str]]:
    """What the turn adds to the message log: the resident's words (or a marker), then the answers."""
    inbound = turn.inbound
    said = turn.text or ("📷" if inbound.photos else "📍" if inbound.location else "")
    lines = [(message_log.IN, said)] if said and inbound.payload is None else []
    return lines + [(message_log.OUT, reply.text) for reply in turn.replies]
