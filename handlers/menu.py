"""Greeting, language, help, the main menu, settings and /cancel: what works in every state.

Menu entries whose feature is not built yet answer honestly that it is coming; each feature's
module replaces its entry with `registry.add_menu_item` when it lands.
"""

from __future__ import annotations

from bot.conversation import Button, Registry, Turn
from bot.conversation.payloads import global_payload
from bot.domain import audit
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, normalise_language, set_language

MAIN_MENU: tuple[tuple[str, str, str], ...] = (
    # key, label, what the feature is called in a "coming soon" answer
    ("report", N_("📝 Report a problem"), N_("reporting problems")),
    ("initiatives", N_("💡 Initiatives"), N_("civic initiatives")),
    ("booking", N_("📅 Book a visit"), N_("booking city-hall visits")),
    ("waste", N_("♻️ Waste declaration"), N_("the waste-fee declaration")),
    ("alerts", N_("🔔 Alerts"), N_("alerts and warnings")),
    ("matters", N_("📂 My matters"), N_("your matters")),
    ("handoff", N_("🙋 Talk to a person"), N_("talking to city staff")),
    ("settings", N_("⚙️ Settings"), N_("settings")),
)

# Intents the NLU recognises for features still to come: label shown when offering them as choices.
PLANNED_INTENTS: tuple[tuple[str, str, str], ...] = (
    ("report_problem", "report", N_("Report a problem")),
    ("submit_initiative", "initiatives", N_("Submit an initiative")),
    ("book_appointment", "booking", N_("Book a city-hall visit")),
    ("cancel_appointment", "booking", N_("Cancel a visit")),
    ("waste_declaration", "waste", N_("Waste-fee declaration")),
    ("subscribe", "alerts", N_("Subscribe to alerts")),
    ("unsubscribe", "alerts", N_("Unsubscribe from alerts")),
    ("current_alerts", "alerts", N_("Current warnings")),
    ("check_status", "matters", N_("Status of my matters")),
    ("my_data", "settings", N_("My data")),
)


async def show_menu(turn: Turn, _arg: str = "") -> None:
    """The main menu as a persistent keyboard of big buttons."""
    turn.say(_("What can I do for you? Choose below or just write."), menu=turn.registry.keyboard())


async def start(turn: Turn, _arg: str = "") -> None:
    """Greet, offer the language (pre-selected from the hint), show the menu; a form in progress stays."""
    turn.say(
        _(
            "Hello! I am the City of Poznań bot. I can take a problem report, book a city-hall visit, "
            "help with the waste declaration and send you warnings."
        )
    )
    language_choice(turn)
    await show_menu(turn)
    await turn.remind()


def language_choice(turn: Turn) -> None:
    """Polski / English buttons, the current language ticked."""
    buttons = [
        [
            Button(("✓ " if lang == turn.lang else "") + LANGUAGE_NAMES[lang], global_payload("lang", lang))
            for lang in LANGUAGES
        ]
    ]
    turn.say(_("Choose your language / Wybierz język:"), buttons=buttons)


async def ask_language(turn: Turn, _arg: str = "") -> None:
    language_choice(turn)


async def choose_language(turn: Turn, arg: str) -> None:
    """Store the chosen language and answer in it from now on."""
    lang = normalise_language(arg, turn.lang)
    turn.resident.language = lang
    turn.resident.language_chosen = True
    actor = f"resident:{turn.resident.id}"
    await audit.record(turn.session, actor, "language.set", actor, details={"language": lang}, at=turn.now)
    set_language(lang)
    turn.say(_("Done, I will write in English."), menu=turn.registry.keyboard())
    await turn.remind()


async def help_text(turn: Turn, _arg: str = "") -> None:
    lines = [
        _("I help residents of Poznań with city matters. Tap a button below or simply write, for example:"),
        _('• "there is a pothole on Głogowska street"'),
        _('• "book a visit for an ID card tomorrow at 10"'),
        _('• "are there any weather warnings?"'),
        "",
        _("Commands:"),
    ]
    lines += [f"/{name} - {_(description)}" for name, description in turn.registry.command_help.items()]
    turn.say("\n".join(lines), menu=turn.registry.keyboard())
    await turn.remind()


async def cancel(turn: Turn, _arg: str = "") -> None:
    """Leave the active form without saving anything."""
    flow = turn.registry.flows.get(turn.state.flow or "")
    if flow is None:
        turn.leave()
        turn.say(_("There is nothing to cancel."), menu=turn.registry.keyboard())
        return
    cancel_flow = getattr(flow, "cancel", None)
    if cancel_flow is not None:
        await cancel_flow(turn)
    turn.leave()
    turn.say(_("Cancelled. Nothing was saved."), menu=turn.registry.keyboard())


async def settings(turn: Turn, _arg: str = "") -> None:
    turn.say(
        _("Settings. Your language: {language}.").format(language=LANGUAGE_NAMES[turn.lang]),
        buttons=[
            [Button(_("🌐 Change language"), global_payload("lang_menu"))],
            # handlers/privacy.py: the privacy notice, with /mydata and /forget as buttons under it
            [Button(_("🔒 Privacy and your data"), global_payload("privacy", "notice"))],
        ],
    )


async def thanks(turn: Turn, _arg: str = "") -> None:
    turn.say(_("You're welcome! Write any time."), menu=turn.registry.keyboard())


async def goodbye(turn: Turn, _arg: str = "") -> None:
    turn.say(_("Goodbye! I'm here whenever you need me."), menu=turn.registry.keyboard())


def coming_soon(feature: str):
    """An honest answer for a menu entry whose feature is still being built."""

    async def action(turn: Turn, _arg: str = "") -> None:
        turn.say(
            _("Coming soon: {feature}. This is not in the bot yet; we are working on it.").format(
                feature=_(feature)
            ),
            menu=turn.registry.keyboard(),
        )

    return action


def register(registry: Registry) -> None:
    registry.add_command("start", start, N_("start and choose the language"))
    registry.add_command("menu", show_menu, N_("show the main menu"))
    registry.add_command("help", help_text, N_("what the bot can do"))
    registry.add_command("lang", ask_language, N_("change the language"))
    registry.add_command("cancel", cancel, N_("stop what you are filling in"))
    registry.add_action("lang", choose_language)
    registry.add_action("lang_menu", ask_language)
    registry.add_action("menu", lambda turn, key: _menu_action(registry, turn, key))

    placeholders = {key: coming_soon(feature) for key, _label, feature in MAIN_MENU}
    for key, label, _feature in MAIN_MENU:
        registry.add_menu_item(key, label, settings if key == "settings" else placeholders[key])
    for intent, key, label in PLANNED_INTENTS:
        registry.add_intent(intent, placeholders[key], label)
    registry.add_intent("human_handoff", placeholders["handoff"], N_("Talk to a person"), interrupts=True)
    registry.add_intent("greet", start, N_("Start"))
    registry.add_intent("help", help_text, N_("Help"), interrupts=True)
    registry.add_intent("change_language", ask_language, N_("Change the language"), interrupts=True)
    registry.add_intent("thanks", thanks, N_("Thanks"))
    registry.add_intent("goodbye", goodbye, N_("Goodbye"))


async def _menu_action(registry: Registry, turn: Turn, key: str) -> None:
    """A menu entry reached through a button (e.g. the "talk to a person" offer)."""
    for item in registry.menu:
        if item.key == key:
            await item.action(turn, "")
            return
    await show_menu(turn)
