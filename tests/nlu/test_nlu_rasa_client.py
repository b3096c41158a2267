"""The Rasa client against a tiny fake Rasa server on 127.0.0.1: answers, timeouts, retries, fall-back."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from aiohttp import web

from nlu.embedded import EmbeddedInterpreter
from nlu.factory import build_interpreter, build_interpreter_from_env
from nlu.interface import IntentScore, NullInterpreter, Parse
from nlu.rasa_client import RasaInterpreter

RASA_ANSWER = {
    "text": "na Głogowskiej jest dziura",
    "intent": {"name": "report_problem", "confidence": 0.91},
    "intent_ranking": [{"name": "report_problem", "confidence": 0.91}, {"name": "greet", "confidence": 0.09}],
    "entities": [
        {
            "entity": "street",
            "value": "Głogowskiej",
            "start": 3,
            "end": 14,
            "extractor": "DIETClassifier",
            "confidence_entity": 0.98,
        }
    ],
}


@dataclass
class FakeRasa:
    """What the fake server should do, and what it saw."""

    mode: str = "ok"
    delay: float = 0.0
    calls: list[dict] = field(default_factory=list)
    url: str = ""


class MarkerFallback:
    """Stands in for the embedded interpreter: recognisable answers, a language detector."""

    def __init__(self) -> None:
        self.calls = 0

    def parse(self, text: str, *, lang: str | None = None, now: datetime | None = None) -> Parse:
        self.calls += 1
        return Parse(text=text, intent=IntentScore("from_fallback", 1.0), language=lang or "pl")

    async def aparse(self, text: str, *, lang: str | None = None, now: datetime | None = None) -> Parse:
        return self.parse(text, lang=lang, now=now)

    def detect_language(self, text: str) -> str:
        return "en" if "the" in text.split() else "pl"


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    state = FakeRasa()

    async def parse(request: web.Request) -> web.Response:
        body = await request.json()
        state.calls.append({"text": body.get("text"), "token": request.query.get("token")})
        if state.delay:
            await asyncio.sleep(state.delay)
        if state.mode == "500":
            return web.Response(status=500, text="boom")
        if state.mode == "401":
            return web.Response(status=401, text="no")
        if state.mode == "junk":
            return web.Response(text="<html>not json</html>", content_type="text/html")
        return web.json_response({**RASA_ANSWER, "text": body.get("text")})

    app = web.Application()
    app.router.add_post("/model/parse", parse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.url = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


@pytest.fixture
async def client_factory():
    made: list[RasaInterpreter] = []

    def make(url: str, **kwargs) -> RasaInterpreter:
        client = RasaInterpreter(url, fallback=kwargs.pop("fallback", MarkerFallback()), **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()


async def test_normal_answer_becomes_a_parse(rasa: FakeRasa, client_factory) -> None:
    client = client_factory(rasa.url + "/", token="s3cret", timeout=2)
    parse = await client.aparse("na Głogowskiej jest dziura")
    assert parse.intent == IntentScore("report_problem", 0.91)
    assert [s.name for s in parse.intent_ranking] == ["report_problem", "greet"]
    (ent,) = parse.entities
    assert (ent.entity, ent.value, ent.start, ent.end, ent.extractor) == (
        "street",
        "Głogowskiej",
        3,
        14,
        "DIETClassifier",
    )
    assert parse.language == "pl"  # detected by the fall-back's language identifier
    assert rasa.calls == [{"text": "na Głogowskiej jest dziura", "token": "s3cret"}]
    assert client.fallbacks == 0 and client.fallback.calls == 0
    english = await client.aparse("the bin is full")
    assert english.language == "en" and english.text == "the bin is full"
    assert (await client.aparse("whatever", lang="pl")).language == "pl"


async def test_slow_server_times_out_retries_once_then_falls_back(rasa: FakeRasa, client_factory) -> None:
    rasa.delay = 1.0
    client = client_factory(rasa.url, timeout=0.2)
    started = time.perf_counter()
    parse = await client.aparse("czy są utrudnienia")
    elapsed = time.perf_counter() - started
    assert parse.intent.name == "from_fallback"
    assert len(rasa.calls) == 2
    assert elapsed < 0.9
    assert client.fallbacks == 1


async def test_server_error_retries_once_then_falls_back(rasa: FakeRasa, client_factory, caplog) -> None:
    rasa.mode = "500"
    client = client_factory(rasa.url, timeout=2)
    with caplog.at_level("WARNING", logger="nlu.rasa_client"):
        parse = await client.aparse("hej")
    assert parse.intent.name == "from_fallback"
    assert len(rasa.calls) == 2
    assert "embedded interpreter" in caplog.text


@pytest.mark.parametrize("mode", ["401", "junk"])
async def test_client_errors_fall_back_without_retry(rasa: FakeRasa, client_factory, mode: str) -> None:
    rasa.mode = mode
    client = client_factory(rasa.url, timeout=2)
    assert (await client.aparse("hej")).intent.name == "from_fallback"
    assert len(rasa.calls) == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_server_down_falls_back(client_factory, caplog) -> None:
    client = client_factory(f"http://127.0.0.1:{_closed_port()}", timeout=1)
    with caplog.at_level("WARNING", logger="nlu.rasa_client"):
        parse = await client.aparse("pogadam z człowiekiem")
    assert parse.intent.name == "from_fallback" and parse.text == "pogadam z człowiekiem"
    assert "did not answer" in caplog.text


async def test_empty_text_and_sync_parse_never_touch_the_network(rasa: FakeRasa, client_factory) -> None:
    client = client_factory(rasa.url)
    assert (await client.aparse("   ")).intent.name == "from_fallback"
    assert client.parse("hej").intent.name == "from_fallback"
    assert rasa.calls == []


async def test_long_text_is_truncated_for_rasa(rasa: FakeRasa, client_factory) -> None:
    client = client_factory(rasa.url)
    parse = await client.aparse("x" * 10_000)
    assert len(rasa.calls[0]["text"]) == 4096 and len(parse.text) == 10_000


async def test_without_fallback_the_answer_is_nlu_fallback(client_factory) -> None:
    client = client_factory(f"http://127.0.0.1:{_closed_port()}", timeout=0.5, fallback=None)
    parse = await client.aparse("hej")
    assert parse.intent == IntentScore("nlu_fallback", 0.0)


async def test_close_is_idempotent(rasa: FakeRasa) -> None:
    client = RasaInterpreter(rasa.url, fallback=MarkerFallback())
    await client.aparse("hej")
    await client.close()
    await client.close()
    assert (await client.aparse("hej")).intent.name == "report_problem"  # a new session is opened
    await client.close()


def test_factory_builds_each_backend(tiny_data: Path, tmp_path: Path) -> None:
    model = tmp_path / "model.npz"
    embedded = build_interpreter("embedded", model_path=model, data_dir=tiny_data)
    assert isinstance(embedded, EmbeddedInterpreter) and model.is_file()
    rasa = build_interpreter(
        "rasa",
        model_path=model,
        data_dir=tiny_data,
        rasa_url="http://127.0.0.1:5005",
        rasa_token="t",
        timeout=1.5,
    )
    assert isinstance(rasa, RasaInterpreter)
    assert isinstance(rasa.fallback, EmbeddedInterpreter) and rasa.timeout == 1.5 and rasa.token == "t"
    assert rasa.parse("hello").intent.name == "greet"  # sync parse goes straight to the embedded model
    assert isinstance(build_interpreter("null", model_path=model), NullInterpreter)
    assert isinstance(build_interpreter("none", model_path=model), NullInterpreter)
    with pytest.raises(ValueError, match="unknown NLU backend"):
        build_interpreter("spacy", model_path=model)
    with pytest.raises(ValueError, match="RASA_URL"):
        build_interpreter("rasa", model_path=model, data_dir=tiny_data)


def test_factory_from_environment(tiny_data: Path, tmp_path: Path) -> None:
    env = {
        "NLU_BACKEND": "rasa",
        "RASA_URL": "http://127.0.0.1:9",
        "RASA_TOKEN": "tok",
        "NLU_TIMEOUT": "0.5",
        "NLU_MODEL_PATH": str(tmp_path / "m.npz"),
        "NLU_DATA_DIR": str(tiny_data),
    }
    interpreter = build_interpreter_from_env(env)
    assert isinstance(interpreter, RasaInterpreter) and interpreter.timeout == 0.5
    assert isinstance(
        build_interpreter_from_env(
            {"NLU_MODEL_PATH": str(tmp_path / "m.npz"), "NLU_DATA_DIR": str(tiny_data)}
        ),
        EmbeddedInterpreter,
    )
    with pytest.raises(ValueError, match="NLU_TIMEOUT"):
        build_interpreter_from_env({**env, "NLU_TIMEOUT": "soon"})
