"""The waste declaration and the quick fee question as scripted conversations, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import select

from bot.conversation import Dialogue, DialogueConfig, Registry
from bot.db.models import WasteDeclaration
from handlers import register_all, waste
from tests.conversation import Conversation, ScriptedInterpreter
from tests.test_waste_pdf import flat, pdf_text

PESEL = "44051401359"
NBSP = "\xa0"


def registry() -> Registry:
    """Every feature, with the waste declaration in place of its "coming soon" entry."""
    built = register_all(Registry())
    waste.register(built)
    return built


@pytest.fixture
def interpreter() -> ScriptedInterpreter:
    return ScriptedInterpreter()


@pytest.fixture
def dialogue(db, interpreter, clock) -> Dialogue:
    return Dialogue(db, registry(), interpreter, config=DialogueConfig(), clock=clock)


@pytest.fixture
def chat(dialogue) -> Conversation:
    return Conversation(dialogue, resident_id=4242)


async def declarations(db) -> list[WasteDeclaration]:
    async with db.transaction() as session:
        return list((await session.execute(select(WasteDeclaration).order_by(WasteDeclaration.id))).scalars())


# The Polish form, step by step: (what the bot asks, how the resident answers).
STEPS = [
    ("Z jakiego powodu", ("press", "Pierwsza deklaracja")),
    ("Od kiedy obowiązuje deklaracja?", ("say", "01.12.2026")),
    ("Jakie jest imię i nazwisko", ("say", "Jan Kowalski")),
    ("Jaki jest Twój numer PESEL", ("say", PESEL)),
    ("Jak urząd może się z Tobą skontaktować", ("say", "600 100 200")),
    ("Jaki jest adres nieruchomości", ("say", "Głogowska 12/4")),
    ("Jaki to budynek?", ("press", "Dom jednorodzinny")),
    ("Ile osób tam mieszka?", ("say", "4")),
    ("Czy kompostujesz bioodpady", ("press", "Tak")),
    ("Czy masz Kartę Dużej Rodziny?", ("press", "Nie")),
]


async def start(chat: Conversation) -> None:
    await chat.says("♻️ Deklaracja śmieciowa")
    await chat.press("Przygotuj deklarację")


async def answer_until(chat: Conversation, stop: str | None = None, steps=STEPS) -> None:
    """Answer the form's questions in order until the one starting with `stop` is asked."""
    for question, (how, what) in steps:
        assert question in chat.text, (question, chat.text)
        if stop is not None and question.startswith(stop):
            return
        await (chat.press(what) if how == "press" else chat.says(what))


# -- the whole form ------------------------------------------------------------------------------
async def test_full_declaration_in_polish_ends_with_the_fee_the_deadline_and_the_pdf(chat, db, caplog):
    caplog.set_level(logging.DEBUG)
    await chat.says("♻️ Deklaracja śmieciowa")
    assert chat.labels() == ["📝 Przygotuj deklarację", "🧮 Ile zapłacę?", "📂 Moje deklaracje"]
    await chat.press("Przygotuj deklarację")
    assert chat.replies[0].text.startswith("Przygotujmy Twoją deklarację o opłacie za odpady (DEK-ZAM)")
    assert chat.labels() == [
        "🆕 Pierwsza deklaracja (zamieszkanie)",
        "✏️ Zmiana (np. liczby mieszkańców)",
        "🛠 Korekta wcześniejszej",
    ]
    await answer_until(chat)
    assert chat.text.splitlines() == [
        "Sprawdź, proszę, swoją deklarację:",
        "Powód: Pierwsza deklaracja",
        "Obowiązuje od: 1 grudnia 2026",
        "Imię i nazwisko: Jan Kowalski",
        "PESEL: *******1359",
        "Kontakt: +48600100200",
        "Adres: Głogowska 12/4, Poznań",
        "Budynek: dom jednorodzinny",
        "Liczba mieszkańców: 4",
        "Kompostowanie bioodpadów: tak",
        "Karta Dużej Rodziny: nie",
        "",
        f"Opłata: 104,00{NBSP}zł miesięcznie (1{NBSP}248,00{NBSP}zł rocznie).",
        f"Wyliczenie: 4 × (28,00{NBSP}zł − 2,00{NBSP}zł) = 104,00{NBSP}zł miesięcznie.",
        "Złóż ją do 15 grudnia 2026 (14 dni od zamieszkania pierwszego mieszkańca).",
    ]
    await chat.press("Potwierdzam")
    done, how = chat.replies
    assert done.text.splitlines() == [
        "Twoja deklaracja jest przygotowana (nr 1).",
        f"Opłata: 104,00{NBSP}zł miesięcznie (1{NBSP}248,00{NBSP}zł rocznie).",
        "Złóż ją do 15 grudnia 2026 (14 dni od zamieszkania pierwszego mieszkańca).",
        "Poniższy PDF to kopia przygotowana dla Twojej wygody, a nie złożona deklaracja.",
    ]
    (pdf,) = done.attachments
    assert (pdf.filename, pdf.mime_type) == ("deklaracja-odpady-1.pdf", "application/pdf")
    assert pdf.data.startswith(b"%PDF")
    text = flat(pdf_text(pdf.data))
    assert "Jan Kowalski" in text and PESEL in text and "104,00 zł" in text
    assert how.text.startswith("Jak ją złożyć:\n1. Otwórz elektroniczne usługi miasta")
    assert "Deklaracja o wysokości opłaty za gospodarowanie odpadami komunalnymi (DEK-ZAM)" in how.text
    assert "profilem zaufanym" in how.text and how.menu
    (row,) = await declarations(db)
    assert (row.reason, str(row.applies_from), row.filer_name, row.pesel, row.nip, row.phone, row.email) == (
        "first", "2026-12-01", "Jan Kowalski", PESEL, None, "+48600100200", None
    )  # fmt: skip
    assert (row.street, row.house_number, row.flat_number, row.building_type, row.residents) == (
        "Głogowska", "12", "4", "single_family", 4
    )  # fmt: skip
    assert (row.composting, row.large_family, row.monthly_fee, str(row.deadline)) == (
        True,
        False,
        104,
        "2026-12-15",
    )
    assert row.resident_id == 4242
    assert PESEL not in caplog.text  # nothing the bot logs carries the number


async def test_full_declaration_in_english_with_a_nip_for_a_block_of_flats(dialogue, db):
    chat = Conversation(dialogue, resident_id=77, language="en")
    await chat.says("/waste")
    await chat.press("Prepare the declaration")
    await chat.press("Change")
    assert chat.text.startswith("From which day does the change apply?")
    await chat.says("5.12.2026")
    await chat.says("Anna Nowak")
    await chat.says("PL 123-456-32-18")
    await chat.says("anna@example.com")
    await chat.says("Półwiejska 5 m. 7")
    await chat.press("More than 4 flats")
    await chat.says("3")
    assert chat.text.startswith("Do you have a Large Family Card")  # no composting question for a block
    await chat.press("No")
    assert chat.text.splitlines() == [
        "Please check your declaration:",
        "Reason: Change of data",
        "Applies from: 5 December 2026",
        "Name: Anna Nowak",
        "NIP: 1234563218",
        "Contact: anna@example.com",
        "Address: Półwiejska 5/7, Poznań",
        "Building: multi-flat building, more than 4 flats",
        "Residents: 3",
        "Large Family Card: no",
        "",
        f"Fee: 75.00{NBSP}PLN a month (900.00{NBSP}PLN a year).",
        f"Calculation: 3 × 25.00{NBSP}PLN = 75.00{NBSP}PLN a month.",
        "File it by 10 January 2027 (by the 10th of the month after the change).",
    ]
    await chat.press("Confirm")
    done, how = chat.replies
    assert done.text.startswith("Your declaration is prepared (no. 1).")
    assert how.text.startswith("How to file it:\n1. Open the city's electronic services")
    text = flat(pdf_text(done.attachments[0].data))
    assert "DEK-ZAM — prepared declaration (helper copy)" in text and "NIP 1234563218" in text
    (row,) = await declarations(db)
    assert (row.nip, row.pesel, row.email, row.flat_number, row.monthly_fee) == (
        "1234563218", None, "anna@example.com", "7", 75
    )  # fmt: skip


# -- the quick question --------------------------------------------------------------------------
async def test_quick_question_asks_only_what_is_missing_then_prepares_with_the_same_answers(
    chat, interpreter, db
):
    interpreter.understands("ile zapłacę za śmieci za 4 osoby?", "waste_declaration", people=4)
    await chat.says("ile zapłacę za śmieci za 4 osoby?")
    assert chat.text == "Jaki to budynek?"
    await chat.press("Dom jednorodzinny")
    assert chat.text.startswith("Czy kompostujesz bioodpady")
    await chat.press("Tak")
    assert chat.text.splitlines() == [
        f"Dla 4 mieszkańców w domu jednorodzinnym, z kompostownikiem: 104,00{NBSP}zł miesięcznie "
        f"(1{NBSP}248,00{NBSP}zł rocznie).",
        f"Wyliczenie: 4 × (28,00{NBSP}zł − 2,00{NBSP}zł) = 104,00{NBSP}zł miesięcznie.",
        "To dzisiejsza stawka; w deklaracji liczy się stawka obowiązująca w dniu, od którego deklaracja "
        "obowiązuje.",
    ]
    assert chat.labels() == ["📝 Przygotuj deklarację z tymi odpowiedziami"]
    await chat.press("Przygotuj deklarację")
    await answer_until(chat, steps=STEPS[:6])  # up to the address: building, residents, composting are known
    assert chat.text.startswith("Czy masz Kartę Dużej Rodziny?")
    await chat.press("Nie")
    assert "Liczba mieszkańców: 4" in chat.text and "Kompostowanie bioodpadów: tak" in chat.text
    await chat.press("Potwierdzam")
    (row,) = await declarations(db)
    assert (row.residents, row.building_type, row.composting, row.monthly_fee) == (
        4,
        "single_family",
        True,
        104,
    )


async def test_quick_question_with_the_real_nlu(db, nlu_interpreter, clock):
    chat = Conversation(Dialogue(db, registry(), nlu_interpreter, clock=clock), resident_id=5)
    await chat.says("ile zapłacę za śmieci za 4 osoby?")
    assert chat.text == "Jaki to budynek?"
    await chat.press("Do 4 mieszkań")
    assert chat.text.startswith(f"Dla 4 mieszkańców w budynku z najwyżej 4 mieszkaniami: 112,00{NBSP}zł")


async def test_a_question_that_says_everything_is_answered_at_once(chat, interpreter):
    text = "ile zapłacę za śmieci za 2 osoby w domu jednorodzinnym bez kompostownika"
    interpreter.understands(text, "waste_declaration", people=2)
    await chat.says(text)
    assert chat.text.splitlines()[0] == (
        f"Dla 2 mieszkańców w domu jednorodzinnym: 56,00{NBSP}zł miesięcznie (672,00{NBSP}zł rocznie)."
    )


@pytest.mark.parametrize(
    ("language", "residents", "first_line"),
    [
        ("pl", "1", f"Dla 1 mieszkańca w budynku z najwyżej 4 mieszkaniami: 28,00{NBSP}zł miesięcznie "
                    f"(336,00{NBSP}zł rocznie)."),
        ("pl", "2", f"Dla 2 mieszkańców w budynku z najwyżej 4 mieszkaniami: 56,00{NBSP}zł miesięcznie "
                    f"(672,00{NBSP}zł rocznie)."),
        ("pl", "7", f"Dla 7 mieszkańców w budynku z najwyżej 4 mieszkaniami, z Kartą Dużej Rodziny: "
                    f"140,00{NBSP}zł miesięcznie (1{NBSP}680,00{NBSP}zł rocznie)."),
        ("en", "1", f"For 1 resident in a building with up to 4 flats: 28.00{NBSP}PLN a month "
                    f"(336.00{NBSP}PLN a year)."),
        ("en", "7", f"For 7 residents in a building with up to 4 flats, with a Large Family Card: "
                    f"140.00{NBSP}PLN a month (1,680.00{NBSP}PLN a year)."),
    ],
)  # fmt: skip
async def test_quick_question_from_the_menu_with_plurals(dialogue, language, residents, first_line):
    chat = Conversation(dialogue, resident_id=8, language=language)
    await chat.says("/waste")
    await chat.press("🧮")
    await chat.says(residents)
    await chat.press("4")  # up to 4 flats
    if int(residents) > 5:
        await chat.press("Tak" if language == "pl" else "Yes")
    assert chat.text.splitlines()[0] == first_line
    if int(residents) > 5 and language == "pl":
        assert "Z Kartą Dużej Rodziny opłata obejmuje 5 z 7 mieszkańców." in chat.text


async def test_a_question_about_the_form_itself_starts_the_form(chat, interpreter):
    text = "mieszka nas pięcioro, zmień deklarację śmieciową"
    interpreter.understands(text, "waste_declaration", people=5)
    await chat.says(text)
    assert chat.text.endswith("Od kiedy obowiązuje zmiana? Wpisz datę, na przykład 29.11.2026.")


# -- bad input -----------------------------------------------------------------------------------
async def test_pesel_with_a_wrong_checksum_is_refused_with_the_reason(chat, db):
    await start(chat)
    await answer_until(chat, "Jaki jest Twój numer PESEL")
    await chat.says("90010112345")
    assert chat.replies[0].text == (
        "Ten PESEL jest niepoprawny: nie zgadza się cyfra kontrolna. Sprawdź, proszę, numer."
    )
    assert chat.replies[-1].text.startswith("Jaki jest Twój numer PESEL")
    assert "90010112345" not in chat.text
    await chat.says("123")
    assert chat.replies[0].text == "PESEL ma 11 cyfr, a NIP 10. Sprawdź, proszę, numer."
    await chat.says("1234563219")
    assert chat.replies[0].text.startswith("Ten NIP jest niepoprawny")
    await chat.says(PESEL)
    assert chat.text.startswith("Jak urząd może się z Tobą skontaktować")


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("0", "Musi tam mieszkać co najmniej jedna osoba"),
        ("500", "To więcej niż 99 mieszkańców. Podaj, proszę, liczbę od 1 do 99."),
        ("dużo", "Wpisz, proszę, liczbę mieszkańców cyframi, na przykład 3."),
    ],
)
async def test_impossible_numbers_of_residents_are_refused_with_the_reason(chat, db, typed, reason):
    await start(chat)
    await answer_until(chat, "Ile osób tam mieszka?")
    await chat.says(typed)
    assert chat.replies[0].text.startswith(reason)
    assert chat.replies[-1].text.startswith("Ile osób tam mieszka?")
    await chat.says("mieszkamy we trójkę")
    assert chat.text.startswith("Czy kompostujesz bioodpady")


async def test_composting_for_a_block_of_flats_is_refused_with_the_reason(chat, db):
    await start(chat)
    await answer_until(chat, "Jaki to budynek?")
    await chat.press("Ponad 4 mieszkania")
    await chat.says("3, kompostujemy")
    note, question = chat.replies
    assert note.text.startswith("Ulga za kompostowanie przysługuje tylko w domach jednorodzinnych")
    assert question.text.startswith("Czy masz Kartę Dużej Rodziny?")
    await chat.press("Nie")
    assert "Kompostowanie" not in chat.text and f"Opłata: 75,00{NBSP}zł miesięcznie" in chat.text
    await chat.press("Potwierdzam")
    (row,) = await declarations(db)
    assert (row.composting, row.monthly_fee) == (False, 75)


async def test_composting_claimed_in_a_quick_question_about_a_block_is_not_counted(chat, interpreter):
    text = "ile zapłacę za śmieci za 3 osoby w bloku z ponad 4 mieszkaniami, kompostujemy"
    interpreter.understands(text, "waste_declaration", people=3)
    await chat.says(text)
    note, amount = chat.replies
    assert note.text.startswith("Ulga za kompostowanie przysługuje tylko w domach jednorodzinnych")
    assert amount.text.startswith(f"Dla 3 mieszkańców w budynku z więcej niż 4 mieszkaniami: 75,00{NBSP}zł")


async def test_changing_a_house_into_a_block_drops_the_composting_answer(chat, db):
    await start(chat)
    await answer_until(chat)
    await chat.press("Zmień")
    await chat.press("Rodzaj budynku")
    await chat.press("Do 4 mieszkań")
    assert "Kompostowanie" not in chat.text
    assert f"Opłata: 112,00{NBSP}zł miesięcznie" in chat.text


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("31.02.2026", "Nie ma takiego dnia jak 31.02.2026. Sprawdź, proszę, datę."),
        ("31 lutego", "Nie ma takiego dnia jak 31 lutego. Sprawdź, proszę, datę."),
        ("15.06.2021", "Poznański system gospodarki odpadami działa od 1 stycznia 2022;"),
        (
            "01.01.2028",
            "To więcej niż rok naprzód. Podaj, proszę, datę nie późniejszą niż 29 listopada 2027.",
        ),
        ("kiedyś", "Nie rozpoznałem daty. Wpisz ją, proszę, jako dzień.miesiąc.rok, na przykład 29.11.2026."),
    ],
)
async def test_impossible_and_implausible_dates_are_refused_with_the_reason(chat, typed, reason):
    await start(chat)
    await answer_until(chat, "Od kiedy obowiązuje deklaracja?")
    await chat.says(typed)
    assert chat.replies[0].text.startswith(reason)
    assert chat.replies[-1].text.startswith("Od kiedy obowiązuje deklaracja?")


async def test_a_date_without_a_year_is_the_nearest_such_day_and_a_passed_deadline_is_said(chat, db):
    await start(chat)
    await answer_until(chat, "Od kiedy obowiązuje deklaracja?")
    await chat.says("od 1 listopada")
    await answer_until(chat, steps=STEPS[2:])
    assert "Obowiązuje od: 1 listopada 2026" in chat.text
    await chat.press("Potwierdzam")
    assert "Złóż ją do 15 listopada 2026" in chat.replies[0].text
    assert "Ten termin już minął: złóż, proszę, deklarację jak najszybciej." in chat.replies[0].text


async def test_addresses_street_first_then_number_and_did_you_mean(chat):
    await start(chat)
    await answer_until(chat, "Jaki jest adres nieruchomości")
    await chat.says("Qwxyzowa 3")
    assert chat.replies[0].text == "Nie znalazłem „Qwxyzowa 3” wśród ulic Poznania. Sprawdź, proszę, nazwę."
    await chat.says("Głogowska")
    assert (
        chat.text == "Głogowska — jaki jest numer domu? Dodaj numer mieszkania, jeśli jest, na przykład 12/4."
    )
    await chat.says("12")
    assert chat.text == "Jaki to budynek?"
    await answer_until(chat, steps=STEPS[6:])
    assert "Adres: Głogowska 12, Poznań" in chat.text


async def test_a_misspelt_street_gets_suggestions(chat):
    await start(chat)
    await answer_until(chat, "Jaki jest adres nieruchomości")
    await chat.says("Pulwiejsko")
    assert chat.text == "Nie znam ulicy „Pulwiejsko” w Poznaniu. Czy chodzi o:"
    assert chat.labels() == ["Półwiejska"]
    await chat.press("Półwiejska")
    assert chat.text.startswith("Półwiejska — jaki jest numer domu?")
    await chat.says("7/2")
    assert chat.text == "Jaki to budynek?"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("600", "Ten numer telefonu wygląda na niepoprawny."),
        ("jan@", "Ten adres e-mail wygląda na niepoprawny."),
        ("zadzwońcie", "Wpisz, proszę, numer telefonu albo adres e-mail."),
    ],
)
async def test_contact_needs_a_polish_phone_or_an_email(chat, typed, reason):
    await start(chat)
    await answer_until(chat, "Jak urząd może się z Tobą skontaktować")
    await chat.says(typed)
    assert chat.replies[0].text.startswith(reason)
    await chat.says("tel. +48 600-100-200, jan@example.com")
    assert chat.text.startswith("Jaki jest adres nieruchomości")


# -- cancel, restart, double tap -----------------------------------------------------------------
async def test_cancel_at_any_step_saves_nothing(chat, db):
    for stop in [question for question, _answer in STEPS] + [None]:
        await start(chat)
        await answer_until(chat, stop)
        await chat.says("/cancel")
        assert chat.text == "Anulowano. Nic nie zostało zapisane."
    await chat.says("/waste")
    await chat.press("🧮")
    await chat.says("/cancel")
    assert chat.text == "Anulowano. Nic nie zostało zapisane."
    assert await declarations(db) == []


async def test_restart_in_the_middle_continues_where_it_stopped(db, interpreter, clock):
    first = Conversation(Dialogue(db, registry(), interpreter, clock=clock), resident_id=9)
    await start(first)
    await answer_until(first, "Jaki jest Twój numer PESEL")
    second = Conversation(Dialogue(db, registry(), interpreter, clock=clock), resident_id=9)
    await second.says(PESEL)
    assert second.text.startswith("Jak urząd może się z Tobą skontaktować")


async def test_double_tap_on_confirm_stores_exactly_one_declaration(chat, db):
    await start(chat)
    await answer_until(chat)
    confirm = chat.buttons["✅ Potwierdzam"]
    await asyncio.gather(chat.send(payload=confirm), chat.send(payload=confirm))
    assert len(await declarations(db)) == 1


# -- my declarations -----------------------------------------------------------------------------
async def test_my_declarations_show_the_pesel_masked_and_send_the_pdf_again(dialogue, db):
    owner = Conversation(dialogue, resident_id=1)
    await owner.says("/waste")
    await owner.press("Moje deklaracje")
    assert owner.text == "Nie masz jeszcze przygotowanych deklaracji o opłacie za odpady."
    await start(owner)
    await answer_until(owner)
    await owner.press("Potwierdzam")
    await owner.says("/waste")
    await owner.press("Moje deklaracje")
    assert owner.text.splitlines() == [
        "Masz 1 przygotowaną deklarację o opłacie za odpady:",
        f"• Nr 1 · od 1 gru 2026 · Głogowska 12/4 · 104,00{NBSP}zł miesięcznie · PESEL: *******1359",
    ]
    await owner.press("PDF nr 1")
    (again,) = [reply for reply in owner.replies if reply.attachments]
    assert PESEL in pdf_text(again.attachments[0].data)
    stranger = Conversation(dialogue, resident_id=2)
    await stranger.send(payload="g:wastepdf:1")
    assert stranger.text == "Ten przycisk jest już nieaktualny. Oto menu."
    assert not any(reply.attachments for reply in stranger.replies)


async def test_typed_answers_work_as_well_as_buttons(chat, db):
    await start(chat)
    await chat.says("to korekta")
    assert chat.text.startswith("Od kiedy obowiązuje korygowana deklaracja?")
    await chat.says("01.12.2026")
    await answer_until(chat, "Jaki to budynek?", steps=STEPS[2:])
    await chat.says("blok")
    assert chat.text == "Czy budynek ma najwyżej 4 mieszkania, czy więcej niż 4?"
    assert chat.labels() == ["🏘 Do 4 mieszkań", "🏢 Ponad 4 mieszkania"]
    await chat.press("Do 4 mieszkań")
    await chat.says("mieszkam sam")
    assert chat.text.startswith("Czy masz Kartę Dużej Rodziny?")
    await chat.says("nie mam")
    assert "Powód: Korekta" in chat.text and "Liczba mieszkańców: 1" in chat.text
    assert "Korekta nie ma terminu: możesz ją złożyć w każdej chwili." in chat.text
    await chat.press("Potwierdzam")
    (row,) = await declarations(db)
    assert (row.reason, row.building_type, row.residents, row.large_family) == (
        "correction",
        "multi_small",
        1,
        False,
    )
