"""Waste-fee declarations (DEK-ZAM): which dates are plausible, the filing deadline, and storing a
prepared declaration with its fee for staff.

The bot prepares the declaration; the resident files it through the city's e-services. A stored
row is the bot's record of what was prepared, with the fee and rate it was computed from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import WasteDeclaration
from bot.domain import audit
from bot.domain.identity import (
    IdentityError,
    check_email,
    check_name,
    check_nip,
    check_pesel,
    mask_pesel,
    normalise_phone,
)
from bot.domain.waste_fee import BUILDING_TYPES, Fee, FeeError, RateTable, monthly_fee
from bot.i18n import N_, to_city_time

REASONS = ("first", "change", "correction")
REASON_LABELS = {
    "first": N_("First declaration"),
    "change": N_("Change of data"),
    "correction": N_("Correction"),
}
BUILDING_LABELS = {
    "single_family": N_("single-family house"),
    "multi_small": N_("multi-flat building, up to 4 flats"),
    "multi_large": N_("multi-flat building, more than 4 flats"),
}
# Poznań has run its own waste system since 1 January 2022; declarations before it went elsewhere.
SYSTEM_START = date(2022, 1, 1)
# A first declaration is due 14 days after the first resident moves in.
FIRST_DECLARATION_DAYS = 14
# A change is due by the 10th of the month after the month of the change.
CHANGE_DEADLINE_DAY = 10
MAX_HOUSE_NUMBER = 16


class DeclarationError(ValueError):
    """A declaration the rules refuse; `problem` names the rule (too_early, too_late, identity, ...)."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem


def city_today(now: datetime) -> date:
    return to_city_time(now).date()


def latest_applies_from(today: date) -> date:
    """One year ahead: further than that is a typo, not a plan (29 February maps to the 28th)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def check_applies_from(day: date, today: date) -> date:
    """The day a declaration applies from must fall between the system's start and a year ahead."""
    if day < SYSTEM_START:
        raise DeclarationError("too_early", f"applies_from before {SYSTEM_START.isoformat()}")
    if day > latest_applies_from(today):
        raise DeclarationError("too_late", "applies_from more than a year ahead")
    return day


def filing_deadline(reason: str, applies_from: date) -> date | None:
    """When the declaration is due: 14 days after moving in (first), the 10th of the next month
    (change), or never for a correction, which can be filed at any time."""
    if reason == "first":
        return applies_from + timedelta(days=FIRST_DECLARATION_DAYS)
    if reason == "change":
        year, month = (
            (applies_from.year + 1, 1)
            if applies_from.month == 12
            else (applies_from.year, applies_from.month + 1)
        )
        return date(year, month, CHANGE_DEADLINE_DAY)
    if reason == "correction":
        return None
    raise DeclarationError("reason", f"unknown reason {reason!r}")


def deadline_of(declaration: WasteDeclaration) -> date | None:
    """The deadline to show. A correction has none; its row keeps the day it was prepared in
    `deadline` only because the column may not be empty."""
    return None if declaration.reason == "correction" else declaration.deadline


@dataclass(frozen=True, slots=True)
class NewDeclaration:
    """What the resident answered; `pesel` or `nip` (exactly one), `phone` or `email` (at least one)."""

    resident_id: int | None
    reason: str
    applies_from: date
    filer_name: str
    street: str
    house_number: str
    building_type: str
    residents: int
    pesel: str | None = None
    nip: str | None = None
    phone: str | None = None
    email: str | None = None
    flat_number: str | None = None
    composting: bool = False
    large_family: bool = False


@dataclass(frozen=True, slots=True)
class PreparedDeclaration:
    declaration: WasteDeclaration
    fee: Fee
    deadline: date | None


async def prepare_declaration(
    session: AsyncSession, new: NewDeclaration, *, now: datetime, rates: RateTable | None = None
) -> PreparedDeclaration:
    """Check the answers once more, compute the fee on the rate valid on `applies_from`, and store it.

    Every refusal is a DeclarationError naming the rule. The audit entry names the declaration and
    its figures, never the PESEL, NIP or name.
    """
    today = city_today(now)
    try:
        _check(new, today)
        fee = monthly_fee(
            new.residents,
            new.building_type,
            composting=new.composting,
            large_family=new.large_family,
            on=new.applies_from,
            rates=rates,
        )
    except IdentityError as error:
        raise DeclarationError(error.kind, str(error)) from None
    except FeeError as error:
        raise DeclarationError(error.problem, str(error)) from None
    deadline = filing_deadline(new.reason, new.applies_from)
    declaration = WasteDeclaration(
        resident_id=new.resident_id,
        reason=new.reason,
        applies_from=new.applies_from,
        filer_name=new.filer_name,
        pesel=new.pesel,
        nip=new.nip,
        phone=new.phone,
        email=new.email,
        street=new.street,
        house_number=new.house_number,
        flat_number=new.flat_number or None,
        building_type=new.building_type,
        residents=new.residents,
        composting=new.composting,
        large_family=new.large_family,
        monthly_fee=fee.monthly,
        rate_valid_from=fee.rate_valid_from,
        deadline=deadline or today,
        created_at=now,
    )
    session.add(declaration)
    try:
        await session.flush()
    except StatementError as error:
        # The statement's parameters carry the PESEL: a failed insert must not print it into a log.
        error.hide_parameters = True
        raise
    actor = f"resident:{new.resident_id}" if new.resident_id is not None else "resident:?"
    await audit.record(
        session,
        actor,
        "waste.declaration_prepared",
        target_of(declaration),
        details={
            "reason": new.reason,
            "applies_from": new.applies_from.isoformat(),
            "building_type": new.building_type,
            "residents": new.residents,
            "composting": new.composting,
            "large_family": new.large_family,
            "monthly_fee": str(fee.monthly),
            "rate_valid_from": fee.rate_valid_from.isoformat(),
        },
        at=now,
    )
    return PreparedDeclaration(declaration, fee, deadline)


def _check(new: NewDeclaration, today: date) -> None:
    if new.reason not in REASONS:
        raise DeclarationError("reason", f"unknown reason {new.reason!r}")
    if new.building_type not in BUILDING_TYPES:
        raise DeclarationError("building", f"unknown building type {new.building_type!r}")
    check_applies_from(new.applies_from, today)
    check_name(new.filer_name)
    if (new.pesel is None) == (new.nip is None):
        raise DeclarationError("identity", "give exactly one of PESEL and NIP")
    if new.pesel is not None:
        check_pesel(new.pesel, today=today)
    if new.nip is not None:
        check_nip(new.nip)
    if not new.phone and not new.email:
        raise DeclarationError("contact", "give a phone number or an e-mail address")
    if new.phone:
        normalise_phone(new.phone)
    if new.email:
        check_email(new.email)
    if not new.street.strip() or not new.house_number.strip() or len(new.house_number) > MAX_HOUSE_NUMBER:
        raise DeclarationError("address", "street and house number are required")


def target_of(declaration: WasteDeclaration) -> str:
    return f"waste:{declaration.id}"


def fee_of(declaration: WasteDeclaration, rates: RateTable | None = None) -> Fee:
    """The fee's figures for a stored declaration, from the rate it was computed with."""
    return monthly_fee(
        declaration.residents,
        declaration.building_type,
        composting=declaration.composting,
        large_family=declaration.large_family,
        on=declaration.rate_valid_from,
        rates=rates,
    )


async def declarations_of(
    session: AsyncSession, resident_id: int, limit: int = 10
) -> tuple[int, list[WasteDeclaration]]:
    """How many declarations the resident prepared, and the most recent ones."""
    mine = WasteDeclaration.resident_id == resident_id
    total = await session.scalar(select(func.count()).select_from(WasteDeclaration).where(mine)) or 0
    query = select(WasteDeclaration).where(mine).order_by(WasteDeclaration.id.desc()).limit(limit)
    return int(total), list((await session.execute(query)).scalars())


async def declaration_for(
    session: AsyncSession, declaration_id: int, resident_id: int
) -> WasteDeclaration | None:
    """The declaration if this resident prepared it; None otherwise (no hint that it exists)."""
    declaration = await session.get(WasteDeclaration, declaration_id)
    if declaration is None or declaration.resident_id != resident_id:
        return None
    return declaration


async def recent_declarations(session: AsyncSession, limit: int = 50) -> list[dict[str, Any]]:
    """Declarations for staff tools, newest first, PESEL masked."""
    query = select(WasteDeclaration).order_by(WasteDeclaration.id.desc()).limit(limit)
    return [staff_record(row) for row in (await session.execute(query)).scalars()]


def staff_record(declaration: WasteDeclaration) -> dict[str, Any]:
    """One declaration as staff see it: every field, the PESEL masked."""
    deadline = deadline_of(declaration)
    return {
        "id": declaration.id,
        "resident_id": declaration.resident_id,
        "reason": declaration.reason,
        "applies_from": declaration.applies_from.isoformat(),
        "filer_name": declaration.filer_name,
        "pesel": mask_pesel(declaration.pesel) if declaration.pesel else None,
        "nip": declaration.nip,
        "phone": declaration.phone,
        "email": declaration.email,
        "address": address_line(declaration.street, declaration.house_number, declaration.flat_number),
        "building_type": declaration.building_type,
        "residents": declaration.residents,
        "composting": declaration.composting,
        "large_family": declaration.large_family,
        "monthly_fee": str(declaration.monthly_fee),
        "rate_valid_from": declaration.rate_valid_from.isoformat(),
        "deadline": deadline.isoformat() if deadline else None,
        "created_at": declaration.created_at.isoformat(),
    }


def address_line(street: str, house_number: str, flat_number: str | None) -> str:
    """`Głogowska 12/4` (the usual Polish way to write house and flat)."""
    number = f"{house_number}/{flat_number}" if flat_number else house_number
    return f"{street} {number}".strip()
