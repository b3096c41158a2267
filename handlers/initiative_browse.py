"""Browsing approved initiatives by osiedle and supporting them with 👍.

The browse form has one step, `osiedle` (buttons for osiedla with approved initiatives, 🏙, or a
typed name); its submit shows the first page. Pages and supports are global buttons (`g:ilist`,
`g:isupport`), valid in any state, so an old list still pages and supports.
"""

from __future__ import annotations

from bot.conversation import Answer, Button, FormFlow, Invalid, Registry, Slot, Turn
from bot.conversation.payloads import global_payload
from bot.db.models import Initiative
from bot.domain import initiatives
from bot.domain.initiatives import SupportOutcome
from bot.i18n import _, ngettext
from handlers.initiative import category_label, hub_button, two_per_row
from handlers.initiative_place import CHOICES, CITY_WIDE, city_wide_button, parse_osiedle, where
from nlu.gazetteer import default_gazetteer

BROWSE_FLOW = "initiative_browse"
PAGE_SIZE = 5
CARD_DESCRIPTION = 300  # characters of the description shown on a browse card
MAX_ID_DIGITS = 18  # a BIGINT; longer numbers in a payload were never made by the bot


async def ask_browse_osiedle(turn: Turn, flow: FormFlow) -> None:
    """Buttons for the osiedla that have approved initiatives (with how many), and 🏙 city-wide."""
    counts = dict(await initiatives.osiedla_with_approved(turn.session))
    units = turn.slots.get(CHOICES) or [name for name in counts if name is not None]
    buttons = [
        flow.button(turn, f"{unit} ({counts[unit]})" if unit in counts else unit, unit) for unit in units
    ]
    turn.say(
        _("Which osiedle would you like to see? Choose below or write its name."),
        buttons=[*two_per_row(buttons), [city_wide_button(turn, flow, counts.get(None))]],
    )


async def parse_browse_osiedle(turn: Turn, answer: Answer) -> str:
    """Like the submit form's osiedle, but only a place that has approved initiatives to show."""
    value = parse_osiedle(turn, answer)
    if not await initiatives.approved_in(turn.session, _osiedle_arg(value), limit=1):
        raise Invalid(
            _("There are no approved initiatives for {where} yet. Please choose another.").format(
                where=where(value)
            )
        )
    return value


async def browse_chosen(turn: Turn, flow: FormFlow) -> None:
    await show_page(turn, turn.slots["osiedle"], 0)


BROWSE = FormFlow(
    BROWSE_FLOW, [Slot("osiedle", ask_browse_osiedle, parse_browse_osiedle)], submit=browse_chosen
)


async def start_browse(turn: Turn, _arg: str = "") -> None:
    if not await initiatives.osiedla_with_approved(turn.session):
        turn.say(
            _("There are no approved initiatives yet. Yours could be the first!"),
            buttons=[[hub_button(initiatives.SUBMIT_ACTION)]],
        )
        return
    await BROWSE.start(turn, {})


async def show_page(turn: Turn, key: str, offset: int) -> None:
    """Up to PAGE_SIZE cards, each its own message with its own 👍 button, then "More"."""
    found = await initiatives.approved_in(turn.session, _osiedle_arg(key), PAGE_SIZE + 1, offset)
    page = found[:PAGE_SIZE]
    if not page:
        turn.say(_("There are no more initiatives here."), buttons=[[hub_button("ibrowse")]])
        return
    if offset == 0:
        turn.say(_("Approved initiatives — {where}:").format(where=where(key)))
    supported = await initiatives.supported_by(turn.session, turn.resident.id, [i.id for i in page])
    for initiative in page:
        _card(turn, initiative, supported)
    rows = [[hub_button("ibrowse")]]
    if len(found) > PAGE_SIZE:
        more = Button(_("➡️ More"), global_payload("ilist", f"{offset + PAGE_SIZE}:{key}"))
        rows.insert(0, [more])
        turn.say(_("There are more initiatives for {where}.").format(where=where(key)), buttons=rows)
    else:
        turn.say(_("That is all for {where}.").format(where=where(key)), buttons=rows)


def _card(turn: Turn, initiative: Initiative, supported: set[int]) -> None:
    description = initiative.description
    if len(description) > CARD_DESCRIPTION:
        description = description[: CARD_DESCRIPTION - 1].rstrip() + "…"
    lines = [
        _("“{title}”").format(title=initiative.title),
        f"📍 {where(initiative.osiedle)} · {category_label(initiative.category)}",
        description,
        supports_text(initiative.supports),
    ]
    buttons: list[list[Button]] = []
    if initiative.resident_id == turn.resident.id:
        lines.append(_("This is your initiative."))
    elif initiative.id in supported:
        lines.append(_("✅ You support this initiative."))
    else:
        buttons = [[Button(_("👍 Support"), global_payload("isupport", str(initiative.id)))]]
    turn.say("\n".join(lines), buttons=buttons)


def supports_text(count: int) -> str:
    return ngettext("👍 {count} support", "👍 {count} supports", count).format(count=count)


async def page_action(turn: Turn, arg: str) -> None:
    """`g:ilist:<offset>:<osiedle or *>`: the next page of an earlier list."""
    offset, _sep, key = arg.partition(":")
    valid_key = key == CITY_WIDE or key in default_gazetteer().districts
    if not offset.isdigit() or len(offset) > MAX_ID_DIGITS or not valid_key:
        await _stale(turn)
        return
    await show_page(turn, key, int(offset))
    await turn.remind()


async def support_action(turn: Turn, arg: str) -> None:
    """`g:isupport:<id>`: one support per resident; stale or odd buttons get a polite answer."""
    try:
        if not arg.isdigit() or len(arg) > MAX_ID_DIGITS:  # forged or mangled payloads
            raise initiatives.InitiativeNotFound(arg)
        result = await initiatives.support(
            turn.session, int(arg), turn.resident.id, turn.now, support_threshold(turn)
        )
    except initiatives.InitiativeNotFound:
        turn.say(_("Sorry, I can't find this initiative any more."))
    except initiatives.NotOpenForSupport:
        turn.say(_("Sorry, this initiative is not open for support."))
    except initiatives.OwnInitiative:
        turn.say(_("This is your own initiative. Support is counted from other residents."))
    else:
        if result.outcome is SupportOutcome.ALREADY_SUPPORTED:
            turn.say(_("You already support “{title}”.").format(title=result.title))
        else:
            text = ngettext(
                "Thank you! You support “{title}” ({count} support so far).",
                "Thank you! You support “{title}” ({count} supports so far).",
                result.supports,
            )
            turn.say(text.format(title=result.title, count=result.supports))
    await turn.remind()


def support_threshold(turn: Turn) -> int:
    settings = turn.services.get("settings")
    return int(getattr(settings, "initiative_support_threshold", initiatives.DEFAULT_SUPPORT_THRESHOLD))


def _osiedle_arg(key: str) -> str | None:
    return None if key == CITY_WIDE else key


async def _stale(turn: Turn) -> None:
    turn.say(_("This button has expired. Here is the menu."), menu=turn.registry.keyboard())
    await turn.remind()


def register(registry: Registry) -> None:
    """The browse form, the hub's 🔎 button (`ibrowse`) and the page and support buttons."""
    registry.add_flow(BROWSE)
    registry.add_action("ibrowse", start_browse)
    registry.add_action("ilist", page_action)
    registry.add_action("isupport", support_action)
