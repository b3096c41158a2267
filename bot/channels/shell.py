"""`citybot shell`: the same Dialogue in a terminal, for trying the bot without Telegram.

Inline choices print as `[1] label`; typing the number or the label presses it. `/location LAT LON`
sends a pin, `/photo PATH` a picture. With stdin not a terminal it reads one message per line and
exits at end of input, so conversations can be scripted (`printf '/start\\n1\\n' | citybot shell`).
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.conversation import Button, Dialogue, Inbound, Location, Reply
from bot.conversation.delivery import FileUnavailable
from bot.i18n import _, use_language

LOCATION_COMMAND = "/location"
PHOTO_COMMAND = "/photo"


class ShellChannel:
    """Reads lines, turns them into `Inbound`, prints each `Reply` as plain text."""

    def __init__(
        self,
        dialogue: Dialogue,
        *,
        resident_id: int = 1,
        language: str | None = None,
        media_dir: Path,
        out: TextIO | None = None,
    ) -> None:
        self.dialogue = dialogue
        self.resident_id = resident_id
        self.language = language
        self.media_dir = media_dir
        self.out = out or sys.stdout
        self.choices: list[Button] = []
        self.shown_menu: list[list[str]] | None = None

    # -- input -----------------------------------------------------------------------------------
    def to_inbound(self, line: str) -> Inbound | str:
        """Turn one typed line into an Inbound, or into a usage message (in the resident's language)."""
        text = line.rstrip("\n")
        base = {"resident_id": self.resident_id, "language_hint": self.language, "display_name": "shell"}
        stripped = text.strip()
        if stripped.isdigit() and 1 <= int(stripped) <= len(self.choices):
            return Inbound(payload=self.choices[int(stripped) - 1].payload, **base)
        for button in self.choices:
            if stripped and stripped.casefold() == button.label.casefold():
                return Inbound(payload=button.payload, **base)
        if stripped.startswith(LOCATION_COMMAND + " ") or stripped == LOCATION_COMMAND:
            parts = stripped.split()
            try:
                lat, lon = float(parts[1].rstrip(",")), float(parts[2])
            except (IndexError, ValueError):
                return _("Usage: /location LATITUDE LONGITUDE, e.g. /location 52.4064 16.9252")
            return Inbound(location=Location(lat, lon), **base)
        if stripped.startswith(PHOTO_COMMAND + " ") or stripped == PHOTO_COMMAND:
            path = Path(stripped[len(PHOTO_COMMAND) :].strip()).expanduser()
            if not path.is_file():
                return _("Usage: /photo PATH to an existing picture file")
            return Inbound(photos=(self._store_photo(path),), **base)
        return Inbound(text=text, **base)

    def _store_photo(self, path: Path) -> str:
        """Copy the picture into the media directory; its file id is the stored path."""
        folder = self.media_dir / "shell"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{uuid.uuid4().hex}{path.suffix.lower()}"
        shutil.copyfile(path, target)
        return f"file:{target}"

    # -- output ----------------------------------------------------------------------------------
    def render(self, replies: list[Reply]) -> None:
        for reply in replies:
            print(reply.text, file=self.out)
            buttons = [button for row in reply.buttons for button in row]
            if buttons:
                self.choices = buttons
                for number, button in enumerate(buttons, start=1):
                    print(f"  [{number}] {button.label}", file=self.out)
            if reply.request_location:
                print(f"  ({reply.request_location}: /location LAT LON)", file=self.out)
            if reply.menu and reply.menu != self.shown_menu:  # like Telegram, the menu stays until it changes
                self.shown_menu = reply.menu
                print("  | " + " | ".join(label for row in reply.menu for label in row) + " |", file=self.out)
            for attachment in reply.attachments:
                saved = self._save_attachment(attachment.filename, attachment.data)
                print(f"  📎 {attachment.filename}: {saved}", file=self.out)
            print(file=self.out)
        self.out.flush()

    def _save_attachment(self, filename: str, data: bytes) -> Path:
        folder = self.media_dir / "shell-out"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / Path(filename).name
        target.write_bytes(data)
        return target

    # -- delivery (outbox, files) ----------------------------------------------------------------
    async def deliver(self, resident_id: int, replies: Sequence[Reply]) -> None:
        """Notifications print in the terminal, marked with whom they are for."""
        print(f"🔔 → {resident_id}", file=self.out)
        self.render(list(replies))

    async def fetch_file(self, file_id: str) -> bytes:
        path = Path(file_id.removeprefix("file:"))
        if not file_id.startswith("file:") or not path.is_file():
            raise FileUnavailable(file_id)
        return path.read_bytes()

    # -- loop ------------------------------------------------------------------------------------
    async def send(self, line: str) -> None:
        with use_language(self.language or "pl"):
            inbound = self.to_inbound(line)
        if isinstance(inbound, str):
            print(inbound, file=self.out)
            return
        self.render(await self.dialogue.handle(inbound))

    async def run(self, stream: TextIO | None = None) -> None:
        stream = stream or sys.stdin
        interactive = stream.isatty()
        if interactive:
            with use_language(self.language or "pl"):
                print(
                    _("City of Poznań bot, terminal chat. Type /start to begin, Ctrl-D to quit."),
                    file=self.out,
                )
        while True:
            line = await asyncio.to_thread(_read_line, stream, interactive)
            if line is None:
                break
            if not line.strip():
                continue
            await self.send(line)


def _read_line(stream: TextIO, interactive: bool) -> str | None:
    if interactive:
        try:
            return input("> ")
        except EOFError:
            return None
    line = stream.readline()
    return line if line else None
