"""TERYT ULIC import: XML and CSV exports written here from the documented format, Poznań kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.gazetteer import STREETS_ENV, Gazetteer, default_gazetteer, read_streets, reset_default_gazetteer
from nlu.gazetteer.store import SHIPPED_OSIEDLA
from nlu.gazetteer.teryt import import_teryt, main

ROWS = [
    # WOJ, POW, GMI, RODZ_GMI, SYM, SYM_UL, CECHA, NAZWA_1, NAZWA_2
    ("30", "64", "01", "1", "0969400", "05727", "ul.", "Głogowska", ""),
    ("30", "64", "01", "1", "0969400", "18411", "ul.", "Ratajczaka", "Franciszka"),
    ("30", "64", "01", "1", "0969400", "24680", "pl.", "Wolności", ""),
    ("30", "64", "01", "1", "0969400", "13579", "al.", "Marcinkowskiego", "Karola"),
    ("30", "64", "01", "1", "0969400", "11111", "os.", "Piastowskie", ""),
    ("30", "64", "01", "1", "0969400", "22222", "rondo", "Kaponiera", ""),
    ("30", "64", "01", "1", "0969400", "33333", "ul.", "Nowa Testowa", ""),
    ("30", "64", "01", "1", "0969400", "05727", "ul.", "Głogowska", ""),  # duplicate row
    ("30", "21", "01", "1", "0001234", "99999", "ul.", "Obca", ""),  # powiat poznański, not the city
    ("02", "64", "01", "1", "0986283", "88888", "ul.", "Wrocławska", ""),  # another voivodeship
]
HEADER = "WOJ;POW;GMI;RODZ_GMI;SYM;SYM_UL;CECHA;NAZWA_1;NAZWA_2;STAN_NA"


def xml_export(rows: list[tuple[str, ...]]) -> str:
    names = HEADER.split(";")
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<teryt><catalog name="ULIC" type="all" date="2026-01-01">',
    ]
    for row in rows:
        cols = []
        for name, value in zip(names, [*row, "2026-01-01"], strict=True):
            cols.append(f'<col name="{name}"/>' if value == "" else f'<col name="{name}">{value}</col>')
        out.append("<row>" + "".join(cols) + "</row>")
    out.append("</catalog></teryt>")
    return "\n".join(out)


def csv_export(rows: list[tuple[str, ...]]) -> str:
    return "\n".join([HEADER, *(";".join([*row, "2026-01-01"]) for row in rows)]) + "\n"


def check_imported(dest: Path) -> None:
    streets = {(s.name, s.kind): s for s in read_streets(dest)}
    assert set(streets) == {
        ("Głogowska", "ulica"),
        ("Ratajczaka", "ulica"),
        ("Wolności", "plac"),
        ("Marcinkowskiego", "aleja"),
        ("Piastowskie", "osiedle"),
        ("Kaponiera", "rondo"),
        ("Nowa Testowa", "ulica"),
    }
    assert streets[("Ratajczaka", "ulica")].full_name == "Franciszka Ratajczaka"
    assert streets[("Ratajczaka", "ulica")].teryt == "18411"
    assert streets[("Ratajczaka", "ulica")].osiedle == "Stare Miasto"  # carried over from the shipped list
    assert streets[("Głogowska", "ulica")].full_name == ""
    # The imported file is a working gazetteer (round trip).
    g = Gazetteer.from_files(dest, SHIPPED_OSIEDLA)
    text = "dziura na Nowej Testowej 5 i na placu Wolności"
    assert [(m.canonical, text[m.start : m.end], m.house_number) for m in g.find_streets(text)] == [
        ("Nowa Testowa", "Nowej Testowej", "5"),
        ("plac Wolności", "Wolności", None),
    ]
    assert g.lookup("Franciszka Ratajczaka").name == "Ratajczaka"  # type: ignore[union-attr]


def test_import_xml(tmp_path: Path) -> None:
    src = tmp_path / "ULIC.xml"
    src.write_text(xml_export(ROWS), encoding="utf-8")
    dest = tmp_path / "out" / "streets.csv"
    assert import_teryt(src, dest) == 7
    check_imported(dest)


def test_import_xml_in_windows_1250(tmp_path: Path) -> None:
    src = tmp_path / "ULIC.xml"
    src.write_bytes(xml_export(ROWS).replace("UTF-8", "windows-1250").encode("cp1250"))
    dest = tmp_path / "streets.csv"
    assert import_teryt(src, dest) == 7
    check_imported(dest)


def test_import_csv_with_bom(tmp_path: Path) -> None:
    src = tmp_path / "ULIC.csv"
    src.write_bytes(b"\xef\xbb\xbf" + csv_export(ROWS).encode("utf-8"))
    dest = tmp_path / "streets.csv"
    assert import_teryt(src, dest) == 7
    check_imported(dest)


def test_import_csv_without_bom_quoted_header(tmp_path: Path) -> None:
    src = tmp_path / "ULIC.csv"
    text = csv_export(ROWS).replace(HEADER, ";".join(f'"{h}"' for h in HEADER.split(";")))
    src.write_text(text, encoding="utf-8")
    assert import_teryt(src, tmp_path / "streets.csv") == 7


def test_default_destination_is_the_override_the_loader_prefers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "ULIC.csv"
    src.write_text(csv_export(ROWS), encoding="utf-8")
    dest = tmp_path / "var" / "streets.csv"
    monkeypatch.setenv(STREETS_ENV, str(dest))
    try:
        assert import_teryt(src) == 7
        assert dest.is_file()
        assert {s.name for s in default_gazetteer().streets} >= {"Nowa Testowa", "Głogowska"}
    finally:
        monkeypatch.delenv(STREETS_ENV)
        reset_default_gazetteer()


MALFORMED = {
    "empty": b"",
    "blank": b"   \n\n",
    "broken xml": b"<teryt><catalog><row><col name='WOJ'>30</col>",
    "xml without rows": b"<teryt><catalog name='ULIC'></catalog></teryt>",
    "xml row without columns": (
        b"<teryt><catalog name='ULIC'><row><col name='WOJ'>30</col></row></catalog></teryt>"
    ),
    "csv without the columns": b"a;b;c\n1;2;3\n",
    "csv header only": HEADER.encode() + b"\n",
    "no Poznan rows": csv_export([r for r in ROWS if r[1] != "64" or r[0] != "30"]).encode(),
    "binary": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_files_raise_a_one_line_value_error(tmp_path: Path, name: str) -> None:
    src = tmp_path / "bad.dat"
    src.write_bytes(MALFORMED[name])
    dest = tmp_path / "streets.csv"
    with pytest.raises(ValueError) as err:
        import_teryt(src, dest)
    message = str(err.value)
    assert message and "\n" not in message and str(src) in message
    assert not dest.exists()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        import_teryt(tmp_path / "missing.xml", tmp_path / "out.csv")


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "ULIC.xml"
    src.write_text(xml_export(ROWS), encoding="utf-8")
    dest = tmp_path / "streets.csv"
    assert main([str(src), str(dest)]) == 0
    assert "imported 7 streets" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("nonsense\n", encoding="utf-8")
    assert main([str(bad), str(dest)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert main([]) == 2
