"""Property: extract_entities never raises and returns sane spans, whatever the text."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nlu.entities import extract_entities

_NOISE = (
    "na Głogowskiej ul. 12a 12/4 o 10 10:30 10.12 jutro w piątek 15 grudnia 31.02 PZN-2026-000123 pzn 2026 "
    "dla 2 osób we are three at 5 people Jeżycach Wildzie ostrzeżenia pogodowe dowód osobisty 2pm half "
    "past ten wpół do jedenastej Święty Marcin rondo os. nr , . 28 Czerwca 1956 r. 😀 ß ﬁ İ ŁÓDŹ - / :"
)
WORDS = st.sampled_from([*_NOISE.split(), "\u0301", "\x00", "\n", "\t"])


def check(text: str, lang: str, now: datetime | None) -> None:
    entities = extract_entities(text, lang=lang, now=now)
    previous_end = 0
    for e in entities:
        assert 0 <= e.start < e.end <= len(text)
        assert e.start >= previous_end  # sorted and non-overlapping
        previous_end = e.end
        assert 0.0 < e.confidence <= 1.0
        assert e.extractor


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(max_size=300),
    lang=st.sampled_from(["pl", "en", "de", ""]),
    offset=st.integers(min_value=-14, max_value=14),
)
@example(text="x" * 4096, lang="pl", offset=0)
@example(text="😀" * 4096, lang="pl", offset=0)
@example(text="".join(chr(c) for c in range(32)) * 100, lang="pl", offset=0)
@example(text="e\u0301" * 2000 + " na Głogowskiej 5", lang="pl", offset=0)
@example(text="ﬁ ß İ ½ ² ⅷ ＰＺＮ－２０２６－１ ١٢:٣٠", lang="pl", offset=0)
def test_never_raises_on_any_text(text: str, lang: str, offset: int) -> None:
    now = datetime(2026, 11, 29, 10, 0, tzinfo=timezone(timedelta(hours=offset)))
    check(text, lang, now)


@settings(max_examples=150, deadline=None)
@given(words=st.lists(WORDS, max_size=40), sep=st.sampled_from([" ", "", "  ", "\n"]))
def test_never_raises_on_entity_like_noise(words: list[str], sep: str) -> None:
    check(sep.join(words), "pl", None)


def test_long_message_is_cut_not_rejected() -> None:
    text = ("dziura na Głogowskiej 12 jutro o 10 " * 200)[:5000]
    entities = extract_entities(text, lang="pl")
    assert entities and all(e.end <= 4096 for e in entities)
