"""Bot API methods about the bot itself, chats, members, forum topics and commands."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import telegram

from .builders import build_message, unix_now
from .errors import bad_request
from .events import Event
from .messaging import resolve_chat, store_message
from .params import Params
from .registry import api_method
from .state import BotState, ChatRecord, TopicRecord

if TYPE_CHECKING:
    from .server import FakeTelegram

TOPIC_COLORS = frozenset({7322096, 16766590, 13338331, 9367192, 16749490, 16478047})
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
# Accepted and remembered (bot.settings[method] = params) but otherwise without effect.
ACCEPTED_METHODS = (
    "setMyDescription",
    "setMyShortDescription",
    "setMyName",
    "setChatMenuButton",
    "setMyDefaultAdministratorRights",
    "pinChatMessage",
    "unpinChatMessage",
    "unpinAllChatMessages",
    "setMessageReaction",
    "leaveChat",
    "logOut",
    "close",
)


@api_method("getMe")
async def get_me(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    return bot.user_dict


@api_method("getChat")
async def get_chat(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    chat = resolve_chat(fake.world, bot, p.chat_id())
    gifts = telegram.AcceptedGiftTypes(False, False, False, False, False)
    return telegram.ChatFullInfo(
        chat.id,
        chat.type,
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types=gifts,
        title=chat.title,
        username=chat.username,
        first_name=chat.first_name,
        last_name=chat.last_name,
        is_forum=chat.is_forum or None,
    ).to_dict()


def member_status(fake: FakeTelegram, bot: BotState, chat: ChatRecord, user_id: int) -> str:
    if user_id == bot.id:
        return "member" if chat.type == "private" else chat.bot_status
    if chat.type == "private":
        if user_id != chat.id:
            raise bad_request("user not found")
        return "member"
    return chat.members.get(user_id, "left")


def chat_member(fake: FakeTelegram, bot: BotState, user_id: int, status: str) -> telegram.ChatMember:
    """A ChatMember subclass for `status` (member, administrator, creator, left, kicked, restricted)."""
    user = bot.user if user_id == bot.id else None
    if user is None:
        known = fake.world.users.get(user_id)
        user = known.ptb if known else telegram.User(user_id, f"User {user_id}", is_bot=False)
    if status == "administrator":
        flags = dict.fromkeys(
            (
                "can_be_edited",
                "is_anonymous",
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
            ),
            False,
        )
        flags.update(can_manage_chat=True, can_delete_messages=True, can_invite_users=True)
        return telegram.ChatMemberAdministrator(user, can_manage_topics=True, can_pin_messages=True, **flags)
    if status in ("creator", "owner"):
        return telegram.ChatMemberOwner(user, is_anonymous=False)
    if status == "left":
        return telegram.ChatMemberLeft(user)
    if status in ("kicked", "banned"):
        return telegram.ChatMemberBanned(user, until_date=telegram.constants.ZERO_DATE)
    if status == "member":
        return telegram.ChatMemberMember(user)
    raise ValueError(f"unsupported member status {status!r}")


@api_method("getChatMember")
async def get_chat_member(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    chat = resolve_chat(fake.world, bot, p.chat_id())
    user_id = p.int("user_id", required=True)
    assert user_id is not None
    return chat_member(fake, bot, user_id, member_status(fake, bot, chat, user_id)).to_dict()


@api_method("getChatAdministrators")
async def get_chat_administrators(fake: FakeTelegram, bot: BotState, p: Params) -> list[dict[str, Any]]:
    chat = resolve_chat(fake.world, bot, p.chat_id())
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = {uid: s for uid, s in chat.members.items() if s in ("administrator", "creator", "owner")}
    if chat.bot_status == "administrator":
        admins[bot.id] = "administrator"
    return [chat_member(fake, bot, uid, status).to_dict() for uid, status in admins.items()]


@api_method("getChatMemberCount")
async def get_chat_member_count(fake: FakeTelegram, bot: BotState, p: Params) -> int:
    chat = resolve_chat(fake.world, bot, p.chat_id())
    if chat.type == "private":
        return 2
    present = sum(1 for status in chat.members.values() if status not in ("left", "kicked"))
    return present + (chat.bot_status not in ("left", "kicked"))


def _forum(fake: FakeTelegram, bot: BotState, p: Params) -> ChatRecord:
    chat = resolve_chat(fake.world, bot, p.chat_id())
    if chat.type != "supergroup" or not chat.is_forum:
        raise bad_request("the chat is not a forum")
    if chat.bot_status not in ("administrator", "creator"):
        raise bad_request("not enough rights to manage topics")
    return chat


def _topic(chat: ChatRecord, p: Params) -> TopicRecord:
    topic = chat.topics.get(p.int("message_thread_id", required=True) or 0)
    if topic is None:
        raise bad_request("message thread not found")
    return topic


def _topic_event(
    bot: BotState, chat: ChatRecord, kind: str, method: str, topic: TopicRecord, p: Params
) -> None:
    bot.record(
        Event(
            kind,
            chat.id,
            True,
            message_id=topic.thread_id,
            text=topic.name,
            params=p.recorded(),
            thread_id=topic.thread_id,
            method=method,
        )
    )


def _service(bot: BotState, chat: ChatRecord, topic: TopicRecord, **content: Any) -> None:
    data = build_message(chat, bot.user, thread_id=topic.thread_id, **content)
    store_message(chat, data, from_bot=True, thread_id=topic.thread_id)


@api_method("createForumTopic")
async def create_forum_topic(fake: FakeTelegram, bot: BotState, p: Params) -> dict[str, Any]:
    chat = _forum(fake, bot, p)
    name = p.str("name") or ""
    if not 1 <= len(name) <= 128:
        raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
    color = p.int("icon_color", 7322096) or 7322096
    if color not in TOPIC_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")
    # The topic id is the id of its "topic created" service message, as in Telegram.
    topic = TopicRecord(chat.next_message_id, name, color, p.str("icon_custom_emoji_id"))
    chat.topics[topic.thread_id] = topic
    _service(
        bot,
        chat,
        topic,
        message_id=chat.new_message_id(),
        forum_topic_created=telegram.ForumTopicCreated(name, color, topic.icon_custom_emoji_id),
    )
    _topic_event(bot, chat, "topic_created", "createForumTopic", topic, p)
    return telegram.ForumTopic(topic.thread_id, name, color, topic.icon_custom_emoji_id).to_dict()


async def _set_closed(fake: FakeTelegram, bot: BotState, p: Params, closed: bool, method: str) -> bool:
    chat = _forum(fake, bot, p)
    topic = _topic(chat, p)
    if topic.closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = closed
    if closed:
        _service(bot, chat, topic, forum_topic_closed=telegram.ForumTopicClosed())
    else:
        _service(bot, chat, topic, forum_topic_reopened=telegram.ForumTopicReopened())
    _topic_event(bot, chat, "topic_closed" if closed else "topic_reopened", method, topic, p)
    return True


@api_method("closeForumTopic")
async def close_forum_topic(fake: FakeTelegram, bot: BotState, p: Params) -> bool:
    return await _set_closed(fake, bot, p, True, "closeForumTopic")


@api_method("reopenForumTopic")
async def reopen_forum_topic(fake: FakeTelegram, bot: BotState, p: Params) -> bool:
    return await _set_closed(fake, bot, p, False, "reopenForumTopic")


@api_method("editForumTopic")
async def edit_forum_topic(fake: FakeTelegram, bot: BotState, p: Params) -> bool:
    chat = _forum(fake, bot, p)
    topic = _topic(chat, p)
    name, emoji = p.str("name"), p.str("icon_custom_emoji_id")
    if (name is None or name == topic.name) and (emoji is None or emoji == topic.icon_custom_emoji_id):
        raise bad_request("TOPIC_NOT_MODIFIED")
    if name is not None:
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        topic.name = name
    if emoji is not None:
        topic.icon_custom_emoji_id = emoji or None
    _service(
        bot, chat, topic, forum_topic_edited=telegram.ForumTopicEdited(name=name, icon_custom_emoji_id=emoji)
    )
    _topic_event(bot, chat, "topic_edited", "editForumTopic", topic, p)
    return True


@api_method("deleteForumTopic")
async def delete_forum_topic(fake: FakeTelegram, bot: BotState, p: Params) -> bool:
    chat = _forum(fake, bot, p)
    topic = _topic(chat, p)
    del chat.topics[topic.thread_id]
    for message_id in [m.message_id for m in chat.messages.values() if m.thread_id == topic.thread_id]:
        del chat.messages[message_id]
    _topic_event(bot, chat, "topic_deleted", "deleteForumTopic", topic, p)
    return True


def _commands(p: Params) -> list[dict[str, Any]]:
    commands = p.obj("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    out = []
    for item in commands:
        if not isinstance(item, dict) or not _COMMAND_RE.fullmatch(str(item.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(item.get("description", ""))) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        out.append(telegram.BotCommand(item["command"], item["description"]).to_dict())
    return out


@api_method("setMyCommands")
async def set_my_commands(fake: FakeTelegram, bot: BotState, p: Params) -> bool:
    bot.commands[bot.commands_key(p.obj("scope"), p.str("language_code"))] = _commands(p)
    return True


@api_method("getMyCommands")
async def get_my_commands(fake: FakeTelegram, bot: BotState, p: Params) -> list[dict[str, Any]]:
    return bot.commands.get(bot.commands_key(p.obj("scope"), p.str("language_code")), [])


@api_method("deleteMyCommands")
async def delete_my_commands(fake: FakeTelegram, bot: BotState, p: Params) -> bool:
    bot.commands.pop(bot.commands_key(p.obj("scope"), p.str("language_code")), None)
    return True


def _accepted(method: str) -> None:
    async def handler(fake: FakeTelegram, bot: BotState, p: Params) -> bool:
        bot.settings[method] = {**p.recorded(), "date": unix_now()}
        return True

    api_method(method)(handler)


for _method in ACCEPTED_METHODS:
    _accepted(_method)
