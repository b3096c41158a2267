"""Privacy as scripted conversations: /mydata (a JSON file and a summary), /forget (confirm, cancel,
stale taps, one transaction), the privacy notice; and that export and erasure cover every table."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.config import load_settings
from bot.conversation import Dialogue, DialogueConfig, Inbound, Registry
from bot.db.database import Database
from bot.db.models import (
    AlertPreferences,
    AuditEntry,
    Base,
    Booking,
    ConsentEntry,
    ConversationState,
    HandoffCase,
    Initiative,
    InitiativeSupport,
    MessageLogEntry,
    OutboxMessage,
    Report,
    ReportEvent,
    ReportFollower,
    ReportPhoto,
    Resident,
    Subscription,
    WasteDeclaration,
)
from bot.domain import handoff, privacy
from handlers import register_all
from tests.conversation import Conversation, ScriptedInterpreter

ANNA, BOB = 1001, 2002
ANNA_PESEL, BOB_PESEL = "44051401359", "02070803628"
ANNA_TICKET, BOB_TICKET = "PZN-2026-000001", "PZN-2026-000002"
BOB_SECRET = "Bob's own words about his own street"


async def seed(db: Database, now: datetime) -> None:
    """Anna and Bob, each with data everywhere; Anna follows Bob's report and supports his initiative."""
    async with db.transaction() as session:
        session.add_all(
            [
                Resident(id=ANNA, language="en", display_name="Anna Nowak", created_at=now, last_seen_at=now),
                Resident(
                    id=BOB, language="pl", display_name="Bob Kowalski", created_at=now, last_seen_at=now
                ),
            ]
        )
        await session.flush()
        session.add_all(
            [
                ConversationState(
                    resident_id=who, flow=None, step=None, slots={}, misses=0, version=1, updated_at=now
                )
                for who in (ANNA, BOB)
            ]
        )
        anna_report = Report(
            ticket=ANNA_TICKET,
            resident_id=ANNA,
            category="pothole",
            description="Hole on Głogowska 12, call me at 600 100 200 or anna@example.com",
            street="Głogowska",
            house_number="12",
            status="in_progress",
            language="en",
            created_at=now,
            updated_at=now,
            contact={"name": "Anna Nowak", "phone": "+48600100200"},
        )
        bob_report = Report(
            ticket=BOB_TICKET,
            resident_id=BOB,
            category="lighting",
            description=BOB_SECRET,
            street="Dąbrowskiego",
            house_number="5",
            status="new",
            language="pl",
            created_at=now,
            updated_at=now,
        )
        anna_initiative = Initiative(
            resident_id=ANNA, title="Benches on Rataje", description="More benches by the lake, please.",
            osiedle="Rataje", category="greenery", status="approved", supports=3, created_at=now,
        )  # fmt: skip
        anna_draft = Initiative(
            resident_id=ANNA, title="A draft idea", description="Still awaiting moderation here.",
            osiedle=None, category="culture", status="awaiting_moderation", supports=0, created_at=now,
        )  # fmt: skip
        bob_initiative = Initiative(
            resident_id=BOB, title="Bike racks", description="Racks by the tram stop.",
            osiedle="Wilda", category="transport", status="approved", supports=1, created_at=now,
        )  # fmt: skip
        session.add_all([anna_report, bob_report, anna_initiative, anna_draft, bob_initiative])
        await session.flush()
        soon = now + timedelta(days=3)
        session.add_all(
            [
                ReportPhoto(report_id=anna_report.id, file_id="anna-photo-file-id", position=0),
                ReportPhoto(report_id=bob_report.id, file_id="bob-photo-file-id", position=0),
                ReportEvent(report_id=anna_report.id, status="new", actor=f"resident:{ANNA}", at=now),
                ReportEvent(
                    report_id=anna_report.id, status="in_progress", note="Crew sent", actor="staff:1", at=now
                ),
                ReportEvent(report_id=bob_report.id, status="new", actor=f"resident:{BOB}", at=now),
                ReportFollower(report_id=bob_report.id, resident_id=ANNA, created_at=now),
                InitiativeSupport(initiative_id=bob_initiative.id, resident_id=ANNA, created_at=now),
                InitiativeSupport(initiative_id=anna_initiative.id, resident_id=BOB, created_at=now),
                OutboxMessage(resident_id=ANNA, kind="report.status", text="Your report is in progress",
                              created_at=now, not_before=now),
                OutboxMessage(resident_id=BOB, kind="report.status", text="Bob's notice",
                              created_at=now, not_before=now),
                _booking("ANNA01", ANNA, soon, desk=1),
                _booking("ANNA02", ANNA, now - timedelta(days=30), desk=1),
                _booking("BOB001", BOB, soon, desk=2),
                _declaration(ANNA, "Anna Nowak", ANNA_PESEL, now),
                _declaration(BOB, "Bob Kowalski", BOB_PESEL, now),
                Subscription(resident_id=ANNA, topic="weather", osiedle=None, created_at=now),
                Subscription(resident_id=BOB, topic="weather", osiedle=None, created_at=now),
                ConsentEntry(resident_id=ANNA, topic="weather", action="opt_in", channel="telegram", at=now),
                ConsentEntry(resident_id=BOB, topic="weather", action="opt_in", channel="telegram", at=now),
                AlertPreferences(resident_id=ANNA, quiet_from="23:00", quiet_to="06:00", silent=True),
                AlertPreferences(resident_id=BOB, quiet_from="22:00", quiet_to="07:00", silent=False),
                HandoffCase(resident_id=ANNA, chat_id=-100, thread_id=7, status="closed", reason="asked",
                            opened_at=now, last_activity_at=now, closed_at=now, closed_by=f"resident:{ANNA}",
                            rating=5),
                HandoffCase(resident_id=BOB, chat_id=-100, thread_id=8, status="closed", reason="asked",
                            opened_at=now, last_activity_at=now, closed_at=now, closed_by="telegram-staff:9"),
                MessageLogEntry(resident_id=ANNA, direction="in", text="anna typed this", at=now),
                MessageLogEntry(resident_id=BOB, direction="in", text="bob typed this", at=now),
                AuditEntry(actor=f"resident:{ANNA}", action="report.filed", target=ANNA_TICKET, at=now),
                AuditEntry(actor=f"resident:{ANNA}", action="handoff.close", target="handoff:1",
                           details={"by": f"resident:{ANNA}"}, at=now),
                AuditEntry(actor="system", action="resident.unreachable", target=f"resident:{ANNA}",
                           details={"reason": "blocked"}, at=now),
                AuditEntry(actor=f"resident:{BOB}", action="report.filed", target=BOB_TICKET, at=now),
                # An id that merely starts with Anna's must stay untouched.
                AuditEntry(actor=f"resident:{ANNA}0", action="language.set", target=f"resident:{ANNA}0",
                           details={"by": f"resident:{ANNA}0"}, at=now),
            ]
        )  # fmt: skip


def _booking(code: str, resident_id: int, starts_at: datetime, *, desk: int) -> Booking:
    return Booking(
        code=code, resident_id=resident_id, office="libelta", matter="id_apply", desk=desk,
        day=starts_at.date(), starts_at=starts_at, ends_at=starts_at + timedelta(minutes=15),
        created_at=starts_at - timedelta(days=1),
    )  # fmt: skip


def _declaration(resident_id: int, name: str, pesel: str, now: datetime) -> WasteDeclaration:
    return WasteDeclaration(
        resident_id=resident_id, reason="first", applies_from=date(2026, 12, 1), filer_name=name,
        pesel=pesel, nip=None, phone="+48600100200", email=None, street="Głogowska", house_number="12",
        flat_number=None, building_type="single_family", residents=4, composting=True, large_family=False,
        monthly_fee=Decimal("104.00"), rate_valid_from=date(2025, 1, 1), deadline=date(2026, 12, 15),
        created_at=now,
    )  # fmt: skip


async def row_counts(db: Database) -> dict[str, int]:
    """Rows per table: what a rolled-back erasure must leave exactly as it was."""
    counts = {}
    async with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = int(await session.scalar(select(func.count()).select_from(table)) or 0)
    return counts


# -- the engine ------------------------------------------------------------------------------------
SETTINGS = load_settings(
    nlu_backend="none",
    retention_message_log_days=7,
    retention_audit_days=730,
    privacy_contact="iod@example.pl",
)


@pytest.fixture
def interpreter() -> ScriptedInterpreter:
    return ScriptedInterpreter()


@pytest.fixture
def dialogue(db, interpreter, clock) -> Dialogue:
    config = DialogueConfig(services={"settings": SETTINGS, "db": db, "channel": "telegram"})
    return Dialogue(db, register_all(Registry()), interpreter, config=config, clock=clock)


@pytest.fixture
async def seeded(db, clock) -> None:
    await seed(db, clock.now - timedelta(days=1))


def anna(dialogue: Dialogue, language: str = "en") -> Conversation:
    return Conversation(dialogue, resident_id=ANNA, language=language)


async def set_language(db: Database, resident_id: int, language: str) -> None:
    async with db.transaction() as session:
        (await session.get(Resident, resident_id)).language = language


def attachment_of(chat: Conversation):
    (attachment,) = [a for reply in chat.replies for a in reply.attachments]
    return attachment


# -- coverage --------------------------------------------------------------------------------------
LINK_COLUMNS = {"resident_id", "author_id", "reporter_id", "user_id", "chat_key", "telegram_user_id"}


def linked_tables() -> set[str]:
    """Tables with a column that names a resident, or a foreign key to residents or to such a table."""
    linked = {"residents"}
    for table in Base.metadata.sorted_tables:  # parents first: a child sees its parent's verdict
        if any(column.name in LINK_COLUMNS for column in table.columns) or any(
            fk.column.table.name in linked for fk in table.foreign_keys
        ):
            linked.add(table.name)
    return linked


def test_every_table_that_holds_resident_data_is_exported_and_erased():
    """A new table linked to residents fails here until bot/domain/privacy.py covers it."""
    missing = linked_tables() - set(privacy.COVERAGE) - set(privacy.NOT_COVERED)
    assert not missing, (
        f"add to privacy.COVERAGE (export and erasure) or NOT_COVERED with a reason: {missing}"
    )
    assert set(privacy.COVERAGE) <= set(Base.metadata.tables)  # no stale names
    assert "audit_log" in privacy.COVERAGE  # linked by "resident:<id>" strings, not by a column
    assert {"report_photos", "report_events", "initiative_supports", "outbox"} <= linked_tables()


async def test_the_export_file_has_a_filled_section_for_every_covered_table(db, clock, seeded, dialogue):
    chat = anna(dialogue)
    await chat.says("/mydata")
    data = json.loads(attachment_of(chat).data)
    empty = sorted(table for table, where in privacy.COVERAGE.items() if not data.get(where.section))
    assert not empty, f"seeded but not exported: {empty}"
    report = data["reports"][0]
    assert report["photos"][0]["telegram_file_id"] == "anna-photo-file-id"
    assert [(e["status"], e["note"]) for e in report["history"]] == [
        ("new", None),
        ("in_progress", "Crew sent"),
    ]
    assert data["controller"] == "Miasto Poznań" and data["profile"]["telegram_user_id"] == ANNA


# -- /mydata ---------------------------------------------------------------------------------------
async def test_mydata_sends_a_json_document_of_her_data_and_nobody_elses(db, clock, seeded, dialogue):
    chat = anna(dialogue)
    await chat.says("/mydata")
    attachment = attachment_of(chat)
    assert attachment.mime_type == "application/json"
    assert attachment.filename == "citybot-data-2026-11-29.json"
    raw = attachment.data.decode("utf-8")
    data = json.loads(raw)
    # Her own identifiers in full in the file; Bob's nowhere.
    assert data["waste_declarations"][0]["pesel"] == ANNA_PESEL
    assert data["reports"][0]["contact"] == {"name": "Anna Nowak", "phone": "+48600100200"}
    for bob_thing in (BOB_PESEL, BOB_SECRET, "Bob Kowalski", "bob-photo-file-id", "bob typed this",
                      "Bob's notice", "BOB001", str(BOB), "telegram-staff:9", "staff:1"):  # fmt: skip
        assert bob_thing not in raw, bob_thing
    followed = data["followed_reports"]
    assert [r["ticket"] for r in followed] == [BOB_TICKET]
    assert "description" not in followed[0]  # Bob's words are Bob's
    assert [s["title"] for s in data["initiative_supports"]] == ["Bike racks"]
    assert {e["action"] for e in data["audit_trail"]} == {
        "report.filed",
        "handoff.close",
        "resident.unreachable",
    }
    assert all(e["by"] in ("you", "system") for e in data["audit_trail"])
    assert data["handoff_cases"][0]["closed_by"] == "you"
    assert [m["text"] for m in data["message_log"]] == ["anna typed this"]
    # The summary: counts in words, the PESEL never in the chat.
    text = chat.text
    assert "Everything the city bot stores about you is in the attached file (JSON)." in text
    assert "Profile: Telegram user id 1001, name Anna Nowak, language English" in text
    assert f"• 1 report you filed ({ANNA_TICKET})" in text
    assert f"• 1 report you follow ({BOB_TICKET})" in text
    assert "• 2 initiatives you submitted" in text
    assert "• 2 city-hall visits (ANNA02, ANNA01)" in text
    assert "• 1 waste declaration (PESEL and NIP in full in the file only)" in text
    assert "Alert settings: quiet hours 23:00–06:00" in text
    assert ANNA_PESEL not in text and BOB_TICKET in text and "Bob" not in text


async def test_mydata_summary_in_polish_with_polish_plurals(db, clock, seeded, dialogue):
    await set_language(db, ANNA, "pl")
    chat = anna(dialogue, "pl")
    await chat.says("/mydata")
    text = chat.text
    assert "Wszystko, co bot miejski przechowuje o Tobie, jest w załączonym pliku (JSON)." in text
    assert f"• 1 zgłoszenie złożone przez Ciebie ({ANNA_TICKET})" in text
    assert f"• 1 obserwowane zgłoszenie ({BOB_TICKET})" in text
    assert "• 2 inicjatywy zgłoszone przez Ciebie" in text
    assert "• 2 wizyty w urzędzie (ANNA02, ANNA01)" in text
    assert "• 3 wpisy w dzienniku audytu" in text and ANNA_PESEL not in text
    assert json.loads(attachment_of(chat).data)["profile"]["language"] == "pl"


async def test_a_resident_with_nothing_stored_gets_an_almost_empty_file(db, dialogue):
    chat = Conversation(dialogue, resident_id=777, language="en")
    await chat.says("/mydata")
    data = json.loads(attachment_of(chat).data)
    assert data["profile"]["telegram_user_id"] == 777
    assert data["reports"] == [] and data["waste_declarations"] == [] and data["message_log"] == []
    assert "• 0 reports you filed" in chat.text


# -- /forget ---------------------------------------------------------------------------------------
async def test_forget_asks_first_and_cancel_erases_nothing(db, clock, seeded, dialogue):
    before = await row_counts(db)
    chat = anna(dialogue)
    await chat.says("/forget")
    assert "This cannot be undone. Erase everything?" in chat.text
    assert chat.labels() == ["🗑 Yes, erase everything", "Cancel"]
    await chat.press("Cancel")
    assert "Nothing was erased." in chat.text
    after = await row_counts(db)
    assert after["message_log"] > before["message_log"]  # the conversation itself was logged
    assert {t: n for t, n in after.items() if t not in ("message_log", "audit_log")} == {
        t: n for t, n in before.items() if t not in ("message_log", "audit_log")
    }


async def test_cancel_returns_to_the_form_in_progress(db, clock, dialogue):
    chat = Conversation(dialogue, resident_id=555, language="en")
    await chat.says("/waste")
    await chat.press("Prepare the declaration")
    question = chat.text.splitlines()[-1]
    await chat.says("/forget")
    await chat.press("Cancel")
    assert "Nothing was erased." in chat.text and question in chat.text
    async with db.transaction() as session:
        assert (await session.get(ConversationState, 555)).flow == "waste"


async def test_typed_words_never_erase(db, clock, seeded, dialogue, interpreter):
    interpreter.understands("yes", "affirm")
    chat = anna(dialogue)
    await chat.says("/forget")
    await chat.says("yes")
    assert "Please tap one of the buttons: erase everything, or cancel." in chat.text
    async with db.transaction() as session:
        assert await session.get(Resident, ANNA) is not None


async def test_forget_erases_her_data_keeps_the_citys_and_leaves_bob_alone(db, clock, seeded, dialogue):
    chat = anna(dialogue)
    await chat.says("/forget")
    await chat.press("Yes, erase everything")
    text = chat.text
    assert text.startswith("Done. The city bot has erased your data")
    assert "1 upcoming visit was cancelled and its time freed for others." in text
    assert "is kept by the city under tax law and is not affected" in text
    assert "• 1 report you filed: it describes a problem in a public place" in text
    assert "• 1 published initiative: publishing it was a public civic act" in text
    assert "• 1 support you gave still counts, no longer linked to you." in text
    assert "• 1 conversation with city staff, for statistics only." in text
    assert "reference E-" in text and "If you write to me again, I will start afresh." in text

    async with db.transaction() as session:

        def count(model, *where):
            return session.scalar(select(func.count()).select_from(model).where(*where))

        # Deleted: everything that was only hers.
        assert await session.get(Resident, ANNA) is None
        assert await session.get(ConversationState, ANNA) is None
        for model in (ReportFollower, InitiativeSupport, OutboxMessage, Booking, WasteDeclaration,
                      Subscription, AlertPreferences, MessageLogEntry, HandoffCase):  # fmt: skip
            assert await count(model, model.resident_id == ANNA) == 0, model.__name__
        assert await count(ConsentEntry, ConsentEntry.resident_id == ANNA) == 0
        assert await count(Booking, Booking.code == "ANNA01") == 0  # the desk is free again
        # Kept for the city, unlinked.
        report = await session.scalar(select(Report).where(Report.ticket == ANNA_TICKET))
        assert report.resident_id is None and report.contact is None
        assert report.description == "Hole on Głogowska 12, call me at [phone] or [e-mail]"
        assert await count(ReportPhoto, ReportPhoto.report_id == report.id) == 1
        actors = set((await session.execute(select(ReportEvent.actor))).scalars())
        assert actors == {"resident:erased", "staff:1", f"resident:{BOB}"}
        titles = {i.title: i for i in (await session.execute(select(Initiative))).scalars()}
        assert titles["Benches on Rataje"].resident_id is None and titles["Benches on Rataje"].supports == 3
        assert "A draft idea" not in titles  # never published: deleted
        assert titles["Bike racks"].supports == 1  # her support still counts
        case = await session.scalar(select(HandoffCase).where(HandoffCase.thread_id == 7))
        assert case.resident_id is None and case.closed_by == "resident:erased" and case.rating == 5
        proof = (
            await session.execute(select(ConsentEntry).where(ConsentEntry.resident_id.is_(None)))
        ).scalars()
        (proof,) = list(proof)
        assert (proof.topic, proof.action, proof.channel) == ("all", "erased", "telegram")
        assert f"reference E-{proof.id}" in text
        # The audit trail names her nowhere; the look-alike id and Bob stay as they were.
        trail = list((await session.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars())
        flat = json.dumps([[e.actor, e.target, e.details] for e in trail])
        assert f'"resident:{ANNA}"' not in flat
        assert f'"resident:{ANNA}0"' in flat and f'"resident:{BOB}"' in flat
        erased = [e for e in trail if e.action == "privacy.erased"]
        assert len(erased) == 1 and erased[0].actor == "resident:erased"
        assert "Anna" not in json.dumps(erased[0].details) and str(ANNA) not in json.dumps(erased[0].details)
        # Bob: untouched.
        assert await session.get(Resident, BOB) is not None
        for model in (InitiativeSupport, OutboxMessage, Booking, WasteDeclaration, Subscription,
                      AlertPreferences, MessageLogEntry, HandoffCase, ConsentEntry):  # fmt: skip
            assert await count(model, model.resident_id == BOB) >= 1, model.__name__
        assert await count(Report, Report.resident_id == BOB) == 1


async def test_forget_reply_in_polish(db, clock, seeded, dialogue):
    await set_language(db, ANNA, "pl")
    chat = anna(dialogue, "pl")
    await chat.says("/forget")
    await chat.press("Tak, usuń wszystko")
    assert chat.text.startswith("Gotowe. Bot miejski usunął Twoje dane")
    assert "1 nadchodząca wizyta została odwołana" in chat.text


async def test_a_second_tap_or_an_old_button_erases_nothing_more(db, clock, seeded, dialogue):
    chat = anna(dialogue)
    await chat.says("/forget")
    old_buttons = dict(chat.buttons)
    await chat.says("/forget")  # a second warning: a new run, the first one's buttons are stale
    await chat.send(payload=old_buttons["🗑 Yes, erase everything"])
    assert "This button has expired." in chat.text
    async with db.transaction() as session:
        assert await session.get(Resident, ANNA) is not None
    await chat.press("Yes, erase everything")
    erased_once = await row_counts(db)
    await chat.press("Yes, erase everything")  # the same button again, after the erasure
    assert "This button has expired." in chat.text and "Done." not in chat.text
    after = await row_counts(db)
    assert after["consent_ledger"] == erased_once["consent_ledger"]  # no second erasure entry
    async with db.transaction() as session:
        erasures = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "privacy.erased")
        )
        assert erasures == 1
        assert (
            await session.scalar(select(func.count()).select_from(Report).where(Report.resident_id == BOB))
            == 1
        )


async def test_an_erasure_failing_half_way_leaves_everything_as_it_was(
    db, clock, seeded, dialogue, monkeypatch
):
    async def broken(session, me):
        raise RuntimeError("disk full")

    before = await row_counts(db)
    chat = anna(dialogue)
    await chat.says("/forget")
    after_question = await row_counts(db)
    monkeypatch.setattr(privacy, "_anonymise_audit", broken)  # after most deletes have run
    await chat.press("Yes, erase everything")
    assert "Sorry, something went wrong on our side." in chat.text
    assert await row_counts(db) == after_question
    assert {t: n for t, n in after_question.items() if t != "message_log"} == {
        t: n for t, n in before.items() if t != "message_log"
    }
    async with db.transaction() as session:
        report = await session.scalar(select(Report).where(Report.ticket == ANNA_TICKET))
        assert report.resident_id == ANNA and "600 100 200" in report.description
        assert await session.get(ConversationState, ANNA) is not None


async def test_an_open_conversation_with_staff_is_closed_and_staff_told(db, clock, dialogue):
    now = clock.now
    async with db.transaction() as session:
        session.add(Resident(id=ANNA, language="en", created_at=now, last_seen_at=now))
        await session.flush()
        session.add(ConversationState(resident_id=ANNA, slots={}, misses=0, version=0, updated_at=now))
        session.add(HandoffCase(resident_id=ANNA, chat_id=-100, thread_id=42, status="open", reason="asked",
                                opened_at=now, last_activity_at=now))  # fmt: skip
    chat = anna(dialogue)
    await chat.says("/forget")
    tap = Inbound(resident_id=ANNA, payload=chat.buttons["🗑 Yes, erase everything"], language_hint="en")
    result = await dialogue.handle_turn(tap)
    assert result.replies[0].text.startswith("Done.")
    notice, close = result.effects
    assert isinstance(notice, handoff.StaffNotice) and isinstance(close, handoff.CloseTopic)
    assert notice.case_id == close.case_id
    assert notice.text == "Mieszkaniec poprosił o usunięcie swoich danych; ta rozmowa została zamknięta."
    async with db.transaction() as session:
        case = await session.scalar(select(HandoffCase))
        assert (case.id, case.status, case.closed_by, case.resident_id) == (
            close.case_id,
            "closed",
            "erased",
            None,
        )
