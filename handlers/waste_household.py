"""The household questions both waste flows ask (building, residents, composting, Large Family
Card), how typed answers to them are read, and the sentence that states the fee.

Typed answers are read leniently ("dom", "blok ponad 4 mieszkania", "we trójkę", "kompostujemy"),
so a resident who writes instead of tapping is not asked again.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from bot.conversation import Answer, FormFlow, Invalid, Turn
from bot.domain.waste import city_today
from bot.domain.waste_fee import (
    BUILDING_TYPES,
    COMPOSTING_BUILDINGS,
    MAX_RESIDENTS,
    MIN_RESIDENTS,
    Fee,
    rate_on,
)
from bot.i18n import N_, _, format_money, ngettext
from nlu.entities import extract_entities
from nlu.entities.vocabulary import number_value
from nlu.text import fold

BUILDING_BUTTONS = {
    "single_family": N_("🏠 Single-family house"),
    "multi_small": N_("🏘 Up to 4 flats"),
    "multi_large": N_("🏢 More than 4 flats"),
}
BUILDING_CODES = {"s": "single_family", "m": "multi_small", "l": "multi_large"}

_FOUR = r"(?:4|cztery|czterech|four)"
_LARGE = re.compile(
    rf"(?:powyzej|ponad|wiecej[ \t]+niz|more[ \t]+than|over|above)[ \t]+{_FOUR}"
    r"|\b(?:[5-9]|[1-9][0-9]+)[ \t]*(?:mieszkan|lokal|flats|apartments)"
    r"|\bwiezowiec|\b(?:duzy|duzym)[ \t]+blok|\blarge[ \t]+block"
)
_SMALL = re.compile(
    rf"(?:\bdo|najwyzej|maks[a-z.]*|up[ \t]+to|at[ \t]+most)[ \t]+{_FOUR}"
    r"|\b[2-4][ \t]*(?:mieszkan|lokal|flats|apartments)"
)
_BLOCK = re.compile(r"\b(?:blok|wielorodzin|kamienic|block|apartment|multi)")
_HOUSE = re.compile(
    r"\b(?:jednorodzin[a-z]*|dom|domu|domek|domku|house|single[ -]family|blizniak[a-z]*|szeregow[a-z]*)\b"
)
_COMPOST = re.compile(r"kompost|compost")
_NO_COMPOST = re.compile(r"\b(?:nie|bez|no|not|dont|don't|without)\b[a-z ]{0,24}?(?:kompost|compost)")
_YES = {"tak", "t", "yes", "y", "jasne", "oczywiscie", "owszem", "mam", "sure", "yep", "yeah"}
_NO = {"nie", "n", "no", "nope", "brak", "none"}
_NUMBER = re.compile(r"-?[0-9]+")


# -- reading typed text --------------------------------------------------------------------------
def building_from_text(text: str) -> str | None:
    """A building type, "block" when it is a block of flats of unknown size, or None."""
    folded = fold(text)
    if _LARGE.search(folded):
        return "multi_large"
    if _SMALL.search(folded):
        return "multi_small"
    if _BLOCK.search(folded):
        return "block"
    if _HOUSE.search(folded):
        return "single_family"
    return None


def composting_claim(text: str) -> bool | None:
    """True for "kompostujemy", False for "nie kompostujemy", None when composting is not mentioned."""
    folded = fold(text)
    if _NO_COMPOST.search(folded):
        return False
    return True if _COMPOST.search(folded) else None


def yes_or_no(text: str) -> bool | None:
    words = re.findall(r"[a-z']+", fold(text))
    if not words:
        return None
    if words[0] in _YES:
        return True
    if words[0] in _NO:
        return False
    return None


async def understood_yes_or_no(turn: Turn, answer: Answer) -> bool | None:
    """A tapped Yes/No, a typed "tak"/"no", or what the NLU reads as affirm/deny."""
    if answer.choice in ("yes", "no"):
        return answer.choice == "yes"
    found = yes_or_no(answer.text)
    if found is None and answer.text:
        parse = await turn.understand()
        if parse is not None and parse.intent.name in ("affirm", "deny"):
            found = parse.intent.name == "affirm"
    return found


def note_composting_refused(turn: Turn, text: str, building_type: str | None) -> None:
    """A block of flats cannot claim the composting discount; say so instead of ignoring the claim."""
    if building_type in (None, "block") or building_type in COMPOSTING_BUILDINGS:
        return
    if composting_claim(text):
        turn.say(
            _(
                "The composting discount is only for single-family houses, so it is not counted for "
                "a multi-flat building (bio-waste there goes to the brown bin)."
            )
        )


def fee_day(turn: Turn) -> date:
    """The day whose rate applies: the declaration's date when known, otherwise today."""
    chosen = turn.slots.get("applies_from")
    return date.fromisoformat(chosen) if chosen else city_today(turn.now)


# -- building type -------------------------------------------------------------------------------
def ask_building(turn: Turn, flow: FormFlow) -> None:
    """Three buttons: the building type decides the rate."""
    buttons = [[flow.button(turn, _(BUILDING_BUTTONS[kind]), kind)] for kind in BUILDING_TYPES]
    turn.say(_("What kind of building is it?"), buttons=buttons)


def parse_building(turn: Turn, answer: Answer) -> str:
    kind = answer.choice if answer.choice in BUILDING_TYPES else building_from_text(answer.text)
    if kind == "block":
        raise Invalid(
            _("Does the building have up to 4 flats, or more than 4?"),
            choices=[(_(BUILDING_BUTTONS[k]), k) for k in ("multi_small", "multi_large")],
            reprompt=False,
        )
    if kind is None:
        raise Invalid(_("Please choose the kind of building from the buttons."))
    note_composting_refused(turn, answer.text, kind)
    return kind


# -- residents -----------------------------------------------------------------------------------
def ask_residents(turn: Turn, flow: FormFlow) -> None:
    turn.say(_("How many people live there? Write a number, for example 3."))


async def parse_residents(turn: Turn, answer: Answer) -> int:
    count = await _head_count(turn, answer.choice or answer.text)
    if count is None:
        raise Invalid(_("Please write the number of residents as a number, for example 3."))
    if count < MIN_RESIDENTS:
        raise Invalid(
            _(
                "At least one person has to live there: this declaration is for property where people "
                "live. Please give the number of residents."
            )
        )
    if count > MAX_RESIDENTS:
        raise Invalid(
            _("That is more than {limit} residents. Please give a number from 1 to {limit}.").format(
                limit=MAX_RESIDENTS
            )
        )
    note_composting_refused(turn, answer.text, turn.slots.get("building_type"))
    return count


async def _head_count(turn: Turn, text: str) -> int | None:
    found = _NUMBER.search(text)
    if found:
        return int(found.group())
    parse = await turn.understand() if turn.text == text else None
    people = parse.entity("people") if parse is not None else None
    if people is None:
        extracted = [
            e.value for e in extract_entities(text, lang=turn.lang, now=turn.now) if e.entity == "people"
        ]
        people = extracted[0] if extracted else None
    if people is None:
        people = number_value(fold(text).strip(" .!"))
    return int(people) if people is not None else None


# -- composting ----------------------------------------------------------------------------------
def composting_asked(slots: dict[str, Any]) -> bool:
    return slots.get("building_type") in COMPOSTING_BUILDINGS


def ask_composting(turn: Turn, flow: FormFlow) -> None:
    discount = rate_on(fee_day(turn), "single_family").composting_discount
    turn.say(
        _(
            "Do you compost your bio-waste in a composter at the house? "
            "It lowers the fee by {discount} per resident a month."
        ).format(discount=format_money(discount)),
        buttons=[[flow.button(turn, _("Yes"), "yes"), flow.button(turn, _("No"), "no")]],
    )


async def parse_composting(turn: Turn, answer: Answer) -> bool:
    claim = composting_claim(answer.text) if answer.choice is None else None
    found = claim if claim is not None else await understood_yes_or_no(turn, answer)
    if found is None:
        raise Invalid(_("Please answer Yes or No."))
    return found


# -- Large Family Card ---------------------------------------------------------------------------
def ask_large_family(turn: Turn, flow: FormFlow) -> None:
    cap = rate_on(fee_day(turn), turn.slots.get("building_type", "single_family")).large_family_cap
    turn.say(
        _(
            "Do you have a Large Family Card (Karta Dużej Rodziny)? "
            "With it, at most {cap} residents are charged."
        ).format(cap=cap),
        buttons=[[flow.button(turn, _("Yes"), "yes"), flow.button(turn, _("No"), "no")]],
    )


async def parse_large_family(turn: Turn, answer: Answer) -> bool:
    found = await understood_yes_or_no(turn, answer)
    if found is None:
        raise Invalid(_("Please answer Yes or No."))
    note_composting_refused(turn, answer.text, turn.slots.get("building_type"))
    return found


# -- the fee in words ----------------------------------------------------------------------------
def where_phrase(building_type: str, composting: bool, large_family: bool) -> str:
    """`in a single-family house with composting`."""
    where = {
        "single_family": _("in a single-family house"),
        "multi_small": _("in a building with up to 4 flats"),
        "multi_large": _("in a building with more than 4 flats"),
    }[building_type]
    if composting:
        where = _("{where} with composting").format(where=where)
    if large_family:
        where = _("{where}, with a Large Family Card").format(where=where)
    return where


def fee_sentence(fee: Fee, building_type: str, composting: bool, large_family: bool) -> str:
    """`For 4 residents in a single-family house with composting: 104,00 zł a month (1 248,00 zł a year).`"""
    return ngettext(
        "For {count} resident {where}: {monthly} a month ({yearly} a year).",
        "For {count} residents {where}: {monthly} a month ({yearly} a year).",
        fee.residents,
    ).format(
        count=fee.residents,
        where=where_phrase(building_type, composting, large_family),
        monthly=format_money(fee.monthly),
        yearly=format_money(fee.yearly),
    )


def fee_calculation(fee: Fee) -> list[str]:
    """How the amount comes about, so the resident can check it."""
    lines = []
    if fee.capped:
        lines.append(
            ngettext(
                "With the Large Family Card, {charged} of {count} resident is charged.",
                "With the Large Family Card, {charged} of {count} residents are charged.",
                fee.residents,
            ).format(charged=fee.charged, count=fee.residents)
        )
    rate = (
        f"({format_money(fee.per_resident)} − {format_money(fee.discount)})"
        if fee.discount
        else format_money(fee.per_resident)
    )
    lines.append(
        _("Calculation: {charged} × {rate} = {monthly} a month.").format(
            charged=fee.charged, rate=rate, monthly=format_money(fee.monthly)
        )
    )
    return lines
