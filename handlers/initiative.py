"""Civic initiatives: the 💡 hub, the submit form, the PBO explainer and "my initiatives".

Browsing and supporting live in `initiative_browse`, which registers the hub's `g:ibrowse` button;
an initiative's place (an osiedle or city-wide) is read in `initiative_place`.

The submit form, in the order FormFlow asks it (then a summary to confirm, change or cancel):

| step        | asks                              | accepts                                | filled from    |
| ----------- | --------------------------------- | -------------------------------------- | -------------- |
| title       | a short title (+ PBO explainer)   | text, 5-120 characters, with words     | "idea: <title>"|
| description | what, where exactly, who benefits | text, 20-2000 characters               | -              |
| osiedle     | which osiedle, or 🏙 city-wide     | any form of the 42 names; "Winogrady"  | NLU `district` |
|             |                                   | or "Wilda, Rataje" -> offered as units |                |
| category    | the kind of initiative (buttons)  | a CATEGORIES code, or its name typed   | -              |

The hub's buttons and the explainer (`g:ipbo`) are global buttons, valid in any state.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.conversation import Answer, Button, FormFlow, Invalid, Registry, Slot, Turn
from bot.conversation.payloads import global_payload
from bot.db.models import Initiative
from bot.domain import initiatives
from bot.domain.initiatives import CATEGORIES, DESCRIPTION_MAX, DESCRIPTION_MIN, TITLE_MAX, TITLE_MIN
from bot.i18n import LANGUAGES, N_, _, ngettext, translate
from handlers.initiative_place import (
    CHOICES,
    CITY_WIDE,
    city_wide_button,
    osiedla_named,
    parse_osiedle,
    where,
)
from nlu.interface import Parse
from nlu.text import fold

SUBMIT_FLOW = "initiative"

CATEGORY_ICONS = {
    "greenery": "🌳",
    "transport": "🚲",
    "sport": "⚽",
    "culture": "🎭",
    "education": "📚",
    "social": "🤝",
    "infrastructure": "🏗",
    "other": "✨",
}
_TITLE_AFTER_COLON = re.compile(r"^[^:\n]{1,60}:\s+(?P<title>.+)$", re.DOTALL)
_TITLE_QUOTED = re.compile(r"[\"„“”«»](?P<title>[^\"„“”«»\n]+)[\"„“”«»]")


def category_label(code: str) -> str:
    return f"{CATEGORY_ICONS.get(code, '')} {_(CATEGORIES.get(code, CATEGORIES['other']))}".strip()


# -- the submit form: asks and parsers, one pair per row of the table above -----------------------


def ask_title(turn: Turn, flow: FormFlow) -> None:
    turn.say(
        _(
            "What is your initiative called? Please write a short title, "
            "for example: “New benches in the park”."
        ),
        buttons=[[Button(_("ℹ️ About the Civic Budget (PBO)"), global_payload("ipbo"))]],
    )


def _checked_length(
    text: str,
    minimum: int,
    maximum: int,
    too_long: Callable[[int], str],
    too_short: Callable[[], str],
    no_words: str,
) -> str:
    """The one rule both free-text answers follow: within limits and containing words."""
    if len(text) > maximum:
        raise Invalid(too_long(len(text)))
    if len(text) < minimum:
        raise Invalid(too_short())
    if not any(ch.isalpha() for ch in text):
        raise Invalid(no_words)
    return text


def parse_title(turn: Turn, answer: Answer) -> str:
    """A title of 5-120 characters with at least one word in it."""
    text = initiatives.clean_title(answer.text)
    if not text:
        raise Invalid(_("Please write the title as a text message."))
    return _checked_length(
        text,
        TITLE_MIN,
        TITLE_MAX,
        lambda length: ngettext(
            "The title is too long: {length} character. Please shorten it to at most {limit}.",
            "The title is too long: {length} characters. Please shorten it to at most {limit}.",
            length,
        ).format(length=length, limit=TITLE_MAX),
        lambda: ngettext(
            "The title is too short. Please write at least {limit} character.",
            "The title is too short. Please write at least {limit} characters.",
            TITLE_MIN,
        ).format(limit=TITLE_MIN),
        _("Please write the title in words."),
    )


def ask_description(turn: Turn, flow: FormFlow) -> None:
    turn.say(
        _(
            "Please describe your idea: what should be done, where exactly, and who will benefit. "
            "Write at least {min} characters (at most {max})."
        ).format(min=DESCRIPTION_MIN, max=DESCRIPTION_MAX)
    )


def parse_description(turn: Turn, answer: Answer) -> str:
    """A description of 20-2000 characters; paragraphs are kept."""
    text = initiatives.clean_description(answer.text)
    if not text:
        raise Invalid(_("Please write the description as a text message."))
    return _checked_length(
        text,
        DESCRIPTION_MIN,
        DESCRIPTION_MAX,
        lambda length: ngettext(
            "The description is too long: {length} character. Please shorten it to at most {limit}.",
            "The description is too long: {length} characters. Please shorten it to at most {limit}.",
            length,
        ).format(length=length, limit=DESCRIPTION_MAX),
        lambda: ngettext(
            "The description is too short. Please write at least {limit} character.",
            "The description is too short. Please write at least {limit} characters.",
            DESCRIPTION_MIN,
        ).format(limit=DESCRIPTION_MIN),
        _("Please describe your idea in words."),
    )


def ask_osiedle(turn: Turn, flow: FormFlow) -> None:
    """The units of an umbrella name when one was typed, and always 🏙 city-wide."""
    units = turn.slots.get(CHOICES) or []
    turn.say(
        _(
            "Which osiedle is it for? Please write its name (for example: Wilda, Rataje, Łazarz), "
            "or choose “City-wide” if it concerns the whole of Poznań."
        ),
        buttons=[
            *two_per_row([flow.button(turn, unit, unit) for unit in units]),
            [city_wide_button(turn, flow)],
        ],
    )


def ask_category(turn: Turn, flow: FormFlow) -> None:
    buttons = [flow.button(turn, category_label(code), code) for code in CATEGORIES]
    turn.say(_("What kind of initiative is it? Please choose a category."), buttons=two_per_row(buttons))


def parse_category(turn: Turn, answer: Answer) -> str:
    """A category code from its button, or its name typed in either language."""
    if answer.choice in CATEGORIES:
        return answer.choice
    typed = _letters(answer.text)
    for code, label in CATEGORIES.items():
        names = {_letters(translate(label, lang)) for lang in LANGUAGES}
        if typed and any(name == typed or name.startswith(typed + " ") for name in names):
            return code
    raise Invalid(_("Please choose a category from the buttons."))


def summary(turn: Turn, flow: FormFlow) -> str:
    slots = turn.slots
    return "\n".join(
        [
            _("Please check your initiative:"),
            "",
            _("Title: {title}").format(title=slots["title"]),
            _("Description: {description}").format(description=slots["description"]),
            _("Where: {where}").format(where=where(slots["osiedle"])),
            _("Category: {category}").format(category=category_label(slots["category"])),
            "",
            _("Shall I send it for moderation?"),
        ]
    )


async def submit(turn: Turn, flow: FormFlow) -> None:
    """Store the initiative as awaiting moderation and tell the author what happens next."""
    slots = turn.slots
    osiedle = None if slots["osiedle"] == CITY_WIDE else slots["osiedle"]
    try:
        initiative = await initiatives.submit(
            turn.session,
            turn.resident.id,
            slots["title"],
            slots["description"],
            osiedle,
            slots["category"],
            turn.now,
        )
    except initiatives.SubmissionLimitReached:
        turn.say(_limit_text(), menu=turn.registry.keyboard())
        return
    turn.say(
        _(
            "Thank you! Your initiative “{title}” is saved under number {number} "
            "and is awaiting moderation.\n\n"
            "What happens next: city staff check that it follows the rules. Once it is approved, it is "
            "published here and other residents can support it; I will let you know. If it cannot be "
            "published, I will tell you why.\n\n"
            "Please note: this is not yet an application to the Civic Budget (PBO)."
        ).format(title=initiative.title, number=initiative.id),
        menu=turn.registry.keyboard(),
    )


SUBMIT = FormFlow(
    SUBMIT_FLOW,
    [
        Slot("title", ask_title, parse_title, label=N_("Title")),
        Slot("description", ask_description, parse_description, label=N_("Description")),
        Slot("osiedle", ask_osiedle, parse_osiedle, label=N_("Osiedle or city-wide"), entity="district"),
        Slot("category", ask_category, parse_category, label=N_("Category")),
    ],
    submit=submit,
    summary=summary,
)


async def start_submit(turn: Turn, _arg: str = "") -> None:
    """Open the form, pre-filled from the message that asked for it; refused at the yearly limit."""
    if await initiatives.remaining_this_year(turn.session, turn.resident.id, turn.now) <= 0:
        turn.say(_limit_text(), menu=turn.registry.keyboard())
        return
    prefill, choices = _prefill(await turn.understand())
    turn.say(
        _(
            "Let's write down your initiative: a few short questions, then you check everything before "
            "it is sent. You can stop at any time with /cancel."
        )
    )
    await SUBMIT.start(turn, prefill, values={CHOICES: list(choices)} if choices else None)


def _prefill(parse: Parse | None) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Slot values from the NLU parse, and the units to offer when the place named several."""
    if parse is None:
        return {}, ()
    values: dict[str, Any] = {}
    choices: tuple[str, ...] = ()
    district = next((entity for entity in parse.entities if entity.entity == "district"), None)
    if district is not None:
        # The entity resolves "Winogrady" to one unit; the words written say it may be four.
        units = osiedla_named(parse.text[district.start : district.end]) or (str(district.value),)
        if len(units) == 1:
            values["osiedle"] = units[0]
        else:
            choices = units
    if title := title_in(parse.text):
        values["title"] = title
    return values, choices


def title_in(text: str) -> str | None:
    """A title the resident wrote out explicitly: after a colon ("my idea: drinking fountains") or
    in quotes. A whole sentence ("I have an idea for benches on Wilda") is a request, not a title,
    so it is never taken as one.
    """
    found = _TITLE_QUOTED.search(text) or _TITLE_AFTER_COLON.match(text.strip())
    if found is None:
        return None
    title = initiatives.clean_title(found.group("title")).rstrip(".!?;, ")
    if not TITLE_MIN <= len(title) <= TITLE_MAX or not any(ch.isalpha() for ch in title):
        return None
    return title[0].upper() + title[1:]


def _limit_text() -> str:
    return ngettext(
        "You already have {limit} initiative this year that is awaiting moderation or approved. "
        "That is the most one person may have in a year (as in the Civic Budget), so you can submit "
        "a new one next year.",
        "You already have {limit} initiatives this year that are awaiting moderation or approved. "
        "That is the most one person may have in a year (as in the Civic Budget), so you can submit "
        "a new one next year.",
        initiatives.YEARLY_LIMIT,
    ).format(limit=initiatives.YEARLY_LIMIT)


# -- the hub, the explainer and the resident's own initiatives -------------------------------------

HUB_BUTTONS = (
    (initiatives.SUBMIT_ACTION, N_("✍️ Submit an initiative")),
    ("ibrowse", N_("🔎 Browse initiatives")),
    ("ipbo", N_("ℹ️ About the Civic Budget (PBO)")),
    (initiatives.MY_INITIATIVES_ACTION, N_("📋 My initiatives")),
)


def hub_button(action: str) -> Button:
    return Button(_(dict(HUB_BUTTONS)[action]), global_payload(action))


async def show_hub(turn: Turn, _arg: str = "") -> None:
    turn.say(
        _(
            "💡 Civic initiatives: share an idea for your osiedle or for the whole city, "
            "and support your neighbours' ideas."
        ),
        buttons=[[hub_button(action)] for action, _label in HUB_BUTTONS],
    )


async def explain_pbo(turn: Turn, _arg: str = "") -> None:
    """The Civic Budget in a few lines; inside the form it goes back to the question afterwards."""
    text = _(
        "ℹ️ Poznań Civic Budget (Poznański Budżet Obywatelski, PBO) in short:\n\n"
        "• Who may submit a project: residents of Poznań.\n"
        "• One person may submit up to 3 projects, for their area or for the whole city.\n"
        "• Each project needs a support list signed by at least 10 residents of Poznań.\n"
        "• Every year: projects are submitted in spring, city offices check them over the summer, "
        "residents vote in autumn, and the results are announced after the vote.\n\n"
        "The exact rules and this year's dates are published on the city's website, poznan.pl.\n\n"
        "Initiatives in this bot help you share an idea and see who supports it; they are not an "
        "official PBO application."
    )
    if turn.state.flow:
        turn.say(text)
        await turn.remind()
        return
    turn.say(text, buttons=[[hub_button(initiatives.SUBMIT_ACTION)]])


async def my_initiatives(turn: Turn, _arg: str = "") -> None:
    """The resident's initiatives with their status, and how many more they may submit this year."""
    own = await initiatives.submitted_by(turn.session, turn.resident.id)
    remaining = await initiatives.remaining_this_year(turn.session, turn.resident.id, turn.now)
    if not own:
        turn.say(
            _("You have not submitted any initiatives yet."),
            buttons=[[hub_button(initiatives.SUBMIT_ACTION)]],
        )
        return
    lines = [_("Your initiatives:"), ""]
    lines += [_("• “{title}” — {status}").format(title=i.title, status=_status(i)) for i in own]
    lines += [
        "",
        ngettext(
            "This year you can submit {count} more initiative.",
            "This year you can submit {count} more initiatives.",
            remaining,
        ).format(count=remaining),
    ]
    turn.say("\n".join(lines))
    await turn.remind()


def _status(initiative: Initiative) -> str:
    if initiative.status == initiatives.APPROVED:
        return ngettext(
            "approved, {count} support", "approved, {count} supports", initiative.supports
        ).format(count=initiative.supports)
    if initiative.status == initiatives.REJECTED:
        return _("not published: {reason}").format(reason=initiative.moderation_note or "-")
    return _("awaiting moderation")


# -- small shared pieces ---------------------------------------------------------------------------


def two_per_row(buttons: list[Button]) -> list[list[Button]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def _letters(text: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in fold(text)).split())


def register(registry: Registry) -> None:
    """The 💡 menu entry, the `submit_initiative` intent, the submit form and the hub's buttons."""
    registry.add_flow(SUBMIT)
    registry.add_menu_item("initiatives", N_("💡 Initiatives"), show_hub)
    registry.add_intent("submit_initiative", start_submit, N_("Submit an initiative"))
    registry.add_action(initiatives.SUBMIT_ACTION, start_submit)
    registry.add_action("ipbo", explain_pbo)
    registry.add_action(initiatives.MY_INITIATIVES_ACTION, my_initiatives)
