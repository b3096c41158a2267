"""Shared fixtures for the NLU tests: the shipped model is trained once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.embedded import train_interpreter

TINY_PL = """version: "3.1"
nlu:
- intent: order_pizza
  examples: |
    - poproszę dużą pizzę
    - zamawiam pizzę [margheritę](dish)
    - chcę zamówić pizzę na [jutro](date)
    - jedna pizza z dostawą
    - pizza hawajska dla mnie
    - zamow pizze
    - dwie pizze pepperoni proszę
    - chciałbym pizzę z serem
- intent: opening_hours
  examples: |
    - do której jesteście otwarci
    - godziny otwarcia
    - kiedy otwieracie
    - czy jesteście otwarci w niedzielę
    - o której zamykacie
    - otwarte dzisiaj?
    - jakie macie godziny pracy
    - czynne w sobotę?
- intent: greet
  examples: |
    - cześć
    - dzień dobry
    - hej
    - witam
    - siema
    - dobry wieczór
    - hejka
    - czesc
- synonym: margherita
  examples: |
    - margaritę
"""

TINY_EN = """version: "3.1"
nlu:
- intent: order_pizza
  examples: |
    - I'd like a large pizza
    - order a [margherita](dish) pizza
    - I want to order pizza for [tomorrow](date)
    - one pizza with delivery
    - hawaiian pizza for me
    - order pizza
    - two pepperoni pizzas please
    - can I get a cheese pizza
- intent: opening_hours
  examples: |
    - until when are you open
    - opening hours
    - when do you open
    - are you open on Sunday
    - what time do you close
    - open today?
    - what are your hours
    - open on Saturday?
- intent: greet
  examples: |
    - hi
    - hello
    - hey
    - good morning
    - hiya
    - good evening
    - hey there
    - howdy
"""


def write_tiny_dataset(root: Path) -> Path:
    """A small two-language pizza-shop dataset: other intents than the city bot's, on purpose."""
    (root / "pl").mkdir(parents=True, exist_ok=True)
    (root / "en").mkdir(parents=True, exist_ok=True)
    (root / "pl" / "nlu.yml").write_text(TINY_PL, encoding="utf-8")
    (root / "en" / "nlu.yml").write_text(TINY_EN, encoding="utf-8")
    return root


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    return write_tiny_dataset(tmp_path / "data")


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_tiny_dataset(tmp_path_factory.mktemp("tiny") / "data")
    path = root.parent / "tiny.npz"
    train_interpreter(root).save(path)
    return path
