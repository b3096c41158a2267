"""The monthly waste fee: a rate per resident by building class, the composting discount and the
Large Family Card cap.

Rates come from a table with valid-from dates (`data/waste_rates.csv`), so when the city council
changes a rate the change is a new row, and a declaration is charged by the row valid on the day
it applies from. Money is Decimal throughout: a fee is what a resident pays, not a float.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

RATES_FILE = Path(__file__).resolve().parent / "data" / "waste_rates.csv"

BUILDING_TYPES = ("single_family", "multi_small", "multi_large")
# Single-family houses pay the rate of buildings with up to 4 flats.
RATE_CLASS = {
    "single_family": "up_to_4_flats",
    "multi_small": "up_to_4_flats",
    "multi_large": "over_4_flats",
}
RATE_CLASSES = frozenset(RATE_CLASS.values())
# Only a house can have its own composter for its own bio-waste; blocks of flats use the brown bin.
COMPOSTING_BUILDINGS = frozenset({"single_family"})
MIN_RESIDENTS = 1
MAX_RESIDENTS = 99
MONTHS_A_YEAR = 12
CENT = Decimal("0.01")


class FeeError(ValueError):
    """Inputs the fee rules do not allow. `problem` names which (building, residents, composting,
    no_rate) so a flow can explain it in the resident's language."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Rate:
    """One row of the rate table: what a resident of a building class pays from `valid_from` on."""

    valid_from: date
    rate_class: str
    per_resident: Decimal
    composting_discount: Decimal
    large_family_cap: int


class RateTable:
    """All rates with their valid-from dates; `rate_on` picks the one in force on a day."""

    def __init__(self, rates: Iterable[Rate]) -> None:
        self.rates = tuple(sorted(rates, key=lambda rate: (rate.rate_class, rate.valid_from)))
        for rate in self.rates:
            _check_rate(rate)

    def rate_on(self, day: date, building_type: str) -> Rate:
        """The rate of the building's class valid on `day` (the latest row not after it)."""
        rate_class = _rate_class(building_type)
        found = None
        for rate in self.rates:
            if rate.rate_class == rate_class and rate.valid_from <= day:
                found = rate
        if found is None:
            raise FeeError("no_rate", f"no {rate_class} rate valid on {day.isoformat()}")
        return found

    @classmethod
    def from_csv(cls, path: Path) -> RateTable:
        """Read the table; lines starting with # are comments for whoever edits the file."""
        with path.open(encoding="utf-8", newline="") as fp:
            lines = [line for line in fp if line.strip() and not line.lstrip().startswith("#")]
        rates = []
        for number, row in enumerate(csv.DictReader(lines), start=2):
            try:
                rates.append(
                    Rate(
                        valid_from=date.fromisoformat(row["valid_from"].strip()),
                        rate_class=row["rate_class"].strip(),
                        per_resident=Decimal(row["per_resident"].strip()),
                        composting_discount=Decimal(row["composting_discount"].strip()),
                        large_family_cap=int(row["large_family_cap"].strip()),
                    )
                )
            except (KeyError, ValueError, InvalidOperation, AttributeError) as error:
                raise ValueError(f"{path}: data row {number - 1} is not a valid rate: {error}") from error
        return cls(rates)


@cache
def default_rates() -> RateTable:
    """The shipped table, read once per process."""
    return RateTable.from_csv(RATES_FILE)


def rate_on(day: date, building_type: str, rates: RateTable | None = None) -> Rate:
    return (rates or default_rates()).rate_on(day, building_type)


@dataclass(frozen=True, slots=True)
class Fee:
    """A computed fee with the figures behind it, so a summary can show the calculation."""

    residents: int
    charged: int
    per_resident: Decimal
    discount: Decimal
    monthly: Decimal
    rate_valid_from: date
    large_family_cap: int

    @property
    def rate_per_resident(self) -> Decimal:
        """What one charged resident pays a month, after the composting discount."""
        return self.per_resident - self.discount

    @property
    def yearly(self) -> Decimal:
        return (self.monthly * MONTHS_A_YEAR).quantize(CENT)

    @property
    def capped(self) -> bool:
        """True when the Large Family Card left some residents uncharged."""
        return self.charged < self.residents


def monthly_fee(
    residents: int,
    building_type: str,
    *,
    composting: bool,
    large_family: bool,
    on: date,
    rates: RateTable | None = None,
) -> Fee:
    """Fee per month = charged residents × (rate − composting discount).

    Charged residents are all residents, or at most the table's cap with a Large Family Card.
    """
    if not MIN_RESIDENTS <= residents <= MAX_RESIDENTS:
        raise FeeError("residents", f"residents must be {MIN_RESIDENTS}..{MAX_RESIDENTS}")
    if composting and building_type not in COMPOSTING_BUILDINGS:
        raise FeeError("composting", "the composting discount is for single-family houses only")
    rate = rate_on(on, building_type, rates)
    charged = min(residents, rate.large_family_cap) if large_family else residents
    discount = rate.composting_discount if composting else Decimal("0.00")
    monthly = (charged * (rate.per_resident - discount)).quantize(CENT)
    return Fee(
        residents=residents,
        charged=charged,
        per_resident=rate.per_resident,
        discount=discount,
        monthly=monthly,
        rate_valid_from=rate.valid_from,
        large_family_cap=rate.large_family_cap,
    )


def _rate_class(building_type: str) -> str:
    try:
        return RATE_CLASS[building_type]
    except KeyError:
        raise FeeError("building", f"unknown building type {building_type!r}") from None


def _check_rate(rate: Rate) -> None:
    """A wrong row would charge every resident wrongly, so the table is refused at load time."""
    if rate.rate_class not in RATE_CLASSES:
        raise ValueError(f"unknown rate class {rate.rate_class!r}; expected one of {sorted(RATE_CLASSES)}")
    if rate.per_resident <= 0:
        raise ValueError(f"rate per resident must be positive, got {rate.per_resident}")
    if not 0 <= rate.composting_discount < rate.per_resident:
        raise ValueError(
            f"composting discount {rate.composting_discount} must be 0 or more and below the rate"
        )
    if rate.large_family_cap < 1:
        raise ValueError(f"large family cap must be at least 1, got {rate.large_family_cap}")
