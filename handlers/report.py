"""Reporting a problem: category, place (pin or address), nearby duplicates, description, photos.

Steps (asked only when not already known from the first message, the pin or the photo):

    category     buttons; guessed from the resident's words when possible
    location     a pin inside Poznań, or a street (and number) from the gazetteer, with suggestions
    follow       only when open reports of the category are nearby: follow one (+1) or file new
    description  10..2000 characters; the first message when it already describes the problem
    photos       up to REPORT_MAX_PHOTOS pictures, optional ("Done" / "Skip")
    confirm      summary; confirm, change one answer, or cancel
"""

from __future__ import annotations

from typing import Any

from bot.conversation import Answer, FormFlow, Invalid, Registry, Slot, Turn
from bot.domain import reports
from bot.domain.categories import BY_CODE, CATEGORIES, guess_category
from bot.domain.emergency import is_emergency
from bot.domain.geo import in_city
from bot.i18n import N_, _, ngettext
from nlu.gazetteer import default_gazetteer

FLOW = "report"
MIN_DESCRIPTION = 10
DEFAULT_MAX_PHOTOS = 5


# -- category ------------------------------------------------------------------------------------
def ask_category(turn: Turn, flow: FormFlow) -> None:
    """Which kind of problem: twelve big buttons, two per row."""
    buttons = [flow.button(turn, _(category.label), category.code) for category in CATEGORIES]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    turn.say(_("What kind of problem is it? Choose below."), buttons=rows)


async def parse_category(turn: Turn, answer: Answer) -> str:
    if answer.choice in BY_CODE:
        code = answer.choice
    elif answer.text and (guessed := guess_category(answer.text)) is not None:
        code = guessed.code
    else:
        raise Invalid(_("Please choose the kind of problem from the buttons."))
    if "location" in turn.slots:  # the place came first (a pin): look for duplicates of this kind there
        await _remember_duplicates(turn, code, turn.slots["location"])
    return code


# -- location ------------------------------------------------------------------------------------
def ask_location(turn: Turn, flow: FormFlow) -> None:
    """Where: a pin (one tap on the big button) or the address typed in."""
    turn.say(
        _(
            "Where is it? Tap \u201c📍 Send my location\u201d below, or type the street and number, "
            "for example: Głogowska 12."
        ),
        request_location=_("📍 Send my location"),
    )


async def parse_location(turn: Turn, answer: Answer) -> dict[str, Any]:
    """A pin inside the city, or a known street; nearby open reports are looked up on the way."""
    if answer.location is not None:
        place = _pin(turn, answer.location.latitude, answer.location.longitude)
    elif answer.choice and answer.choice.startswith("street:"):
        street = default_gazetteer().lookup(answer.choice.removeprefix("street:"))
        if street is None:
            raise Invalid(_("Please type the street again."))
        place = _address(street, turn.slots.get("_number"))
    elif answer.text:
        place = _typed_address(turn, answer.text)
    else:
        raise Invalid(_("Please send a pin or type the street and number."))
    await _remember_duplicates(turn, turn.slots.get("category", "other"), place)
    return place


def _pin(turn: Turn, latitude: float, longitude: float) -> dict[str, Any]:
    settings = turn.services.get("settings")
    boundary = getattr(settings, "city_boundary_file", None)
    if not in_city(latitude, longitude, str(boundary) if boundary else None):
        raise Invalid(
            _(
                "This place is outside Poznań. I can only pass on problems within the city. "
                "For other towns, please contact their offices."
            )
        )
    return {"lat": round(latitude, 6), "lon": round(longitude, 6)}


def _typed_address(turn: Turn, text: str) -> dict[str, Any]:
    gazetteer = default_gazetteer()
    matches = gazetteer.find_streets(text)
    if matches:
        match = matches[0]
        return _address(match.street, match.house_number)
    number = next((word for word in text.replace(",", " ").split() if word[:1].isdigit()), None)
    name = " ".join(word for word in text.replace(",", " ").split() if not word[:1].isdigit())
    suggestions = gazetteer.suggest(name, limit=3) if name else []
    if suggestions:
        turn.set_slot("_number", number)
        raise Invalid(
            _("I don't know the street \u201c{name}\u201d in Poznań. Did you mean:").format(name=name[:60]),
            choices=[(street.label, f"street:{street.label}"[:50]) for street in suggestions],
            reprompt=False,
        )
    raise Invalid(
        _(
            "I couldn't find \u201c{text}\u201d among Poznań streets. Please check the name or send a pin."
        ).format(text=text[:60])
    )


def _address(street: Any, number: str | None) -> dict[str, Any]:
    return {
        "street": street.label,
        "house_number": (number or "")[:16] or None,
        "osiedle": default_gazetteer().osiedle_of(street) or None,
    }


async def _remember_duplicates(turn: Turn, category: str, place: dict[str, Any]) -> None:
    found = await reports.open_duplicates(
        turn.session,
        category,
        latitude=place.get("lat"),
        longitude=place.get("lon"),
        street=place.get("street"),
        house_number=place.get("house_number"),
    )
    turn.set_slot("_duplicates", [report.ticket for report in found])


# -- follow an existing report -------------------------------------------------------------------
def has_duplicates(slots: dict[str, Any]) -> bool:
    return bool(slots.get("_duplicates"))


async def ask_follow(turn: Turn, flow: FormFlow) -> None:
    """Nearby open reports of the same kind: following one helps more than a second report."""
    lines = [_("There are already open reports of this kind here:")]
    buttons = []
    for ticket in turn.slots.get("_duplicates", []):
        report = await reports.by_ticket(turn.session, ticket)
        lines.append(f"• {reports.one_line(report)} · {reports.where(report)}")
        buttons.append([flow.button(turn, _("➕ Follow {ticket}").format(ticket=ticket), ticket)])
    lines.append(_("You can follow one of them and get its updates, or file a new report."))
    buttons.append([flow.button(turn, _("📝 File a new report"), "new")])
    turn.say("\n".join(lines), buttons=buttons)


def parse_follow(turn: Turn, answer: Answer) -> str:
    if answer.choice == "new" or answer.choice in turn.slots.get("_duplicates", []):
        return str(answer.choice)
    raise Invalid(_("Please choose one of the buttons below."))


def filing_new(slots: dict[str, Any]) -> bool:
    return slots.get("follow", "new") == "new"


# -- description ---------------------------------------------------------------------------------
def ask_description(turn: Turn, flow: FormFlow) -> None:
    turn.say(_("Please describe the problem in a few words."))


def parse_description(turn: Turn, answer: Answer) -> str:
    text = " ".join(answer.text.split())
    if answer.photos and not text:
        raise Invalid(_("Please describe the problem in words first; you can add photos in the next step."))
    if len(text) < MIN_DESCRIPTION:
        raise Invalid(
            _("Please write a little more, at least {count} characters.").format(count=MIN_DESCRIPTION)
        )
    if len(text) > reports.MAX_DESCRIPTION:
        raise Invalid(
            _("That is {length} characters; please shorten it to {limit}.").format(
                length=len(text), limit=reports.MAX_DESCRIPTION
            )
        )
    if is_emergency(text):
        call_112(turn)
        turn.leave()  # an emergency is not a form: nothing is filed
        raise Invalid("", reprompt=False)
    return text


# -- photos --------------------------------------------------------------------------------------
def max_photos(turn: Turn) -> int:
    return int(getattr(turn.services.get("settings"), "report_max_photos", DEFAULT_MAX_PHOTOS))


def wants_photos(slots: dict[str, Any]) -> bool:
    return filing_new(slots)


def ask_photos(turn: Turn, flow: FormFlow) -> None:
    have = len(turn.slots.get("_photos", []))
    limit = max_photos(turn)
    text = _("You can add up to {limit} photos: send them now, then tap Done. Photos are optional.").format(
        limit=limit
    )
    if have:
        text = ngettext("{count} photo added.", "{count} photos added.", have).format(count=have) + " " + text
    label = _("✅ Done") if have else _("⏭ Skip photos")
    turn.say(text, buttons=[[flow.button(turn, label, "done")]])


def parse_photos(turn: Turn, answer: Answer) -> list[str]:
    photos = list(turn.slots.get("_photos", []))
    limit = max_photos(turn)
    if answer.choice == "done":
        return photos
    if not answer.photos:
        raise Invalid(_("Please send a photo, or tap the button to go on."))
    photos.extend(answer.photos[: max(0, limit - len(photos))])
    turn.set_slot("_photos", photos)
    if len(photos) >= limit:
        return photos
    raise Invalid(
        ngettext(
            "Photo added ({count} of {limit}). Send another or tap Done.",
            "Photos added ({count} of {limit}). Send another or tap Done.",
            len(photos),
        ).format(count=len(photos), limit=limit),
        choices=[(_("✅ Done"), "done")],
        reprompt=False,
    )


# -- summary and filing --------------------------------------------------------------------------
def summary(turn: Turn, flow: FormFlow) -> str:
    slots = turn.slots
    if not filing_new(slots):
        return _("Follow report {ticket}? You will get its updates.").format(ticket=slots["follow"])
    place = slots["location"]
    where = (
        f"{place['street']} {place.get('house_number') or ''}".strip()
        if place.get("street")
        else _("pin at {lat:.5f}, {lon:.5f}").format(lat=place["lat"], lon=place["lon"])
    )
    description = slots["description"]
    short = description if len(description) <= 300 else description[:297] + "…"
    photos = len(slots.get("photos") or [])
    return "\n".join(
        (
            _("Please check your report:"),
            _("Kind: {category}").format(category=_(BY_CODE[slots["category"]].label)),
            _("Place: {where}").format(where=where),
            _("Description: {text}").format(text=short),
            ngettext("{count} photo", "{count} photos", photos).format(count=photos),
        )
    )


async def submit(turn: Turn, flow: FormFlow) -> None:
    slots = turn.slots
    menu = turn.registry.keyboard()
    if not filing_new(slots):
        followed = await reports.follow(turn.session, slots["follow"], turn.resident.id, now=turn.now)
        text = (
            _("Done: you follow {ticket}. I will tell you when its status changes.")
            if followed
            else _("You already get the updates of {ticket}.")
        )
        turn.say(text.format(ticket=slots["follow"]), menu=menu)
        return
    place = slots["location"]
    report = await reports.file_report(
        turn.session,
        reports.NewReport(
            resident_id=turn.resident.id,
            category=slots["category"],
            description=slots["description"],
            language=turn.lang,
            latitude=place.get("lat"),
            longitude=place.get("lon"),
            street=place.get("street"),
            house_number=place.get("house_number"),
            osiedle=place.get("osiedle"),
            photos=tuple(slots.get("photos") or ()),
        ),
        now=turn.now,
    )
    turn.say(
        _(
            "Thank you! Your report number is {ticket}. City staff will look at it; "
            "I will tell you when its status changes. You can check it any time in \u201c📂 My matters\u201d."
        ).format(ticket=report.ticket),
        menu=menu,
    )


REPORT = FormFlow(
    FLOW,
    [
        Slot("category", ask_category, parse_category, label=N_("Kind of problem")),
        Slot("location", ask_location, parse_location, label=N_("Place")),
        Slot("follow", ask_follow, parse_follow, required=has_duplicates),
        Slot("description", ask_description, parse_description, label=N_("Description"), required=filing_new),
        Slot("photos", ask_photos, parse_photos, label=N_("Photos"), required=wants_photos),
    ],
    submit=submit,
    summary=summary,
)


# -- entry points --------------------------------------------------------------------------------
def call_112(turn: Turn) -> None:
    turn.say(
        _(
            "🚨 If anyone is in danger, call the emergency number 112 now. "
            "For a fire you can also call 998 (fire brigade), for gas 992. "
            "This bot passes on problems to city offices and is not watched around the clock."
        ),
        menu=turn.registry.keyboard(),
    )


async def start_report(turn: Turn, _arg: str = "") -> None:
    """From the menu or /report: nothing known yet."""
    await REPORT.start(turn, {})


async def report_from_text(turn: Turn, _arg: str = "") -> None:
    """Free text like "na Głogowskiej 12 jest dziura": keep what it already says, ask the rest."""
    text = turn.text
    if is_emergency(text):
        call_112(turn)
        return
    values: dict[str, Any] = {}
    guessed = guess_category(text)
    if guessed is not None:
        values["category"] = guessed.code
    matches = default_gazetteer().find_streets(text)
    if matches:
        values["location"] = _address(matches[0].street, matches[0].house_number)
    if len(text) >= 15 and (guessed is not None or matches):
        values["description"] = " ".join(text.split())[: reports.MAX_DESCRIPTION]
    if "category" in values and "location" in values:
        await _remember_duplicates(turn, values["category"], values["location"])
        values["_duplicates"] = turn.slots.get("_duplicates", [])
    await REPORT.start(turn, {}, values=values)


async def report_from_pin(turn: Turn, _arg: str = "") -> None:
    """A pin sent outside any form starts a report at that place."""
    location = turn.inbound.location
    assert location is not None
    try:
        place = _pin(turn, location.latitude, location.longitude)
    except Invalid as invalid:
        turn.say(invalid.reason, menu=turn.registry.keyboard())
        return
    turn.say(_("Thank you for the location. Let's report a problem there."))
    await REPORT.start(turn, {}, values={"location": place})


async def report_from_photo(turn: Turn, _arg: str = "") -> None:
    """A photo sent outside any form starts a report with it (its caption as the description)."""
    values: dict[str, Any] = {"_photos": list(turn.inbound.photos)}
    caption = " ".join((turn.inbound.text or "").split())
    if caption and is_emergency(caption):
        call_112(turn)
        return
    if len(caption) >= MIN_DESCRIPTION:
        values["description"] = caption[: reports.MAX_DESCRIPTION]
        guessed = guess_category(caption)
        if guessed is not None:
            values["category"] = guessed.code
    turn.say(_("Thank you for the photo. Let's report the problem."))
    await REPORT.start(turn, {}, values=values)


def register(registry: Registry) -> None:
    registry.add_flow(REPORT)
    registry.add_menu_item("report", N_("📝 Report a problem"), start_report)
    registry.add_command("report", start_report, N_("report a problem"))
    registry.add_intent("report_problem", report_from_text, N_("Report a problem"))
    registry.on_location = report_from_pin
    registry.on_photo = report_from_photo
