"""Booking a visit as scripted conversations: menu -> matter -> office -> day -> time -> confirm,
the first message pre-filling ("jutro o 10 dowód osobisty"), taken and stale times, bad dates, /cancel
at every step, a restart mid-way, my bookings with cancel and move, and the limits."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.conversation import Dialogue, DialogueConfig, Registry
from bot.conversation.payloads import global_payload
from bot.db.database import Database
from bot.db.models import Booking, OutboxMessage
from bot.domain import booking
from bot.domain.booking_calendar import moment
from handlers import booking as booking_feature
from handlers import register_all
from tests.conversation import Conversation, ScriptedInterpreter
from tests.test_booking import NOW, residents

ANNA, JAN = 5001, 5002
MONDAY, TUESDAY = date(2026, 11, 30), date(2026, 12, 1)


def registry() -> Registry:
    built = register_all(Registry())
    booking_feature.register(built)
    return built


@pytest.fixture
def interpreter() -> ScriptedInterpreter:
    scripted = ScriptedInterpreter()
    scripted.understands(
        "jutro o 10 dowód osobisty",
        "book_appointment",
        date="2026-11-30",
        time="10:00",
        service="id_card_application",
    )
    scripted.understands(
        "tomorrow at 10 for an ID card",
        "book_appointment",
        date="2026-11-30",
        time="10:00",
        service="id_card_application",
    )
    scripted.understands("book a visit on Christmas Eve", "book_appointment", date="2026-12-24")
    scripted.understands("cancel my visit", "cancel_appointment")
    return scripted


@pytest.fixture
def dialogue(db, interpreter, clock) -> Dialogue:
    return Dialogue(db, registry(), interpreter, config=DialogueConfig(), clock=clock)


@pytest.fixture
def anna(dialogue) -> Conversation:
    return Conversation(dialogue, resident_id=ANNA, language="en")


async def bookings_in(db) -> list[Booking]:
    async with db.transaction() as session:
        return list((await session.execute(select(Booking).order_by(Booking.id))).scalars())


async def take_every_desk(db, starts_at: datetime, matter: str = "id_card_application", office="libelta"):
    """Other residents book all desks at a time (as if from their own phones)."""
    desks = booking.matter_of(matter).desks
    ids = list(range(9001, 9001 + desks))
    await residents(db, *ids)
    for resident_id in ids:
        async with db.transaction() as session:
            await booking.book(session, resident_id, office, matter, starts_at, now=NOW)


async def to_the_times(chat: Conversation, matter="ID card application", day="Mon 30.11") -> None:
    await chat.says("/book")
    await chat.press(matter)
    await chat.press("Libelta")
    await chat.press(day)


def calendar_of(chat: Conversation) -> Calendar:
    (attachment,) = [a for reply in chat.replies for a in reply.attachments]
    assert attachment.mime_type == "text/calendar" and attachment.filename.startswith("wizyta-")
    return Calendar.from_ical(attachment.data)


# -- the whole way ---------------------------------------------------------------------------------
async def test_menu_matter_office_day_time_confirm(anna, db):
    await anna.says("/start")
    assert "📅 Book a visit" in anna.menu()
    await anna.says("📅 Book a visit")
    assert anna.labels() == ["📅 Book a visit", "🗂 My bookings"]
    await anna.press("Book a visit")
    assert anna.labels() == [
        "ID card application",
        "ID card collection",
        "Residence registration",
        "Vehicle registration",
        "Driving licence",
        "Civil status certificate",
        "Help with the waste declaration",
    ]
    await anna.press("Vehicle registration")
    assert anna.labels() == ["🏛 ul. Libelta 16/20", "🏛 ul. Gronowa 22A"]
    await anna.press("Gronowa")
    assert anna.labels() == ["Mon 30.11", "Tue 1.12", "Wed 2.12", "Thu 3.12", "Fri 4.12", "next week ›"]
    assert [len(row) for row in anna.replies[-1].buttons] == [3, 2, 1]
    await anna.press("next week")
    await anna.press("next week")
    await anna.press("next week")
    assert anna.labels()[:3] == ["Mon 21.12", "Tue 22.12", "Wed 23.12"]
    assert "Thu 24.12" not in anna.labels() and "Fri 25.12" not in anna.labels()
    assert "The city hall is closed on: Thu 24.12, Fri 25.12." in anna.text
    await anna.press("previous week")
    await anna.press("Tue 15.12")
    assert "Tuesday, 15 December 2026: choose a time. The visit takes 30 minutes." in anna.text
    assert anna.labels()[:12] == [
        *("07:30", "08:00", "08:30", "09:00", "09:30", "10:00"),
        *("10:30", "11:00", "11:30", "12:00", "12:30", "13:00"),
    ]
    assert [len(row) for row in anna.replies[-1].buttons] == [4, 4, 4, 1, 1]
    await anna.press("later times")
    assert anna.labels() == ["13:30", "14:00", "14:30", "15:00", "‹ earlier times", "📅 Another day"]
    await anna.press("14:30")
    assert anna.text == "\n".join(
        (
            "Please check your visit:",
            "Matter: Vehicle registration (30 min.)",
            "Office: Poznań City Hall, ul. Gronowa 22A, Poznań",
            "Day: Tuesday, 15 December 2026",
            "Time: 14:30",
        )
    )
    await anna.press("Confirm")
    (made,) = await bookings_in(db)
    assert (made.office, made.matter, made.starts_at) == (
        "gronowa",
        "vehicle_registration",
        moment(date(2026, 12, 15), time(14, 30)),
    )
    text = anna.text
    assert text.startswith(f"✅ Booked! Your booking code: {made.code}")
    assert "When: Tuesday, 15 December 2026, 14:30" in text
    assert "Where: Poznań City Hall, ul. Gronowa 22A, Poznań" in text
    assert "• proof of third-party insurance (OC)" in text
    assert "I will remind you the evening before and 2 hours before the visit." in text
    assert anna.menu() is not None
    (event,) = calendar_of(anna).walk("VEVENT")
    assert str(event["UID"]) == f"{made.code}@citybot.poznan"
    assert event.decoded("DTSTART") == made.starts_at and event.decoded("DTEND") == made.ends_at
    assert "ul. Gronowa 22A" in str(event["LOCATION"])


async def test_first_message_fills_matter_day_and_time(anna, db):
    await anna.says("tomorrow at 10 for an ID card")
    assert anna.text.startswith("Let's book a city-hall visit")
    assert "Which office of the City Hall" in anna.text  # the matter is known
    await anna.press("Libelta")
    assert anna.text.startswith("Please check your visit:")
    assert "Day: Monday, 30 November 2026" in anna.text and "Time: 10:00" in anna.text
    await anna.press("Confirm")
    (made,) = await bookings_in(db)
    assert made.starts_at == moment(MONDAY, time(10)) and made.matter == "id_card_application"


async def test_polish_first_message_via_the_interpreter(dialogue, db):
    chat = Conversation(dialogue, resident_id=JAN, language="en")
    await chat.says("jutro o 10 dowód osobisty")
    await chat.press("Gronowa")
    assert "Time: 10:00" in chat.text


async def test_a_taken_time_offers_the_nearest_free_ones(anna, db):
    await take_every_desk(db, moment(MONDAY, time(10)))
    await anna.says("tomorrow at 10 for an ID card")
    await anna.press("Libelta")
    assert anna.text == "Sorry, 10:00 is already taken.\nThe nearest free times:"
    assert anna.labels() == [
        *("🕑 09:15", "🕑 09:30", "🕑 09:45", "🕑 10:15", "🕑 10:30", "🕑 10:45"),
        *("🕑 All free times", "📅 Another day"),
    ]
    await anna.press("10:15")
    assert "Time: 10:15" in anna.text
    await anna.press("Confirm")
    assert [b.starts_at for b in await bookings_in(db) if b.resident_id == ANNA] == [
        moment(MONDAY, time(10, 15))
    ]


async def test_typed_times_outside_hours_or_off_the_grid(anna):
    await to_the_times(anna)
    await anna.says("18:00")
    assert anna.text.startswith(
        "On Monday, 30 November 2026 the first visit starts at 07:30 and the last one at 16:45."
    )
    assert "🕑 16:45" in anna.labels()
    await anna.says("10:05")
    assert anna.text.startswith("Visits for this matter start every 15 minutes.")
    assert anna.labels()[:2] == ["🕑 09:30", "🕑 09:45"]
    await anna.says("o 11")
    assert "Time: 11:00" in anna.text


async def test_stale_time_button_after_someone_else_took_it(anna, db):
    await to_the_times(anna, matter="Help with the waste declaration")
    await take_every_desk(db, moment(MONDAY, time(10)), matter="waste_declaration_help")
    await anna.press("10:00")  # the button was shown while 10:00 was still free
    assert anna.text.startswith("Sorry, someone has just taken that time.\nThe nearest free times:")
    assert "🕑 09:45" in anna.labels() and "🕑 10:15" in anna.labels()
    assert [b.resident_id for b in await bookings_in(db)] == [9001]


async def test_time_taken_between_the_summary_and_confirm(anna, db):
    await to_the_times(anna, matter="Help with the waste declaration")
    await anna.press("10:00")
    await take_every_desk(db, moment(MONDAY, time(10)), matter="waste_declaration_help")
    await anna.press("Confirm")
    assert anna.text.startswith("Sorry, someone has just taken that time.\nThe nearest free times:")
    assert anna.labels()[:2] == ["🕑 Mon 30.11 09:15", "🕑 Mon 30.11 09:30"]
    await anna.press("Mon 30.11 09:45")
    assert "Time: 09:45" in anna.text
    await anna.press("Confirm")
    assert sorted((b.resident_id, b.starts_at) for b in await bookings_in(db)) == [
        (ANNA, moment(MONDAY, time(9, 45))),
        (9001, moment(MONDAY, time(10))),
    ]


async def test_double_tap_on_confirm_books_once(anna, db):
    await to_the_times(anna)
    await anna.press("10:00")
    confirm = anna.buttons["✅ Confirm"]
    await anna.send(payload=confirm)
    await anna.send(payload=confirm)
    assert anna.text.startswith("This button has expired.")
    assert len(await bookings_in(db)) == 1


# -- bad input -------------------------------------------------------------------------------------
FIRST_DAY = "The first day you can book is Monday, 30 November 2026."
ANOTHER = "Please choose another day."


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("yesterday", f"Saturday, 28 November 2026 has already passed. {FIRST_DAY}"),
        ("today", f"Visits are booked at least one day ahead. {FIRST_DAY}"),
        ("24.12", "The city hall is closed on 24 December. Please choose another day."),
        ("25.12", "The city hall is closed on Friday, 25 December 2026: it is a public holiday. " + ANOTHER),
        ("5.12", "The city hall is closed on Saturday, 5 December 2026. It is open Monday to Friday."),
        ("15.01", "Visits can be booked at most 30 days ahead, so until Tuesday, 29 December 2026."),
        ("31.02", "There is no such date: 31.02."),
        ("whenever", 'Please choose a day from the buttons, or write a date, for example "3.12".'),
    ],
)  # fmt: skip
async def test_days_that_cannot_be_booked_are_refused_with_the_reason(anna, db, typed, answer):
    await anna.says("/book")
    await anna.press("ID card application")
    await anna.press("Libelta")
    await anna.says(typed)
    assert anna.replies[0].text == answer
    assert "Mon 30.11" in anna.labels()  # the calendar again
    assert await bookings_in(db) == []


async def test_a_typed_date_and_time_at_the_day_step(anna):
    await anna.says("/book")
    await anna.press("ID card application")
    await anna.press("Libelta")
    await anna.says("3.12 o 9:15")
    assert "Day: Thursday, 3 December 2026" in anna.text and "Time: 09:15" in anna.text


async def test_a_wished_day_that_is_closed_is_explained_then_the_calendar(anna):
    await anna.says("book a visit on Christmas Eve")
    await anna.press("ID card application")
    await anna.press("Libelta")
    assert anna.replies[0].text == "The city hall is closed on 24 December. Please choose another day."
    assert anna.labels()[0] == "Mon 30.11"


async def test_an_unknown_matter_is_asked_again(anna):
    await anna.says("/book")
    await anna.says("passport")
    assert anna.replies[0].text == "I don't know that matter. Please choose one of the buttons."
    assert "ID card application" in anna.labels()
    await anna.says("rejestracja samochodu")
    assert "Which office of the City Hall" in anna.text


# The answers to matter, office, day and time, in order.
TAPS = ("ID card application", "Libelta", "Mon 30.11", "10:00")


@pytest.mark.parametrize(
    "answered", range(5), ids=["at-matter", "at-office", "at-day", "at-time", "at-confirm"]
)
async def test_cancel_at_any_step_saves_nothing(anna, db, answered):
    await anna.says("/book")
    for tap in TAPS[:answered]:
        await anna.press(tap)
    await anna.says("/cancel")
    assert anna.text == "Cancelled. Nothing was saved."
    assert await bookings_in(db) == []
    async with db.transaction() as session:
        assert (await session.execute(select(OutboxMessage))).first() is None
    await anna.says("/cancel")
    assert anna.text == "There is nothing to cancel."


async def test_a_restart_mid_way_continues_where_it_stopped(db, database_url, interpreter, clock):
    first = Conversation(Dialogue(db, registry(), interpreter, clock=clock), resident_id=ANNA, language="en")
    await to_the_times(first)
    buttons = first.buttons
    restarted = Database(database_url, pool_size=2)
    try:
        again = Conversation(
            Dialogue(restarted, registry(), interpreter, clock=clock), resident_id=ANNA, language="en"
        )
        again.buttons = buttons
        await again.press("10:15")
        await again.press("Confirm")
        assert again.text.startswith("✅ Booked!")
    finally:
        await restarted.dispose()


# -- my bookings, cancel, move ---------------------------------------------------------------------
async def book_through_chat(chat: Conversation, hhmm: str = "10:00", **where) -> None:
    await to_the_times(chat, **where)
    await chat.press(hhmm)
    await chat.press("Confirm")


async def test_my_bookings_cancel(anna, db):
    await book_through_chat(anna)
    await anna.says("📅 Book a visit")
    await anna.press("My bookings (1)")
    (made,) = await bookings_in(db)
    assert anna.replies[0].text == "You have 1 upcoming visit:"
    assert f"Booking code: {made.code}" in anna.replies[1].text
    assert anna.labels() == ["✖️ Cancel the visit", "🕑 Change the time", "📎 Calendar file"]
    await anna.press("Cancel the visit")
    assert anna.text.startswith("Do you want to cancel this visit?")
    await anna.press("No, keep it")
    assert anna.text == "Good, your visit stays as it is."
    await anna.says("/bookings")
    await anna.press("Cancel the visit")
    await anna.press("Yes, cancel it")
    assert anna.text == f"Your visit {made.code} is cancelled. The time is free for others now."
    (cancelled,) = await bookings_in(db)
    assert cancelled.status == "cancelled"
    async with db.transaction() as session:
        assert (await session.execute(select(OutboxMessage))).first() is None
    await anna.send(payload=global_payload("bcancelok", str(made.id)))  # the old button again
    assert anna.text.startswith("This button has expired.")
    await anna.says("/bookings")
    assert anna.text == "You have no upcoming city-hall visits."


async def test_another_residents_visit_cannot_be_touched(dialogue, anna, db):
    await book_through_chat(anna)
    (made,) = await bookings_in(db)
    jan = Conversation(dialogue, resident_id=JAN, language="en")
    for action in ("bcancel", "bcancelok", "bmove", "bics"):
        await jan.send(payload=global_payload(action, str(made.id)))
        assert jan.text.startswith("This button has expired."), action
    await jan.send(payload=global_payload("bcancel", "x1"))
    assert jan.text.startswith("This button has expired.")
    (still,) = await bookings_in(db)
    assert still.status == "active"


async def test_move_to_another_time(anna, db):
    await book_through_chat(anna)
    await anna.says("/bookings")
    await anna.press("Change the time")
    assert anna.replies[0].text.startswith(
        "Let's find a new time. Your visit now: Monday, 30 November 2026, 10:00."
    )
    assert anna.labels()[0] == "Mon 30.11"
    await anna.press("Mon 30.11")
    assert "10:00" not in anna.labels()  # its own time is no change
    await anna.press("later times")
    await anna.press("12:45")
    assert anna.text == "\n".join(
        (
            "Please check the change of your visit (ID card application):",
            "From: Monday, 30 November 2026, 10:00",
            "To: Monday, 30 November 2026, 12:45",
            "Office: Poznań City Hall, ul. Libelta 16/20, Poznań",
        )
    )
    await anna.press("Confirm")
    old_again, new = await bookings_in(db)
    assert (old_again.status, new.status) == ("moved", "active")
    assert anna.text.startswith(f"✅ Done, your visit is moved. Your new booking code: {new.code}")
    assert "If you added the old time to your calendar, please delete it there." in anna.text
    assert str(calendar_of(anna).walk("VEVENT")[0]["UID"]) == f"{new.code}@citybot.poznan"


async def test_move_refused_when_the_new_time_went_meanwhile_keeps_the_old(anna, db):
    await book_through_chat(anna, matter="Help with the waste declaration")
    await anna.says("/bookings")
    await anna.press("Change the time")
    await anna.press("Tue 1.12")
    await anna.press("09:00")
    await take_every_desk(db, moment(TUESDAY, time(9)), matter="waste_declaration_help")
    await anna.press("Confirm")
    assert anna.text.startswith("Sorry, someone has just taken that time.")
    mine = [b for b in await bookings_in(db) if b.resident_id == ANNA]
    assert [(b.status, b.starts_at) for b in mine] == [("active", moment(MONDAY, time(10)))]
    await anna.press("Tue 1.12 09:15")  # an offered time: the move form again, at that time
    assert "To: Tuesday, 1 December 2026, 09:15" in anna.text
    await anna.press("Confirm")
    mine = [b for b in await bookings_in(db) if b.resident_id == ANNA]
    assert [b.status for b in mine] == ["moved", "active"]


async def test_the_calendar_file_again(anna, db):
    await book_through_chat(anna)
    await anna.says("/bookings")
    await anna.press("Calendar file")
    (made,) = await bookings_in(db)
    assert anna.text == f"The calendar file of your visit {made.code}:"
    assert str(calendar_of(anna).walk("VEVENT")[0]["UID"]) == f"{made.code}@citybot.poznan"


async def test_cancel_intent_asks_about_the_one_visit(anna, db):
    await book_through_chat(anna)
    await anna.says("cancel my visit")
    assert anna.text.startswith("Do you want to cancel this visit?")
    await anna.press("Yes, cancel it")
    assert (await bookings_in(db))[0].status == "cancelled"


# -- limits ----------------------------------------------------------------------------------------
async def test_a_fourth_visit_is_refused_with_the_reason(anna, db):
    await book_through_chat(anna, day="Mon 30.11")
    await book_through_chat(anna, day="Tue 1.12")
    await book_through_chat(anna, day="Wed 2.12")
    await anna.says("/book")
    assert anna.text == (
        "You already have 3 upcoming visits, the most one person can book. "
        "To book another, cancel or move one of them first."
    )
    assert anna.labels() == ["🗂 My bookings"]
    assert len(await bookings_in(db)) == 3


async def test_one_visit_per_matter_a_day_is_refused_at_the_day(anna, db):
    await book_through_chat(anna)
    await anna.says("/book")
    await anna.press("ID card application")
    await anna.press("Gronowa")
    await anna.press("Mon 30.11")
    assert anna.replies[0].text == "You already have a visit for this matter that day; one a day is possible."
    await anna.press("Tue 1.12")
    assert "choose a time" in anna.text


# -- with the real embedded NLU, in Polish -----------------------------------------------------------
@pytest.fixture
def jan(db, nlu_interpreter, clock) -> Conversation:
    dialogue = Dialogue(db, registry(), nlu_interpreter, config=DialogueConfig(), clock=clock)
    return Conversation(dialogue, resident_id=JAN, language="pl")


async def test_free_polish_text_books_with_what_it_says(jan, db):
    await jan.says("umów mnie jutro o 10 na dowód osobisty")
    assert jan.replies[-1].text == "Do którego biura Urzędu Miasta chcesz przyjść?"
    await jan.press("Libelta")
    assert jan.text.startswith("Sprawdź, proszę, swoją wizytę:")
    assert "Dzień: poniedziałek, 30 listopada 2026" in jan.text and "Godzina: 10:00" in jan.text
    await jan.press("Potwierdzam")
    (made,) = await bookings_in(db)
    assert jan.text.startswith(f"✅ Umówione! Twój kod wizyty: {made.code}")


async def test_the_office_named_in_the_text_is_not_asked(jan):
    await jan.says("rejestracja samochodu na Gronowej w środę")
    assert jan.replies[-1].text.startswith("Środa, 2 grudnia 2026: wybierz godzinę. Wizyta trwa 30 minut.")


async def test_cancel_and_move_in_free_polish_text(jan, db):
    await jan.says("umów mnie jutro o 10 na dowód osobisty")
    await jan.press("Gronowa")
    await jan.press("Potwierdzam")
    await jan.says("chcę przełożyć wizytę")
    assert jan.replies[0].text.startswith("Znajdźmy nowy termin.")
    await jan.says("/cancel")
    await jan.says("odwołaj moją wizytę")
    assert jan.text.startswith("Czy na pewno chcesz odwołać tę wizytę?")
    await jan.press("Tak, odwołaj")
    assert (await bookings_in(db))[0].status == "cancelled"
