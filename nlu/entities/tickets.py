"""Report (ticket) numbers: PZN-2026-000123, typed in any case, with spaces or without dashes.

Conservative on purpose: the prefix PZN, a 20xx year and up to six digits, so ordinary numbers in a
message are never read as a ticket. The value is normalised to "PZN-YYYY-NNNNNN".
"""

from __future__ import annotations

import re
from typing import ClassVar

from nlu.entities.base import Doc
from nlu.interface import Entity

_SEP = r"[ \t]*[-–—_/]?[ \t]*"
_TICKET = re.compile(rf"(?<![0-9a-z])pzn{_SEP}(?P<y>20[0-9]{{2}}){_SEP}(?P<n>[0-9]{{1,6}})(?![0-9])")


def normalise_ticket(year: str | int, number: str | int) -> str:
    """The canonical form of a report number."""
    return f"PZN-{int(year):04d}-{int(number):06d}"


class TicketExtractor:
    """Report numbers such as "pzn 2026 123" -> "PZN-2026-000123"."""

    name: ClassVar[str] = "TicketExtractor"

    def extract(self, doc: Doc) -> list[Entity]:
        return [
            doc.entity("ticket", normalise_ticket(m["y"], m["n"]), m.start(), m.end(), self.name, 0.99)
            for m in _TICKET.finditer(doc.folded)
        ]
