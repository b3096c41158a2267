"""The embedded interpreter as a whole: Rasa's JSON shape, composition with entity extraction,
language handling, a generic engine, and a package that stands alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

import nlu.entities
from nlu.embedded import EmbeddedInterpreter, load_interpreter, train_interpreter
from nlu.interface import Entity, Interpreter, Parse

NLU_DIR = Path(nlu.entities.__file__).resolve().parents[1]


def test_it_is_an_interpreter(nlu_interpreter: EmbeddedInterpreter) -> None:
    assert isinstance(nlu_interpreter, Interpreter)


def test_parse_json_has_rasas_shape_plus_language(nlu_interpreter: EmbeddedInterpreter) -> None:
    data = nlu_interpreter.parse("na Głogowskiej jest dziura w jezdni").to_dict()
    assert set(data) == {"text", "intent", "intent_ranking", "entities", "language"}
    assert data["intent"]["name"] == "report_problem"
    assert set(data["intent"]) == {"name", "confidence"}
    assert 1 <= len(data["intent_ranking"]) <= 10
    assert data["intent_ranking"][0] == data["intent"]
    assert data["language"] == "pl"
    assert Parse.from_dict(data).intent.name == "report_problem"


@pytest.mark.parametrize(
    ("text", "intent", "lang"),
    [
        ("nie świeci latarnia przy Garbarach", "report_problem", "pl"),
        ("chcę zarezerwować wizytę w urzędzie jutro o 10 na dowód osobisty", "book_appointment", "pl"),
        ("co z moim zgłoszeniem PZN-2026-000123", "check_status", "pl"),
        ("wypisz mnie z alertów pogodowych", "unsubscribe", "pl"),
        ("czy są jakieś ostrzeżenia na dziś", "current_alerts", "pl"),
        ("chcę złożyć deklarację śmieciową", "waste_declaration", "pl"),
        ("pogadam z człowiekiem", "human_handoff", "pl"),
        ("there is a pothole on Głogowska street", "report_problem", "en"),
        ("cancel my appointment on Friday", "cancel_appointment", "en"),
        ("sign me up for smog alerts", "subscribe", "en"),
    ],
)
def test_examples_from_the_issue(
    nlu_interpreter: EmbeddedInterpreter, text: str, intent: str, lang: str
) -> None:
    parse = nlu_interpreter.parse(text)
    assert (parse.intent.name, parse.language) == (intent, lang)
    assert parse.intent.confidence > 0.5


def test_given_language_wins_over_detection(nlu_interpreter: EmbeddedInterpreter) -> None:
    assert nlu_interpreter.parse("hello there", lang="pl").language == "pl"
    assert nlu_interpreter.parse("dzień dobry", lang="en").language == "en"
    assert nlu_interpreter.detect_language("dzień dobry") == "pl"


async def test_aparse_equals_parse(nlu_interpreter: EmbeddedInterpreter) -> None:
    text = "zapisz mnie na alerty o smogu"
    assert (await nlu_interpreter.aparse(text)).to_dict() == nlu_interpreter.parse(text).to_dict()


def test_entities_come_from_the_extractor(nlu_model_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake(text: str, *, lang: str, now: datetime | None = None) -> list[Entity]:
        calls.append((text, lang, now))
        return [
            Entity("street", "Głogowska", 3, 14, "gazetteer"),
            Entity("date", "2026-03-03", 0, 2, "rules"),
            Entity("bogus", "x", 5, 999, "rules"),  # outside the text: dropped
        ]

    monkeypatch.setattr(nlu.entities, "extract_entities", fake)
    interpreter = load_interpreter(nlu_model_path)
    now = datetime(2026, 3, 2, 9, 0)
    parse = interpreter.parse("na Głogowskiej jest dziura", now=now)
    assert calls == [("na Głogowskiej jest dziura", "pl", now)]
    assert [e.entity for e in parse.entities] == ["date", "street"]  # sorted by position
    assert parse.entity("street") == "Głogowska"


def test_a_failing_extractor_costs_only_the_entities(
    nlu_model_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str, *, lang: str, now: datetime | None = None) -> list[Entity]:
        raise RuntimeError("boom")

    monkeypatch.setattr(nlu.entities, "extract_entities", broken)
    parse = load_interpreter(nlu_model_path).parse("chcę złożyć deklarację śmieciową")
    assert parse.intent.name == "waste_declaration" and parse.entities == ()


def test_the_engine_is_generic(tiny_model_path: Path) -> None:
    interpreter = load_interpreter(tiny_model_path)
    assert interpreter.intents == ["greet", "opening_hours", "order_pizza"]
    assert interpreter.parse("poproszę pizzę z szynką").intent.name == "order_pizza"
    assert interpreter.parse("are you open on monday").intent.name == "opening_hours"
    assert interpreter.parse("hejka").intent.name == "greet"
    assert interpreter.parse("").intent.confidence < 0.5  # no out_of_scope intent here: just unsure


def test_one_intent_is_not_enough(tmp_path: Path) -> None:
    from nlu.yaml_data import NLUDataError

    data = tmp_path / "one.yml"
    data.write_text("nlu:\n- intent: greet\n  examples: |\n    - hi\n", encoding="utf-8")
    with pytest.raises(NLUDataError, match="two intents"):
        train_interpreter(data)


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_nlu_stands_alone() -> None:
    forbidden = {"bot", "handlers", "scheduler"}
    offenders = {
        str(path.relative_to(NLU_DIR)): used
        for path in NLU_DIR.rglob("*.py")
        if (used := _imported_packages(path) & forbidden)
    }
    assert offenders == {}
    code = (
        "import sys, nlu, nlu.cli, nlu.factory, nlu.embedded, nlu.rasa_client, nlu.evaluation, nlu.pipeline;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'bot', 'handlers', 'scheduler'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
