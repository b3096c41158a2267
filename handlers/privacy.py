"""Privacy: the notice (/privacy, a button under ⚙️ Settings), a copy of one's data (/mydata) and
erasure (/forget), over bot/domain/privacy.py.

/forget is a one-step flow, so its buttons carry the run and the step:

    confirm   "🗑 Yes, erase everything" (erases, in the turn's one transaction) or "Cancel"
              (back to the form the resident was filling in, if any)

After an erasure the resident is gone; a second tap on the same button finds no such run and
gets "this button has expired", like any stale button.
"""

from __future__ import annotations

from typing import Any

from bot.conversation import Answer, Attachment, Button, Invalid, Registry, Turn
from bot.conversation.payloads import flow_payload, global_payload, new_run_id
from bot.domain import audit, handoff, privacy
from bot.domain.retention import RetentionPolicy
from bot.i18n import LANGUAGE_NAMES, N_, N_plural, _, format_date, ngettext, use_language
from handlers.alerts_screen import channel

FLOW = "forget"
STEP = "confirm"
YES, NO = "yes", "no"
ACTION = "privacy"
DEFAULT_CONTACT = "iod@um.poznan.pl"
LISTED = 5


def _settings(turn: Turn) -> Any:
    return turn.services.get("settings")


# -- the notice ------------------------------------------------------------------------------------
def _days(text: str, days: int) -> str:
    """`text` is an ngettext result (called in place, so extraction finds it) with {count}."""
    return text.format(count=days)


def notice_text(policy: RetentionPolicy, contact: str) -> str:
    """The privacy notice in the current language, with the configured retention periods."""
    lines = [
        _("🔒 How the city bot handles your data"),
        "",
        _("Controller: the City of Poznań (Miasto Poznań), pl. Kolegiacki 17, 61-841 Poznań."),
        _("Data protection officer: {contact}").format(contact=contact),
        "",
        _(
            "What we store and why: your Telegram user id, name and language, so we can talk to you; "
            "what you give us in your matters (reports, initiatives, visits, waste declarations), to "
            "handle them as the city's public tasks and legal duties require (GDPR Art. 6(1)(c) and (e)); "
            "alert subscriptions only with your consent (Art. 6(1)(a)), which you can withdraw at any time."
        ),
        "",
        _("How long we keep it:"),
        "• "
        + _days(
            ngettext(
                "an unfinished conversation: {count} day after your last message",
                "an unfinished conversation: {count} days after your last message",
                policy.conversation_days,
            ),
            policy.conversation_days,
        ),
        "• "
        + _days(
            ngettext(
                "the log of recent messages (shown to staff who take over a chat): {count} day",
                "the log of recent messages (shown to staff who take over a chat): {count} days",
                policy.message_log_days,
            ),
            policy.message_log_days,
        ),
        "• "
        + _days(
            ngettext(
                "conversations with city staff: {count} day after they end, then without your name",
                "conversations with city staff: {count} days after they end, then without your name",
                policy.handoff_days,
            ),
            policy.handoff_days,
        ),
        "• "
        + _days(
            ngettext(
                "notifications sent to you: {count} day after delivery",
                "notifications sent to you: {count} days after delivery",
                policy.outbox_days,
            ),
            policy.outbox_days,
        ),
    ]
    if policy.audit_days:
        lines.append(
            "• "
            + _days(
                ngettext(
                    "the record of what was done in your matters (audit trail): {count} day",
                    "the record of what was done in your matters (audit trail): {count} days",
                    policy.audit_days,
                ),
                policy.audit_days,
            )
        )
    lines += [
        "• "
        + _(
            "your reports, initiatives, visits and declarations: as long as the matter needs; reports "
            "and published initiatives stay with the city, without your name once you use /forget."
        ),
        "",
        _("Your rights:"),
        "• " + _("/mydata: a copy of everything we store about you (access, portability)"),
        "• " + _("/forget: erase it (what the city must keep stays, without your name)"),
        "• "
        + _(
            "to object to the processing, or to ask for a correction or a restriction, write to the data "
            "protection officer"
        ),
        "• "
        + _(
            "you may complain to the President of the Personal Data Protection Office "
            "(Prezes UODO, ul. Stawki 2, 00-193 Warszawa)."
        ),
    ]
    return "\n".join(lines)


def _rights_buttons() -> list[list[Button]]:
    return [
        [Button(_("📦 A copy of my data"), global_payload(ACTION, "export"))],
        [Button(_("🗑 Erase my data"), global_payload(ACTION, "forget"))],
    ]


async def show_notice(turn: Turn, _arg: str = "") -> None:
    settings = _settings(turn)
    policy = RetentionPolicy.from_settings(settings)
    contact = getattr(settings, "privacy_contact", None) or DEFAULT_CONTACT
    turn.say(notice_text(policy, contact), buttons=_rights_buttons())


async def data_hub(turn: Turn, _arg: str = "") -> None:
    """The `my_data` intent ("what do you know about me", "delete my data"): the choices, never an
    erasure straight from free text."""
    turn.say(
        _("Your data: I can send you a copy of everything the city bot stores about you, or erase it."),
        buttons=[
            *_rights_buttons(),
            [Button(_("🔒 How we handle your data"), global_payload(ACTION, "notice"))],
        ],
    )


async def privacy_action(turn: Turn, arg: str) -> None:
    """Buttons `g:privacy:<notice|export|forget>`."""
    if arg == "export":
        await send_export(turn)
    elif arg == "forget":
        await ask_to_forget(turn)
    else:
        await show_notice(turn)


# -- the copy --------------------------------------------------------------------------------------
# Parts of the export summarised by their count alone: (key in the export, plural pair).
COUNTED_BEFORE_VISITS = (
    ("initiatives", N_plural("{count} initiative you submitted", "{count} initiatives you submitted")),
    (
        "initiative_supports",
        N_plural("{count} initiative you support", "{count} initiatives you support"),
    ),
)
COUNTED_BEFORE_SETTINGS = (
    (
        "waste_declarations",
        N_plural(
            "{count} waste declaration (PESEL and NIP in full in the file only)",
            "{count} waste declarations (PESEL and NIP in full in the file only)",
        ),
    ),
    ("subscriptions", N_plural("{count} alert subscription", "{count} alert subscriptions")),
)
COUNTED_AFTER_SETTINGS = (
    (
        "consent_ledger",
        N_plural("{count} entry in the consent ledger", "{count} entries in the consent ledger"),
    ),
    (
        "handoff_cases",
        N_plural("{count} conversation with city staff", "{count} conversations with city staff"),
    ),
    ("message_log", N_plural("{count} line in the message log", "{count} lines in the message log")),
    ("notifications", N_plural("{count} notification", "{count} notifications")),
    ("audit_trail", N_plural("{count} audit-trail entry", "{count} audit-trail entries")),
)


def _counted(data: dict[str, Any], parts: tuple[tuple[str, tuple[str, str]], ...]) -> list[str]:
    return [_count_line(ngettext(*pair, len(data[key])), len(data[key])) for key, pair in parts]


def _count_line(text: str, count: int, examples: list[str] | None = None) -> str:
    """A bullet from an ngettext result with {count} (ngettext is called in place, for extraction)."""
    line = "• " + text.format(count=count)
    if examples:
        shown = ", ".join(examples[:LISTED]) + (", …" if len(examples) > LISTED else "")
        line += f" ({shown})"
    return line


def export_summary(data: dict[str, Any]) -> str:
    """What the file holds, in words, in the current language; identifiers never in full here."""
    profile = data.get("profile") or {}
    lines = [_("Everything the city bot stores about you is in the attached file (JSON). In short:")]
    if profile:
        lines.append(
            "• "
            + _(
                "Profile: Telegram user id {id}, name {name}, language {language}, with us since {since}"
            ).format(
                id=profile["telegram_user_id"],
                name=profile.get("name") or "—",
                language=LANGUAGE_NAMES.get(profile["language"], profile["language"]),
                since=format_date(profile["first_contact"], "medium"),
            )
        )
    conversation = data.get("conversation") or {}
    if conversation.get("flow"):
        lines.append("• " + _("A form you are filling in now ({flow})").format(flow=conversation["flow"]))
    reports = data["reports"]
    lines.append(
        _count_line(
            ngettext("{count} report you filed", "{count} reports you filed", len(reports)),
            len(reports),
            [r["ticket"] for r in reports],
        )
    )
    photos = sum(len(r["photos"]) for r in reports)
    if photos:
        lines.append(
            _count_line(ngettext("{count} photo with them", "{count} photos with them", photos), photos)
        )
    followed = data["followed_reports"]
    lines.append(
        _count_line(
            ngettext("{count} report you follow", "{count} reports you follow", len(followed)),
            len(followed),
            [r["ticket"] for r in followed],
        )
    )
    lines += _counted(data, COUNTED_BEFORE_VISITS)
    bookings = data["bookings"]
    lines.append(
        _count_line(
            ngettext("{count} city-hall visit", "{count} city-hall visits", len(bookings)),
            len(bookings),
            [b["code"] for b in bookings],
        )
    )
    lines += _counted(data, COUNTED_BEFORE_SETTINGS)
    if data.get("alert_preferences"):
        prefs = data["alert_preferences"]
        lines.append(
            "• "
            + _("Alert settings: quiet hours {start}–{end}").format(
                start=prefs["quiet_from"], end=prefs["quiet_to"]
            )
        )
    lines += _counted(data, COUNTED_AFTER_SETTINGS)
    lines += ["", _("To erase all this, use /forget. How we handle your data: /privacy.")]
    return "\n".join(lines)


async def send_export(turn: Turn, _arg: str = "") -> None:
    """/mydata: the JSON file and the summary in one message, then where the resident was."""
    exported = await privacy.export(turn.session, turn.resident.id, now=turn.now)
    reply = turn.say(export_summary(exported.data))
    filename = f"citybot-data-{turn.now.date().isoformat()}.json"
    reply.attachments.append(Attachment(filename, exported.to_json(), "application/json"))
    await audit.record(turn.session, privacy.actor_of(turn.resident.id), "privacy.exported", at=turn.now)
    await turn.remind()


# -- erasure ---------------------------------------------------------------------------------------
class ForgetFlow:
    """Confirm or cancel an erasure; the form the resident was in waits in the slots."""

    name = FLOW

    async def start(self, turn: Turn, prefill: dict[str, Any]) -> None:
        await ask_to_forget(turn)

    async def handle(self, turn: Turn, answer: Answer) -> Invalid | None:
        if answer.choice == YES:
            await forget(turn)
            return None
        if answer.choice == NO:
            _resume(turn)
            turn.say(_("Nothing was erased."), menu=turn.registry.keyboard())
            await turn.remind()
            return None
        return Invalid(_("Please tap one of the buttons: erase everything, or cancel."))

    async def prompt(self, turn: Turn) -> None:
        run = str(turn.slots.get("_run") or "-")
        turn.say(
            _(
                "This erases everything the city bot stores about you: your profile and settings, "
                "conversations, subscriptions, visits (future ones are cancelled) and waste "
                "declarations prepared here. Reports you filed and published initiatives stay with "
                "the city, without your name. This cannot be undone. Erase everything?"
            ),
            buttons=[
                [Button(_("🗑 Yes, erase everything"), flow_payload(run, STEP, YES))],
                [Button(_("Cancel"), flow_payload(run, STEP, NO))],
            ],
        )

    async def cancel(self, turn: Turn) -> None:
        _resume(turn)


FORGET = ForgetFlow()


async def ask_to_forget(turn: Turn, _arg: str = "") -> None:
    """/forget: the warning and the two buttons; a form in progress is kept for a cancel."""
    paused = None
    if turn.state.flow and turn.state.flow != FLOW:
        paused = {"flow": turn.state.flow, "step": turn.state.step, "slots": dict(turn.state.slots)}
    elif turn.state.flow == FLOW:
        paused = turn.slots.get("paused")
    turn.enter(FLOW, STEP, new_run_id(), {"paused": paused})
    await FORGET.prompt(turn)


def _resume(turn: Turn) -> None:
    paused = turn.slots.get("paused")
    if isinstance(paused, dict) and paused.get("flow") in turn.registry.flows:
        turn.state.flow, turn.state.step = paused["flow"], paused.get("step")
        turn.state.slots = dict(paused.get("slots") or {})
    else:
        turn.leave()


async def forget(turn: Turn) -> None:
    """Erase, in this turn's transaction, and say what was kept and why."""
    erasure = await privacy.erase(turn.session, turn.resident.id, now=turn.now, channel=channel(turn))
    turn.erased = True
    turn.state.flow = turn.state.step = None
    turn.state.slots = {}
    if erasure.open_case is not None:
        case_id, thread = erasure.open_case
        if thread is not None:
            settings = _settings(turn)
            with use_language(settings.default_language if settings is not None else "pl"):
                note = _("The resident asked for their data to be erased; this conversation is closed.")
            turn.effects += [handoff.StaffNotice(case_id, note), handoff.CloseTopic(case_id)]
    turn.say(erasure_reply(erasure))


def erasure_reply(erasure: privacy.Erasure) -> str:
    """What was erased, what was kept and why, in the resident's language."""
    lines = [
        _(
            "Done. The city bot has erased your data: profile and settings, conversations and the message "
            "log, notifications, alert subscriptions and their consent history, follows and supports, "
            "visits and waste declarations prepared here."
        )
    ]
    if erasure.visits_cancelled:
        lines.append(
            ngettext(
                "{count} upcoming visit was cancelled and its time freed for others.",
                "{count} upcoming visits were cancelled and their times freed for others.",
                erasure.visits_cancelled,
            ).format(count=erasure.visits_cancelled)
        )
    if erasure.declarations_erased:
        lines.append(
            _(
                "The waste declarations were only prepared here; a declaration you filed with the city "
                "(through e-services or on paper) is kept by the city under tax law and is not affected."
            )
        )
    lines += ["", _("What the city keeps, with nothing that points to you:")]
    if erasure.reports_kept:
        lines.append(
            "• "
            + ngettext(
                "{count} report you filed: it describes a problem in a public place and the city goes on "
                "with it; your name and contact are removed, numbers such as phone or PESEL in it are "
                "blacked out.",
                "{count} reports you filed: they describe problems in public places and the city goes on "
                "with them; your name and contact are removed, numbers such as phone or PESEL in them "
                "are blacked out.",
                erasure.reports_kept,
            ).format(count=erasure.reports_kept)
        )
    if erasure.initiatives_kept:
        lines.append(
            "• "
            + ngettext(
                "{count} published initiative: publishing it was a public civic act that others "
                "supported, so it stays, without its author.",
                "{count} published initiatives: publishing them was a public civic act that others "
                "supported, so they stay, without their author.",
                erasure.initiatives_kept,
            ).format(count=erasure.initiatives_kept)
        )
    if erasure.supports_unlinked:
        lines.append(
            "• "
            + ngettext(
                "{count} support you gave still counts, no longer linked to you.",
                "{count} supports you gave still count, no longer linked to you.",
                erasure.supports_unlinked,
            ).format(count=erasure.supports_unlinked)
        )
    if erasure.cases_kept:
        lines.append(
            "• "
            + ngettext(
                "{count} conversation with city staff, for statistics only.",
                "{count} conversations with city staff, for statistics only.",
                erasure.cases_kept,
            ).format(count=erasure.cases_kept)
        )
    lines.append(
        "• "
        + _(
            "The record of what was done (the audit trail), with your id replaced by “erased”, and a "
            "note that an erasure took place (reference {reference}): the law requires the city to be "
            "able to show what it did (GDPR Art. 5(2) and 17(3))."
        ).format(reference=erasure.reference)
    )
    lines += [
        "",
        _(
            "Messages in this chat stay in your Telegram app: delete the chat there to remove them. "
            "If you write to me again, I will start afresh."
        ),
    ]
    return "\n".join(lines)


def register(registry: Registry) -> None:
    registry.add_flow(FORGET)
    registry.add_command("privacy", show_notice, N_("how the bot handles your data"))
    registry.add_command("mydata", send_export, N_("a copy of your data"))
    registry.add_command("forget", ask_to_forget, N_("erase your data"))
    registry.add_action(ACTION, privacy_action)
    registry.add_intent("my_data", data_hub, N_("My data"))
