"""The waste-fee declaration (DEK-ZAM): the bot prepares it with the resident, computes the fee,
stores it for staff and sends a PDF; the resident then files it through the city's e-services.

Steps (asked only when not already known, e.g. from a quote or the first message):

    reason         buttons: first declaration, change, correction
    applies_from   a date from 2022-01-01 (the city's own system) up to a year ahead
    filer_name     first name and surname
    identity       PESEL (checksum, date of birth) or NIP
    contact        a Polish phone number or an e-mail address
    address        a street from the gazetteer (with suggestions), house number, optional flat
    building_type  buttons: single-family house, up to 4 flats, more than 4 flats
    residents      1..99 (the NLU `people` entity)
    composting     yes/no, single-family houses only
    large_family   yes/no
    confirm        summary with the fee; confirm, change one answer, or cancel
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from bot.conversation import Attachment, Button, FormFlow, Invalid, Registry, Slot, Turn
from bot.conversation.payloads import global_payload
from bot.db.models import WasteDeclaration
from bot.domain import waste
from bot.domain.identity import mask_pesel
from bot.domain.waste_fee import COMPOSTING_BUILDINGS, Fee, monthly_fee
from bot.domain.waste_pdf import deadline_sentence, declaration_pdf, filing_steps, pdf_filename
from bot.i18n import N_, _, format_date, format_money, ngettext
from handlers import waste_quote
from handlers.waste_filer import (
    ask_address,
    ask_applies_from,
    ask_contact,
    ask_identity,
    ask_name,
    ask_reason,
    parse_address,
    parse_applies_from,
    parse_contact,
    parse_identity,
    parse_name,
    parse_reason,
    read_date,
    reason_from_text,
)
from handlers.waste_household import (
    ask_building,
    ask_composting,
    ask_large_family,
    ask_residents,
    composting_asked,
    fee_calculation,
    parse_building,
    parse_composting,
    parse_large_family,
    parse_residents,
)

FLOW = "waste"
LISTED = 8


# -- summary and submission ----------------------------------------------------------------------
def _fee(slots: dict[str, Any]) -> Fee:
    return monthly_fee(
        slots["residents"],
        slots["building_type"],
        composting=bool(slots.get("composting", False)),
        large_family=bool(slots.get("large_family", False)),
        on=date.fromisoformat(slots["applies_from"]),
    )


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def who_line(pesel: str | None, nip: str | None) -> str:
    """`PESEL: *******2345` (masked) or `NIP: 1234563218` (a business number is public)."""
    return f"PESEL: {mask_pesel(pesel)}" if pesel else f"NIP: {nip}"


def summary(turn: Turn, flow: FormFlow) -> str:
    slots = turn.slots
    applies_from = date.fromisoformat(slots["applies_from"])
    who, contact, place = slots["identity"], slots["contact"], slots["address"]
    fee = _fee(slots)
    lines = [
        _("Please check your declaration:"),
        _("Reason: {reason}").format(reason=_(waste.REASON_LABELS[slots["reason"]])),
        _("Applies from: {date}").format(date=format_date(applies_from)),
        _("Name: {name}").format(name=slots["filer_name"]),
        who_line(who.get("pesel"), who.get("nip")),
        _("Contact: {contact}").format(
            contact=", ".join(v for v in (contact["phone"], contact["email"]) if v)
        ),
        _("Address: {address}, Poznań").format(
            address=waste.address_line(place["street"], place["house_number"], place["flat_number"])
        ),
        _("Building: {building}").format(building=_(waste.BUILDING_LABELS[slots["building_type"]])),
        _("Residents: {count}").format(count=slots["residents"]),
    ]
    if slots["building_type"] in COMPOSTING_BUILDINGS:
        lines.append(_("Composting bio-waste: {answer}").format(answer=_yes_no(slots["composting"])))
    lines.append(_("Large Family Card: {answer}").format(answer=_yes_no(slots["large_family"])))
    lines.append("")
    lines.append(
        _("Fee: {monthly} a month ({yearly} a year).").format(
            monthly=format_money(fee.monthly), yearly=format_money(fee.yearly)
        )
    )
    lines += fee_calculation(fee)
    lines.append(deadline_sentence(slots["reason"], waste.filing_deadline(slots["reason"], applies_from)))
    return "\n".join(lines)


async def submit(turn: Turn, flow: FormFlow) -> None:
    """Store the declaration, then the fee, the deadline, the PDF and how to file it."""
    slots = turn.slots
    who, contact, place = slots["identity"], slots["contact"], slots["address"]
    new = waste.NewDeclaration(
        resident_id=turn.resident.id,
        reason=slots["reason"],
        applies_from=date.fromisoformat(slots["applies_from"]),
        filer_name=slots["filer_name"],
        pesel=who.get("pesel"),
        nip=who.get("nip"),
        phone=contact.get("phone"),
        email=contact.get("email"),
        street=place["street"],
        house_number=place["house_number"],
        flat_number=place.get("flat_number"),
        building_type=slots["building_type"],
        residents=slots["residents"],
        composting=bool(slots.get("composting", False)),
        large_family=bool(slots.get("large_family", False)),
    )
    try:
        prepared = await waste.prepare_declaration(turn.session, new, now=turn.now)
    except waste.DeclarationError:
        # The answers were checked one by one; only the passing of time (a date now out of range)
        # can get here, so the resident is asked to go through the form again.
        turn.say(
            _("Sorry, some answers no longer pass the checks (for example the date). Please start again."),
            menu=turn.registry.keyboard(),
        )
        return
    declaration, fee, deadline = prepared.declaration, prepared.fee, prepared.deadline
    lines = [
        _("Your declaration is prepared (no. {number}).").format(number=declaration.id),
        _("Fee: {monthly} a month ({yearly} a year).").format(
            monthly=format_money(fee.monthly), yearly=format_money(fee.yearly)
        ),
        deadline_sentence(declaration.reason, deadline),
    ]
    if deadline is not None and deadline < waste.city_today(turn.now):
        lines.append(_("This deadline has passed: please file the declaration as soon as possible."))
    lines.append(_("The PDF below is a copy prepared for your convenience, not a filed declaration."))
    reply = turn.say("\n".join(lines))
    reply.attachments.append(await _pdf(declaration, fee, deadline))
    turn.say(_("How to file it:") + "\n" + filing_steps(), menu=turn.registry.keyboard())


async def _pdf(declaration: WasteDeclaration, fee: Fee, deadline: date | None) -> Attachment:
    """Rendered in a worker thread: embedding the fonts takes a few hundred milliseconds of CPU that
    would otherwise stall every other resident's turn (the language travels with the context)."""
    data = await asyncio.to_thread(declaration_pdf, declaration, fee, deadline)
    return Attachment(pdf_filename(declaration), data, "application/pdf")


DECLARATION = FormFlow(
    FLOW,
    [
        Slot("reason", ask_reason, parse_reason, label=N_("Reason")),
        Slot("applies_from", ask_applies_from, parse_applies_from, label=N_("Date it applies from")),
        Slot("filer_name", ask_name, parse_name, label=N_("First name and surname")),
        Slot("identity", ask_identity, parse_identity, label=N_("PESEL or NIP")),
        Slot("contact", ask_contact, parse_contact, label=N_("Contact")),
        Slot("address", ask_address, parse_address, label=N_("Address")),
        Slot("building_type", ask_building, parse_building, label=N_("Building type")),
        Slot("residents", ask_residents, parse_residents, label=N_("Number of residents"), entity="people"),
        Slot(
            "composting", ask_composting, parse_composting, label=N_("Composting"), required=composting_asked
        ),
        Slot("large_family", ask_large_family, parse_large_family, label=N_("Large Family Card")),
    ],
    submit=submit,
    summary=summary,
)


# -- entry points --------------------------------------------------------------------------------
async def waste_hub(turn: Turn, _arg: str = "") -> None:
    """The menu entry: prepare the declaration, ask what it costs, or see earlier ones."""
    turn.say(
        _(
            "Waste-fee declaration (DEK-ZAM). I prepare it with you, compute the fee and give you a PDF; "
            "you then file it through the city's e-services with a trusted profile, or on paper "
            "(not by e-mail). What would you like to do?"
        ),
        buttons=[
            [Button(_("📝 Prepare the declaration"), global_payload("waste", "declare"))],
            [Button(_("🧮 How much will I pay?"), global_payload("waste", "quote"))],
            [Button(_("📂 My declarations"), global_payload("waste", "mine"))],
        ],
    )


async def hub_choice(turn: Turn, arg: str) -> None:
    if arg == "declare":
        await start_declaration(turn)
    elif arg == "quote":
        await waste_quote.start_quote(turn)
    elif arg == "mine":
        await my_declarations(turn)
    else:
        await waste_hub(turn)


def _intro(turn: Turn) -> None:
    turn.say(
        _(
            "Let's prepare your waste-fee declaration (DEK-ZAM): a few questions, then you check "
            "everything before anything is saved. You can stop at any time with /cancel."
        )
    )


async def start_declaration(turn: Turn, _arg: str = "", values: dict[str, Any] | None = None) -> None:
    _intro(turn)
    await DECLARATION.start(turn, {}, values=values)


async def declaration_from_quote(turn: Turn, arg: str) -> None:
    """ "Prepare the declaration" under a quote: its answers come along and are not asked again."""
    await start_declaration(turn, values=waste_quote.decode(arg))


async def waste_from_text(turn: Turn, _arg: str = "") -> None:
    """The `waste_declaration` intent: a question about money gets the amount, anything else the form."""
    parse = await turn.understand()
    text = turn.text or (parse.text if parse is not None else "")
    if waste_quote.asks_about_money(text):
        await waste_quote.quote_from_text(turn, text)
        return
    values = waste_quote.known_from_text(turn, text)
    reason = reason_from_text(text)
    if reason:
        values["reason"] = reason
    people = parse.entity("people") if parse is not None else None
    if isinstance(people, int) and 1 <= people <= 99:
        values["residents"] = people
    try:
        today = waste.city_today(turn.now)
        values["applies_from"] = waste.check_applies_from(
            await read_date(turn, text, today), today
        ).isoformat()
    except (Invalid, waste.DeclarationError):
        pass  # no usable date in the message: it is asked in its turn
    await start_declaration(turn, values=values)


# -- my declarations -----------------------------------------------------------------------------
async def my_declarations(turn: Turn, _arg: str = "") -> None:
    """The resident's prepared declarations, PESEL masked, each with its PDF one tap away."""
    total, latest = await waste.declarations_of(turn.session, turn.resident.id, limit=LISTED)
    if total == 0:
        turn.say(
            _("You have not prepared any waste declarations yet."),
            buttons=[[Button(_("📝 Prepare the declaration"), global_payload("waste", "declare"))]],
        )
        return
    lines = [
        ngettext(
            "You have prepared {count} waste declaration:",
            "You have prepared {count} waste declarations:",
            total,
        ).format(count=total)
    ]
    for declaration in latest:
        lines.append(
            "• "
            + _("No. {number} · from {date} · {address} · {fee} a month · {who}").format(
                number=declaration.id,
                date=format_date(declaration.applies_from, "medium"),
                address=waste.address_line(
                    declaration.street, declaration.house_number, declaration.flat_number
                ),
                fee=format_money(declaration.monthly_fee),
                who=who_line(declaration.pesel, declaration.nip),
            )
        )
    if total > len(latest):
        lines.append(_("(the {shown} newest are shown)").format(shown=len(latest)))
    buttons = [
        [Button(_("📄 PDF of no. {number}").format(number=d.id), global_payload("wastepdf", str(d.id)))]
        for d in latest
    ]
    turn.say("\n".join(lines), buttons=buttons)


async def send_pdf(turn: Turn, arg: str) -> None:
    """The PDF of one of the resident's own declarations again (ownership checked on every tap)."""
    declaration = (
        await waste.declaration_for(turn.session, int(arg), turn.resident.id) if arg.isdigit() else None
    )
    if declaration is None:
        turn.say(_("This button has expired. Here is the menu."), menu=turn.registry.keyboard())
        return
    reply = turn.say(
        _(
            "The PDF of declaration no. {number}: a copy prepared for your convenience, "
            "not a filed declaration."
        ).format(number=declaration.id)
    )
    reply.attachments.append(
        await _pdf(declaration, waste.fee_of(declaration), waste.deadline_of(declaration))
    )
    await turn.remind()


def register(registry: Registry) -> None:
    registry.add_flow(DECLARATION)
    registry.add_flow(waste_quote.QUOTE)
    registry.add_menu_item("waste", N_("♻️ Waste declaration"), waste_hub)
    registry.add_command("waste", waste_hub, N_("waste-fee declaration"))
    registry.add_action("waste", hub_choice)
    registry.add_action(waste_quote.PREFILL_ACTION, declaration_from_quote)
    registry.add_action("wastepdf", send_pdf)
    registry.add_intent("waste_declaration", waste_from_text, N_("Waste-fee declaration"))
