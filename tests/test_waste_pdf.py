"""Storing a prepared declaration and its PDF copy: full PESEL in the PDF only, deterministic bytes."""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from bot.db.models import AuditEntry, WasteDeclaration
from bot.domain import waste
from bot.domain.waste_pdf import declaration_pdf, pdf_filename
from bot.i18n import use_language
from tests.test_reports import add_resident

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
PESEL = "44051401359"


def pdf_text(data: bytes) -> str:
    """The text a reader sees, decoded through the fonts' ToUnicode maps (fpdf2 writes glyph ids)."""
    objects = {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S)}

    def stream(body: bytes) -> bytes:
        raw = re.search(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S).group(1)
        return zlib.decompress(raw) if b"/FlateDecode" in body else raw

    def cmap(number: int) -> dict[int, str]:
        text, mapping = stream(objects[number]), {}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
            for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
            for low, high, dst in re.findall(
                rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
            ):
                for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                    mapping[code] = chr(int(dst, 16) + offset)
        return mapping

    fonts = {}
    for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", data):
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", objects[int(ref)])
        if to_unicode:
            fonts[name.decode()] = cmap(int(to_unicode.group(1)))
    lines = []
    for body in objects.values():
        if b"stream" not in body or b"/ToUnicode" in body or b"/Length1" in body:
            continue
        try:
            content = stream(body)
        except (zlib.error, AttributeError):
            continue
        font: dict[int, str] = {}
        shown_text = rb"/(F\d+) [0-9.]+ Tf|(\((?:\\.|[^\\)])*\) Tj|\[.*?\] TJ)"
        for selected, shown in re.findall(shown_text, content, re.S):
            if selected:
                font = fonts.get(selected.decode(), {})
                continue
            line = ""
            for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)", shown, re.S):
                raw = re.sub(rb"\\([0-7]{1,3}|.)", _unescape, literal, flags=re.S)
                codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw) - 1, 2)]
                line += "".join(font.get(code, "?") for code in codes)
            lines.append(line)
    return "\n".join(lines)


def _unescape(match: re.Match) -> bytes:
    token = match.group(1)
    if token[:1].isdigit():
        return bytes([int(token, 8)])
    return {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(token, token)


def flat(text: str) -> str:
    """PDF lines joined, so a sentence wrapped over two lines is still found (fpdf2 draws a
    no-break space as a space)."""
    return " ".join(line.strip() for line in text.splitlines())


NEW = waste.NewDeclaration(
    resident_id=1,
    reason="first",
    applies_from=date(2026, 12, 1),
    filer_name="Zażółć Gęśla-Jaźń",
    pesel=PESEL,
    phone="+48600100200",
    email="anna@example.com",
    street="Głogowska",
    house_number="12",
    flat_number="4",
    building_type="single_family",
    residents=7,
    composting=True,
    large_family=True,
)


async def prepare(db, new: waste.NewDeclaration = NEW) -> waste.PreparedDeclaration:
    async with db.transaction() as session:
        return await waste.prepare_declaration(session, new, now=NOW)


async def test_a_prepared_declaration_is_stored_with_fee_rate_and_deadline_and_audited_without_pesel(db):
    await add_resident(db, 1)
    prepared = await prepare(db)
    assert (prepared.fee.monthly, prepared.deadline) == (130, date(2026, 12, 15))
    async with db.transaction() as session:
        row = await session.scalar(select(WasteDeclaration))
        entries = list((await session.execute(select(AuditEntry))).scalars())
    assert (row.pesel, row.monthly_fee, row.rate_valid_from, row.deadline) == (
        PESEL, 130, date(2022, 1, 1), date(2026, 12, 15)
    )  # fmt: skip
    (entry,) = [e for e in entries if e.action == "waste.declaration_prepared"]
    assert entry.target == f"waste:{row.id}" and entry.details["monthly_fee"] == "130.00"
    stored = json.dumps([(e.action, e.target, e.details) for e in entries], ensure_ascii=False)
    assert PESEL not in stored and "Zażółć" not in stored
    record = waste.staff_record(row)
    assert record["pesel"] == "*******1359" and PESEL not in json.dumps(record)


async def test_a_failed_insert_does_not_carry_the_pesel_into_the_error(db):
    with pytest.raises(StatementError) as failed:
        await prepare(db, replace(NEW, resident_id=999))  # no such resident: the foreign key refuses it
    assert PESEL not in str(failed.value) and "hidden" in str(failed.value)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"pesel": None}, "identity"),
        ({"nip": "1234563218"}, "identity"),  # both
        ({"pesel": "44051401358"}, "pesel"),
        ({"phone": None, "email": None}, "contact"),
        ({"applies_from": date(2021, 6, 1)}, "too_early"),
        ({"building_type": "multi_large"}, "composting"),
        ({"residents": 0}, "residents"),
        ({"reason": "whim"}, "reason"),
    ],
)
async def test_the_service_refuses_what_the_rules_refuse(db, change, problem):
    await add_resident(db, 1)
    with pytest.raises(waste.DeclarationError) as refused:
        await prepare(db, replace(NEW, **change))
    assert refused.value.problem == problem
    assert PESEL not in str(refused.value)


async def test_a_correction_has_no_deadline_but_the_row_keeps_a_date(db):
    await add_resident(db, 1)
    prepared = await prepare(db, replace(NEW, reason="correction"))
    assert prepared.deadline is None
    assert prepared.declaration.deadline == date(2026, 11, 29)  # the day it was prepared
    assert waste.deadline_of(prepared.declaration) is None


async def test_the_residents_own_declarations_only(db):
    await add_resident(db, 1)
    await add_resident(db, 2)
    first = await prepare(db)
    await prepare(db, replace(NEW, resident_id=2))
    async with db.transaction() as session:
        total, mine = await waste.declarations_of(session, 1)
        assert (total, [d.id for d in mine]) == (1, [first.declaration.id])
        assert await waste.declaration_for(session, first.declaration.id, 2) is None
        assert (await waste.declaration_for(session, first.declaration.id, 1)).id == first.declaration.id
        staff = await waste.recent_declarations(session)
    assert [r["pesel"] for r in staff] == ["*******1359", "*******1359"]


async def test_the_pdf_carries_the_full_pesel_the_fee_and_polish_letters(db):
    await add_resident(db, 1)
    prepared = await prepare(db)
    declaration = prepared.declaration
    with use_language("pl"):
        data = declaration_pdf(declaration, prepared.fee, prepared.deadline)
        again = declaration_pdf(declaration, prepared.fee, prepared.deadline)
    assert data.startswith(b"%PDF") and data == again  # the same declaration, the same bytes
    assert pdf_filename(declaration) == f"deklaracja-odpady-{declaration.id}.pdf"
    text = flat(pdf_text(data))
    for expected in (
        "DEK-ZAM — przygotowana deklaracja (kopia pomocnicza)",
        "Zażółć Gęśla-Jaźń",
        PESEL,
        "Głogowska 12/4, Poznań",
        "5 × 26,00 zł = 130,00 zł",
        "5 z 7 (Karta Dużej Rodziny)",
        "1 560,00 zł",
        "Złóż ją do 15 grudnia 2026",
        "https://epuap.gov.pl",
        "Deklaracja o wysokości opłaty za gospodarowanie odpadami komunalnymi (DEK-ZAM)",
        "To kopia przygotowana dla Twojej wygody, a nie złożona deklaracja.",
    ):
        assert expected in text, expected


async def test_the_pdf_in_english_with_a_nip_and_a_correction(db):
    await add_resident(db, 1)
    new = replace(NEW, pesel=None, nip="1234563218", reason="correction", building_type="multi_large",
                  composting=False, large_family=False, residents=3)  # fmt: skip
    prepared = await prepare(db, new)
    with use_language("en"):
        text = flat(pdf_text(declaration_pdf(prepared.declaration, prepared.fee, prepared.deadline)))
    assert "DEK-ZAM — prepared declaration (helper copy)" in text
    assert "NIP 1234563218" in text and "PESEL" not in text
    assert "3 × 25.00 PLN = 75.00 PLN" in text and "not applicable" in text
    assert "A correction has no deadline: you can file it at any time." in text
