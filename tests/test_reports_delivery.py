"""Reports end to end: on Telegram over the fake Bot API (pin, photos, buttons, status push), the
outbox dispatcher's retries, photo copies for staff, and the staff command line."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.conversation.delivery import DeliveryError, FileUnavailable, Unreachable
from bot.db.models import OutboxMessage, Report, ReportPhoto
from bot.domain import outbox, reports
from scheduler.dispatch import dispatch_once
from scheduler.media import download_pending
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import RunningBot
from tests.test_reports import OLD_MARKET, add_resident, file
from tests.test_telegram import PNG, inline_buttons

ANNA, JAN = 601, 602
NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


class RecordingDelivery:
    """A channel stand-in that records deliveries and fails as told."""

    def __init__(self, failures: dict[int, Exception] | None = None, files: dict[str, bytes] | None = None):
        self.failures = failures or {}
        self.files = files or {}
        self.delivered: list[tuple[int, str]] = []

    async def deliver(self, resident_id, replies):
        if resident_id in self.failures:
            raise self.failures[resident_id]
        self.delivered += [(resident_id, reply.text) for reply in replies]

    async def fetch_file(self, file_id):
        if file_id not in self.files:
            raise FileUnavailable(file_id)
        return self.files[file_id]


async def test_dispatcher_delivers_once_retries_later_and_gives_up_on_the_unreachable(db):
    for resident in (1, 2, 3):
        await add_resident(db, resident)
    async with db.transaction() as session:
        for resident in (1, 2, 3):
            await outbox.notify(session, resident, "test", lambda: outbox.Notice("hello"), now=NOW)
    delivery = RecordingDelivery({2: DeliveryError("flood"), 3: Unreachable("blocked")})
    assert await dispatch_once(db, delivery, clock=lambda: NOW) == 1
    assert await dispatch_once(db, delivery, clock=lambda: NOW) == 0  # nothing due: 2 waits, 3 is done
    async with db.transaction() as session:
        rows = {m.resident_id: m for m in (await session.execute(select(OutboxMessage))).scalars()}
    assert rows[1].sent_at is not None and rows[1].last_error is None
    assert rows[2].sent_at is None and rows[2].not_before > NOW and rows[2].last_error == "flood"
    assert rows[3].sent_at is not None and rows[3].last_error.startswith("unreachable")
    delivery.failures.clear()
    later = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    assert await dispatch_once(db, delivery, clock=lambda: later) == 1
    assert delivery.delivered == [(1, "hello"), (2, "hello")]


async def test_two_dispatchers_at_once_send_each_message_once(db):
    for resident in range(1, 11):
        await add_resident(db, resident)
    async with db.transaction() as session:
        for resident in range(1, 11):
            await outbox.notify(session, resident, "test", lambda: outbox.Notice("hi"), now=NOW)
    delivery = RecordingDelivery()
    sent = await asyncio.gather(*(dispatch_once(db, delivery, clock=lambda: NOW, limit=4) for _ in range(4)))
    assert sum(sent) == 10 and sorted(r for r, _t in delivery.delivered) == list(range(1, 11))


async def test_photos_are_copied_for_staff_and_lost_ones_are_marked(db, tmp_path):
    await add_resident(db, 1)
    report = await file(db, photos=("have", "lost"))
    delivery = RecordingDelivery(files={"have": PNG})
    assert await download_pending(db, delivery, tmp_path) == 1
    async with db.transaction() as session:
        stored = {p.file_id: p.local_path for p in (await session.execute(select(ReportPhoto))).scalars()}
    assert Path(stored["have"]).read_bytes() == PNG and stored["have"].endswith(f"{report.ticket}/1.png")
    assert stored["lost"] == ""  # not asked for again
    assert await download_pending(db, delivery, tmp_path) == 0


def staff(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, timeout=120
    )


async def test_staff_command_changes_status_and_refuses_with_one_line(db, database_url):
    await add_resident(db, 1)
    report = await file(db)
    done = await asyncio.to_thread(
        staff, database_url, "report-status", report.ticket.lower(), "in_progress", "--note", "Ekipa w drodze"
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.strip()
        == f"{report.ticket} is now in_progress; the reporter and followers will be notified"
    )
    refused = await asyncio.to_thread(staff, database_url, "report-status", report.ticket, "new")
    assert refused.returncode == 1
    assert refused.stderr.strip() == f"citybot: {report.ticket} is in_progress; it cannot become new"
    missing = await asyncio.to_thread(staff, database_url, "report-status", "PZN-2026-999999", "resolved")
    assert (missing.returncode, missing.stderr.strip()) == (1, "citybot: no report PZN-2026-999999")
    async with db.transaction() as session:
        events = await reports.history(session, report.id)
    assert [(e.status, e.note, e.actor.startswith("cli:")) for e in events][-1] == (
        "in_progress",
        "Ekipa w drodze",
        True,
    )


async def test_report_on_telegram_with_pin_and_photo_then_status_push(db, database_url):
    async with FakeTelegram() as fake:
        bot = await RunningBot(fake, database_url, dispatch_interval=0.2).start()
        try:
            await fake.send_message(ANNA, "/report", language_code="pl")
            (kinds,) = await fake.wait_for(ANNA, kind="message", timeout=10)
            await fake.press_button(ANNA, kinds.message_id, inline_buttons(kinds)["🛣 Drogi i chodniki"])
            (where,) = await fake.wait_for(ANNA, kind="message", timeout=10)
            assert where.reply_markup["keyboard"][0][0]["request_location"] is True
            await fake.send_location(ANNA, *OLD_MARKET)
            await fake.wait_for(ANNA, kind="message", timeout=10)
            await fake.send_message(ANNA, "Głęboka dziura przy przejściu dla pieszych")
            await fake.wait_for(ANNA, kind="message", timeout=10)
            await fake.send_photo(ANNA, PNG, caption="")
            (added,) = await fake.wait_for(ANNA, kind="message", timeout=10)
            assert added.text.startswith("Dodano zdjęcie (1 z 5).")
            await fake.press_button(ANNA, added.message_id, inline_buttons(added)["✅ Gotowe"])
            (summary,) = await fake.wait_for(ANNA, kind="message", timeout=10)
            assert "1 zdjęcie" in summary.text
            await fake.press_button(ANNA, summary.message_id, inline_buttons(summary)["✅ Potwierdzam"])
            (filed,) = await fake.wait_for(ANNA, kind="message", timeout=10)
            assert filed.text.startswith("Dziękuję! Numer Twojego zgłoszenia to PZN-2026-")
            ticket = filed.text.split("to ")[1].split(".")[0]

            # Jan, nearby, follows instead of filing again.
            await fake.send_location(JAN, OLD_MARKET[0] + 0.0001, OLD_MARKET[1], language_code="en")
            (kinds,) = await fake.wait_for(
                JAN,
                kind="message",
                count=1,
                timeout=10,
                predicate=lambda e: bool(e.reply_markup and "inline_keyboard" in e.reply_markup),
            )
            await fake.press_button(JAN, kinds.message_id, inline_buttons(kinds)["🛣 Roads and pavements"])
            (dupes,) = await fake.wait_for(JAN, kind="message", timeout=10)
            await fake.press_button(JAN, dupes.message_id, inline_buttons(dupes)[f"➕ Follow {ticket}"])
            (confirm,) = await fake.wait_for(JAN, kind="message", timeout=10)
            await fake.press_button(JAN, confirm.message_id, inline_buttons(confirm)["✅ Confirm"])
            await fake.wait_for(JAN, kind="message", text_contains="you follow", timeout=10)

            async with db.transaction() as session:
                await reports.change_status(
                    session, ticket, "resolved", note="Załatane", actor="cli:ewa", now=datetime.now(UTC)
                )
            (push,) = await fake.wait_for(
                ANNA, kind="message", text_contains="Zmiana w Twoim zgłoszeniu", timeout=10
            )
            assert "Informacja od miasta: Załatane" in push.text
            assert list(inline_buttons(push)) == ["👍 Tak, naprawione", "👎 Nie, nie naprawione"]
            (jan_push,) = await fake.wait_for(
                JAN, kind="message", text_contains="Update on your report", timeout=10
            )
            assert "resolved" in jan_push.text and not inline_buttons(jan_push)

            await fake.press_button(ANNA, push.message_id, inline_buttons(push)["👎 Nie, nie naprawione"])
            (reopened,) = await fake.wait_for(ANNA, kind="message", timeout=10)
            assert reopened.text.startswith(f"Przykro mi. Ponownie otworzyłem {ticket}")
            (jan_again,) = await fake.wait_for(JAN, kind="message", text_contains="in progress", timeout=10)
            assert ticket in jan_again.text

            # The photo was copied to the media directory for staff.
            for _ in range(50):
                async with db.transaction() as session:
                    path = await session.scalar(select(ReportPhoto.local_path))
                if path:
                    break
                await asyncio.sleep(0.2)
            assert Path(path).read_bytes() == PNG
            async with db.transaction() as session:
                assert (await session.scalar(select(Report.status))) == "in_progress"
        finally:
            await bot.stop()


async def test_pictures_sent_as_files_and_other_documents(db, database_url):
    async with FakeTelegram() as fake:
        bot = await RunningBot(fake, database_url).start()
        try:
            await fake.send_document(ANNA, PNG, "dziura.png", mime_type="image/png", language_code="pl")
            answer, question = await fake.wait_for(ANNA, kind="message", count=2, timeout=10)
            assert answer.text == "Dziękuję za zdjęcie. Zgłośmy problem."
            assert question.text == "Jaki to problem? Wybierz poniżej."
            await fake.send_document(ANNA, b"%PDF-1.4", "pismo.pdf", mime_type="application/pdf")
            pdf, reminder = await fake.wait_for(ANNA, kind="message", count=2, timeout=10)
            assert pdf.text.startswith("Nie umiem jeszcze odczytywać plików.")
            assert reminder.text == "Jaki to problem? Wybierz poniżej."  # the form goes on
            huge = PNG + bytes(11 * 1024 * 1024)
            await fake.send_document(ANNA, huge, "ogromne.png", mime_type="image/png")
            too_big, _again = await fake.wait_for(ANNA, kind="message", count=2, timeout=10)
            assert too_big.text == (
                "Ten plik jest dla mnie za duży. Wyślij go, proszę, jako zdjęcie, a nie jako plik."
            )
        finally:
            await bot.stop()
