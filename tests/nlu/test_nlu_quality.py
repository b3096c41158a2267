"""Quality gates on the held-out test files, and checks on the training data itself."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from nlu.embedded import DEFAULT_DATA_DIR, DEFAULT_TEST_DIR, EmbeddedInterpreter
from nlu.evaluation import error_list, intent_report, predict
from nlu.text import fold
from nlu.yaml_data import load_data

REQUIRED_INTENTS = {
    "greet",
    "help",
    "report_problem",
    "submit_initiative",
    "book_appointment",
    "cancel_appointment",
    "waste_declaration",
    "subscribe",
    "unsubscribe",
    "check_status",
    "human_handoff",
    "current_alerts",
    "affirm",
    "deny",
    "out_of_scope",
}
ENTITY_TYPES = {"date", "time", "street", "house_number", "ticket", "people", "district", "topic", "service"}
LANGUAGES = ("pl", "en")
POLISH_LETTERS = re.compile("[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]")


@pytest.fixture(scope="module")
def training():
    return load_data(DEFAULT_DATA_DIR)


def _test_file(lang: str):
    return load_data(DEFAULT_TEST_DIR / f"test_{lang}.yml")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_held_out_accuracy_and_macro_f1(nlu_interpreter: EmbeddedInterpreter, lang: str) -> None:
    predictions = predict(nlu_interpreter, _test_file(lang).examples)
    report = intent_report(predictions)
    mistakes = "\n".join(
        f"  {e['intent']} -> {e['intent_prediction']['name']}: {e['text']}" for e in error_list(predictions)
    )
    assert report["accuracy"] >= 0.93, f"{lang} accuracy {report['accuracy']:.3f}\n{mistakes}"
    assert report["macro avg"]["f1-score"] >= 0.90, f"{lang} macro F1 {report['macro avg']['f1-score']:.3f}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_language_is_detected_on_held_out_messages(nlu_interpreter: EmbeddedInterpreter, lang: str) -> None:
    examples = _test_file(lang).examples
    detected = [nlu_interpreter.parse(ex.text).language for ex in examples]
    assert sum(d == lang for d in detected) / len(detected) >= 0.95


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_required_intent_has_40_training_examples_per_language(training, lang: str) -> None:
    counts = Counter(ex.intent for ex in training.examples if ex.language == lang)
    missing = {intent: counts[intent] for intent in REQUIRED_INTENTS if counts[intent] < 40}
    assert not missing, f"too few {lang} examples: {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_held_out_file_covers_every_intent_with_15_examples(training, lang: str) -> None:
    test = _test_file(lang)
    assert {ex.language for ex in test.examples} == {lang}
    counts = Counter(ex.intent for ex in test.examples)
    assert set(counts) == set(training.intents)
    assert min(counts.values()) >= 15


def test_no_held_out_example_appears_in_training(training) -> None:
    seen = {" ".join(fold(ex.text).split()) for ex in training.examples}
    leaked = [
        ex.text
        for lang in LANGUAGES
        for ex in _test_file(lang).examples
        if " ".join(fold(ex.text).split()) in seen
    ]
    assert not leaked


def test_training_never_reads_the_test_folder(training) -> None:
    assert all(DEFAULT_TEST_DIR not in file.parents for file in training.files)
    assert not any("test" in file.parts for file in load_data(DEFAULT_DATA_DIR.parent).files)


def test_training_examples_are_unique_per_language(training) -> None:
    # Variants with and without Polish letters are kept on purpose (Rasa does not fold them).
    counts = Counter((ex.language, " ".join(ex.text.lower().split())) for ex in training.examples)
    assert [key for key, n in counts.items() if n > 1] == []


def test_polish_data_is_written_with_and_without_diacritics(training) -> None:
    polish = [ex.text for ex in training.examples if ex.language == "pl" and len(ex.text.split()) >= 3]
    plain = [text for text in polish if not POLISH_LETTERS.search(text) and fold(text) != text.lower()]
    without = [text for text in polish if not POLISH_LETTERS.search(text)]
    assert len(without) / len(polish) >= 0.15, "too few messages typed without Polish letters"
    assert not plain  # folding only removes diacritics, so plain text must already be folded


def test_annotated_entities_use_the_agreed_names(training) -> None:
    names = {
        ent.entity
        for lang in (None, *LANGUAGES)
        for ex in (training.examples if lang is None else _test_file(lang).examples)
        for ent in ex.entities
    }
    assert names <= ENTITY_TYPES
    assert {
        "date",
        "time",
        "street",
        "house_number",
        "ticket",
        "people",
        "district",
        "topic",
        "service",
    } <= names


def test_annotated_spans_point_at_their_text(training) -> None:
    for ex in training.examples:
        for ent in ex.entities:
            assert 0 <= ent.start < ent.end <= len(ex.text)
            assert ex.text[ent.start : ent.end].strip() == ex.text[ent.start : ent.end]
