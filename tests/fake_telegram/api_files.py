"""Bot API methods that upload or reference files, and getFile."""

from __future__ import annotations

import mimetypes
import posixpath
from typing import TYPE_CHECKING, Any

import telegram

from .builders import document, file_result, image_size, photo_sizes, thumbnail_count
from .errors import bad_request
from .messaging import Outgoing, caption
from .params import Params, Upload
from .registry import api_method
from .state import BotState, FileRecord, World

if TYPE_CHECKING:
    from .server import FakeTelegram

MAX_DOWNLOAD = 20 * 1024 * 1024
_DEFAULTS = {  # kind -> (extension, mime type)
    "photo": ("jpg", "image/jpeg"),
    "document": ("bin", "application/octet-stream"),
    "voice": ("oga", "audio/ogg"),
    "video": ("mp4", "video/mp4"),
    "audio": ("mp3", "audio/mpeg"),
    "animation": ("mp4", "video/mp4"),
    "sticker": ("webp", "image/webp"),
}


def store_upload(
    world: World, kind: str, data: bytes, filename: str | None, mime_type: str | None, **meta: Any
) -> FileRecord:
    """Store new bytes; photos get Telegram-like extra sizes (same bytes, own file_ids)."""
    extension, default_mime = _DEFAULTS.get(kind, ("bin", "application/octet-stream"))
    if filename and "." in filename and kind != "photo":
        extension = filename.rsplit(".", 1)[1].lower()
    if not mime_type or mime_type == "application/octet-stream":
        mime_type = (mimetypes.guess_type(filename)[0] if filename else None) or default_mime
    if kind != "photo":
        return world.new_file(kind, data, filename=filename, mime_type=mime_type, extension=extension, **meta)
    width, height = image_size(data)
    records = [
        world.new_file("photo", data, mime_type=mime_type, extension="jpg", width=width, height=height)
        for _ in range(thumbnail_count(width, height) + 1)
    ]
    ids = [record.file_id for record in records]
    for record in records:
        record.sizes = ids
    return records[-1]


def file_input(world: World, p: Params, key: str, kind: str) -> FileRecord:
    """Resolve an upload, an attach:// reference, an existing file_id or an HTTP URL."""
    value = p.data.get(key)
    upload: Upload | None = None
    if isinstance(value, str) and value.startswith("attach://"):
        upload = p.uploads.get(value[len("attach://") :])
        if upload is None:
            raise bad_request(f'file "{value}" must be uploaded as a multipart part')
    elif key in p.uploads:
        upload = p.uploads[key]
    if upload is not None:
        return store_upload(world, kind, upload.data, upload.filename, upload.content_type)
    if value is None or value == "":
        raise bad_request(f"there is no {key} in the request")
    value = str(value)
    existing = world.files.get(value)
    if existing is not None:
        if existing.kind != kind:
            raise bad_request(f"can't use file of type {existing.kind.title()} as {kind.title()}")
        return existing
    if value.startswith(("http://", "https://")):
        name = posixpath.basename(value.split("?", 1)[0]) or None
        return store_upload(world, kind, b"", name, None, source_url=value)
    raise bad_request("wrong file identifier/HTTP URL specified")


def media_object(world: World, kind: str, record: FileRecord, p: Params | None = None) -> Any:
    """The PTB object a message carries for this kind of file."""

    def num(key: str, default: int) -> int:
        value = p.int(key) if p is not None else None
        return value if value is not None else default

    if kind == "photo":
        sizes = [
            world.files[file_id] for file_id in (record.sizes or [record.file_id]) if file_id in world.files
        ]
        return photo_sizes(sizes or [record], record.width or 1280, record.height or 960)
    if kind == "document":
        return document(record)
    common = {"file_size": record.size}
    duration = num("duration", record.duration or 1)
    if kind == "voice":
        return telegram.Voice(
            record.file_id, record.file_unique_id, duration, mime_type=record.mime_type, **common
        )
    if kind == "audio":
        return telegram.Audio(
            record.file_id,
            record.file_unique_id,
            duration,
            file_name=record.filename,
            mime_type=record.mime_type,
            title=p.str("title") if p else None,
            **common,
        )
    width, height = num("width", record.width or 640), num("height", record.height or 360)
    if kind == "video":
        return telegram.Video(
            record.file_id,
            record.file_unique_id,
            width,
            height,
            duration,
            file_name=record.filename,
            mime_type=record.mime_type,
            **common,
        )
    if kind == "animation":
        return telegram.Animation(
            record.file_id,
            record.file_unique_id,
            width,
            height,
            duration,
            file_name=record.filename,
            mime_type=record.mime_type,
            **common,
        )
    if kind == "sticker":
        return telegram.Sticker(
            record.file_id,
            record.file_unique_id,
            512,
            512,
            False,
            False,
            "regular",
            emoji=p.str("emoji") if p else None,
            **common,
        )
    raise ValueError(kind)


async def _send_file(fake: FakeTelegram, bot: BotState, p: Params, kind: str, method: str) -> dict[str, Any]:
    out = Outgoing.prepare(fake.world, bot, p, method)
    text, entities = caption(p) if kind != "sticker" else (None, [])
    record = file_input(fake.world, p, kind, kind)
    content: dict[str, Any] = {kind: media_object(fake.world, kind, record, p)}
    if text:
        content["caption"], content["caption_entities"] = text, entities
    if kind == "photo" and p.bool("has_media_spoiler"):
        content["has_media_spoiler"] = True
    return out.post(kind, file_id=record.file_id, **content)


def _register(kind: str, method: str) -> None:
    async def handler(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
        return await _send_file(fake, bot, p, kind, method)

    handler.__name__ = f"send_{kind}"
    api_method(method, sends=True)(handler)


for _kind, _method in (
    ("photo", "sendPhoto"),
    ("document", "sendDocument"),
    ("video", "sendVideo"),
    ("voice", "sendVoice"),
    ("audio", "sendAudio"),
    ("animation", "sendAnimation"),
    ("sticker", "sendSticker"),
):
    _register(_kind, _method)


@api_method("sendMediaGroup", sends=True)
async def send_media_group(fake: FakeTelegram, bot: BotState, p: Params) -> list[dict[str, Any]]:
    media = p.obj("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media group items, expected 2-10")
    out = Outgoing.prepare(fake.world, bot, p, "sendMediaGroup")
    group_id = str(10**17 + bot.next_update_id)
    messages = []
    for item in media:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in ("photo", "document", "video", "audio"):
            raise bad_request("wrong media type in media group")
        item_params = Params(dict(item), p.uploads)
        record = file_input(fake.world, item_params, "media", kind)
        content: dict[str, Any] = {kind: media_object(fake.world, kind, record)}
        text, entities = caption(item_params)
        if text:
            content["caption"], content["caption_entities"] = text, entities
        messages.append(out.post(kind, file_id=record.file_id, media_group_id=group_id, **content))
        out.reply_to = None
    return messages


@api_method("getFile")
async def get_file(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    record = fake.world.files.get(p.str("file_id") or "")
    if record is None:
        raise bad_request("invalid file_id")
    if record.size > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return file_result(record)
