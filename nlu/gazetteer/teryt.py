"""Import the official GUS TERYT ULIC street register (XML or CSV) into the gazetteer's CSV format.

The shipped street list is a hand-checked subset; the register has every street. Only Poznań is kept
(WOJ 30, POW 64: a city county, GMI 01, RODZ_GMI 1). Osiedle assignments are carried over from the
shipped file where the names match, since TERYT ULIC does not know the osiedla.

    python -m nlu.gazetteer.teryt ULIC_Adresowy.xml [dest.csv]
"""

from __future__ import annotations

import csv
import io
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from nlu.gazetteer.model import Street
from nlu.gazetteer.store import (
    SHIPPED_STREETS,
    read_streets,
    reset_default_gazetteer,
    user_streets_path,
    write_streets,
)
from nlu.text import fold

REQUIRED = ("WOJ", "POW", "GMI", "RODZ_GMI", "CECHA", "NAZWA_1")
POZNAN = {"WOJ": 30, "POW": 64, "GMI": 1, "RODZ_GMI": 1}
# TERYT CECHA (street feature) -> gazetteer kind.
CECHA_KINDS = {
    "ul.": "ulica",
    "al.": "aleja",
    "pl.": "plac",
    "os.": "osiedle",
    "rondo": "rondo",
    "skwer": "skwer",
    "park": "park",
    "rynek": "rynek",
    "bulw.": "bulwar",
    "wyb.": "wybrzeże",
    "droga": "droga",
    "szosa": "szosa",
    "ogród": "ogród",
    "wyspa": "wyspa",
    "most": "most",
    "inne": "inne",
}


def import_teryt(src: Path, dest: Path | None = None) -> int:
    """Write Poznań's streets from a TERYT ULIC export to `dest` (default: the user override path).

    Returns how many streets were written. Raises ValueError with a one-line message when the file
    is missing, empty, malformed or holds no Poznań street.
    """
    src = Path(src)
    try:
        data = src.read_bytes()
    except OSError as exc:
        raise ValueError(f"{src}: cannot read ({exc.strerror or exc})") from exc
    text = _decode(data, src)
    if not text.strip():
        raise ValueError(f"{src}: empty file")
    rows = _xml_rows(data, src) if text.lstrip().startswith("<") else _csv_rows(text, src)
    known = _known_osiedla()
    streets: dict[tuple[str, str], Street] = {}
    seen_rows = 0
    for row in rows:
        seen_rows += 1
        missing = [col for col in REQUIRED if col not in row]
        if missing:
            raise ValueError(f"{src}: row {seen_rows} lacks {', '.join(missing)}")
        if not _is_poznan(row):
            continue
        name = " ".join((row.get("NAZWA_1") or "").split())
        if not name:
            continue
        first = " ".join((row.get("NAZWA_2") or "").split())
        kind = CECHA_KINDS.get((row.get("CECHA") or "").strip().lower(), "ulica")
        full = f"{first} {name}" if first else ""
        key = (name, kind)
        if key in streets:
            continue
        streets[key] = Street(
            name=name,
            kind=kind,
            osiedle=known.get((fold(name), kind)) or known.get((fold(name), "")) or "",
            full_name=full,
            teryt=(row.get("SYM_UL") or "").strip(),
        )
    if seen_rows == 0:
        raise ValueError(f"{src}: no ULIC rows")
    if not streets:
        raise ValueError(f"{src}: no Poznań streets (WOJ 30, POW 64, GMI 01, RODZ_GMI 1)")
    target = Path(dest) if dest is not None else user_streets_path()
    count = write_streets(streets.values(), target)
    reset_default_gazetteer()
    return count


def _decode(data: bytes, src: Path) -> str:
    for encoding in ("utf-8-sig", "cp1250"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{src}: not UTF-8 or Windows-1250 text")


def _xml_rows(data: bytes, src: Path) -> Iterator[dict[str, str]]:
    """Rows of `<teryt><catalog name="ULIC"><row><col name="WOJ">30</col>...` (bytes: the XML
    declaration names the encoding)."""
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, ValueError) as exc:
        raise ValueError(f"{src}: malformed XML ({exc})") from exc
    for row in root.iter():
        if _local(row.tag) != "row":
            continue
        yield {
            (col.get("name") or "").strip().upper(): (col.text or "").strip()
            for col in row
            if _local(col.tag) == "col" and col.get("name")
        }


def _local(tag: object) -> str:
    """An element's name without its XML namespace."""
    return str(tag).rsplit("}", 1)[-1]


def _csv_rows(text: str, src: Path) -> Iterator[dict[str, str]]:
    """Rows of the semicolon-separated export (header WOJ;POW;GMI;RODZ_GMI;SYM;SYM_UL;CECHA;...)."""
    reader = csv.reader(io.StringIO(text), delimiter=";")
    try:
        header = [h.strip().strip('"').upper() for h in next(reader)]
    except StopIteration:
        raise ValueError(f"{src}: empty file") from None
    missing = [col for col in REQUIRED if col not in header]
    if missing:
        raise ValueError(f"{src}: not a TERYT ULIC file (missing columns: {', '.join(missing)})")
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        yield dict(zip(header, (v.strip() for v in values), strict=False))


def _is_poznan(row: dict[str, str]) -> bool:
    for col, want in POZNAN.items():
        try:
            if int(row.get(col) or "-1") != want:
                return False
        except ValueError:
            return False
    return True


def _known_osiedla() -> dict[tuple[str, str], str]:
    """(folded name, kind) -> osiedle from the shipped list, also keyed by name alone."""
    known: dict[tuple[str, str], str] = {}
    try:
        shipped = read_streets(SHIPPED_STREETS)
    except ValueError:
        return known
    for street in shipped:
        if street.osiedle:
            known[(fold(street.name), street.kind)] = street.osiedle
            known.setdefault((fold(street.name), ""), street.osiedle)
    return known


def main(argv: list[str] | None = None) -> int:
    """CLI: import SRC [DEST]; prints the count, or the error on one line and exits 2."""
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2 or args[0] in {"-h", "--help"}:
        print("usage: python -m nlu.gazetteer.teryt ULIC.xml|ULIC.csv [dest.csv]", file=sys.stderr)
        return 2
    dest = Path(args[1]) if len(args) == 2 else None
    try:
        count = import_teryt(Path(args[0]), dest)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"imported {count} streets into {dest or user_streets_path()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
