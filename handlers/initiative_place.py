"""An initiative's place, shared by the submit and browse forms: an official osiedle or city-wide.

Reads it from what a resident typed ("Wilda", "Winogrady", "całe miasto") and shows it back.
"""

from __future__ import annotations

import re

from bot.conversation import Answer, Button, FormFlow, Invalid, Turn
from bot.i18n import _
from nlu.gazetteer import default_gazetteer
from nlu.text import fold

CITY_WIDE = "*"  # the osiedle slot's value (and payload key) for "the whole of Poznań"
CHOICES = "_osiedle_choices"  # units offered after an umbrella name such as "Winogrady"

_CITY_WIDE_WORDS = re.compile(
    r"\b(?:cal[eya] miast[oa]|calego miasta|cal[ya] poznan|calego poznania|poznan|ogolnomiejsk\w*|"
    r"city[ -]?wide|whole (?:of )?(?:the )?city|whole (?:of )?poznan|entire city|all of poznan)\b"
)


def osiedla_named(text: str) -> tuple[str, ...]:
    """The official osiedla a typed name means: one unit, all units of "Winogrady", or none."""
    gazetteer = default_gazetteer()
    units: list[str] = []
    for match in gazetteer.find_districts(text):
        group = gazetteer.district_group(match.alias)
        units += group if len(group) > 1 else (match.name,)
    if not units and (official := gazetteer.district(text)):
        units.append(official)
    return tuple(dict.fromkeys(units))


def is_city_wide(text: str) -> bool:
    return bool(_CITY_WIDE_WORDS.search(fold(text)))


def where(osiedle: str | None) -> str:
    """An initiative's place as residents read it: the osiedle's name, or city-wide."""
    return osiedle if osiedle and osiedle != CITY_WIDE else _("City-wide")


def parse_osiedle(turn: Turn, answer: Answer) -> str:
    """An official osiedle name or CITY_WIDE; several candidates are offered as buttons instead."""
    text = answer.text.strip()
    if answer.choice == CITY_WIDE or answer.choice in default_gazetteer().districts:
        turn.drop_slot(CHOICES)
        return answer.choice
    if not text:
        raise Invalid(_("Please write the name of the osiedle, or choose a button."))
    units = osiedla_named(text)
    if len(units) == 1 or (not units and is_city_wide(text)):
        turn.drop_slot(CHOICES)
        return units[0] if units else CITY_WIDE
    shown = text if len(text) <= 40 else text[:39] + "…"
    if units:
        turn.set_slot(CHOICES, list(units))
        raise Invalid(_("“{name}” matches several osiedla. Which one do you mean?").format(name=shown))
    turn.drop_slot(CHOICES)
    raise Invalid(
        _("I don't know an osiedle called “{name}”. Please check the name, or choose “City-wide”.").format(
            name=shown
        )
    )


def city_wide_button(turn: Turn, flow: FormFlow, count: int | None = None) -> Button:
    label = _("🏙 City-wide")
    return flow.button(turn, f"{label} ({count})" if count else label, CITY_WIDE)
