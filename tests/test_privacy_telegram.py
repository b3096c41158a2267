"""/mydata over the real Telegram path: the PTB application against the fake Bot API, the export
arriving as a JSON document."""

from __future__ import annotations

import json

import pytest

from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import RunningBot

ANNA = 611


@pytest.fixture
async def fake():
    async with FakeTelegram() as server:
        yield server


async def test_mydata_arrives_as_a_json_document_with_the_summary(fake, db, database_url):
    running = await RunningBot(fake, database_url).start()
    try:
        await fake.send_message(ANNA, "/start", language_code="en")
        await fake.wait_for(ANNA, kind="message", count=3, timeout=10)
        await fake.send_message(ANNA, "/mydata", language_code="en")
        events = await fake.wait_for(ANNA, kind=["message", "document"], count=2, timeout=10)
        kinds = [event.kind for event in events]
        assert "document" in kinds
        (document,) = [event for event in events if event.kind == "document"]
        assert document.message["document"]["mime_type"] == "application/json"
        assert document.message["document"]["file_name"].startswith("citybot-data-")
        data = json.loads(fake.file_bytes(document.file_id))
        assert data["profile"]["telegram_user_id"] == ANNA and data["profile"]["language"] == "en"
        # /start was logged, so the copy shows it.
        assert any(line["text"] == "/start" for line in data["message_log"])
        (summary,) = [event for event in events if event.kind == "message"]
        assert summary.text.startswith("Everything the city bot stores about you is in the attached file")
    finally:
        await running.stop()
