"""Bad input never raises and returns quickly; off-topic text is out_of_scope or unsure."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlu.embedded import EmbeddedInterpreter
from nlu.interface import Parse

BAD_INPUTS = [
    "",
    " ",
    "   \n\t  ",
    "a" * 4096,
    "dziura na Głogowskiej " * 300,
    "ż" * 10_000,
    "😀😀😀",
    "👍",
    "🏳️‍🌈🇵🇱",
    "Привет 你好 مرحبا cześć hello שלום",
    "\x00\x01\x02dziura\x7f\x1b[31m",
    "\u200b\u200e\ufeff",
    "'; DROP TABLE users; --",
    "1' OR '1'='1",
    "<script>alert(1)</script>",
    "{{7*7}} ${jndi:ldap://x}",
    "%s%s%s%n",
    "\ud800",  # lone surrogate
    "PZN-2026-000123" * 200,
    "1234567890",
    "....!!!???",
]


def _check(parse: Parse, interpreter: EmbeddedInterpreter) -> None:
    assert isinstance(parse, Parse)
    assert parse.intent.name in {*interpreter.intents, "nlu_fallback"}
    assert 0.0 <= parse.intent.confidence <= 1.0
    assert parse.language in ("pl", "en")
    assert len(parse.intent_ranking) <= 10
    confidences = [score.confidence for score in parse.intent_ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) <= 1.0 + 1e-6
    for ent in parse.entities:
        assert 0 <= ent.start <= ent.end <= len(parse.text)
    parse.to_dict()


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_bad_input_never_raises_and_is_quick(nlu_interpreter: EmbeddedInterpreter, text: str) -> None:
    started = time.perf_counter()
    parse = nlu_interpreter.parse(text)
    elapsed = time.perf_counter() - started
    _check(parse, nlu_interpreter)
    assert parse.text == text
    assert elapsed < 0.25


@pytest.mark.parametrize("value", [None, 42, 3.5, b"bytes \xff", ["list"]])
def test_non_string_input_is_tolerated(nlu_interpreter: EmbeddedInterpreter, value: object) -> None:
    _check(nlu_interpreter.parse(value), nlu_interpreter)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", [None, "pl", "en", "de", "", "EN", "pl-PL"])
def test_any_lang_argument(nlu_interpreter: EmbeddedInterpreter, lang: str | None) -> None:
    parse = nlu_interpreter.parse("hello", lang=lang)
    _check(parse, nlu_interpreter)
    if lang and lang.lower()[:2] in ("pl", "en"):
        assert parse.language == lang.lower()[:2]


@pytest.mark.parametrize(
    "text",
    [
        "lorem ipsum dolor sit amet",
        "xkcd qwpoeiru zmxncb",
        "🍕🍕🍕",
        "",
        "   ",
        "zzzz",
        "kvantová chromodynamika na mřížce",
        "die Quantenchromodynamik auf dem Gitter",
    ],
)
def test_out_of_domain_text_is_out_of_scope_or_unsure(
    nlu_interpreter: EmbeddedInterpreter, text: str
) -> None:
    parse = nlu_interpreter.parse(text)
    assert parse.intent.name == "out_of_scope" or parse.intent.confidence < 0.5, parse.to_dict()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=600))
def test_any_unicode_text(nlu_interpreter: EmbeddedInterpreter, text: str) -> None:
    _check(nlu_interpreter.parse(text), nlu_interpreter)


WORDS = [
    "dziura",
    "na",
    "Głogowskiej",
    "zgłoszenie",
    "PZN-2026-000001",
    "jutro",
    "o",
    "10:30",
    "hello",
    "cancel",
    "wizyta",
    "nie",
    "tak",
    "😀",
    "\x00",
    "  ",
    "ąęłżź",
    "DROP",
    ";",
    "'",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), max_size=40), st.sampled_from([None, "pl", "en"]))
async def test_word_salad_async(
    nlu_interpreter: EmbeddedInterpreter, words: list[str], lang: str | None
) -> None:
    parse = await nlu_interpreter.aparse(" ".join(words), lang=lang)
    _check(parse, nlu_interpreter)
