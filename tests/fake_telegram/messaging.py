"""Shared send-side rules: resolving chats, topics, replies, keyboards and storing bot messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import telegram

from .builders import build_message
from .errors import bad_request, forbidden
from .events import Event
from .formatting import MAX_CAPTION, MAX_TEXT, render
from .params import Params
from .state import BotState, ChatRecord, FakeUser, StoredMessage, World

_INLINE_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)


def private_chat(bot: BotState, user: FakeUser) -> ChatRecord:
    """The user's private chat with this bot, created on first use and kept in sync with the user."""
    chat = bot.chats.get(user.id)
    if chat is None:
        chat = bot.chats[user.id] = ChatRecord(user.id, "private")
    if (chat.first_name, chat.last_name, chat.username) != (user.first_name, user.last_name, user.username):
        chat.first_name, chat.last_name, chat.username = user.first_name, user.last_name, user.username
        chat.changed()
        if user.username:
            bot.usernames[user.username.lower()] = user.id
    return chat


def resolve_chat(world: World, bot: BotState, raw: int | str) -> ChatRecord:
    if isinstance(raw, str):
        chat_id = bot.usernames.get(raw.lstrip("@").lower())
        if chat_id is None:
            raise bad_request("chat not found")
    else:
        chat_id = raw
    chat = bot.chats.get(chat_id)
    if chat is None:
        user = world.users.get(chat_id)
        if user is None:
            raise bad_request("chat not found")
        chat = private_chat(bot, user)
    return chat


def writable_chat(world: World, bot: BotState, raw: int | str) -> ChatRecord:
    """A chat the bot may post to: 403 when blocked or removed, like Telegram."""
    chat = resolve_chat(world, bot, raw)
    if chat.type == "private":
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
    elif chat.bot_status == "kicked":
        raise forbidden(f"bot was kicked from the {chat.type} chat")
    elif chat.bot_status == "left":
        raise forbidden(f"bot is not a member of the {chat.type} chat")
    return chat


def validate_inline_keyboard(markup: dict[str, Any]) -> None:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None:
                if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
            elif not _INLINE_ACTIONS.intersection(button):
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )


def reply_markup(p: Params) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(markup as given, inline keyboard or None). Only inline keyboards are shown on the message."""
    markup = p.obj("reply_markup")
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        validate_inline_keyboard(markup)
        return markup, markup
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        return markup, None
    if markup.get("remove_keyboard") or markup.get("force_reply"):
        return markup, None
    raise bad_request("can't parse reply keyboard markup JSON object")


def inline_markup_dict(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The markup exactly as it appears inside a Message (PTB-normalised)."""
    if not markup:
        return None
    return telegram.InlineKeyboardMarkup.de_json(markup, None).to_dict()  # type: ignore[union-attr]


def topic_thread(chat: ChatRecord, p: Params) -> int | None:
    thread_id = p.int("message_thread_id")
    if thread_id is None:
        return None
    topic = chat.topics.get(thread_id) if chat.is_forum else None
    if topic is None:
        raise bad_request("message thread not found")
    if topic.closed:
        raise bad_request("TOPIC_CLOSED")
    return thread_id


def reply_target(chat: ChatRecord, p: Params) -> StoredMessage | None:
    params = p.obj("reply_parameters")
    if isinstance(params, dict):
        message_id, allow = params.get("message_id"), bool(params.get("allow_sending_without_reply"))
    else:
        message_id, allow = p.int("reply_to_message_id"), p.bool("allow_sending_without_reply")
    if message_id is None:
        return None
    stored = chat.messages.get(int(message_id))
    if stored is None and not allow:
        raise bad_request("message to be replied not found")
    return stored


def message_text(p: Params) -> tuple[str, list[dict[str, Any]]]:
    raw = p.str("text")
    if raw is None or not raw.strip():
        raise bad_request("message text is empty")
    text, entities = render(raw, p.str("parse_mode"), p.obj("entities"))
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, entities


def caption(p: Params) -> tuple[str | None, list[dict[str, Any]]]:
    raw = p.str("caption")
    if not raw:
        return None, []
    text, entities = render(raw, p.str("parse_mode"), p.obj("caption_entities"))
    if len(text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return text or None, entities


@dataclass(slots=True)
class Outgoing:
    """A validated send: where it goes and how it is decorated. post() stores and records it."""

    bot: BotState
    chat: ChatRecord
    params: Params
    method: str
    thread_id: int | None
    reply_to: StoredMessage | None
    markup: dict[str, Any] | None
    inline: dict[str, Any] | None

    @classmethod
    def prepare(cls, world: World, bot: BotState, p: Params, method: str) -> Outgoing:
        chat = writable_chat(world, bot, p.chat_id())
        thread_id = topic_thread(chat, p)
        markup, inline = reply_markup(p)
        return cls(bot, chat, p, method, thread_id, reply_target(chat, p), markup, inline)

    def post(self, kind: str, *, file_id: str | None = None, **content: Any) -> dict[str, Any]:
        data = build_message(
            self.chat,
            self.bot.user,
            sender_dict=self.bot.user_dict,
            thread_id=self.thread_id,
            reply_to=self.reply_to,
            inline_markup=self.inline,
            **content,
        )
        store_message(self.chat, data, from_bot=True, thread_id=self.thread_id)
        self.bot.record(
            Event(
                kind,
                self.chat.id,
                True,
                message_id=data["message_id"],
                text=data.get("text", data.get("caption")),
                reply_markup=self.markup,
                params=self.params.recorded(),
                thread_id=self.thread_id,
                method=self.method,
                file_id=file_id,
                message=data,
            )
        )
        return data


def store_message(chat: ChatRecord, data: dict[str, Any], *, from_bot: bool, thread_id: int | None) -> None:
    message_id = data["message_id"]
    chat.messages[message_id] = StoredMessage(message_id, data, from_bot, thread_id)
