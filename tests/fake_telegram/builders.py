"""Result objects built with PTB's own classes, so every JSON shape is what PTB expects."""

from __future__ import annotations

import datetime as dt
import struct
from typing import Any

import telegram

from .state import ChatRecord, FileRecord, StoredMessage

UTC = dt.UTC


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def unix_now() -> int:
    return int(dt.datetime.now(UTC).timestamp())


def build_message(
    chat: ChatRecord,
    sender: telegram.User,
    *,
    sender_dict: dict[str, Any] | None = None,
    fast: bool = True,
    message_id: int | None = None,
    thread_id: int | None = None,
    reply_to: StoredMessage | None = None,
    inline_markup: dict[str, Any] | None = None,
    entities: list[Any] | None = None,
    caption_entities: list[Any] | None = None,
    **content: Any,
) -> dict[str, Any]:
    """A Message dict for `chat`; content kwargs are telegram.Message fields (text, photo, ...).

    Plain text messages (the benchmark hot path) are assembled from cached PTB-made chat/user
    dicts instead of a full telegram.Message round trip; test_fast_text_path_matches_ptb checks
    that both paths give the same JSON.
    """
    if (
        fast
        and sender_dict is not None
        and reply_to is None
        and not caption_entities
        and content.keys() <= {"text"}
    ):
        return _text_message(chat, sender_dict, message_id, thread_id, inline_markup, entities, content)
    message = telegram.Message(
        message_id if message_id is not None else chat.new_message_id(),
        now(),
        chat.ptb,
        from_user=sender,
        message_thread_id=thread_id,
        is_topic_message=True if thread_id is not None and chat.is_forum else None,
        reply_to_message=telegram.Message.de_json(reply_to.data, None) if reply_to else None,
        reply_markup=telegram.InlineKeyboardMarkup.de_json(inline_markup, None) if inline_markup else None,
        entities=_entities(entities),
        caption_entities=_entities(caption_entities),
        **content,
    )
    data = message.to_dict()
    # PTB fills a few booleans Telegram omits; drop them so the JSON looks like the real thing.
    for key in ("channel_chat_created", "delete_chat_photo", "group_chat_created", "supergroup_chat_created"):
        if data.get(key) is False:
            del data[key]
    return data


def _text_message(
    chat: ChatRecord,
    sender_dict: dict[str, Any],
    message_id: int | None,
    thread_id: int | None,
    inline_markup: dict[str, Any] | None,
    entities: list[Any] | None,
    content: dict[str, Any],
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "message_id": message_id if message_id is not None else chat.new_message_id(),
        "from": sender_dict,
        "chat": chat.ptb_dict,
        "date": unix_now(),
    }
    if thread_id is not None:
        data["message_thread_id"] = thread_id
        if chat.is_forum:
            data["is_topic_message"] = True
    if "text" in content:
        data["text"] = content["text"]
    if entities:
        data["entities"] = [e.to_dict() if isinstance(e, telegram.MessageEntity) else e for e in entities]
    if inline_markup:
        data["reply_markup"] = telegram.InlineKeyboardMarkup.de_json(inline_markup, None).to_dict()  # type: ignore[union-attr]
    return data


def _entities(items: list[Any] | None) -> list[telegram.MessageEntity] | None:
    """Accept MessageEntity objects or their dicts."""
    if not items:
        return None
    return [
        e if isinstance(e, telegram.MessageEntity) else telegram.MessageEntity.de_json(e, None) for e in items
    ]  # type: ignore[misc]


def image_size(data: bytes) -> tuple[int, int]:
    """Width/height from PNG, GIF, JPEG or WebP headers; a phone-camera default otherwise."""
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            return struct.unpack(">II", data[16:24])
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", data[6:10])
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:16] == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return width & 0x3FFF, height & 0x3FFF
        if data[:2] == b"\xff\xd8":
            i = 2
            while i + 9 < len(data):
                if data[i] != 0xFF:
                    i += 1
                    continue
                marker = data[i + 1]
                if marker in (0xC0, 0xC1, 0xC2):
                    height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                    return width, height
                i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
    except (struct.error, IndexError):
        pass
    return 1280, 960


def photo_sizes(files: list[FileRecord], width: int, height: int) -> list[telegram.PhotoSize]:
    """One PhotoSize per stored file, smallest first (Telegram's order); the last is the original."""
    sizes: list[telegram.PhotoSize] = []
    longest = max(width, height, 1)
    limits = [*[90, 320, 800][: len(files) - 1], longest]
    for record, limit in zip(files, limits, strict=True):
        scale = min(1.0, limit / longest)
        sizes.append(
            telegram.PhotoSize(
                record.file_id,
                record.file_unique_id,
                max(1, round(width * scale)),
                max(1, round(height * scale)),
                file_size=record.size,
            )
        )
    return sizes


def thumbnail_count(width: int, height: int) -> int:
    """How many smaller sizes Telegram would generate for a photo of this size."""
    longest = max(width, height)
    return sum(1 for limit in (90, 320, 800) if longest > limit)


def document(record: FileRecord) -> telegram.Document:
    return telegram.Document(
        record.file_id,
        record.file_unique_id,
        file_name=record.filename,
        mime_type=record.mime_type,
        file_size=record.size,
    )


def file_result(record: FileRecord) -> dict[str, Any]:
    return telegram.File(
        record.file_id, record.file_unique_id, file_size=record.size, file_path=record.file_path
    ).to_dict()
