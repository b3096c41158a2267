"""Who files a declaration and how to reach them: PESEL, NIP, Polish phone numbers, e-mail, names.

Each check returns the normalised value or raises an error naming the problem (never the number
itself, so an error message or a traceback cannot leak a PESEL).
"""

from __future__ import annotations

import re
from datetime import date

PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
# PESEL encodes the century in the month: +80 for the 1800s, +0 1900s, +20 2000s, +40 2100s, +60 2200s.
CENTURY_BY_MONTH_OFFSET = {80: 1800, 0: 1900, 20: 2000, 40: 2100, 60: 2200}
MAX_NAME = 160
MAX_EMAIL = 254

_SEPARATORS = re.compile(r"[\s\-./()]")
_EMAIL = re.compile(r"^[^@\s,;:<>()\[\]\"']+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")
_NAME_CHARS = re.compile(r"^[^\W_][\w .,'’&\"„”-]*$")


class IdentityError(ValueError):
    """A number or address that cannot be right; `problem` says why (format, checksum, ...)."""

    kind = "identity"

    def __init__(self, problem: str) -> None:
        super().__init__(f"{self.kind}: {problem}")
        self.problem = problem


class InvalidPesel(IdentityError):
    """Problems: format (not 11 digits), checksum, birth_date (no such day), future (born later)."""

    kind = "pesel"


class InvalidNip(IdentityError):
    """Problems: format (not 10 digits), checksum."""

    kind = "nip"


class InvalidPhone(IdentityError):
    """Problems: format (not a Polish number)."""

    kind = "phone"


class InvalidEmail(IdentityError):
    kind = "email"


class InvalidName(IdentityError):
    """Problems: short (fewer than two words), long, characters."""

    kind = "name"


def digits_only(text: str) -> str:
    """The number as typed without spaces, dashes, dots or brackets ("900 101 123-45")."""
    return _SEPARATORS.sub("", text)


# -- PESEL ---------------------------------------------------------------------------------------
def pesel_check_digit(first_ten: str) -> int:
    return (10 - sum(w * int(d) for w, d in zip(PESEL_WEIGHTS, first_ten, strict=True)) % 10) % 10


def pesel_birth_date(pesel: str) -> date:
    """The date of birth a PESEL encodes; ValueError when it names no real day."""
    year, month, day = int(pesel[0:2]), int(pesel[2:4]), int(pesel[4:6])
    offset = (month // 20) * 20
    if offset not in CENTURY_BY_MONTH_OFFSET:
        raise ValueError("month out of range")
    return date(CENTURY_BY_MONTH_OFFSET[offset] + year, month - offset, day)


def check_pesel(text: str, *, today: date) -> str:
    """The 11 digits of a valid PESEL: check digit right, a real date of birth not after `today`."""
    pesel = digits_only(text)
    if len(pesel) != 11 or not pesel.isascii() or not pesel.isdigit():
        raise InvalidPesel("format")
    if pesel_check_digit(pesel[:10]) != int(pesel[10]):
        raise InvalidPesel("checksum")
    try:
        born = pesel_birth_date(pesel)
    except ValueError:
        raise InvalidPesel("birth_date") from None
    if born > today:
        raise InvalidPesel("future")
    return pesel


def mask_pesel(pesel: str) -> str:
    """`*******2345`: enough to recognise one's own number, without the date of birth."""
    return "*" * (len(pesel) - 4) + pesel[-4:] if len(pesel) > 4 else "*" * len(pesel)


# -- NIP -----------------------------------------------------------------------------------------
def nip_check_digit(first_nine: str) -> int | None:
    """The check digit, or None when the sum gives 10 (no valid NIP starts with these nine digits)."""
    remainder = sum(w * int(d) for w, d in zip(NIP_WEIGHTS, first_nine, strict=True)) % 11
    return None if remainder == 10 else remainder


def check_nip(text: str) -> str:
    """The 10 digits of a valid NIP ("PL 123-456-32-18" is fine)."""
    nip = digits_only(text.strip())
    if nip[:2].upper() == "PL":
        nip = nip[2:]
    if len(nip) != 10 or not nip.isascii() or not nip.isdigit():
        raise InvalidNip("format")
    if nip_check_digit(nip[:9]) != int(nip[9]):
        raise InvalidNip("checksum")
    return nip


# -- contact -------------------------------------------------------------------------------------
def normalise_phone(text: str) -> str:
    """A Polish number as +48XXXXXXXXX: "600 100 200", "+48 600-100-200", "0048600100200", "(61) 878 …"."""
    raw = digits_only(text)
    if raw.startswith("+48"):
        national = raw[3:]
    elif raw.startswith("0048"):
        national = raw[4:]
    elif raw.startswith("48") and len(raw) == 11:
        national = raw[2:]
    else:
        national = raw
    if len(national) != 9 or not national.isascii() or not national.isdigit() or national[0] == "0":
        raise InvalidPhone("format")
    return "+48" + national


def check_email(text: str) -> str:
    """A plausible address (something@domain.tld); the domain is lower-cased."""
    address = text.strip().strip("<>").rstrip(".,;")
    local, at, domain = address.rpartition("@")
    address = f"{local}{at}{domain.lower()}"
    if len(address) > MAX_EMAIL or not _EMAIL.match(address):
        raise InvalidEmail("format")
    return address


# -- name ----------------------------------------------------------------------------------------
def check_name(text: str) -> str:
    """First name and surname (or a company name): two words or more, letters first, ≤ 160 characters."""
    name = " ".join(text.split())
    if len(name) > MAX_NAME:
        raise InvalidName("long")
    if len(name.split()) < 2 or len(name) < 3:
        raise InvalidName("short")
    if not _NAME_CHARS.match(name) or not any(ch.isalpha() for ch in name):
        raise InvalidName("characters")
    return name
