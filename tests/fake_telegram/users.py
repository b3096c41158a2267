"""What the fake users do: write, send media, press buttons, post in groups, block the bot.

Each action stores the message as Telegram would, records it in the chat transcript with
from_bot=False, and queues the update for getUpdates or the webhook.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import telegram

from .api_files import media_object, store_upload
from .api_messages import incoming_message
from .builders import now, unix_now
from .events import Event
from .formatting import command_entities
from .messaging import private_chat
from .state import BotState, CallbackRecord, ChatRecord, FakeUser, TopicRecord

if TYPE_CHECKING:
    from .server import FakeTelegram

UserRef = int | FakeUser


class UserActionsMixin:
    """User-side half of the control API; mixed into FakeTelegram."""

    def user(
        self: FakeTelegram,
        user_id: int,
        first_name: str = "Anna",
        language_code: str | None = "pl",
        username: str | None = None,
        last_name: str | None = None,
        is_premium: bool | None = None,
    ) -> FakeUser:
        """Register (or replace) a user descriptor; later actions by this id use it."""
        user = FakeUser(user_id, first_name, language_code, username, last_name, is_premium)
        self.world.users[user_id] = user
        return user

    def _user(self: FakeTelegram, ref: UserRef, overrides: dict[str, Any]) -> FakeUser:
        user = ref if isinstance(ref, FakeUser) else self.world.users.get(int(ref)) or FakeUser(int(ref))
        if overrides:
            user = dataclasses.replace(user, **overrides)
        if self.world.users.get(user.id) != user:
            self.world.users[user.id] = user
        return user

    def _incoming(
        self: FakeTelegram,
        bot: BotState,
        chat: ChatRecord,
        user: FakeUser,
        kind: str,
        *,
        thread_id: int | None = None,
        file_id: str | None = None,
        **content: Any,
    ) -> dict[str, Any]:
        """Store a user's message, record it (from_bot=False) and queue the update."""
        data = incoming_message(chat, user.ptb, thread_id, sender_dict=user.ptb_dict, **content)
        bot.record(
            Event(
                kind,
                chat.id,
                False,
                message_id=data["message_id"],
                text=data.get("text", data.get("caption")),
                thread_id=thread_id,
                user_id=user.id,
                file_id=file_id,
                message=data,
            )
        )
        self._queue(bot, "message", data)
        return data

    def _queue(self: FakeTelegram, bot: BotState, kind: str, payload: dict[str, Any]) -> None:
        if bot.enqueue(kind, payload) is not None:
            self.stats.updates_queued += 1
        self.touch()

    def _private(
        self: FakeTelegram, ref: UserRef, token: str | None, overrides: dict[str, Any]
    ) -> tuple[BotState, FakeUser, ChatRecord]:
        bot = self.bot_state(token)
        user = self._user(ref, overrides)
        chat = private_chat(bot, user)
        chat.blocked = False  # writing to a bot you blocked means restarting it
        return bot, user, chat

    async def send_message(
        self: FakeTelegram,
        user: UserRef,
        text: str,
        *,
        token: str | None = None,
        reply_to_message_id: int | None = None,
        **user_kwargs: Any,
    ) -> dict[str, Any]:
        """The user writes `text` in the private chat; "/commands" get bot_command entities."""
        bot, sender, chat = self._private(user, token, user_kwargs)
        reply_to = chat.messages.get(reply_to_message_id) if reply_to_message_id else None
        return self._incoming(
            bot, chat, sender, "message", text=text, entities=command_entities(text), reply_to=reply_to
        )

    async def send_location(
        self: FakeTelegram,
        user: UserRef,
        latitude: float,
        longitude: float,
        *,
        token: str | None = None,
        **user_kwargs: Any,
    ) -> dict[str, Any]:
        bot, sender, chat = self._private(user, token, user_kwargs)
        return self._incoming(bot, chat, sender, "location", location=telegram.Location(longitude, latitude))

    async def _send_file(
        self: FakeTelegram,
        user: UserRef,
        kind: str,
        data: bytes,
        caption: str | None,
        token: str | None,
        user_kwargs: dict[str, Any],
        filename: str | None = None,
        mime_type: str | None = None,
        **meta: Any,
    ) -> dict[str, Any]:
        bot, sender, chat = self._private(user, token, user_kwargs)
        record = store_upload(self.world, kind, data, filename, mime_type, **meta)
        content: dict[str, Any] = {kind: media_object(self.world, kind, record)}
        if caption:
            content["caption"] = caption
        return self._incoming(bot, chat, sender, kind, file_id=record.file_id, **content)

    async def send_photo(
        self: FakeTelegram,
        user: UserRef,
        data: bytes,
        caption: str | None = None,
        *,
        token: str | None = None,
        **user_kwargs: Any,
    ) -> dict[str, Any]:
        """A photo with Telegram-like sizes; message["photo"][-1] is the original bytes."""
        return await self._send_file(user, "photo", data, caption, token, user_kwargs)

    async def send_document(
        self: FakeTelegram,
        user: UserRef,
        data: bytes,
        filename: str = "document.pdf",
        caption: str | None = None,
        *,
        mime_type: str | None = None,
        token: str | None = None,
        **user_kwargs: Any,
    ) -> dict[str, Any]:
        return await self._send_file(user, "document", data, caption, token, user_kwargs, filename, mime_type)

    async def send_sticker(
        self: FakeTelegram, user: UserRef, emoji: str = "👍", *, token: str | None = None, **user_kwargs: Any
    ) -> dict[str, Any]:
        bot, sender, chat = self._private(user, token, user_kwargs)
        record = store_upload(self.world, "sticker", b"RIFF\x00\x00\x00\x00WEBPVP8 ", None, "image/webp")
        sticker = telegram.Sticker(
            record.file_id,
            record.file_unique_id,
            512,
            512,
            False,
            False,
            "regular",
            emoji=emoji,
            file_size=record.size,
        )
        return self._incoming(bot, chat, sender, "sticker", file_id=record.file_id, sticker=sticker)

    async def send_voice(
        self: FakeTelegram,
        user: UserRef,
        data: bytes = b"OggS\x00fake-voice",
        duration: int = 2,
        *,
        token: str | None = None,
        **user_kwargs: Any,
    ) -> dict[str, Any]:
        return await self._send_file(
            user, "voice", data, None, token, user_kwargs, None, "audio/ogg", duration=duration
        )

    async def send_video(
        self: FakeTelegram,
        user: UserRef,
        data: bytes = b"\x00\x00\x00\x18ftypmp42fake-video",
        duration: int = 3,
        caption: str | None = None,
        *,
        width: int = 640,
        height: int = 360,
        token: str | None = None,
        **user_kwargs: Any,
    ) -> dict[str, Any]:
        return await self._send_file(
            user,
            "video",
            data,
            caption,
            token,
            user_kwargs,
            "video.mp4",
            "video/mp4",
            duration=duration,
            width=width,
            height=height,
        )

    async def send_contact(
        self: FakeTelegram,
        user: UserRef,
        phone_number: str = "+48600100200",
        first_name: str | None = None,
        last_name: str | None = None,
        *,
        own: bool = True,
        token: str | None = None,
        **user_kwargs: Any,
    ) -> dict[str, Any]:
        """Share a contact; own=True shares the user's own number (the request_contact button flow)."""
        bot, sender, chat = self._private(user, token, user_kwargs)
        contact = telegram.Contact(
            phone_number,
            first_name or sender.first_name,
            last_name=last_name,
            user_id=sender.id if own else None,
        )
        return self._incoming(bot, chat, sender, "contact", contact=contact)

    async def edit_message(
        self: FakeTelegram,
        user: UserRef,
        message_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """The user edits their own earlier text message (an edited_message update)."""
        bot = self.bot_state(token)
        sender = self._user(user, {})
        chat = self._chat(bot, chat_id if chat_id is not None else sender.id)
        stored = chat.messages.get(message_id)
        if stored is None or stored.from_bot:
            raise LookupError(f"no user message {message_id} in chat {chat.id}")
        data = dict(stored.data, text=text, edit_date=unix_now())
        entities = [e.to_dict() for e in command_entities(text)]
        if entities:
            data["entities"] = entities
        else:
            data.pop("entities", None)
        stored.data = data
        bot.record(
            Event(
                "edited_message",
                chat.id,
                False,
                message_id=message_id,
                text=text,
                thread_id=stored.thread_id,
                user_id=sender.id,
                message=data,
            )
        )
        self._queue(bot, "edited_message", data)
        return data

    def _chat(self: FakeTelegram, bot: BotState, chat_id: int) -> ChatRecord:
        chat = bot.chats.get(chat_id)
        if chat is None:
            raise LookupError(f"chat {chat_id} does not exist for bot {bot.id}")
        return chat

    async def press_button(
        self: FakeTelegram,
        user: UserRef,
        message_id: int,
        callback_data: str,
        *,
        chat_id: int | None = None,
        token: str | None = None,
        check: bool = True,
        **user_kwargs: Any,
    ) -> str:
        """Press an inline button on a bot message; returns the callback_query_id.

        check=True refuses data that is not on one of the message's current buttons, because a
        real user can only press what is shown.
        """
        bot = self.bot_state(token)
        sender = self._user(user, user_kwargs)
        chat = self._chat(bot, chat_id if chat_id is not None else sender.id)
        stored = chat.messages.get(message_id)
        if stored is None:
            raise LookupError(f"message {message_id} not found in chat {chat.id}")
        if check:
            rows = (stored.data.get("reply_markup") or {}).get("inline_keyboard", [])
            shown = [button.get("callback_data") for row in rows for button in row]
            if callback_data not in shown:
                raise LookupError(f"message {message_id} has no button {callback_data!r}; buttons: {shown}")
        query_id = self.world.new_query_id()
        query = telegram.CallbackQuery(
            query_id, sender.ptb, chat_instance=str(abs(chat.id) * 7919 + bot.id), data=callback_data
        ).to_dict()
        query["message"] = stored.data  # the message as the user sees it now, as Telegram embeds it
        bot.callbacks[query_id] = CallbackRecord(query_id, chat.id, message_id, sender.id, callback_data)
        bot.record(
            Event(
                "callback_query",
                chat.id,
                False,
                message_id=message_id,
                params={"callback_data": callback_data},
                thread_id=stored.thread_id,
                user_id=sender.id,
                callback_query_id=query_id,
                callback_data=callback_data,
                message=stored.data,
            )
        )
        self._queue(bot, "callback_query", query)
        return query_id

    def group(
        self: FakeTelegram,
        chat_id: int,
        title: str | None = None,
        *,
        forum: bool = False,
        username: str | None = None,
        bot_status: str | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """Create or update a supergroup (forum=True enables topics); returns its Chat dict.

        The bot is an administrator of new groups unless bot_status says otherwise.
        """
        bot = self.bot_state(token)
        chat = bot.chats.get(chat_id)
        if chat is None:
            chat = bot.chats[chat_id] = ChatRecord(chat_id, "supergroup", title=title or f"Group {chat_id}")
        chat.title = title or chat.title
        chat.is_forum = chat.is_forum or forum
        if bot_status is not None:
            chat.bot_status = bot_status
        if username:
            chat.username = username
            bot.usernames[username.lower()] = chat_id
        chat.changed()
        return chat.ptb.to_dict()

    def create_topic(self: FakeTelegram, chat_id: int, name: str, *, token: str | None = None) -> int:
        """A topic created by a user (no bot call); returns its message_thread_id."""
        bot = self.bot_state(token)
        if chat_id not in bot.chats:
            self.group(chat_id, forum=True, token=token)
        chat = bot.chats[chat_id]
        chat.is_forum = True
        chat.changed()
        thread_id = chat.new_message_id()
        chat.topics[thread_id] = TopicRecord(thread_id, name, 7322096)
        return thread_id

    async def group_message(
        self: FakeTelegram,
        chat_id: int,
        user: UserRef,
        text: str,
        message_thread_id: int | None = None,
        *,
        join: bool = True,
        token: str | None = None,
        **user_kwargs: Any,
    ) -> dict[str, Any]:
        """A user writes in a supergroup (created on demand; a thread id makes it a forum).

        The writer becomes a member unless join=False, which keeps the status set_member gave
        (e.g. "left": a message that arrives from someone getChatMember no longer lists).
        """
        bot = self.bot_state(token)
        sender = self._user(user, user_kwargs)
        if chat_id not in bot.chats:
            self.group(chat_id, forum=message_thread_id is not None, token=token)
        chat = bot.chats[chat_id]
        if message_thread_id is not None:
            if not chat.is_forum:
                chat.is_forum = True
                chat.changed()
            if message_thread_id not in chat.topics:
                chat.topics[message_thread_id] = TopicRecord(
                    message_thread_id, f"Topic {message_thread_id}", 7322096
                )
                chat.next_message_id = max(chat.next_message_id, message_thread_id + 1)
        if join and chat.members.get(sender.id, "left") in ("left", "kicked"):
            chat.members[sender.id] = "member"
        return self._incoming(
            bot,
            chat,
            sender,
            "message",
            thread_id=message_thread_id,
            text=text,
            entities=command_entities(text),
        )

    def close_topic(
        self: FakeTelegram, chat_id: int, message_thread_id: int, *, token: str | None = None
    ) -> None:
        """An administrator closes a topic in the app: the bot's sends there get TOPIC_CLOSED."""
        self._chat(self.bot_state(token), chat_id).topics[message_thread_id].closed = True

    def delete_topic(
        self: FakeTelegram, chat_id: int, message_thread_id: int, *, token: str | None = None
    ) -> None:
        """An administrator deletes a topic: sends there get "message thread not found"."""
        chat = self._chat(self.bot_state(token), chat_id)
        del chat.topics[message_thread_id]
        for message_id in [m.message_id for m in chat.messages.values() if m.thread_id == message_thread_id]:
            del chat.messages[message_id]

    async def group_photo(
        self: FakeTelegram,
        chat_id: int,
        user: UserRef,
        data: bytes,
        caption: str | None = None,
        message_thread_id: int | None = None,
        *,
        token: str | None = None,
        **user_kwargs: Any,
    ) -> dict[str, Any]:
        """A member posts a photo in a supergroup (in a topic with message_thread_id)."""
        bot = self.bot_state(token)
        sender = self._user(user, user_kwargs)
        chat = self._chat(bot, chat_id)
        record = store_upload(self.world, "photo", data, None, None)
        content: dict[str, Any] = {"photo": media_object(self.world, "photo", record)}
        if caption:
            content["caption"] = caption
        if chat.members.get(sender.id, "left") in ("left", "kicked"):
            chat.members[sender.id] = "member"
        return self._incoming(
            bot, chat, sender, "photo", thread_id=message_thread_id, file_id=record.file_id, **content
        )

    def set_member(
        self: FakeTelegram, chat_id: int, user_id: int, status: str, *, token: str | None = None
    ) -> None:
        """Membership getChatMember reports: member, administrator, creator, left, kicked.

        Using the bot's own id sets the bot's status (left/kicked make sends fail with 403).
        """
        bot = self.bot_state(token)
        chat = bot.chats.get(chat_id)
        if chat is None:
            if chat_id > 0:
                chat = private_chat(bot, self._user(chat_id, {}))
            else:
                self.group(chat_id, token=token)
                chat = bot.chats[chat_id]
        if user_id == bot.id:
            chat.bot_status = status
        else:
            chat.members[user_id] = status

    def _member_update(self: FakeTelegram, bot: BotState, user: FakeUser, old: str, new: str) -> None:
        chat = private_chat(bot, user)
        make = {
            "member": telegram.ChatMemberMember,
            "kicked": lambda u: telegram.ChatMemberBanned(u, until_date=telegram.constants.ZERO_DATE),
        }
        update = telegram.ChatMemberUpdated(
            chat.ptb, user.ptb, now(), make[old](bot.user), make[new](bot.user)
        )
        self._queue(bot, "my_chat_member", update.to_dict())

    def block(self: FakeTelegram, user: UserRef, *, token: str | None = None) -> None:
        """The user blocks the bot: sends now fail with 403 and a my_chat_member update is queued."""
        bot, sender, chat = self._private(user, token, {})
        chat.blocked = True
        bot.record(Event("blocked", chat.id, False, user_id=sender.id))
        self._member_update(bot, sender, "member", "kicked")

    def unblock(self: FakeTelegram, user: UserRef, *, token: str | None = None) -> None:
        bot, sender, chat = self._private(user, token, {})
        bot.record(Event("unblocked", chat.id, False, user_id=sender.id))
        self._member_update(bot, sender, "kicked", "member")
