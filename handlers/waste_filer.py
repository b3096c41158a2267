"""The declaration's questions about the filing itself: reason, the date it applies from, the
filer's name, PESEL or NIP, contact, and the property's address.

Every parser returns a value the slot keeps (JSON-friendly) or raises `Invalid` with the reason.
PESEL digits are never echoed back in a reason: a wrong number is described, not repeated.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, timedelta
from typing import Any

from bot.conversation import Answer, FormFlow, Invalid, Turn
from bot.domain import identity, waste
from bot.i18n import N_, _, format_date
from nlu.entities import extract_entities
from nlu.entities.dates import impossible_date
from nlu.gazetteer import default_gazetteer
from nlu.text import fold

REASON_BUTTONS = {
    "first": N_("🆕 First declaration (moving in)"),
    "change": N_("✏️ Change (e.g. number of residents)"),
    "correction": N_("🛠 Correction of an earlier one"),
}
_REASON_WORDS = (
    ("correction", re.compile(r"korekt|correct|popraw|pomylk|mistake")),
    ("change", re.compile(r"zmian|zmien|zmniejsz|zwieksz|change|aktualiz|update|wyprowadz|urodzil|zmarl")),
    ("first", re.compile(r"pierwsz|first|wprowadz|moved[ \t]+in|move[ \t]+in|zamieszkal")),
)
_YMD = re.compile(r"(?<![0-9])([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?![0-9])")
_DMY = re.compile(r"(?<![0-9])([0-9]{1,2})[./-]([0-9]{1,2})[./-]([0-9]{4})(?![0-9])")
_YEAR = re.compile(r"(?<![0-9])(?:19|20|21)[0-9]{2}(?![0-9])")
# A day and month without a year is the nearest such day: declarations are about the recent past
# as often as the near future, so "1 listopada" said on 29 November means this November.
HALF_A_YEAR = timedelta(days=183)
_FLAT = re.compile(
    r"^[ \t,]*(?:m\.?|lok\.?|lokal|mieszkanie|mieszk\.?|flat|apt\.?|apartment)[ \t]*([0-9]{1,4}[a-z]?)\b"
)
_HOUSE = re.compile(r"^[0-9]{1,4}[a-z]?$")
_CONTACT_WORDS = re.compile(r"\b(?:tel|telefon|phone|mobile|kom|e-?mail|mail|i|and|oraz|lub|or)\b\.?:?", re.I)


# -- reason --------------------------------------------------------------------------------------
def reason_from_text(text: str) -> str | None:
    folded = fold(text)
    return next((reason for reason, words in _REASON_WORDS if words.search(folded)), None)


def ask_reason(turn: Turn, flow: FormFlow) -> None:
    buttons = [[flow.button(turn, _(REASON_BUTTONS[reason]), reason)] for reason in waste.REASONS]
    turn.say(_("Why are you filing the declaration?"), buttons=buttons)


def parse_reason(turn: Turn, answer: Answer) -> str:
    reason = answer.choice if answer.choice in waste.REASONS else reason_from_text(answer.text)
    if reason is None:
        raise Invalid(_("Please choose the reason from the buttons."))
    return reason


# -- the date it applies from --------------------------------------------------------------------
def ask_applies_from(turn: Turn, flow: FormFlow) -> None:
    example = format_date(waste.city_today(turn.now), "dd.MM.yyyy")
    question = {
        "first": _(
            "From which day does it apply? For a first declaration it is the day the first resident "
            "moved in. Write the date, for example {example}."
        ),
        "change": _("From which day does the change apply? Write the date, for example {example}."),
        "correction": _(
            "From which day does the corrected declaration apply? Write the date, for example {example}."
        ),
    }[turn.slots.get("reason", "first")]
    turn.say(question.format(example=example))


async def parse_applies_from(turn: Turn, answer: Answer) -> str:
    today = waste.city_today(turn.now)
    day = await read_date(turn, answer.choice or answer.text, today)
    try:
        waste.check_applies_from(day, today)
    except waste.DeclarationError as error:
        if error.problem == "too_early":
            raise Invalid(
                _(
                    "Poznań's own waste system started on {start}; a declaration to the city cannot "
                    "apply from an earlier day. Please give a date from then on."
                ).format(start=format_date(waste.SYSTEM_START))
            ) from None
        raise Invalid(
            _("That is more than a year ahead. Please give a date up to {latest}.").format(
                latest=format_date(waste.latest_applies_from(today))
            )
        ) from None
    return day.isoformat()


async def read_date(turn: Turn, text: str, today: date) -> date:
    """dd.mm.yyyy or yyyy-mm-dd as typed, else the NLU's `date` ("1 grudnia", "dziś"), else a reason."""
    written = _YMD.search(text)
    parts = written.groups() if written else None
    if parts is None and (written := _DMY.search(text)):
        parts = tuple(reversed(written.groups()))
    if parts is not None:
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            raise Invalid(_no_such_day(written.group())) from None
    value = None
    if turn.text == text:
        parse = await turn.understand()
        value = parse.entity("date") if parse is not None else None
    if value is None:
        found = [e.value for e in extract_entities(text, lang=turn.lang, now=turn.now) if e.entity == "date"]
        value = found[0] if found else None
    if value is not None:
        day = date.fromisoformat(str(value))
        if not _YEAR.search(text) and day - today > HALF_A_YEAR:
            with contextlib.suppress(ValueError):  # 29 February stays as it is
                day = day.replace(year=day.year - 1)
        return day
    impossible = impossible_date(text, turn.now)
    if impossible:
        raise Invalid(_no_such_day(impossible))
    raise Invalid(
        _("I couldn't read a date. Please write it as day.month.year, for example {example}.").format(
            example=format_date(today, "dd.MM.yyyy")
        )
    )


def _no_such_day(text: str) -> str:
    return _("There is no such day as {date}. Please check the date.").format(date=text[:20])


# -- filer ---------------------------------------------------------------------------------------
def ask_name(turn: Turn, flow: FormFlow) -> None:
    turn.say(_("What is the first name and surname of the person filing the declaration?"))


def parse_name(turn: Turn, answer: Answer) -> str:
    try:
        return identity.check_name(answer.text)
    except identity.InvalidName as error:
        if error.problem == "long":
            raise Invalid(
                _("That is too long; please keep it under {limit} characters.").format(
                    limit=identity.MAX_NAME
                )
            ) from None
        raise Invalid(_("Please write the first name and surname, for example: Anna Nowak.")) from None


def ask_identity(turn: Turn, flow: FormFlow) -> None:
    turn.say(
        _(
            "What is your PESEL number (11 digits)? If you file for a business, write its NIP (10 digits) "
            "instead. The full PESEL appears only in your PDF; everywhere else it is masked."
        )
    )


def parse_identity(turn: Turn, answer: Answer) -> dict[str, str]:
    number = identity.digits_only(answer.text)
    if number[:2].upper() == "PL":
        number = number[2:]
    try:
        if len(number) == 11:
            return {"pesel": identity.check_pesel(number, today=waste.city_today(turn.now))}
        if len(number) == 10:
            return {"nip": identity.check_nip(number)}
    except identity.InvalidPesel as error:
        raise Invalid(_pesel_problem(error.problem)) from None
    except identity.InvalidNip:
        raise Invalid(
            _("This NIP is not correct: its check digit does not match. Please check the number.")
        ) from None
    raise Invalid(_("A PESEL has 11 digits and a NIP has 10. Please check the number."))


def _pesel_problem(problem: str) -> str:
    if problem == "checksum":
        return _("This PESEL is not correct: its check digit does not match. Please check the number.")
    if problem == "future":
        return _("The date of birth in this PESEL is in the future. Please check the number.")
    if problem == "birth_date":
        return _("This PESEL does not contain a real date of birth. Please check the number.")
    return _("A PESEL has 11 digits. Please check the number.")


def ask_contact(turn: Turn, flow: FormFlow) -> None:
    turn.say(
        _(
            "How can the city reach you about the declaration? Write a phone number or an e-mail "
            "address (one is enough)."
        )
    )


def parse_contact(turn: Turn, answer: Answer) -> dict[str, str | None]:
    words = re.split(r"[\s,;]+", answer.text.strip())
    emails = [word for word in words if "@" in word]
    email = phone = None
    if emails:
        try:
            email = identity.check_email(emails[0])
        except identity.InvalidEmail:
            raise Invalid(_("This e-mail address does not look right. Please check it.")) from None
    rest = _CONTACT_WORDS.sub(" ", " ".join(word for word in words if "@" not in word))
    if any(ch.isdigit() for ch in rest):
        try:
            phone = identity.normalise_phone(rest)
        except identity.InvalidPhone:
            raise Invalid(
                _(
                    "This phone number does not look right. "
                    "Please write a Polish number, for example 600 100 200."
                )
            ) from None
    if email is None and phone is None:
        raise Invalid(_("Please write a phone number or an e-mail address."))
    return {"phone": phone, "email": email}


# -- address -------------------------------------------------------------------------------------
def ask_address(turn: Turn, flow: FormFlow) -> None:
    turn.say(
        _(
            "What is the address of the property in Poznań? Write the street, the house number and the "
            "flat number if there is one, for example: Głogowska 12/4."
        )
    )


def parse_address(turn: Turn, answer: Answer) -> dict[str, Any]:
    """A gazetteer street with a house number (and an optional flat); a street alone asks for the number."""
    gazetteer = default_gazetteer()
    if answer.choice and answer.choice.startswith("street:"):
        suggested = turn.slots.get("_suggested") or []
        index = answer.choice.removeprefix("street:")
        if not index.isdigit() or int(index) >= len(suggested):
            raise Invalid(_("Please type the street again."))
        return _with_number(turn, suggested[int(index)], turn.slots.get("_house") or "")
    text = answer.text.strip()
    if not text:
        raise Invalid(_("Please type the street and house number, for example: Głogowska 12/4."))
    matches = gazetteer.find_streets(text)
    if matches:
        match = matches[0]
        rest = text[match.house_end :] if match.house_number else ""
        return _with_number(turn, match.street.label, (match.house_number or "") + rest)
    if turn.slots.get("_street") and text[:1].isdigit():
        return _with_number(turn, turn.slots["_street"], text)
    number = next((word for word in text.replace(",", " ").split() if word[:1].isdigit()), "")
    name = " ".join(word for word in text.replace(",", " ").split() if not word[:1].isdigit())
    suggestions = gazetteer.suggest(name, limit=3) if name else []
    if suggestions:
        # Labels can pass Telegram's 64-byte button limit in UTF-8, so the buttons carry indexes.
        turn.set_slot("_suggested", [street.label for street in suggestions])
        turn.set_slot("_house", text[text.find(number) :] if number else "")
        raise Invalid(
            _("I don't know the street \u201c{name}\u201d in Poznań. Did you mean:").format(name=name[:60]),
            choices=[(street.label, f"street:{n}") for n, street in enumerate(suggestions)],
            reprompt=False,
        )
    raise Invalid(
        _("I couldn't find \u201c{text}\u201d among Poznań streets. Please check the name.").format(
            text=text[:60]
        )
    )


def _with_number(turn: Turn, street: str, numbers: str) -> dict[str, Any]:
    """Split "12/4", "12 m. 4" or "12a" into house and flat; without a house number, ask for it."""
    head, _sep, tail = numbers.strip().partition("/")
    house = head.split()[0].rstrip(",.") if head.split() else ""
    flat = tail.strip().split()[0].rstrip(",.") if tail.strip() else None
    if flat is None and (found := _FLAT.match(fold(head[len(house) :]))):
        flat = found.group(1)
    if not _HOUSE.match(fold(house)):
        turn.set_slot("_street", street)
        raise Invalid(
            _(
                "What is the house number on {street}? Add the flat number if there is one, for example 12/4."
            ).format(street=street),
            reprompt=False,
        )
    if flat is not None and not _HOUSE.match(fold(flat)):
        raise Invalid(
            _("Please write the flat number as a number, for example: {street} {house}/4.").format(
                street=street, house=house
            )
        )
    for scratch in ("_street", "_house", "_suggested"):
        turn.drop_slot(scratch)
    return {"street": street, "house_number": house, "flat_number": flat}
