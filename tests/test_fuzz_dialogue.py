"""Property-based fuzzing of the whole engine: the real registry and the embedded NLU model get
random text, payloads, pins, photos and unsupported kinds in random order.

Every turn must answer (no turn fails into "something went wrong"), and every reply must fit
Telegram's limits after the channel's split: text 1..4096 characters, button data 1..64 bytes.
Derandomized, so CI replays the same examples; about half a minute on SQLite.
"""

from __future__ import annotations

import asyncio
import itertools
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import REGISTRY

from bot.channels.telegram import split_text
from bot.conversation import Dialogue, DialogueConfig, Inbound, Location, Registry
from bot.db.database import Database
from bot.i18n import translate
from handlers import register_all
from tests.conftest import truncate_all
from tests.conversation import FixedClock

MAX_TEXT = 4096
MAX_BUTTON_DATA = 64
KNOWN_TEXTS = (
    "/start", "/menu", "/help", "/lang", "/report", "/book", "/waste", "/status", "/subscribe",
    "/unsubscribe", "/bookings", "/privacy", "/cancel", "/status PZN-2026-000001", "/nosuch arg",
    "dziura w jezdni na Głogowskiej 12", "umów mnie jutro o 10 na dowód osobisty", "tak", "nie", "1", "5",
    "ile zapłacę za śmieci za 4 osoby?", "wypisz mnie z alertów pogodowych", "Głogowska 12", "jutro",
    "10:00", "Jan Kowalski", "44051401359", "rozmowa z człowiekiem", "report a pothole", "cancel",
    "📋 Zgłoś problem", "📅 Umów wizytę", "♻️ Deklaracja śmieciowa", "🔔 Alerty", "📂 Moje sprawy",
    "⚙️ Ustawienia", "❓ Pomoc", "💡 Inicjatywy", "🙋 Rozmowa z człowiekiem",
)  # fmt: skip
UNSUPPORTED = ("sticker", "voice", "video", "video_note", "audio", "contact", "animation", "poll",
               "document", "dice", "venue", "game", "oversized", "other")  # fmt: skip

# Text Telegram can deliver: any Unicode except lone surrogates (not valid UTF-8).
any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
control_text = st.text(alphabet=st.characters(categories=("Cc", "Cf", "Zl", "Zp", "Zs")), max_size=40)
overlong = st.integers(4000, 9000).map(lambda n: ("ą" if n % 2 else "x\n") * (n // 2 + 1))
texts = st.one_of(st.sampled_from(KNOWN_TEXTS), any_text, control_text, overlong, st.just(""))
word = st.text(alphabet=string.ascii_lowercase + string.digits + "_-", max_size=12)
part = st.one_of(word, any_text.map(lambda t: t[:20]))
payloads = st.one_of(
    st.builds(lambda a, b: f"g:{a}:{b}" if b else f"g:{a}", part, part),
    st.builds(lambda r, s, v: f"f:{r}:{s}:{v}", part, part, part),
    any_text.map(lambda t: t[:64]),
)
places = st.one_of(
    st.builds(Location, st.floats(52.35, 52.50), st.floats(16.80, 17.05)),
    st.builds(Location, st.floats(-90, 90), st.floats(-180, 180)),
)

# One step: (kind, value); "press" taps the n-th button of the previous reply (drives flows deep).
steps = st.one_of(
    st.tuples(st.just("text"), texts),
    st.tuples(st.just("press"), st.integers(0, 30)),
    st.tuples(st.just("press"), st.integers(0, 30)),
    st.tuples(st.just("payload"), payloads),
    st.tuples(st.just("location"), places),
    st.tuples(st.just("photo"), st.tuples(part, st.one_of(st.none(), any_text))),
    st.tuples(st.just("unsupported"), st.one_of(st.sampled_from(UNSUPPORTED), part)),
)
scripts = st.tuples(st.sampled_from(("pl", "en", None, "de", "")), st.lists(steps, min_size=1, max_size=14))


FAILURE = "Sorry, something went wrong on our side. Please try again in a moment."
FAILURE_TEXTS = {translate(FAILURE, "pl"), translate(FAILURE, "en")}


def turn_failures() -> float:
    return REGISTRY.get_sample_value("citybot_errors_total", {"where": "turn"}) or 0.0


def check_limits(replies) -> None:
    assert replies, "a turn answered nothing"
    for reply in replies:
        assert reply.text or reply.attachments, "an empty message cannot be sent"
        for chunk in split_text(reply.text) if reply.text else []:
            assert 0 < len(chunk) <= MAX_TEXT
        for row in reply.buttons:
            for button in row:
                assert button.label.strip(), "a button without a label"
                assert 0 < len(button.payload.encode()) <= MAX_BUTTON_DATA, button.payload


def test_random_input_in_random_order_always_gets_a_valid_answer(database_url, nlu_interpreter):
    loop = asyncio.new_event_loop()
    db = Database(database_url, pool_size=2)
    clock = FixedClock()
    if db.is_postgres:
        loop.run_until_complete(truncate_all(db))
    dialogue = Dialogue(
        db,
        register_all(Registry()),
        nlu_interpreter,
        config=DialogueConfig(services={"channel": "fuzz"}),
        clock=clock,
    )
    residents = itertools.count(9_100_000)

    async def play(language: str | None, script: list[tuple[str, object]]) -> None:
        resident = next(residents)
        buttons: list[str] = []
        for kind, value in script:
            fields: dict[str, object] = {}
            if kind == "text":
                fields["text"] = value
            elif kind == "press":
                if not buttons:
                    continue
                fields["payload"] = buttons[int(value) % len(buttons)]  # type: ignore[call-overload]
            elif kind == "payload":
                fields["payload"] = value
            elif kind == "location":
                fields["location"] = value
            elif kind == "photo":
                file_id, caption = value  # type: ignore[misc]
                fields["photos"] = (f"AgAC{file_id}",)
                fields["text"] = caption
            else:
                fields["unsupported"] = value
            failures = turn_failures()
            replies = await dialogue.handle(Inbound(resident_id=resident, language_hint=language, **fields))
            assert turn_failures() == failures, f"turn failed on {kind} {value!r}"
            assert not any(r.text in FAILURE_TEXTS for r in replies), f"failed on {kind} {value!r}"
            check_limits(replies)
            shown = [b.payload for r in replies for row in r.buttons for b in row]
            buttons = shown or buttons
            clock.advance(seconds=30)

    @settings(
        max_examples=500,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(scripts)
    def run(script: tuple[str | None, list[tuple[str, object]]]) -> None:
        loop.run_until_complete(play(*script))

    try:
        run()
        assert next(residents) - 9_100_000 > 500 // 2, "hypothesis ran too few examples"
    finally:
        loop.run_until_complete(db.dispose())
        loop.close()
