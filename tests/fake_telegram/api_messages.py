"""Bot API methods that send, edit, copy and delete messages and answer callback queries."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import telegram

from .builders import build_message, unix_now
from .errors import bad_request
from .events import Event
from .messaging import (
    Outgoing,
    caption,
    inline_markup_dict,
    message_text,
    reply_markup,
    resolve_chat,
    store_message,
    writable_chat,
)
from .params import Params
from .registry import api_method
from .state import BotState, ChatRecord, StoredMessage

if TYPE_CHECKING:
    from .server import FakeTelegram

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
EDIT_KINDS = {
    "editMessageText": "edit_text",
    "editMessageCaption": "edit_caption",
    "editMessageReplyMarkup": "edit_markup",
}
# Message fields a copy/forward carries over.
CONTENT_FIELDS = (
    "text",
    "photo",
    "document",
    "location",
    "venue",
    "contact",
    "sticker",
    "video",
    "voice",
    "audio",
    "animation",
    "caption",
    "video_note",
    "poll",
    "dice",
)


@api_method("sendMessage", sends=True)
async def send_message(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    out = Outgoing.prepare(fake.world, bot, p, "sendMessage")
    text, entities = message_text(p)
    return out.post("message", text=text, entities=entities)


@api_method("sendLocation", sends=True)
async def send_location(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    out = Outgoing.prepare(fake.world, bot, p, "sendLocation")
    return out.post("location", location=_location(p))


@api_method("sendVenue", sends=True)
async def send_venue(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    out = Outgoing.prepare(fake.world, bot, p, "sendVenue")
    venue = telegram.Venue(_location(p), str(p.require("title")), str(p.require("address")))
    return out.post("venue", venue=venue)


@api_method("sendContact", sends=True)
async def send_contact(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    out = Outgoing.prepare(fake.world, bot, p, "sendContact")
    contact = telegram.Contact(
        str(p.require("phone_number")), str(p.require("first_name")), last_name=p.str("last_name")
    )
    return out.post("contact", contact=contact)


def _location(p: Params) -> telegram.Location:
    latitude = p.float("latitude", required=True)
    longitude = p.float("longitude", required=True)
    assert latitude is not None and longitude is not None
    if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
        raise bad_request("wrong location specified")
    return telegram.Location(
        longitude,
        latitude,
        horizontal_accuracy=p.float("horizontal_accuracy"),
        live_period=p.int("live_period"),
    )


def _own_message(fake: FakeTelegram, bot: BotState, p: Params) -> tuple[ChatRecord, StoredMessage]:
    """The bot message an edit targets (inline messages are not simulated)."""
    if "inline_message_id" in p:
        raise bad_request("message to edit not found")
    chat = resolve_chat(fake.world, bot, p.chat_id())
    message_id = p.int("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    stored = chat.messages.get(message_id)
    if stored is None:
        raise bad_request("message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return chat, stored


def _apply_edit(
    bot: BotState, chat: ChatRecord, stored: StoredMessage, p: Params, method: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Replace fields (None removes), refuse no-op edits like Telegram, record the event."""
    old = stored.data
    if all(old.get(key) == (value or None) for key, value in changes.items()):
        raise bad_request(NOT_MODIFIED)
    new = dict(old)
    for key, value in changes.items():
        if value:
            new[key] = value
        else:
            new.pop(key, None)
    new["edit_date"] = unix_now()
    stored.data = new
    markup, _ = reply_markup(p)
    bot.record(
        Event(
            EDIT_KINDS[method],
            chat.id,
            True,
            message_id=stored.message_id,
            text=new.get("text", new.get("caption")),
            reply_markup=markup,
            params=p.recorded(),
            thread_id=stored.thread_id,
            method=method,
            message=new,
        )
    )
    return new


def _edit_markup(p: Params) -> dict[str, Any] | None:
    markup, inline = reply_markup(p)
    if markup is not None and inline is None:
        raise bad_request("inline keyboard expected")
    return inline_markup_dict(inline)


@api_method("editMessageText")
async def edit_message_text(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    chat, stored = _own_message(fake, bot, p)
    text, entities = message_text(p)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    changes = {"text": text, "entities": entities, "reply_markup": _edit_markup(p)}
    return _apply_edit(bot, chat, stored, p, "editMessageText", changes)


@api_method("editMessageCaption")
async def edit_message_caption(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    chat, stored = _own_message(fake, bot, p)
    if "text" in stored.data:
        raise bad_request("there is no caption in the message to edit")
    text, entities = caption(p)
    changes = {"caption": text, "caption_entities": entities, "reply_markup": _edit_markup(p)}
    return _apply_edit(bot, chat, stored, p, "editMessageCaption", changes)


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    chat, stored = _own_message(fake, bot, p)
    return _apply_edit(bot, chat, stored, p, "editMessageReplyMarkup", {"reply_markup": _edit_markup(p)})


def _delete(bot: BotState, chat: ChatRecord, message_id: int, p: Params, method: str) -> bool:
    stored = chat.messages.pop(message_id, None)
    if stored is None:
        return False
    bot.record(
        Event(
            "delete",
            chat.id,
            True,
            message_id=message_id,
            text=stored.data.get("text", stored.data.get("caption")),
            params=p.recorded(),
            thread_id=stored.thread_id,
            method=method,
            message=stored.data,
        )
    )
    return True


@api_method("deleteMessage")
async def delete_message(fake: FakeTelegram, bot: BotState, p: Params) -> bool:
    chat = resolve_chat(fake.world, bot, p.chat_id())
    message_id = p.int("message_id", required=True)
    assert message_id is not None
    if not _delete(bot, chat, message_id, p, "deleteMessage"):
        raise bad_request("message to delete not found")
    return True


@api_method("deleteMessages")
async def delete_messages(fake: FakeTelegram, bot: BotState, p: Params) -> bool:
    chat = resolve_chat(fake.world, bot, p.chat_id())
    ids = p.obj("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message identifiers are not specified")
    for message_id in ids:
        _delete(bot, chat, int(message_id), p, "deleteMessages")
    return True


@api_method("answerCallbackQuery")
async def answer_callback_query(fake: FakeTelegram, bot: BotState, p: Params) -> bool:
    query_id = p.str("callback_query_id")
    record = bot.callbacks.get(query_id or "")
    if record is None or record.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.str("text")
    if text and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered = True
    event = bot.record(
        Event(
            "callback_answer",
            record.chat_id,
            True,
            message_id=record.message_id,
            text=text,
            params=p.recorded(),
            method="answerCallbackQuery",
            callback_query_id=record.query_id,
            callback_data=record.data,
            user_id=record.user_id,
        )
    )
    record.answers.append(event)
    return True


@api_method("sendChatAction")
async def send_chat_action(fake: FakeTelegram, bot: BotState, p: Params) -> bool:
    chat = writable_chat(fake.world, bot, p.chat_id())
    action = p.str("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    bot.record(
        Event(
            "chat_action",
            chat.id,
            True,
            text=action,
            params=p.recorded(),
            thread_id=p.int("message_thread_id"),
            method="sendChatAction",
        )
    )
    return True


def _source(
    fake: FakeTelegram, bot: BotState, p: Params, verb: str
) -> tuple[StoredMessage, telegram.Message]:
    source_chat = resolve_chat(fake.world, bot, p.chat_id("from_chat_id"))
    message_id = p.int("message_id", required=True)
    stored = source_chat.messages.get(message_id or 0)
    if stored is None:
        raise bad_request(f"message to {verb} not found")
    message = telegram.Message.de_json(stored.data, None)
    assert message is not None
    if not any(getattr(message, name, None) for name in CONTENT_FIELDS):
        raise bad_request(f"message can't be {verb}ed" if verb == "forward" else "message can't be copied")
    return stored, message


def _content(stored: StoredMessage, message: telegram.Message) -> dict[str, Any]:
    content = {name: getattr(message, name) for name in CONTENT_FIELDS if getattr(message, name, None)}
    if "entities" in stored.data:
        content["entities"] = stored.data["entities"]
    if "caption_entities" in stored.data:
        content["caption_entities"] = stored.data["caption_entities"]
    return content


@api_method("copyMessage", sends=True)
async def copy_message(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    stored, message = _source(fake, bot, p, "copy")
    out = Outgoing.prepare(fake.world, bot, p, "copyMessage")
    content = _content(stored, message)
    if "caption" in p.data and "text" not in content:
        content["caption"], content["caption_entities"] = caption(p)
    data = out.post("copy", **content)
    return telegram.MessageId(data["message_id"]).to_dict()


@api_method("forwardMessage", sends=True)
async def forward_message(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    stored, message = _source(fake, bot, p, "forward")
    out = Outgoing.prepare(fake.world, bot, p, "forwardMessage")
    sender = message.from_user or bot.user
    origin = telegram.MessageOriginUser(message.date, sender)
    return out.post("forward", forward_origin=origin, **_content(stored, message))


def incoming_message(chat: ChatRecord, sender: telegram.User, thread_id: int | None, **content: Any) -> dict:
    """Build and store a message written by a fake user (used by the control API)."""
    data = build_message(chat, sender, thread_id=thread_id, **content)
    store_message(chat, data, from_bot=False, thread_id=thread_id)
    return data
