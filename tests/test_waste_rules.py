"""Waste-fee rules without a bot: the fee table, rates by date, PESEL, NIP, contact, deadlines."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import identity, waste
from bot.domain.waste_fee import (
    BUILDING_TYPES,
    FeeError,
    Rate,
    RateTable,
    default_rates,
    monthly_fee,
    rate_on,
)

TODAY = date(2026, 11, 29)
DAY = date(2026, 12, 1)
RATE = {"single_family": Decimal("28.00"), "multi_small": Decimal("28.00"), "multi_large": Decimal("25.00")}


def fee(residents, building="single_family", composting=False, large_family=False, on=DAY, rates=None):
    return monthly_fee(
        residents, building, composting=composting, large_family=large_family, on=on, rates=rates
    )


# -- the fee -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("residents", "building", "composting", "large_family", "monthly", "yearly"),
    [
        (1, "single_family", False, False, "28.00", "336.00"),
        (4, "single_family", False, False, "112.00", "1344.00"),
        (4, "single_family", True, False, "104.00", "1248.00"),
        (5, "single_family", True, True, "130.00", "1560.00"),  # the cap is not reached
        (6, "single_family", True, True, "130.00", "1560.00"),  # 5 of 6 charged
        (7, "single_family", False, True, "140.00", "1680.00"),
        (7, "single_family", False, False, "196.00", "2352.00"),
        (3, "multi_small", False, False, "84.00", "1008.00"),
        (6, "multi_small", False, True, "140.00", "1680.00"),
        (5, "multi_large", False, False, "125.00", "1500.00"),
        (8, "multi_large", False, True, "125.00", "1500.00"),
        (99, "multi_large", False, False, "2475.00", "29700.00"),
        (99, "single_family", True, True, "130.00", "1560.00"),
    ],
)
def test_fee_table(residents, building, composting, large_family, monthly, yearly):
    computed = fee(residents, building, composting, large_family)
    assert (computed.monthly, computed.yearly) == (Decimal(monthly), Decimal(yearly))
    assert computed.rate_valid_from == date(2022, 1, 1)


@pytest.mark.parametrize(
    ("building", "composting", "large_family", "residents"),
    list(itertools.product(BUILDING_TYPES, (False, True), (False, True), (1, 2, 4, 5, 6, 7, 10, 99))),
)
def test_every_combination_follows_the_rule(building, composting, large_family, residents):
    """28 zł up to 4 flats (houses too), 25 zł above; 2 zł less composting (houses only); card: ≤ 5."""
    if composting and building != "single_family":
        with pytest.raises(FeeError) as refused:
            fee(residents, building, composting, large_family)
        assert refused.value.problem == "composting"
        return
    charged = min(residents, 5) if large_family else residents
    expected = charged * (RATE[building] - (Decimal(2) if composting else 0))
    computed = fee(residents, building, composting, large_family)
    assert computed.monthly == expected and computed.charged == charged
    assert computed.yearly == expected * 12


@given(
    residents=st.integers(1, 99),
    building=st.sampled_from(BUILDING_TYPES),
    composting=st.booleans(),
    large_family=st.booleans(),
    day=st.dates(date(2022, 1, 1), date(2030, 12, 31)),
)
def test_fee_is_charged_residents_times_the_rate(residents, building, composting, large_family, day):
    composting = composting and building == "single_family"
    computed = fee(residents, building, composting, large_family, on=day)
    assert computed.monthly == computed.charged * computed.rate_per_resident
    assert computed.charged == (min(residents, computed.large_family_cap) if large_family else residents)
    assert 0 < computed.monthly <= residents * computed.per_resident
    assert computed.monthly.as_tuple().exponent == -2  # money, to the grosz


@pytest.mark.parametrize("residents", [0, -1, 100, 500])
def test_residents_outside_1_to_99_are_refused(residents):
    with pytest.raises(FeeError) as refused:
        fee(residents)
    assert refused.value.problem == "residents"


def test_unknown_building_and_days_before_any_rate_are_refused():
    with pytest.raises(FeeError):
        fee(2, "castle")
    with pytest.raises(FeeError) as refused:
        fee(2, on=date(2021, 12, 31))
    assert refused.value.problem == "no_rate"


# -- rates are data --------------------------------------------------------------------------------
RISE = date(2027, 1, 1)


def table_with_a_rise() -> RateTable:
    """The shipped rows plus a later rise: 30 zł / 27 zł, 3 zł composting discount, cap 4."""
    later = [
        Rate(RISE, "up_to_4_flats", Decimal("30.00"), Decimal("3.00"), 4),
        Rate(RISE, "over_4_flats", Decimal("27.00"), Decimal("3.00"), 4),
    ]
    return RateTable([*default_rates().rates, *later])


@pytest.mark.parametrize(
    ("day", "building", "composting", "large_family", "residents", "monthly", "valid_from"),
    [
        (RISE - timedelta(days=1), "single_family", True, False, 4, "104.00", date(2022, 1, 1)),
        (RISE, "single_family", True, False, 4, "108.00", RISE),
        (RISE - timedelta(days=1), "multi_large", False, True, 6, "125.00", date(2022, 1, 1)),
        (RISE, "multi_large", False, True, 6, "108.00", RISE),
        (date(2028, 6, 1), "multi_small", False, False, 2, "60.00", RISE),
    ],
)
def test_a_later_rate_row_changes_the_fee_only_from_its_date(
    day, building, composting, large_family, residents, monthly, valid_from
):
    computed = fee(residents, building, composting, large_family, on=day, rates=table_with_a_rise())
    assert (computed.monthly, computed.rate_valid_from) == (Decimal(monthly), valid_from)


def test_the_shipped_rate_file_is_read_with_its_comments(tmp_path: Path):
    assert rate_on(DAY, "single_family") == Rate(
        date(2022, 1, 1), "up_to_4_flats", Decimal("28.00"), Decimal("2.00"), 5
    )
    assert rate_on(DAY, "multi_large").per_resident == Decimal("25.00")
    bad = tmp_path / "rates.csv"
    bad.write_text("# comment\nvalid_from,rate_class,per_resident,composting_discount,large_family_cap\n"
                   "2022-01-01,up_to_4_flats,abc,2.00,5\n")  # fmt: skip
    with pytest.raises(ValueError, match="data row 1"):
        RateTable.from_csv(bad)
    bad.write_text("valid_from,rate_class,per_resident,composting_discount,large_family_cap\n"
                   "2022-01-01,castles,28.00,2.00,5\n")  # fmt: skip
    with pytest.raises(ValueError, match="unknown rate class"):
        RateTable.from_csv(bad)


# -- PESEL ---------------------------------------------------------------------------------------
def make_pesel(born: date, serial: int) -> str:
    """A valid PESEL for a birth date (the century encoded in the month) and a 4-digit serial."""
    offset = {18: 80, 19: 0, 20: 20, 21: 40, 22: 60}[born.year // 100]
    first_ten = f"{born.year % 100:02d}{born.month + offset:02d}{born.day:02d}{serial:04d}"
    return first_ten + str(identity.pesel_check_digit(first_ten))


def with_check(first_ten: str) -> str:
    return first_ten + str(identity.pesel_check_digit(first_ten))


pesels = st.builds(make_pesel, st.dates(date(1800, 1, 1), TODAY), st.integers(0, 9999))


@given(pesels)
def test_every_valid_pesel_is_accepted_with_its_birth_date(pesel):
    assert identity.check_pesel(pesel, today=TODAY) == pesel
    assert identity.pesel_birth_date(pesel) <= TODAY


@given(pesels, st.integers(0, 10), st.integers(1, 9))
def test_any_single_digit_change_is_rejected(pesel, position, delta):
    changed = pesel[:position] + str((int(pesel[position]) + delta) % 10) + pesel[position + 1 :]
    with pytest.raises(identity.InvalidPesel):
        identity.check_pesel(changed, today=TODAY)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("44051401359", None),
        ("440 514 013 59", None),
        ("02270803624", None),  # born 8 July 2002: month + 20
        ("90010112345", "checksum"),
        ("4405140135", "format"),
        ("4405140135a", "format"),
        (with_check("4405320135"), "birth_date"),  # 32 May
        (with_check("4413300135"), "birth_date"),  # month 13
        (with_check("0102290135"), "birth_date"),  # 29 February 1901
        (with_check("2641300135"), "future"),  # born 30 January 2126
    ],
)
def test_pesel_table(text, problem):
    if problem is None:
        assert identity.check_pesel(text, today=TODAY) == text.replace(" ", "")
        return
    with pytest.raises(identity.InvalidPesel) as refused:
        identity.check_pesel(text, today=TODAY)
    assert refused.value.problem == problem
    assert text not in str(refused.value)  # an error never carries the number


def test_birth_dates_in_every_century():
    assert identity.pesel_birth_date(make_pesel(date(1899, 12, 31), 1)) == date(1899, 12, 31)
    assert identity.pesel_birth_date(make_pesel(date(2004, 2, 29), 1)) == date(2004, 2, 29)
    assert identity.pesel_birth_date("00410100000") == date(2100, 1, 1)
    assert identity.pesel_birth_date("00610100000") == date(2200, 1, 1)


def test_pesel_is_masked_to_the_last_four_digits():
    assert identity.mask_pesel("90010112345") == "*******2345"
    assert identity.mask_pesel("44051401359") == "*******1359"


# -- NIP, phone, e-mail, name --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234563218", "1234563218"),
        ("123-456-32-18", "1234563218"),
        ("PL 1234563218", "1234563218"),
        ("1234563219", "checksum"),
        ("123456321", "format"),
    ],
)
def test_nip_table(text, expected):
    if expected.isdigit():
        assert identity.check_nip(text) == expected
        return
    with pytest.raises(identity.InvalidNip) as refused:
        identity.check_nip(text)
    assert refused.value.problem == expected


@given(st.lists(st.integers(0, 9), min_size=9, max_size=9), st.integers(0, 9), st.integers(1, 9))
def test_nip_accepts_its_check_digit_and_rejects_any_single_digit_change(digits, position, delta):
    first_nine = "".join(map(str, digits))
    check = identity.nip_check_digit(first_nine)
    if check is None:
        return
    nip = first_nine + str(check)
    assert identity.check_nip(nip) == nip
    changed = nip[:position] + str((int(nip[position]) + delta) % 10) + nip[position + 1 :]
    with pytest.raises(identity.InvalidNip):
        identity.check_nip(changed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("600 100 200", "+48600100200"),
        ("+48 600-100-200", "+48600100200"),
        ("0048600100200", "+48600100200"),
        ("48600100200", "+48600100200"),
        ("(61) 878 54 00", "+48618785400"),
        ("060010020", None),
        ("60010020", None),
        ("+49 30 1234567", None),
    ],
)
def test_polish_phone_numbers_are_normalised(text, expected):
    if expected:
        assert identity.normalise_phone(text) == expected
    else:
        with pytest.raises(identity.InvalidPhone):
            identity.normalise_phone(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("jan@example.com", "jan@example.com"), ("Jan.K@Example.PL", "Jan.K@example.pl"),
     ("jan@", None), ("jan@example", None), ("j an@example.com", None)],
)  # fmt: skip
def test_email_addresses(text, expected):
    if expected:
        assert identity.check_email(text) == expected
    else:
        with pytest.raises(identity.InvalidEmail):
            identity.check_email(text)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("Anna  Nowak", None), ("Anna Maria Nowak-Kowalska", None), ("Anna", "short"), ("12 34", "characters"),
     ("A " * 81, "long")],
)  # fmt: skip
def test_names(text, problem):
    if problem is None:
        assert identity.check_name(text) == " ".join(text.split())
        return
    with pytest.raises(identity.InvalidName) as refused:
        identity.check_name(text)
    assert refused.value.problem == problem


# -- deadlines and dates -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reason", "applies_from", "deadline"),
    [
        ("first", date(2026, 12, 1), date(2026, 12, 15)),
        ("first", date(2026, 12, 25), date(2027, 1, 8)),
        ("change", date(2026, 11, 10), date(2026, 12, 10)),
        ("change", date(2026, 12, 5), date(2027, 1, 10)),
        ("change", date(2026, 1, 31), date(2026, 2, 10)),
        ("correction", date(2026, 12, 1), None),
    ],
)
def test_deadlines(reason, applies_from, deadline):
    assert waste.filing_deadline(reason, applies_from) == deadline


@pytest.mark.parametrize(
    ("day", "problem"),
    [
        (date(2021, 12, 31), "too_early"),
        (date(2022, 1, 1), None),
        (TODAY, None),
        (date(2027, 11, 29), None),
        (date(2027, 11, 30), "too_late"),
    ],
)
def test_applies_from_window_is_the_systems_start_to_a_year_ahead(day, problem):
    if problem is None:
        assert waste.check_applies_from(day, TODAY) == day
        return
    with pytest.raises(waste.DeclarationError) as refused:
        waste.check_applies_from(day, TODAY)
    assert refused.value.problem == problem


def test_a_year_ahead_of_a_leap_day_is_the_28th_of_february():
    assert waste.latest_applies_from(date(2028, 2, 29)) == date(2029, 2, 28)


def test_address_line():
    assert waste.address_line("Głogowska", "12", "4") == "Głogowska 12/4"
    assert waste.address_line("Głogowska", "12a", None) == "Głogowska 12a"
