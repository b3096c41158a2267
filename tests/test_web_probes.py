"""Operations endpoints: /healthz (alive), /readyz (database, scheduler role), /metrics (Prometheus)."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.db.database import Database
from tests.fake_telegram import FakeTelegram
from tests.telegram_harness import RunningBot
from tests.test_broadcast_delivery import DAY, broadcast, subscribe


def samples(exposition: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_readyz_reports_database_and_leadership_and_metrics_count_the_work(db, database_url):
    await subscribe(db, 801, "city_news")
    await broadcast(db, "city_news", at=DAY)
    async with FakeTelegram() as fake:
        bot = await RunningBot(fake, database_url, dispatch_interval=3600).start()
        try:
            await fake.send_message(801, "/menu")
            await fake.wait_for(801, kind="message", timeout=10)
            async with aiohttp.ClientSession() as http:
                async with http.get(bot.url + "/readyz") as ready:
                    body = await ready.json()
                    assert ready.status == 200
                assert body["status"] == "ok" and body["database"]["ok"] is True
                assert body["scheduler"]["role"] == "leader"  # the only process: it leads
                async with http.get(bot.url + "/metrics") as scraped:
                    assert scraped.status == 200
                    assert scraped.headers["Content-Type"].startswith("text/plain")
                    figures = samples(await scraped.text())
        finally:
            await bot.stop()
    assert figures[("citybot_updates_total", (("kind", "command"),))] >= 1
    assert figures[("citybot_turn_seconds_count", ())] >= 1
    assert figures[("citybot_scheduler_leader", ())] == 1
    assert figures[("citybot_database_up", ())] == 1
    # Deployment-wide figures come from the database: the broadcast is not expanded yet.
    assert figures[("citybot_outbox_pending", ())] == 0
    assert figures[("citybot_broadcast_messages", (("state", "queued"),))] == 0


async def test_readyz_says_unavailable_when_the_database_is_gone(database_url):
    async with FakeTelegram() as fake:
        bot = await RunningBot(fake, database_url, dispatch_interval=3600).start()
        working, bot.app.db = bot.app.db, Database("postgresql+asyncpg://nobody@127.0.0.1:1/none")
        try:
            async with aiohttp.ClientSession() as http:
                async with http.get(bot.url + "/readyz") as ready:
                    body = await ready.json()
                    assert ready.status == 503
                async with http.get(bot.url + "/healthz") as alive:
                    assert alive.status == 200  # alive, not ready: restart is not the cure
                async with http.get(bot.url + "/metrics") as scraped:
                    figures = samples(await scraped.text())
        finally:
            await bot.app.db.dispose()
            bot.app.db = working
            await bot.stop()
    assert body["status"] == "unavailable" and body["database"]["ok"] is False
    assert figures[("citybot_database_up", ())] == 0
