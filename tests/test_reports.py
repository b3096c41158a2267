"""Problem reports: the domain rules and the conversation, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.conversation import Dialogue, DialogueConfig, Registry
from bot.db.models import AuditEntry, OutboxMessage, Report, ReportFollower, ReportPhoto
from bot.domain import reports
from bot.domain.categories import guess_category
from bot.domain.emergency import is_emergency
from bot.domain.geo import box_around, distance_m, in_city
from handlers import register_all
from tests.conversation import Conversation, ScriptedInterpreter

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
OLD_MARKET = (52.40850, 16.93390)


async def add_resident(db, resident_id: int, language: str = "pl") -> None:
    chat = Conversation(Dialogue(db, register_all(Registry())), resident_id=resident_id, language=language)
    await chat.says("/menu")


async def file(db, resident_id: int = 1, **fields) -> Report:
    values = {"category": "roads", "description": "Dziura w jezdni", "language": "pl", **fields}
    async with db.transaction() as session:
        return await reports.file_report(
            session, reports.NewReport(resident_id=resident_id, **values), now=NOW
        )


# -- domain ------------------------------------------------------------------------------------------
async def test_tickets_are_sequential_per_year_and_zero_padded(db):
    await add_resident(db, 1)
    first = await file(db, latitude=OLD_MARKET[0], longitude=OLD_MARKET[1])
    second = await file(db)
    assert (first.ticket, second.ticket) == ("PZN-2026-000001", "PZN-2026-000002")
    async with db.transaction() as session:
        assert await reports.next_ticket(session, 2027) == "PZN-2027-000001"


async def test_concurrent_filing_never_repeats_a_ticket(db):
    await add_resident(db, 1)
    filed = await asyncio.gather(*(file(db, description=f"Problem numer {n}") for n in range(20)))
    tickets = sorted(report.ticket for report in filed)
    assert tickets == [f"PZN-2026-{n:06d}" for n in range(1, 21)]


@pytest.mark.parametrize(
    ("offset_m", "category", "status", "found"),
    [
        (0, "roads", "new", True),
        (45, "roads", "in_progress", True),
        (60, "roads", "new", False),  # beyond 50 m
        (10, "street_lighting", "new", False),  # another kind of problem
        (10, "roads", "resolved", False),  # closed reports are not duplicates
    ],
)
async def test_duplicates_are_open_reports_of_the_category_within_50_m(db, offset_m, category, status, found):
    await add_resident(db, 1)
    report = await file(db, category=category, latitude=OLD_MARKET[0], longitude=OLD_MARKET[1])
    if status != "new":
        async with db.transaction() as session:
            await reports.change_status(session, report.ticket, status, note=None, actor="test", now=NOW)
    north = OLD_MARKET[0] + offset_m / 111_195
    async with db.transaction() as session:
        nearby = await reports.open_duplicates(session, "roads", latitude=north, longitude=OLD_MARKET[1])
    assert [r.ticket for r in nearby] == ([report.ticket] if found else [])


async def test_duplicates_at_the_same_address_without_a_pin(db):
    await add_resident(db, 1)
    report = await file(db, street="Głogowska", house_number="12")
    await file(db, street="Głogowska", house_number="14")
    async with db.transaction() as session:
        same = await reports.open_duplicates(session, "roads", street="Głogowska", house_number="12")
    assert [r.ticket for r in same] == [report.ticket]


def test_geometry_helpers():
    assert 44 < distance_m(52.4064, 16.9252, 52.4068, 16.9252) < 45
    box = box_around(52.4, 16.9, 50)
    assert box.south < 52.4 < box.north and box.west < 16.9 < box.east
    assert in_city(*OLD_MARKET) and in_city(52.4636, 16.9326)  # Old Market, Winogrady
    assert not in_city(52.2297, 21.0122) and not in_city(52.4128, 17.0826)  # Warsaw, Swarzędz


async def test_status_changes_keep_history_audit_and_notify_reporter_and_followers(db):
    await add_resident(db, 1, "pl")
    await add_resident(db, 2, "en")
    report = await file(db, resident_id=1, latitude=OLD_MARKET[0], longitude=OLD_MARKET[1])
    async with db.transaction() as session:
        assert await reports.follow(session, report.ticket, 2, now=NOW)
        assert not await reports.follow(session, report.ticket, 2, now=NOW)  # once only
        assert not await reports.follow(session, report.ticket, 1, now=NOW)  # not your own
        await reports.change_status(
            session, report.ticket, "in_progress", note="Ekipa wysłana", actor="cli:anna", now=NOW
        )
        await reports.change_status(session, report.ticket, "resolved", note=None, actor="cli:anna", now=NOW)
    async with db.transaction() as session:
        events = await reports.history(session, report.id)
        sent = list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())
        audit = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.target == report.ticket)
        )
    assert [(e.status, e.note, e.actor) for e in events] == [
        ("new", None, "resident:1"),
        ("in_progress", "Ekipa wysłana", "cli:anna"),
        ("resolved", None, "cli:anna"),
    ]
    assert audit == 4  # filed, followed, two status changes
    texts = [(m.resident_id, m.text.splitlines()[0]) for m in sent]
    assert texts == [
        (
            1,
            "Zmiana w Twoim zgłoszeniu PZN-2026-000001 (🛣 Drogi i chodniki): status to teraz „w realizacji”.",
        ),
        (2, "Update on your report PZN-2026-000001 (🛣 Roads and pavements): it is now in progress."),
        (1, "Zmiana w Twoim zgłoszeniu PZN-2026-000001 (🛣 Drogi i chodniki): status to teraz „załatwione”."),
        (2, "Update on your report PZN-2026-000001 (🛣 Roads and pavements): it is now resolved."),
    ]
    assert "Informacja od miasta: Ekipa wysłana" in sent[0].text
    assert sent[2].buttons == [
        [
            ["👍 Tak, naprawione", "fixed", f"{report.id}:y"],
            ["👎 Nie, nie naprawione", "fixed", f"{report.id}:n"],
        ]
    ]
    assert sent[3].buttons is None  # only the reporter is asked whether it is fixed


@pytest.mark.parametrize(("start", "target"), [("new", "new"), ("resolved", "rejected"), ("new", "closed")])
async def test_impossible_status_changes_are_refused(db, start, target):
    await add_resident(db, 1)
    report = await file(db)
    async with db.transaction() as session:
        if start != "new":
            await reports.change_status(session, report.ticket, start, note=None, actor="t", now=NOW)
    with pytest.raises(reports.InvalidTransition):
        async with db.transaction() as session:
            await reports.change_status(session, report.ticket, target, note=None, actor="t", now=NOW)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("na Głogowskiej jest dziura w jezdni", "roads"),
        ("nie świeci latarnia przy Garbarach", "street_lighting"),
        ("ktoś wyrzucił gruz do lasu", "cleanliness"),
        ("złamana galaz wisi nad chodnikiem", "greenery"),
        ("the swing on the playground is broken", "playgrounds"),
        ("nieodśnieżony chodnik, bardzo ślisko", "winter_maintenance"),
        ("graffiti na wiacie przystanku", "graffiti"),
        ("zniszczony rozkład jazdy na przystanku", "transit_stops"),
        ("dzień dobry", None),
    ],
)
def test_category_is_guessed_from_the_residents_words(text, category):
    guessed = guess_category(text)
    assert (guessed.code if guessed else None) == category


@pytest.mark.parametrize(
    ("text", "emergency"),
    [
        ("pali się śmietnik przy bloku", True),
        ("był wypadek na rondzie Kaponiera", True),
        ("czuć gaz na klatce schodowej", True),
        ("there is a gas leak on Garbary", True),
        ("poranny autobus się spóźnia", False),
        ("nóżka od ławki jest złamana", False),
        ("dziura w jezdni", False),
    ],
)
def test_emergencies_are_recognised_without_false_alarms(text, emergency):
    assert is_emergency(text) is emergency


# -- conversation ------------------------------------------------------------------------------------
@pytest.fixture
def interpreter() -> ScriptedInterpreter:
    return ScriptedInterpreter()


@pytest.fixture
def dialogue(db, interpreter, clock) -> Dialogue:
    return Dialogue(db, register_all(Registry()), interpreter, config=DialogueConfig(), clock=clock)


@pytest.fixture
def chat(dialogue) -> Conversation:
    return Conversation(dialogue, resident_id=4242)


async def reports_in(db) -> list[Report]:
    async with db.transaction() as session:
        return list((await session.execute(select(Report).order_by(Report.id))).scalars())


async def test_report_from_the_menu_with_a_pin_photos_and_confirmation(chat, db):
    await chat.says("📝 Zgłoś problem")
    assert chat.text == "Jaki to problem? Wybierz poniżej."
    assert len(chat.labels()) == 12
    await chat.press("Oświetlenie")
    assert chat.replies[0].request_location == "📍 Wyślij moją lokalizację"
    await chat.sends_location(*OLD_MARKET)
    assert chat.text == "Opisz, proszę, problem w kilku słowach."
    await chat.says("Nie świeci latarnia od tygodnia")
    assert chat.labels() == ["⏭ Pomiń zdjęcia"]
    await chat.send(photos=("photo-1",))
    assert chat.text == "Dodano zdjęcie (1 z 5). Wyślij kolejne albo naciśnij „Gotowe”."
    await chat.send(photos=("photo-2",))
    await chat.press("Gotowe")
    assert chat.text.splitlines() == [
        "Sprawdź, proszę, swoje zgłoszenie:",
        "Rodzaj: 💡 Oświetlenie ulic",
        "Miejsce: pinezka: 52.40850, 16.93390",
        "Opis: Nie świeci latarnia od tygodnia",
        "2 zdjęcia",
    ]
    await chat.press("Potwierdzam")
    assert chat.text.startswith("Dziękuję! Numer Twojego zgłoszenia to PZN-2026-000001.")
    (report,) = await reports_in(db)
    assert (report.category, report.latitude, report.status) == ("street_lighting", OLD_MARKET[0], "new")
    async with db.transaction() as session:
        stored = [p.file_id for p in await reports.photos(session, report.id)]
    assert stored == ["photo-1", "photo-2"]


async def test_free_text_prefills_category_street_and_description(chat, interpreter, db):
    text = "na Głogowskiej 12 jest dziura w jezdni"
    interpreter.understands(text, "report_problem", street="Głogowska", house_number="12")
    await chat.says(text)
    assert chat.text.startswith("Możesz dodać do 5 zdjęć")  # only the photos are left to ask
    await chat.press("Pomiń")
    assert "Miejsce: Głogowska 12" in chat.text and "Rodzaj: 🛣 Drogi i chodniki" in chat.text
    await chat.press("Potwierdzam")
    (report,) = await reports_in(db)
    assert (report.street, report.house_number, report.description) == ("Głogowska", "12", text)


async def test_typed_address_with_a_small_typo_is_understood(chat):
    await chat.says("/report")
    await chat.press("Drogi")
    await chat.says("Polwiejskka 5")
    await chat.says("Zapadnięty chodnik przy wejściu")
    await chat.press("Pomiń")
    assert "Miejsce: Półwiejska 5" in chat.text


async def test_typed_address_with_a_typo_offers_suggestions(chat):
    await chat.says("/report")
    await chat.press("Drogi")
    await chat.says("Pulwiejsko")
    assert chat.text == "Nie znam ulicy „Pulwiejsko” w Poznaniu. Czy chodzi o:"
    assert chat.labels() == ["Półwiejska"]
    await chat.press("Półwiejska")
    assert chat.text == "Opisz, proszę, problem w kilku słowach."
    await chat.says("Zapadnięty chodnik przy wejściu")
    await chat.press("Pomiń")
    assert "Miejsce: Półwiejska\n" in chat.text


async def test_unknown_street_and_pins_outside_the_city_are_explained(chat):
    await chat.says("/report")
    await chat.press("Drogi")
    await chat.says("Qwxyzowa 3")
    assert chat.replies[0].text.startswith("Nie znalazłem „Qwxyzowa 3” wśród ulic Poznania.")
    await chat.sends_location(52.2297, 21.0122)  # Warsaw
    assert chat.replies[0].text.startswith("To miejsce jest poza Poznaniem.")
    assert chat.replies[-1].request_location  # asked again


async def test_nearby_open_report_can_be_followed_instead_of_filing_again(dialogue, db):
    first = Conversation(dialogue, resident_id=1)
    await first.sends_location(*OLD_MARKET)  # a pin alone starts a report there
    await first.press("Drogi")
    await first.says("Głęboka dziura przy przejściu")
    await first.press("Pomiń")
    await first.press("Potwierdzam")
    second = Conversation(dialogue, resident_id=2)
    await second.says("/report")
    await second.press("Drogi")
    await second.sends_location(OLD_MARKET[0] + 0.0002, OLD_MARKET[1])  # about 22 m away
    assert second.text.startswith("W tym miejscu są już otwarte zgłoszenia tego rodzaju:\n• PZN-2026-000001")
    await second.press("Obserwuj PZN-2026-000001")
    assert second.text == "Obserwować zgłoszenie PZN-2026-000001? Będziesz dostawać powiadomienia o zmianach."
    await second.press("Potwierdzam")
    assert second.text.startswith("Gotowe: obserwujesz PZN-2026-000001.")
    assert len(await reports_in(db)) == 1
    async with db.transaction() as session:
        assert await session.get(ReportFollower, (1, 2)) is not None


async def test_double_tap_on_confirm_files_exactly_one_report(chat, db):
    await chat.says("/report")
    await chat.press("Drogi")
    await chat.sends_location(*OLD_MARKET)
    await chat.says("Dziura w asfalcie na środku")
    await chat.press("Pomiń")
    confirm = chat.buttons["✅ Potwierdzam"]
    await asyncio.gather(chat.send(payload=confirm), chat.send(payload=confirm))
    assert len(await reports_in(db)) == 1


async def test_cancel_at_any_step_saves_nothing(chat, db):
    for steps in (
        ["/report"],
        ["/report", "Drogi"],
        ["/report", "Drogi", "loc"],
        ["/report", "Drogi", "loc", "Opis problemu tutaj"],
    ):
        for step in steps:
            if step == "Drogi":
                await chat.press(step)
            elif step == "loc":
                await chat.sends_location(*OLD_MARKET)
            else:
                await chat.says(step)
        await chat.says("/cancel")
        assert chat.text == "Anulowano. Nic nie zostało zapisane."
    assert await reports_in(db) == []


async def test_overlong_and_too_short_descriptions_are_refused_and_asked_again(chat):
    await chat.says("/report")
    await chat.press("Drogi")
    await chat.sends_location(*OLD_MARKET)
    await chat.says("dziura")
    assert (
        chat.text
        == "Napisz, proszę, trochę więcej, co najmniej 10 znaków.\nOpisz, proszę, problem w kilku słowach."
    )
    await chat.says("x" * 2001)
    assert chat.replies[0].text == "To 2001 znaków; skróć, proszę, do 2000."


async def test_emergency_gets_112_instead_of_a_form(chat, interpreter, db):
    interpreter.understands("pali się samochód na parkingu", "report_problem")
    await chat.says("pali się samochód na parkingu")
    assert chat.text.startswith(
        "🚨 Jeśli komuś grozi niebezpieczeństwo, zadzwoń teraz na numer alarmowy 112."
    )
    await chat.says("/report")
    await chat.press("Inne")
    await chat.sends_location(*OLD_MARKET)
    await chat.says("leży ranny człowiek na chodniku")
    assert "112" in chat.text
    await chat.says("/cancel")
    assert chat.text == "Nie ma nic do anulowania."
    assert await reports_in(db) == []


async def test_restart_in_the_middle_continues(db, interpreter, clock):
    first = Conversation(Dialogue(db, register_all(Registry()), interpreter, clock=clock), resident_id=9)
    await first.says("/report")
    await first.press("Drogi")
    second = Conversation(Dialogue(db, register_all(Registry()), interpreter, clock=clock), resident_id=9)
    await second.sends_location(*OLD_MARKET)
    assert second.text == "Opisz, proszę, problem w kilku słowach."


async def test_at_most_five_photos_then_the_summary(chat):
    await chat.says("/report")
    await chat.press("Drogi")
    await chat.sends_location(*OLD_MARKET)
    await chat.says("Dziura w asfalcie na środku")
    for n in range(5):
        await chat.send(photos=(f"p{n}",))
    assert chat.text.startswith("Sprawdź, proszę, swoje zgłoszenie:") and "5 zdjęć" in chat.text


async def test_my_matters_and_status_by_ticket_never_leak_another_residents_report(dialogue, db, interpreter):
    owner = Conversation(dialogue, resident_id=1)
    stranger = Conversation(dialogue, resident_id=2)
    await owner.says("📂 Moje sprawy")
    assert owner.text.startswith("Nie masz jeszcze zgłoszeń.")
    await owner.says("/report")
    await owner.press("Drogi")
    await owner.sends_location(*OLD_MARKET)
    await owner.says("Dziura w asfalcie na środku")
    await owner.press("Pomiń")
    await owner.press("Potwierdzam")
    await owner.says("📂 Moje sprawy")
    assert owner.text.splitlines()[0] == "Masz 1 zgłoszenie:"
    await owner.press("PZN-2026-000001")
    assert owner.text.splitlines()[:4] == [
        "Zgłoszenie PZN-2026-000001",
        "Rodzaj: 🛣 Drogi i chodniki",
        "Miejsce: 52.40850, 16.93390",
        "Status: nowe",
    ]
    interpreter.understands("status PZN-2026-000001", "check_status", ticket="PZN-2026-000001")
    await stranger.says("status PZN-2026-000001")
    not_theirs = stranger.text
    interpreter.understands("status PZN-2026-999999", "check_status", ticket="PZN-2026-999999")
    await stranger.says("status PZN-2026-999999")
    assert not_theirs == stranger.text.replace("999999", "000001")
    assert not_theirs.startswith("Nie znalazłem zgłoszenia PZN-2026-000001 wśród Twoich.")
    await stranger.says("/status pzn-2026-1")
    assert stranger.text.startswith("Nie znalazłem zgłoszenia PZN-2026-000001")


async def test_polish_plurals_in_my_matters(dialogue, db):
    owner = Conversation(dialogue, resident_id=1)
    await owner.says("/menu")
    for n in range(5):
        await file(db, resident_id=1, description=f"Dziura numer {n}")
        await owner.says("📂 Moje sprawy")
        expected = {
            1: "Masz 1 zgłoszenie:",
            2: "Masz 2 zgłoszenia:",
            3: "Masz 3 zgłoszenia:",
            4: "Masz 4 zgłoszenia:",
        }.get(n + 1, f"Masz {n + 1} zgłoszeń:")
        assert owner.text.splitlines()[0] == expected


async def test_not_fixed_reopens_the_report_and_tells_the_followers(dialogue, db):
    await add_resident(db, 2, "en")
    owner = Conversation(dialogue, resident_id=1)
    await owner.says("/menu")
    report = await file(db, resident_id=1)
    async with db.transaction() as session:
        await reports.follow(session, report.ticket, 2, now=NOW)
        await reports.change_status(session, report.ticket, "resolved", note=None, actor="cli:anna", now=NOW)
    await owner.send(payload=f"g:fixed:{report.id}:n")
    assert (
        owner.text
        == "Przykro mi. Ponownie otworzyłem PZN-2026-000001 i pracownicy miasta zajmą się nim jeszcze raz."
    )
    async with db.transaction() as session:
        reopened = await session.get(Report, report.id)
        notices = list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())
    assert reopened.status == "in_progress"
    assert [(m.resident_id, "in progress" in m.text or "w realizacji" in m.text) for m in notices][-1] == (
        2,
        True,
    )
    assert all(m.resident_id != 1 for m in notices[2:])  # the owner is answered directly
    await owner.send(payload=f"g:fixed:{report.id}:y")  # no longer resolved: a stale button
    assert owner.text == "Ten przycisk jest już nieaktualny. Oto menu."


async def test_photos_are_counted_in_the_database(chat, db):
    await chat.send(photos=("ph-a",), text="Dziura w jezdni na Głogowskiej")
    assert chat.replies[0].text == "Dziękuję za zdjęcie. Zgłośmy problem."
    await chat.press("Drogi") if "Jaki to problem" in chat.text else None
    await chat.sends_location(*OLD_MARKET)
    await chat.press("Gotowe")
    await chat.press("Potwierdzam")
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(ReportPhoto)) == 1
