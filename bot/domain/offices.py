"""Where residents can book a city-hall visit and for what: offices and matters, as configuration data.

Durations, desks and opening hours are the city hall's decisions, not code: changing one is an
edit of these tables (the calendar tests read them too). Labels are gettext msgids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from bot.i18n import N_


@dataclass(frozen=True, slots=True)
class Matter:
    """A kind of visit: how long one takes, how many desks handle it at once, what to bring."""

    code: str  # the NLU `service` entity code
    label: str
    minutes: int
    desks: int
    bring: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Office:
    """A place that receives visitors; `hours` maps a weekday (0 = Monday) to opening and closing."""

    code: str
    name: str
    street: str  # "ul. Libelta 16/20": what residents know the office by, the same in every language
    matters: tuple[str, ...]
    hours: dict[int, tuple[time, time]] = field(hash=False)
    keywords: tuple[str, ...] = ()  # folded words that name the office in a typed answer
    city: str = "Poznań"

    @property
    def address(self) -> str:
        return f"{self.street}, {self.city}"


MATTERS: tuple[Matter, ...] = (
    Matter(
        "id_card_application",
        N_("ID card application"),
        15,
        4,
        (
            N_("a recent colour photo, 35 × 45 mm"),
            N_("your current ID card, if you have one"),
        ),
    ),
    Matter(
        "id_card_collection",
        N_("ID card collection"),
        10,
        2,
        (
            N_("your current ID card, if you have one (it will be cancelled)"),
            N_("the confirmation you got when applying, if you have it"),
        ),
    ),
    Matter(
        "residence_registration",
        N_("Residence registration"),
        15,
        3,
        (
            N_("your ID card or passport"),
            N_("a document giving you the right to live there (e.g. a rental agreement or deed)"),
        ),
    ),
    Matter(
        "vehicle_registration",
        N_("Vehicle registration"),
        30,
        4,
        (
            N_("your ID card"),
            N_("proof of ownership (a purchase agreement or invoice)"),
            N_("the vehicle's registration certificate and number plates, if it has them"),
            N_("proof of third-party insurance (OC)"),
        ),
    ),
    Matter(
        "driving_licence",
        N_("Driving licence"),
        20,
        2,
        (
            N_("your ID card"),
            N_("a recent colour photo, 35 × 45 mm"),
            N_("your current driving licence, if you are exchanging it"),
        ),
    ),
    Matter(
        "civil_status_certificate",
        N_("Civil status certificate"),
        15,
        2,
        (
            N_("your ID card"),
            N_("the names, date and place of the birth, marriage or death"),
        ),
    ),
    Matter(
        "waste_declaration_help",
        N_("Help with the waste declaration"),
        15,
        1,
        (
            N_("your ID card"),
            N_("the address and the number of people living there"),
            N_("your previous declaration, if you have one"),
        ),
    ),
)
MATTERS_BY_CODE = {matter.code: matter for matter in MATTERS}

_WEEKDAY_HOURS = {
    0: (time(7, 30), time(17, 0)),
    1: (time(7, 30), time(15, 30)),
    2: (time(7, 30), time(15, 30)),
    3: (time(7, 30), time(15, 30)),
    4: (time(7, 30), time(15, 30)),
}

# Both offices serve every matter here. In reality vehicle registration and driving licences may be
# handled only at some addresses; until the city confirms which, nobody is turned away.
OFFICES: tuple[Office, ...] = (
    Office(
        "libelta",
        N_("Poznań City Hall"),
        "ul. Libelta 16/20",
        tuple(MATTERS_BY_CODE),
        _WEEKDAY_HOURS,
        ("libelta", "libelty"),
    ),
    Office(
        "gronowa",
        N_("Poznań City Hall"),
        "ul. Gronowa 22A",
        tuple(MATTERS_BY_CODE),
        _WEEKDAY_HOURS,
        ("gronowa", "gronowej"),
    ),
)
OFFICES_BY_CODE = {office.code: office for office in OFFICES}


def offices_for(matter: str) -> list[Office]:
    """The offices where `matter` can be dealt with, in configuration order."""
    return [office for office in OFFICES if matter in office.matters]
