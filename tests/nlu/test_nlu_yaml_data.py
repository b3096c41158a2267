"""The Rasa YAML loader: entity annotations, languages from paths, skipped sections, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.yaml_data import NLUDataError, data_digest, language_of_path, load_data, parse_annotated


def test_plain_text_has_no_entities() -> None:
    assert parse_annotated("dziura w jezdni") == ("dziura w jezdni", ())


def test_short_annotations_become_spans() -> None:
    text, ents = parse_annotated("na [Głogowskiej](street) [15](house_number) jest dziura")
    assert text == "na Głogowskiej 15 jest dziura"
    assert [(e.entity, e.value, text[e.start : e.end]) for e in ents] == [
        ("street", "Głogowskiej", "Głogowskiej"),
        ("house_number", "15", "15"),
    ]


def test_json_annotation_with_value_role_and_group() -> None:
    text, ents = parse_annotated(
        'nie świeci przy [Garbarach]{"entity": "street", "value": "Garbary", "role": "place", "group": "1"}'
    )
    assert text == "nie świeci przy Garbarach"
    (ent,) = ents
    assert (ent.entity, ent.value, ent.role, ent.group) == ("street", "Garbary", "place", "1")
    assert text[ent.start : ent.end] == "Garbarach"


def test_legacy_entity_value_shorthand() -> None:
    text, (ent,) = parse_annotated("o [dziesiątej](time:10:00)")
    assert text == "o dziesiątej" and (ent.entity, ent.value) == ("time", "10:00")


def test_unannotated_brackets_and_broken_json_are_kept_as_text() -> None:
    assert parse_annotated("a [b] c") == ("a [b] c", ())
    text, ents = parse_annotated('x [y]{"entity": } z')
    assert text == "x y z" and ents == ()


@pytest.mark.parametrize(
    ("path", "lang"),
    [
        ("data/pl/nlu.yml", "pl"),
        ("data/en/city.yml", "en"),
        ("test/test_pl.yml", "pl"),
        ("x/nlu_en.yaml", "en"),
        ("x/pl-basics.yml", "pl"),
        ("x/nlu.yml", None),
        ("x/plural.yml", None),
    ],
)
def test_language_comes_from_the_path(path: str, lang: str | None) -> None:
    assert language_of_path(Path(path)) == lang


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hej
    - [cześć](greeting_word) wszystkim
- intent: bye
  examples:
  - text: pa
  - text: do widzenia
- synonym: Garbary
  examples: |
    - Garbarach
- regex: ticket
  examples: |
    - PZN-\\d+
- lookup: district
  examples: |
    - Jeżyce
"""


def test_directory_loading_skips_test_folders_and_other_yaml(tmp_path: Path) -> None:
    _write(tmp_path / "pl" / "nlu.yml", GOOD)
    _write(tmp_path / "test" / "test_pl.yml", GOOD.replace("hej", "SHOULD NOT LOAD"))
    _write(tmp_path / "config.yml", "language: pl\npipeline: []\n")
    data = load_data(tmp_path)
    assert [ex.text for ex in data.examples] == ["hej", "cześć wszystkim", "pa", "do widzenia"]
    assert {ex.language for ex in data.examples} == {"pl"}
    assert data.intents == ["bye", "greet"]
    assert data.skipped_sections == 3
    assert data.examples[1].entities[0].entity == "greeting_word"


def test_lang_filter_skips_other_languages_and_labels_unmarked_files(tmp_path: Path) -> None:
    _write(tmp_path / "en" / "a.yml", GOOD.replace("hej", "hello"))
    _write(tmp_path / "common.yml", GOOD)
    data = load_data(tmp_path, lang="pl")
    assert {ex.language for ex in data.examples} == {"pl"}
    assert "hello" not in [ex.text for ex in data.examples]


def test_digest_follows_the_file_contents(tmp_path: Path) -> None:
    file = _write(tmp_path / "pl" / "nlu.yml", GOOD)
    before = data_digest(tmp_path)
    assert data_digest(tmp_path) == before
    file.write_text(GOOD.replace("hej", "hejka"), encoding="utf-8")
    assert data_digest(tmp_path) != before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("nlu:\n- intent: greet\n  examples: |\n    - a\n  - b: [\n", "malformed YAML at line"),
        ("language: pl\n", "no top-level 'nlu:' key"),
        ("nlu: {greet: 1}\n", "must be a list"),
        ("nlu:\n- intent: greet\n  examples: |\n    hej bez myślnika\n", "must start with '- '"),
        ("nlu:\n- intent: greet\n  examples: 5\n", "'examples' must be"),
        ("nlu:\n- intent: greet\n  examples: |\n", "no NLU examples"),
    ],
)
def test_malformed_files_raise_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    file = _write(tmp_path / "bad.yml", content)
    with pytest.raises(NLUDataError) as info:
        load_data(file)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(NLUDataError, match="not found"):
        load_data(tmp_path / "nope.yml")
    binary = tmp_path / "bin.yml"
    binary.write_bytes(b"\xff\xfe\x00nlu")
    with pytest.raises(NLUDataError, match="not UTF-8"):
        load_data(binary)
