"""The PDF copy of a prepared waste declaration, for the resident to keep and to copy from when filing.

It is the resident's own document, so it carries the full PESEL; everywhere else it is masked.
DejaVu Sans is embedded so Polish letters render; the creation date is the declaration's, so the
same declaration always gives the same bytes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from fpdf import FPDF

from bot.db.models import WasteDeclaration
from bot.domain.waste import BUILDING_LABELS, REASON_LABELS, address_line
from bot.domain.waste_fee import Fee
from bot.i18n import _, format_date, format_money

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
LABEL_WIDTH = 62
LINE = 6.0


def pdf_filename(declaration: WasteDeclaration) -> str:
    return f"deklaracja-odpady-{declaration.id}.pdf"


def declaration_pdf(declaration: WasteDeclaration, fee: Fee, deadline: date | None) -> bytes:
    """The declaration's data, the fee calculation, the deadline and how to file, in the current language."""
    pdf = _document(declaration)
    _title(pdf, _("DEK-ZAM — prepared declaration (helper copy)"))
    pdf.set_font(FONT, "", 10)
    _paragraph(
        pdf,
        _(
            "Declaration of the municipal waste management fee, City of Poznań. "
            "Prepared on {date}, no. {number}."
        ).format(date=format_date(declaration.created_at), number=declaration.id),
    )

    _section(pdf, _("1. Reason and date"))
    _row(pdf, _("Reason"), _(REASON_LABELS[declaration.reason]))
    _row(pdf, _("Applies from"), format_date(declaration.applies_from))

    _section(pdf, _("2. Person filing"))
    _row(pdf, _("First name and surname"), declaration.filer_name)
    if declaration.pesel:
        _row(pdf, "PESEL", declaration.pesel)
    if declaration.nip:
        _row(pdf, "NIP", declaration.nip)
    _row(pdf, _("Phone"), declaration.phone or "—")
    _row(pdf, _("E-mail"), declaration.email or "—")

    _section(pdf, _("3. Property"))
    address = address_line(declaration.street, declaration.house_number, declaration.flat_number)
    _row(pdf, _("Address"), f"{address}, Poznań")
    _row(pdf, _("Building"), _(BUILDING_LABELS[declaration.building_type]))

    _section(pdf, _("4. Residents and fee"))
    _row(pdf, _("Residents"), str(declaration.residents))
    composting = (
        (_("yes") if declaration.composting else _("no"))
        if declaration.building_type == "single_family"
        else _("not applicable")
    )
    _row(pdf, _("Composting bio-waste"), composting)
    _row(pdf, _("Large Family Card"), _("yes") if declaration.large_family else _("no"))
    for label, value in fee_rows(fee):
        _row(pdf, label, value)

    _section(pdf, _("5. Deadline"))
    _paragraph(pdf, deadline_sentence(declaration.reason, deadline))

    _section(pdf, _("6. How to file it"))
    _paragraph(pdf, filing_steps())

    pdf.ln(4)
    pdf.set_font(FONT, "B", 9)
    _paragraph(pdf, not_filed_notice())
    return bytes(pdf.output())


def fee_rows(fee: Fee) -> list[tuple[str, str]]:
    """The calculation, line by line, as label and value."""
    rows = [
        (
            _("Rate per resident"),
            _("{amount} a month (rate valid from {date})").format(
                amount=format_money(fee.per_resident), date=format_date(fee.rate_valid_from)
            ),
        )
    ]
    if fee.discount:
        rows.append(
            (_("Composting discount"), _("{amount} per resident").format(amount=format_money(fee.discount)))
        )
    if fee.capped:
        rows.append(
            (
                _("Charged residents"),
                _("{charged} of {residents} (Large Family Card)").format(
                    charged=fee.charged, residents=fee.residents
                ),
            )
        )
    rows.append((_("Monthly fee"), calculation(fee)))
    rows.append((_("Yearly"), format_money(fee.yearly)))
    return rows


def calculation(fee: Fee) -> str:
    """`4 × 26,00 zł = 104,00 zł`."""
    return f"{fee.charged} × {format_money(fee.rate_per_resident)} = {format_money(fee.monthly)}"


def deadline_sentence(reason: str, deadline: date | None) -> str:
    if deadline is None:
        return _("A correction has no deadline: you can file it at any time.")
    if reason == "first":
        return _("File it by {date} (14 days after the first resident moved in).").format(
            date=format_date(deadline)
        )
    return _("File it by {date} (by the 10th of the month after the change).").format(
        date=format_date(deadline)
    )


def filing_steps() -> str:
    return "\n".join(
        (
            _(
                "1. Open the city's electronic services (start at https://www.poznan.pl or "
                "https://epuap.gov.pl) and find the service \u201cDeklaracja o wysokości opłaty za "
                "gospodarowanie odpadami komunalnymi (DEK-ZAM)\u201d."
            ),
            _(
                "2. Sign in with your trusted profile (profil zaufany) "
                "or use a qualified electronic signature."
            ),
            _("3. Copy the data from this PDF into the form, check it, and sign and send it."),
            _("4. Keep the official confirmation of receipt (UPO)."),
            _("You can also file the declaration on paper at the city's waste-management office."),
        )
    )


def not_filed_notice() -> str:
    return _(
        "This is a copy prepared for your convenience, not a filed declaration. It counts only when you "
        "file the declaration through the city's e-services with a trusted profile or a qualified "
        "signature, or on paper at the city's waste-management office."
    )


# -- layout --------------------------------------------------------------------------------------
def _document(declaration: WasteDeclaration) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(declaration.created_at)
    pdf.set_title(f"DEK-ZAM {declaration.id}")
    pdf.set_author("Miasto Poznań — city bot")
    pdf.add_font(FONT, "", str(FONTS_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=16)
    pdf.add_page()
    return pdf


def _title(pdf: FPDF, text: str) -> None:
    pdf.set_font(FONT, "B", 14)
    pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _section(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 7, text, border="B", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(FONT, "", 10)


def _row(pdf: FPDF, label: str, value: str) -> None:
    """Label on the left, value on the right; the row is as tall as the taller of the two."""
    top = pdf.get_y()
    label_height = pdf.multi_cell(LABEL_WIDTH, LINE, label, new_x="RIGHT", new_y="TOP", output="HEIGHT")
    value_height = pdf.multi_cell(0, LINE, value, new_x="LMARGIN", new_y="TOP", output="HEIGHT")
    pdf.set_y(top + max(label_height, value_height, LINE))


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.multi_cell(0, LINE, text, new_x="LMARGIN", new_y="NEXT")
