"""The quick question "ile zapłacę za śmieci za 4 osoby?": the fee without the declaration form.

Steps (each only when the question did not already say it):

    residents      1..99 (the NLU `people` entity)
    building_type  buttons
    composting     single-family houses only
    large_family   only when more residents live there than a Large Family Card would charge

The answer offers to prepare the declaration with the same answers, carried in the button itself
so nothing is asked twice.
"""

from __future__ import annotations

import re
from typing import Any

from bot.conversation import Button, FormFlow, Slot, Turn
from bot.conversation.payloads import global_payload
from bot.domain.waste import city_today
from bot.domain.waste_fee import COMPOSTING_BUILDINGS, default_rates, monthly_fee
from bot.i18n import _
from handlers.waste_household import (
    BUILDING_CODES,
    ask_building,
    ask_composting,
    ask_large_family,
    ask_residents,
    building_from_text,
    composting_asked,
    composting_claim,
    fee_calculation,
    fee_sentence,
    note_composting_refused,
    parse_building,
    parse_composting,
    parse_large_family,
    parse_residents,
)
from nlu.text import fold

FLOW = "waste_quote"
PREFILL_ACTION = "waste_prefill"

# "ile" or "opłata" alone may come with a question about the form itself; these never do.
_MONEY = re.compile(
    r"zaplac|kosztuj|koszt|how[ \t]+much|\bcosts?\b|\bprice|\bcena|ile[ \t]+wynosi|ile[ \t]+plac"
)
_MONEY_WEAK = re.compile(r"\bile\b|oplat|\bfees?\b|\bpay\b|\bplac")
_FORM = re.compile(r"deklarac|declar|formularz|\bform\b|zloz|wypeln")


def asks_about_money(text: str) -> bool:
    """True for "ile zapłacę", "how much", "opłata za śmieci"; False for "deklaracja o wysokości opłaty"."""
    folded = fold(text)
    return bool(_MONEY.search(folded)) or (bool(_MONEY_WEAK.search(folded)) and not _FORM.search(folded))


def card_may_matter(slots: dict[str, Any]) -> bool:
    """The card changes nothing until there are more residents than any rate's cap."""
    cap = min(rate.large_family_cap for rate in default_rates().rates)
    return int(slots.get("residents", 0)) > cap


async def answer(turn: Turn, flow: FormFlow) -> None:
    """The amount at today's rate, how it comes about, and a button to prepare the declaration."""
    slots = turn.slots
    building = slots["building_type"]
    composting = bool(slots.get("composting", False))
    large_family = bool(slots.get("large_family", False))
    fee = monthly_fee(
        slots["residents"],
        building,
        composting=composting,
        large_family=large_family,
        on=city_today(turn.now),
    )
    lines = [fee_sentence(fee, building, composting, large_family), *fee_calculation(fee)]
    lines.append(_("This is today's rate; the declaration uses the rate valid on the day it applies from."))
    button = Button(
        _("📝 Prepare the declaration with these answers"), global_payload(PREFILL_ACTION, encode(slots))
    )
    turn.say("\n".join(lines), buttons=[[button]])


def encode(slots: dict[str, Any]) -> str:
    """`4:s:1:-`: residents, building, composting, card (- when not asked); well under 64 bytes."""
    code = next(key for key, kind in BUILDING_CODES.items() if kind == slots["building_type"])

    def flag(name: str) -> str:
        return "-" if name not in slots else ("1" if slots[name] else "0")

    return f"{slots['residents']}:{code}:{flag('composting')}:{flag('large_family')}"


def decode(arg: str) -> dict[str, Any]:
    """The answers a quote button carries, as values for the declaration; {} when malformed."""
    parts = arg.split(":")
    if len(parts) != 4 or not parts[0].isdigit() or parts[1] not in BUILDING_CODES:
        return {}
    values: dict[str, Any] = {"residents": int(parts[0]), "building_type": BUILDING_CODES[parts[1]]}
    if not 1 <= values["residents"] <= 99:
        return {}
    for name, flag in (("composting", parts[2]), ("large_family", parts[3])):
        if flag in ("0", "1"):
            values[name] = flag == "1"
    if values["building_type"] not in COMPOSTING_BUILDINGS:
        values.pop("composting", None)
    return values


QUOTE = FormFlow(
    FLOW,
    [
        Slot("residents", ask_residents, parse_residents, entity="people"),
        Slot("building_type", ask_building, parse_building),
        Slot("composting", ask_composting, parse_composting, required=composting_asked),
        Slot("large_family", ask_large_family, parse_large_family, required=card_may_matter),
    ],
    submit=answer,
)


def known_from_text(turn: Turn, text: str) -> dict[str, Any]:
    """Building type and composting as the message already states them ("w domu, kompostujemy")."""
    values: dict[str, Any] = {}
    building = building_from_text(text)
    if building not in (None, "block"):
        values["building_type"] = building
        claim = composting_claim(text)
        if building in COMPOSTING_BUILDINGS and claim is not None:
            values["composting"] = claim
        note_composting_refused(turn, text, building)
    return values


async def start_quote(turn: Turn, _arg: str = "") -> None:
    await QUOTE.start(turn, {})


async def quote_from_text(turn: Turn, text: str) -> None:
    """The question as asked: keep the head count, the building and composting it already gives."""
    parse = await turn.understand()
    prefill = {"people": parse.entity("people")} if parse is not None and parse.entity("people") else {}
    await QUOTE.start(turn, prefill, values=known_from_text(turn, text))
