"""The gazetteer: shipped data, inflected and typo-tolerant lookup, osiedla, the user override file."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.gazetteer import (
    SHIPPED_STREETS,
    STREETS_ENV,
    Gazetteer,
    Street,
    default_gazetteer,
    read_streets,
    reset_default_gazetteer,
    user_streets_path,
    write_streets,
)
from nlu.gazetteer.fuzzy import DeletionIndex, deletions, distance
from nlu.gazetteer.inflection import name_forms, token_forms
from nlu.gazetteer.store import SHIPPED_OSIEDLA

OFFICIAL_42 = {
    "Antoninek-Zieliniec-Kobylepole", "Chartowo", "Fabianowo-Kotowo", "Głuszyna", "Główna", "Górczyn",
    "Grunwald Południe", "Grunwald Północ", "Jana III Sobieskiego i Marysieńki", "Jeżyce", "Junikowo",
    "Kiekrz", "Krzesiny-Pokrzywno-Garaszewo", "Krzyżowniki-Smochowice", "Kwiatowe", "Ławica",
    "Morasko-Radojewo", "Naramowice", "Nowe Winogrady Południe", "Nowe Winogrady Północ",
    "Nowe Winogrady Wschód", "Ogrody", "Ostrów Tumski-Śródka-Zawady-Komandoria", "Piątkowo", "Podolany",
    "Rataje", "Sołacz", "Stare Miasto", "Stare Winogrady", "Starołęka-Minikowo-Marlewo", "Stary Grunwald",
    "Strzeszyn", "Szczepankowo-Spławie-Krzesinki", "Św. Łazarz", "Świerczewo", "Umultowo",
    "Warszawskie-Pomet-Maltańskie", "Wilda", "Winiary", "Wola", "Zielony Dębiec", "Żegrze",
}  # fmt: skip


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.from_files(SHIPPED_STREETS, SHIPPED_OSIEDLA)


def test_shipped_data(gaz: Gazetteer) -> None:
    assert len(gaz.streets) >= 300
    assert set(gaz.districts) == OFFICIAL_42 and len(gaz.districts) == 42
    keys = [(s.name, s.kind) for s in gaz.streets]
    assert len(keys) == len(set(keys))
    for street in gaz.streets:
        assert street.osiedle in OFFICIAL_42 or street.osiedle == "", street
        assert street.kind in {"ulica", "aleja", "plac", "osiedle", "rondo", "most", "rynek"}, street
    names = {s.name for s in gaz.streets}
    for must in [
        "Głogowska",
        "Dąbrowskiego",
        "Święty Marcin",
        "Garbary",
        "Półwiejska",
        "Grunwaldzka",
        "Królowej Jadwigi",
        "Towarowa",
        "Ratajczaka",
        "Bukowska",
        "Hetmańska",
        "Jana Pawła II",
    ]:
        assert must in names, must


LOOKUPS = [
    ("Głogowska", "Głogowska"),
    ("glogowskiej", "Głogowska"),
    ("ul. Głogowską", "Głogowska"),
    ("Dąbrowskiego", "Dąbrowskiego"),
    ("Jana Henryka Dąbrowskiego", "Dąbrowskiego"),
    ("Franciszka Ratajczaka", "Ratajczaka"),
    ("Świętego Marcina", "Święty Marcin"),
    ("Św. Marcin", "Święty Marcin"),
    ("świętym marcinie", "Święty Marcin"),
    ("Garbarach", "Garbary"),
    ("garbarow", "Garbary"),
    ("Półwiejskiej", "Półwiejska"),
    ("Grunwaldzkiej", "Grunwaldzka"),
    ("Starym Rynku", "Stary Rynek"),
    ("Górnej Wildzie", "Górna Wilda"),
    ("plac Wolności", "Wolności"),
    ("Glogowskiego", "Głogowska"),  # stem fallback
    ("Garbary street", "Garbary"),
]


@pytest.mark.parametrize(("query", "name"), LOOKUPS)
def test_lookup_exact_inflected_and_folded(gaz: Gazetteer, query: str, name: str) -> None:
    street = gaz.lookup(query)
    assert street is not None and street.name == name


def test_lookup_misses(gaz: Gazetteer) -> None:
    assert gaz.lookup("Marszałkowska") is None
    assert gaz.lookup("") is None
    assert gaz.lookup("ul.") is None


def test_lookup_prefers_the_kind_named() -> None:
    g = default_gazetteer()
    assert g.lookup("plac Mickiewicza").kind == "plac"  # type: ignore[union-attr]
    assert g.lookup("ul. Mickiewicza").kind == "ulica"  # type: ignore[union-attr]
    assert g.lookup("Mickiewicza").kind == "ulica"  # type: ignore[union-attr]


SUGGESTIONS = [
    ("Glogowsk", "Głogowska"),
    ("Połwiejska", "Półwiejska"),
    ("Dabrowskego", "Dąbrowskiego"),
    ("Grunwaldska", "Grunwaldzka"),
    ("Garbaryy", "Garbary"),
    ("Ratajczka", "Ratajczaka"),
    ("glogowskej", "Głogowska"),
]


@pytest.mark.parametrize(("query", "name"), SUGGESTIONS)
def test_suggest_near_misses(gaz: Gazetteer, query: str, name: str) -> None:
    suggestions = gaz.suggest(query)
    assert suggestions and suggestions[0].name == name
    assert len(suggestions) <= 3


def test_suggest_ranks_by_distance_and_limits(gaz: Gazetteer) -> None:
    assert [s.name for s in gaz.suggest("Wielka", limit=1)] == ["Wielka"]
    assert gaz.suggest("xqzvw") == []
    assert len(gaz.suggest("Polna", limit=5)) <= 5


def test_osiedla_relations(gaz: Gazetteer) -> None:
    assert gaz.osiedle_of("Półwiejskiej") == "Stare Miasto"
    assert gaz.osiedle_of("Matejki") == "Św. Łazarz"
    assert gaz.osiedle_of("Głogowska") is None  # it crosses several osiedla
    assert gaz.osiedle_of("Nieistniejąca") is None
    old_town = {s.name for s in gaz.streets_in("Stare Miasto")}
    assert {"Półwiejska", "Święty Marcin", "Wrocławska"} <= old_town
    assert {s.name for s in gaz.streets_in("na Łazarzu")} == {s.name for s in gaz.streets_in("Św. Łazarz")}
    assert gaz.streets_in("Nigdzie") == []


def test_district_names_aliases_and_groups(gaz: Gazetteer) -> None:
    assert gaz.district("na Łazarzu") == "Św. Łazarz"
    assert gaz.district("Łazarz") == "Św. Łazarz"
    assert gaz.district("Śródka") == "Ostrów Tumski-Śródka-Zawady-Komandoria"
    assert gaz.district("z Rataj") == "Rataje"
    assert gaz.district("Dębiec") == "Zielony Dębiec"
    assert gaz.district("Paryż") is None
    assert gaz.district_group("Winogrady") == (
        "Stare Winogrady",
        "Nowe Winogrady Północ",
        "Nowe Winogrady Południe",
        "Nowe Winogrady Wschód",
    )
    assert gaz.district_group("Jeżyce") == ("Jeżyce",)
    assert gaz.district_group("Atlantyda") == ()


def test_find_streets_gives_spans_and_house_numbers(gaz: Gazetteer) -> None:
    text = "Awaria na ul. Głogowskiej 12a/3 i przy Garbarach"
    matches = gaz.find_streets(text)
    assert [(m.canonical, text[m.start : m.end], m.house_number) for m in matches] == [
        ("Głogowska", "Głogowskiej", "12a/3"),
        ("Garbary", "Garbarach", None),
    ]
    first = matches[0]
    assert text[first.house_start : first.house_end] == "12a/3"
    assert first.method == "inflected" and matches[1].method == "inflected"
    assert gaz.warm() is gaz
    typo = gaz.find_streets("ul. Glogowskej 3")[0]
    assert typo.method == "fuzzy" and typo.confidence < first.confidence


def test_street_label() -> None:
    assert Street("Głogowska").label == "Głogowska"
    assert Street("Wolności", "plac").label == "plac Wolności"
    assert Street("Wolności", "plac", full_name="Plac Wolności").label == "Plac Wolności"
    assert Street("Marcinkowskiego", "aleja", full_name="Aleje Karola Marcinkowskiego").label == (
        "Aleje Marcinkowskiego"
    )
    assert Street("Piastowskie", "osiedle").label == "osiedle Piastowskie"


INFLECTIONS = [
    ("glogowska", {"glogowskiej", "glogowska"}),
    ("polna", {"polnej"}),
    ("garbary", {"garbarach", "garbar", "garbarow"}),
    ("wilda", {"wildzie", "wildy"}),
    ("srodka", {"srodce", "srodki"}),
    ("jezyce", {"jezycach", "jezyc"}),
    ("rataje", {"ratajach", "rataj"}),
    ("piatkowo", {"piatkowie", "piatkowa"}),
    ("morasko", {"morasku"}),
    ("lazarz", {"lazarzu"}),
    ("solacz", {"solaczu"}),
    ("rynek", {"rynku", "rynkiem"}),
    ("debiec", {"debcu", "debca"}),
    ("lawica", {"lawicy"}),
    ("wola", {"woli"}),
    ("komandoria", {"komandorii"}),
    ("tumski", {"tumskim", "tumskiego"}),
    ("piastowskie", {"piastowskim", "piastowskiego"}),
    ("dabrowskiego", set()),
]


@pytest.mark.parametrize(("word", "expected"), INFLECTIONS)
def test_token_forms(word: str, expected: set[str]) -> None:
    forms = token_forms(word)
    assert word in forms and expected <= forms
    if not expected:
        assert forms == {word}  # a genitive name does not decline


def test_name_forms() -> None:
    assert ("swietym", "marcinie") in name_forms("Święty Marcin")
    assert ("swietego", "marcina") in name_forms("Święty Marcin")
    assert ("sw", "marcin") in name_forms("Święty Marcin")
    assert ("starym", "miescie") in name_forms("Stare Miasto")
    assert ("nowych", "winogradach", "polnoc") in name_forms("Nowe Winogrady Północ")
    assert name_forms("Królowej Jadwigi") == {("krolowej", "jadwigi")}
    assert name_forms("Jana Pawła II") == {("jana", "pawla", "ii")}
    assert name_forms("Za Groblą") == {("za", "grobla")}


def test_fuzzy_primitives() -> None:
    assert distance("glogowska", "glogowska") == 0
    assert distance("glogowska", "glogwoska") == 1  # a transposition is one typo
    assert distance("dabrowskego", "dabrowskiego") == 1
    assert distance("abc", "xyz", limit=1) == 2  # early exit past the limit
    assert deletions("abc", 1) == {"abc", "bc", "ac", "ab"}
    index = DeletionIndex(["glogowska", "dabrowskiego", "wilda"])
    assert index.lookup("glogowsk") == [(1, "glogowska")]
    assert index.lookup("dabrowskgo") == [(2, "dabrowskiego")]  # two typos in a 12-letter name
    assert index.lookup("wolda") == []  # 5 letters: no typo budget


def test_user_override_file_is_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    override = tmp_path / "streets.csv"
    write_streets([Street("Testowa", "ulica", "Wilda"), Street("Próbna", "aleja")], override)
    monkeypatch.setenv(STREETS_ENV, str(override))
    assert user_streets_path() == override
    reset_default_gazetteer()
    try:
        g = default_gazetteer()
        assert {s.name for s in g.streets} == {"Testowa", "Próbna"}
        assert g.lookup("Testowej").osiedle == "Wilda"  # type: ignore[union-attr]
        assert len(g.districts) == 42
    finally:
        monkeypatch.delenv(STREETS_ENV)
        reset_default_gazetteer()
    assert len(default_gazetteer().streets) >= 300


def test_malformed_override_falls_back_to_shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "streets.csv"
    bad.write_text("this,is,not\na,streets,file\n", encoding="utf-8")
    monkeypatch.setenv(STREETS_ENV, str(bad))
    try:
        assert len(Gazetteer.from_files().streets) >= 300
    finally:
        monkeypatch.delenv(STREETS_ENV)


def test_default_override_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(STREETS_ENV, raising=False)
    assert user_streets_path() == Path("var") / "gazetteer" / "streets.csv"


@pytest.mark.parametrize(
    "content",
    ["", "name\n", "foo,bar\n1,2\n", "\ufeff\n"],
)
def test_read_streets_rejects_malformed_files(tmp_path: Path, content: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        read_streets(path)
    assert "\n" not in str(err.value)


def test_read_streets_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        read_streets(tmp_path / "nope.csv")


def test_write_read_round_trip(tmp_path: Path) -> None:
    streets = [Street("Ratajczaka", "ulica", "Stare Miasto", "Franciszka Ratajczaka", "18411")]
    path = tmp_path / "deep" / "dir" / "streets.csv"
    assert write_streets(streets, path) == 1
    assert read_streets(path) == streets
