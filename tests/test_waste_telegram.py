"""The waste declaration end to end on Telegram: the real PTB application against the fake Bot API,
down to the PDF arriving as a document."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.app import App
from bot.i18n import CITY_ZONE
from handlers import waste
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import RunningBot
from tests.test_waste_pdf import flat, pdf_text

ANNA = 601
PESEL = "44051401359"


def with_waste(app: App) -> None:
    waste.register(app.registry)


@pytest.fixture
async def fake():
    async with FakeTelegram() as server:
        yield server


def inline_buttons(event) -> dict[str, str]:
    markup = event.reply_markup or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def test_declaration_over_telegram_sends_the_fee_and_the_pdf_document(fake, db, database_url):
    running = await RunningBot(fake, database_url, customise=with_waste).start()

    async def say(text: str, count: int = 1):
        await fake.send_message(ANNA, text, language_code="pl")
        return await fake.wait_for(ANNA, kind="message", count=count, timeout=10)

    async def press(event, label: str, count: int = 1, kind: str | list[str] = "message"):
        (data,) = [payload for shown, payload in inline_buttons(event).items() if label in shown]
        await fake.press_button(ANNA, event.message_id, data)
        return await fake.wait_for(ANNA, kind=kind, count=count, timeout=10)

    try:
        today = datetime.now(CITY_ZONE).date()
        (hub,) = await say("/waste")
        assert hub.text.startswith("Deklaracja o opłacie za odpady (DEK-ZAM).")
        _intro, reason = await press(hub, "Przygotuj deklarację", count=2)
        (question,) = await press(reason, "Pierwsza deklaracja")
        assert question.text.startswith("Od kiedy obowiązuje deklaracja?")
        await say(today.strftime("%d.%m.%Y"))
        await say("Jan Kowalski")
        (question,) = await say(PESEL)
        assert question.text.startswith("Jak urząd może się z Tobą skontaktować")
        await say("600 100 200")
        (building,) = await say("Głogowska 12/4")
        (question,) = await press(building, "Dom jednorodzinny")
        (composting,) = await say("4")
        (card,) = await press(composting, "Tak")
        (summary,) = await press(card, "Nie")
        assert "PESEL: *******1359" in summary.text and PESEL not in summary.text
        done, document, how = await press(summary, "Potwierdzam", count=3, kind=["message", "document"])
        assert done.kind == "message" and done.text.startswith("Twoja deklaracja jest przygotowana (nr 1).")
        assert "Opłata: 104,00\xa0zł miesięcznie (1\xa0248,00\xa0zł rocznie)." in done.text
        deadline = today + timedelta(days=14)
        assert f"Złóż ją do {deadline.day} " in done.text
        assert document.kind == "document"
        assert document.message["document"]["file_name"] == "deklaracja-odpady-1.pdf"
        assert document.message["document"]["mime_type"] == "application/pdf"
        data = fake.file_bytes(document.file_id)
        assert data.startswith(b"%PDF")
        text = flat(pdf_text(data))
        assert PESEL in text and "Jan Kowalski" in text and "104,00 zł" in text
        assert how.kind == "message" and how.text.startswith("Jak ją złożyć:")
    finally:
        await running.stop()
