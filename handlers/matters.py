"""My matters: the resident's reports with their status, one report's history, and "is it fixed?".

A ticket that does not exist and a ticket of someone else get the same "not found", so the bot
never confirms that another resident's report exists.
"""

from __future__ import annotations

from bot.conversation import Button, Registry, Turn
from bot.conversation.payloads import global_payload
from bot.db.models import Report, ReportEvent
from bot.domain import audit, reports
from bot.domain.categories import BY_CODE
from bot.i18n import N_, _, format_date, ngettext
from nlu.entities import extract_entities

LISTED = 8


async def my_matters(turn: Turn, _arg: str = "") -> None:
    """Reports the resident filed or follows, most recently changed first, each one tap from details."""
    total, latest = await reports.reports_of(turn.session, turn.resident.id, limit=LISTED)
    if total == 0:
        turn.say(
            _("You have no reports yet. To report a problem, tap \u201c📝 Report a problem\u201d."),
            menu=turn.registry.keyboard(),
        )
        return
    lines = [ngettext("You have {count} report:", "You have {count} reports:", total).format(count=total)]
    lines += [f"• {reports.one_line(report)}" for report in latest]
    if total > len(latest):
        lines.append(_("(the {shown} most recent are shown)").format(shown=len(latest)))
    buttons = [[Button(report.ticket, global_payload("report", str(report.id)))] for report in latest]
    turn.say("\n".join(lines), buttons=buttons)


async def status_question(turn: Turn, arg: str = "") -> None:
    """ "co z moim zgłoszeniem?", "status PZN-2026-000123", /status: one report, or the list."""
    ticket = _ticket_in(arg, turn.lang) if arg else None
    if ticket is None:
        parse = await turn.understand()
        ticket = parse.entity("ticket") if parse is not None else None
    if not ticket:
        await my_matters(turn)
        return
    report = await reports.visible_to(turn.session, ticket, turn.resident.id)
    if report is None:
        turn.say(
            _("I couldn't find a report {ticket} among yours. Please check the number.").format(
                ticket=ticket
            ),
            menu=turn.registry.keyboard(),
        )
        return
    await _details(turn, report)


def _ticket_in(text: str, lang: str) -> str | None:
    found = [e.value for e in extract_entities(text, lang=lang) if e.entity == "ticket"]
    return found[0] if found else None


async def show_report(turn: Turn, arg: str) -> None:
    """A report picked from the list (payload carries its id; visibility is checked again)."""
    report = await turn.session.get(Report, int(arg)) if arg.isdigit() else None
    visible = report is not None and await reports.visible_to(turn.session, report.ticket, turn.resident.id)
    if not visible:
        turn.say(_("This button has expired. Here is the menu."), menu=turn.registry.keyboard())
        return
    await _details(turn, report)


async def _details(turn: Turn, report: Report) -> None:
    events = await reports.history(turn.session, report.id)
    photos = await reports.photos(turn.session, report.id)
    lines = [
        _("Report {ticket}").format(ticket=report.ticket),
        _("Kind: {category}").format(category=_(BY_CODE[report.category].label)),
        _("Place: {where}").format(where=reports.where(report)),
        _("Status: {status}").format(status=reports.status_label(report.status)),
        ngettext("{count} photo", "{count} photos", len(photos)).format(count=len(photos)),
        "",
        _("History:"),
    ]
    lines += [_history_line(event) for event in events]
    turn.say("\n".join(lines), menu=turn.registry.keyboard())


def _history_line(event: ReportEvent) -> str:
    line = f"• {format_date(event.at, 'medium')}: {reports.status_label(event.status)}"
    return f"{line} — {event.note}" if event.note else line


async def answer_fixed(turn: Turn, arg: str) -> None:
    """The reporter's answer to "is it really fixed?": yes thanks, no reopens the report for staff."""
    report_id, _sep, answer = arg.partition(":")
    report = await turn.session.get(Report, int(report_id)) if report_id.isdigit() else None
    if report is None or report.resident_id != turn.resident.id or report.status != "resolved":
        turn.say(_("This button has expired. Here is the menu."), menu=turn.registry.keyboard())
        return
    actor = f"resident:{turn.resident.id}"
    if answer == "y":
        await audit.record(turn.session, actor, "report.confirmed_fixed", report.ticket, at=turn.now)
        turn.say(_("Thank you for confirming!"), menu=turn.registry.keyboard())
        return
    await reports.change_status(
        turn.session,
        report.ticket,
        "in_progress",
        note=_NOT_FIXED_NOTE,
        actor=actor,
        now=turn.now,
        quiet_for=turn.resident.id,
    )
    turn.say(
        _("I'm sorry. I have reopened {ticket} and city staff will look at it again.").format(
            ticket=report.ticket
        ),
        menu=turn.registry.keyboard(),
    )


# Stored in the report history for staff, who work in Polish.
_NOT_FIXED_NOTE = "Mieszkaniec zgłasza, że problem nie został usunięty."


def register(registry: Registry) -> None:
    registry.add_menu_item("matters", N_("📂 My matters"), my_matters)
    registry.add_command("status", status_question, N_("status of your reports"))
    registry.add_intent("check_status", status_question, N_("Status of my matters"))
    registry.add_action("report", show_report)
    registry.add_action("fixed", answer_fixed)
