"""Entity gate: span-level micro F1 of `extract_entities` on the held-out files, plus data checks.

The metric is `nlu.evaluation.entity_report` (exact type, start and end), the one `citybot nlu
evaluate` writes to entity_report.json. Spans do not depend on `now`; a fixed one keeps values stable.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from nlu.embedded import DEFAULT_DATA_DIR, DEFAULT_TEST_DIR
from nlu.entities import extract_entities
from nlu.entities.base import WARSAW
from nlu.evaluation import Prediction, entity_report
from nlu.yaml_data import Example, load_data

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=WARSAW)  # a Monday morning
LANGUAGES = ("pl", "en")
MIN_MICRO_F1 = 0.90
TOPICS = {"weather", "road_works", "seniors", "city_news", "waste_collection"}
SERVICES = {
    "id_card_application",
    "id_card_collection",
    "residence_registration",
    "vehicle_registration",
    "driving_licence",
    "civil_status_certificate",
    "waste_declaration_help",
}


def _predictions(examples: list[Example]) -> list[Prediction]:
    return [
        Prediction(
            ex, ex.intent, 1.0, ex.language or "", tuple(extract_entities(ex.text, lang=ex.language, now=NOW))
        )
        for ex in examples
    ]


def _mismatches(predictions: list[Prediction]) -> list[str]:
    lines = []
    for p in predictions:
        gold = {(a.entity, a.start, a.end) for a in p.example.entities}
        found = {(e.entity, e.start, e.end) for e in p.entities}
        text = p.example.text
        for kind, start, end in sorted(gold - found, key=lambda g: g[1]):
            lines.append(f"  missed {kind} {text[start:end]!r} in {text!r}")
        for kind, start, end in sorted(found - gold, key=lambda g: g[1]):
            lines.append(f"  extra  {kind} {text[start:end]!r} in {text!r}")
    return lines


@pytest.mark.parametrize("lang", LANGUAGES)
def test_held_out_entity_micro_f1(lang: str) -> None:
    predictions = _predictions(load_data(DEFAULT_TEST_DIR / f"test_{lang}.yml").examples)
    report = entity_report(predictions)
    assert report is not None
    per_type = "\n".join(
        f"  {kind:<13} P {row['precision']:.2f} R {row['recall']:.2f} F1 {row['f1-score']:.2f}"
        f" (n={row['support']})"
        for kind, row in report.items()
    )
    micro = report["micro avg"]["f1-score"]
    mistakes = "\n".join(_mismatches(predictions))
    assert micro >= MIN_MICRO_F1, (
        f"{lang} entity micro F1 {micro:.3f} < {MIN_MICRO_F1}\n{per_type}\n{mistakes}"
    )


def _all_examples() -> list[Example]:
    examples = list(load_data(DEFAULT_DATA_DIR).examples)
    for lang in LANGUAGES:
        examples.extend(load_data(DEFAULT_TEST_DIR / f"test_{lang}.yml").examples)
    return examples


def test_topic_and_service_annotations_carry_a_known_code() -> None:
    wrong = [
        (ex.text, a.entity, a.value)
        for ex in _all_examples()
        for a in ex.entities
        if (a.entity == "topic" and a.value not in TOPICS)
        or (a.entity == "service" and a.value not in SERVICES)
    ]
    assert not wrong


def test_extracted_codes_agree_with_the_annotated_ones() -> None:
    disagree = []
    for ex in _all_examples():
        found = {
            (e.entity, e.start, e.end): e.value for e in extract_entities(ex.text, lang=ex.language, now=NOW)
        }
        for a in ex.entities:
            if a.entity in {"topic", "service"} and found.get((a.entity, a.start, a.end), a.value) != a.value:
                disagree.append((ex.text, a.entity, a.value, found[(a.entity, a.start, a.end)]))
    assert not disagree


EVERYDAY = [
    "w sprawie mojego wniosku nic się nie dzieje",
    "piszę w sprawie dziury",
    "w zasadzie to wszystko",
    "na szczęście nic się nie stało",
    "w ogóle nie działa",
    "po prostu nie wiem",
    "przy okazji mam pytanie",
    "z tego co wiem to jest zamknięte",
    "w razie czego zadzwonię",
    "na miejscu okazało się że nikogo nie ma",
    "na dole jest parking",
    "mieszkam w bloku",
    "pracuję w szpitalu",
    "w parku jest ładnie",
    "pod mostem śpią bezdomni",
    "wzdłuż rzeki jest ścieżka",
    "na chodniku jest lód",
    "na ulicy jest ciemno",
    "wielka szkoda",
    "polska reprezentacja wygrała",
    "wróćmy do polskiego",
    "chciałabym zgłosić projekt do Poznańskiego Budżetu Obywatelskiego",
    "kto strzelił gola dla Lecha",
    "dostałem pismo z urzędu skarbowego",
    "mam dwoje dzieci",
    "mój syn ma pięć lat",
    "czekam od godziny",
    "spóźniłem się o 10 minut",
    "mam 30 lat",
    "mieszkanie ma 50 metrów",
    "po drugiej stronie jezdni",
    "po pierwsze nie działa",
    "to jest dobra wola",
    "ogrody działkowe są zamknięte",
    "pełno śmieci na trawniku",
    "przestań mi wysyłać wiadomości",
    "I am writing about my application",
    "at least it is open",
    "by the way I have a question",
    "to be honest I don't know",
    "the kids go to school",
    "there is a cat on the road",
    "how do I get to the station",
    "I am 30 years old",
    "room 12",
    "first of all it doesn't work",
    "I bought two tickets",
    "any news on my report",
    "the traffic light is red",
    "the bins are full",
    "how much do we pay for garbage",
    "who scored for Lech",
]


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_sentences_have_no_entities(text: str) -> None:
    entities = extract_entities(text, lang=None, now=NOW)
    assert [(e.entity, text[e.start : e.end]) for e in entities] == []
