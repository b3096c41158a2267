"""Booking on Telegram end to end: the real PTB application against the fake Bot API, in Polish,
down to the .ics document the resident receives; and the reminders going out through the outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from icalendar import Calendar
from sqlalchemy import select

from bot.app import App
from bot.db.models import Booking
from bot.domain.booking_calendar import moment
from handlers import booking as booking_feature
from scheduler.dispatch import dispatch_once
from tests.conversation import FixedClock
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import RunningBot
from tests.test_booking import book, residents
from tests.test_reports_delivery import RecordingDelivery
from tests.test_telegram import inline_buttons

ANNA = 701
MONDAY = date(2026, 11, 30)


def with_booking(app: App) -> None:
    """Booking wired in as handlers/__init__.py will, on the tests' Sunday morning."""
    booking_feature.register(app.registry)
    app.dialogue.clock = FixedClock()


async def tap(fake: FakeTelegram, event, label: str, count: int = 1, **wait):
    await fake.press_button(ANNA, event.message_id, inline_buttons(event)[label])
    return await fake.wait_for(ANNA, kind=["message", "document"], count=count, timeout=10, **wait)


async def test_booking_on_telegram_ends_with_the_calendar_file(db, database_url):
    async with FakeTelegram() as fake:
        bot = await RunningBot(fake, database_url, customise=with_booking).start()
        try:
            await fake.send_message(ANNA, "/book", language_code="pl")
            _intro, matters = await fake.wait_for(ANNA, kind="message", count=2, timeout=10)
            assert matters.text == "W jakiej sprawie jest wizyta? Wybierz poniżej."
            (offices,) = await tap(fake, matters, "Wniosek o dowód osobisty")
            assert list(inline_buttons(offices)) == ["🏛 ul. Libelta 16/20", "🏛 ul. Gronowa 22A"]
            (days,) = await tap(fake, offices, "🏛 ul. Libelta 16/20")
            assert list(inline_buttons(days))[:3] == ["pon 30.11", "wt 1.12", "śr 2.12"]
            (times,) = await tap(fake, days, "pon 30.11")
            assert times.text.startswith("Poniedziałek, 30 listopada 2026: wybierz godzinę.")
            (summary,) = await tap(fake, times, "10:00")
            assert "Godzina: 10:00" in summary.text
            confirmation, document = await tap(fake, summary, "✅ Potwierdzam", count=2)

            async with db.transaction() as session:
                (made,) = (await session.execute(select(Booking))).scalars().all()
            assert confirmation.text.startswith(f"✅ Umówione! Twój kod wizyty: {made.code}")
            assert "Gdzie: Urząd Miasta Poznania, ul. Libelta 16/20, Poznań" in confirmation.text
            assert "• aktualne kolorowe zdjęcie 35 × 45 mm" in confirmation.text
            assert document.kind == "document"
            assert document.message["document"]["file_name"] == f"wizyta-{made.code}.ics"
            data = fake.file_bytes(document.file_id)
            (event,) = Calendar.from_ical(data).walk("VEVENT")
            assert str(event["UID"]) == f"{made.code}@citybot.poznan"
            assert event.decoded("DTSTART") == moment(MONDAY, time(10)) == made.starts_at
            assert str(event["SUMMARY"]) == "Wizyta w urzędzie: Wniosek o dowód osobisty"
            assert str(event["LOCATION"]) == "Urząd Miasta Poznania, ul. Libelta 16/20, Poznań"
            assert made.code in str(event["DESCRIPTION"])
        finally:
            await bot.stop()


async def test_reminders_reach_the_resident_in_their_language(db):
    await residents(db, 11, language="pl")
    await residents(db, 12, language="en")
    await book(db, 11, moment(MONDAY, time(10)))
    await book(db, 12, moment(MONDAY, time(10, 10)), matter="driving_licence")
    delivery = RecordingDelivery()
    evening = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)  # Sunday 18:00 in Poznań
    assert await dispatch_once(db, delivery, clock=lambda: evening) == 2
    texts = dict(delivery.delivered)
    assert texts[11].startswith(
        "⏰ Przypomnienie: jutro, poniedziałek, 30 listopada, o 10:00 masz wizytę w urzędzie: "
        "Wniosek o dowód osobisty."
    )
    assert texts[12].startswith(
        "⏰ Reminder: tomorrow, Monday, 30 November, at 10:10 you have a city-hall visit: Driving licence."
    )
