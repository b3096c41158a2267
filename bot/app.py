"""Wires the bot together: settings -> database -> NLU -> registry of flows -> Dialogue -> channels.

Everything else receives what it needs from here, so tests can build the same object with a
different database, interpreter or clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.config import Settings
from bot.conversation import Dialogue, DialogueConfig, Registry
from bot.conversation.delivery import Delivery
from bot.db.database import Database
from bot.db.migrate import ensure_migrated
from handlers import register_all
from nlu.interface import Interpreter, NullInterpreter

log = logging.getLogger(__name__)


@dataclass
class App:
    """The running bot's parts; `close()` releases them in reverse order."""

    settings: Settings
    db: Database
    interpreter: Interpreter
    registry: Registry
    dialogue: Dialogue
    closers: list[Callable[[], object]] = field(default_factory=list)
    # scheduler.supervisor.SchedulerSupervisor: runs the jobs while this process leads, once started
    background: Any = None

    async def close_background(self) -> None:
        """Stop the jobs (and hand leadership over) before the channel they deliver through goes away."""
        if self.background is not None:
            background, self.background = self.background, None
            await background.stop()
            from scheduler.dispatch import release_claimed

            await release_claimed(self.db)  # another process may send them now, not after the lease

    async def close(self) -> None:
        await self.close_background()
        for closer in reversed(self.closers):
            result = closer()
            if asyncio.iscoroutine(result):
                await result
        await self.db.dispose()


async def start_background(app: App, delivery: Delivery) -> None:
    """Take part in the scheduler election; the leader runs the jobs that push notifications, poll
    feeds and fetch photos through `delivery` (a channel). Returns once the first attempt is made."""
    from scheduler import build_scheduler
    from scheduler.leader import leader_lock
    from scheduler.supervisor import SchedulerSupervisor

    def build() -> Any:
        return build_scheduler(
            app.db,
            delivery,
            media_dir=app.settings.media_dir,
            dispatch_seconds=app.settings.dispatch_interval,
            lease=timedelta(seconds=app.settings.outbox_lease_seconds),
            settings=app.settings,  # feeds only when FEEDS_ENABLED; retention ages always
            rate=app.settings.telegram_max_rate or None,
        )

    supervisor = SchedulerSupervisor(
        leader_lock(app.db), build, check_seconds=app.settings.leader_check_seconds
    )
    await supervisor.start()
    app.background = supervisor


async def build_interpreter(settings: Settings) -> Interpreter:
    """The NLU backend the settings ask for; training (first start, changed data) runs in a thread."""
    if settings.nlu_backend == "none":
        return NullInterpreter()
    from nlu.factory import build_interpreter as build

    return await asyncio.to_thread(
        build,
        settings.nlu_backend,
        model_path=settings.nlu_model_path,
        rasa_url=settings.rasa_url,
        rasa_token=settings.rasa_token,
    )


async def build_app(
    settings: Settings,
    *,
    interpreter: Interpreter | None = None,
    clock: Callable[[], datetime] | None = None,
    check_migrations: bool = True,
) -> App:
    db = Database(settings.database_url, pool_size=settings.database_pool_size)
    try:
        if check_migrations:
            await ensure_migrated(db.engine)
        if interpreter is None:
            interpreter = await build_interpreter(settings)
    except BaseException:
        await db.dispose()
        raise
    registry = register_all(Registry())
    config = DialogueConfig(
        confidence_threshold=settings.nlu_confidence_threshold,
        max_text_length=settings.max_text_length,
        default_language=settings.default_language,
        services={"settings": settings, "db": db},
        throttle_messages=settings.throttle_messages,
        throttle_seconds=settings.throttle_seconds,
    )
    dialogue = Dialogue(db, registry, interpreter, config=config, clock=clock)
    app = App(settings, db, interpreter, registry, dialogue)
    close = getattr(interpreter, "close", None)
    if close is not None:
        app.closers.append(close)
    return app
