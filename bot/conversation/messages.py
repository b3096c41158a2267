"""What flows into and out of the engine, independent of any messenger.

A channel turns its updates into `Inbound` and renders each `Reply`; flows never see Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Telegram refuses callback_data over 64 bytes; every channel inherits this limit.
MAX_PAYLOAD_BYTES = 64


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Inbound:
    """One thing a resident did: typed text, tapped a button, sent a pin or photos, or something else.

    `unsupported` names a message kind the bot cannot read (sticker, voice, video, contact, ...).
    """

    resident_id: int
    text: str | None = None
    location: Location | None = None
    photos: tuple[str, ...] = ()
    payload: str | None = None
    language_hint: str | None = None
    display_name: str | None = None
    unsupported: str | None = None
    received_at: datetime | None = None

    @property
    def command(self) -> tuple[str, str] | None:
        """(`start`, `rest of line`) when the text is a slash command, else None."""
        if not self.text or not self.text.startswith("/"):
            return None
        head, _, rest = self.text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        return (name, rest.strip()) if name else None


@dataclass(frozen=True, slots=True)
class Button:
    """An inline choice: a label the resident sees and a payload the engine routes (<= 64 bytes)."""

    label: str
    payload: str

    def __post_init__(self) -> None:
        if len(self.payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"button payload over {MAX_PAYLOAD_BYTES} bytes: {self.payload!r}")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to send with a reply (an .ics, a declaration PDF, a photo)."""

    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"
    caption: str | None = None

    @property
    def is_photo(self) -> bool:
        return self.mime_type in ("image/jpeg", "image/png")


@dataclass(slots=True)
class Reply:
    """One message from the bot.

    `buttons` are inline rows; `menu` is the persistent keyboard (rows of labels; None leaves the
    resident's current keyboard alone); `request_location` is the label of a share-my-location button;
    `silent` delivers without a notification sound.
    """

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    menu: list[list[str]] | None = None
    request_location: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    silent: bool = False

    def button_labels(self) -> list[str]:
        return [button.label for row in self.buttons for button in row]
