"""Gettext for the resident's language, ambient in the turn, plus Babel formatting in Europe/Warsaw.

Handlers call `_()` and `ngettext()` directly: the Dialogue engine sets the language of the
current resident in a context variable before it routes a turn (the aiogram i18n-middleware idea).
Catalogs are compiled by `make locales`; if a .mo is missing or older than its .po, the .po is
compiled in memory so a fresh checkout never speaks the wrong language.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"
LANGUAGES = ("pl", "en")
DEFAULT_LANGUAGE = "pl"
CITY_ZONE = ZoneInfo("Europe/Warsaw")
LANGUAGE_NAMES = {"pl": "Polski", "en": "English"}

_current: ContextVar[str] = ContextVar("citybot_language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:
    """Mark a module-level string for extraction; translate it later with `_()` in the turn."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a module-level plural pair for extraction; translate it later with `ngettext(*pair, n)`."""
    return singular, plural


def normalise_language(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """Map a Telegram language_code ("pl", "en-GB", "uk") onto a language we speak."""
    if not code:
        return default
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else default


@cache
def translations(lang: str) -> NullTranslations:
    """The catalog for `lang`, preferring a fresh .mo and compiling the .po in memory otherwise."""
    folder = LOCALES_DIR / lang / "LC_MESSAGES"
    po_path, mo_path = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo_path.exists() and (not po_path.exists() or mo_path.stat().st_mtime >= po_path.stat().st_mtime):
        with mo_path.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if po_path.exists():
        log.warning("compiled catalog for %s missing or stale; compiling %s in memory", lang, po_path)
        with po_path.open("rb") as fp:
            catalog = read_po(fp, locale=lang, domain=DOMAIN)
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    log.error("no catalog for %s in %s", lang, folder)
    return NullTranslations()


def current_language() -> str:
    return _current.get()


def set_language(lang: str) -> None:
    """Set the ambient language of this task (the Dialogue does it at the start of each turn)."""
    _current.set(normalise_language(lang))


@contextmanager
def use_language(lang: str) -> Iterator[None]:
    """Speak `lang` inside the block, e.g. when notifying another resident."""
    token = _current.set(normalise_language(lang))
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """Translate into the current resident's language."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Plural-aware translation: Polish has three forms (1 zgłoszenie, 2 zgłoszenia, 5 zgłoszeń)."""
    return translations(_current.get()).ngettext(singular, plural, n)


def translate(message: str, lang: str) -> str:
    """Translate into an explicit language (menu labels are matched in both languages)."""
    return translations(normalise_language(lang)).gettext(message)


def _locale() -> Locale:
    return Locale.parse({"pl": "pl_PL", "en": "en_GB"}[_current.get()])


def to_city_time(moment: datetime) -> datetime:
    """A moment as Poznań's wall clock shows it (naive values are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(CITY_ZONE)


def format_date(day: date | datetime, fmt: str = "long") -> str:
    """`29 listopada 2026` / `29 November 2026` in the current language."""
    if isinstance(day, datetime):
        day = to_city_time(day).date()
    return babel_dates.format_date(day, format=fmt, locale=_locale())


def format_time(moment: time | datetime) -> str:
    """`10:15` in Poznań time."""
    if isinstance(moment, datetime):
        moment = to_city_time(moment).timetz().replace(tzinfo=None)
    return babel_dates.format_time(moment, format="HH:mm", locale=_locale())


def format_datetime(moment: datetime, fmt: str = "medium") -> str:
    """Date and time on Poznań's clock, localized."""
    return babel_dates.format_datetime(to_city_time(moment), format=fmt, tzinfo=CITY_ZONE, locale=_locale())


def format_money(amount: Decimal | float | int, currency: str = "PLN") -> str:
    """`28,00 zł` in Polish, `28.00 PLN` in English (Babel's `PLN28.00` is hard to read)."""
    pattern = "#,##0.00\xa0¤" if _current.get() == "en" else None
    return babel_numbers.format_currency(amount, currency, format=pattern, locale=_locale())


def format_number(value: float | int) -> str:
    return babel_numbers.format_decimal(value, locale=_locale())
