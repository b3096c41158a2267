"""The channel-agnostic conversation engine: messages, flows, the registry and the Dialogue."""

from bot.conversation.dialogue import Dialogue, DialogueConfig
from bot.conversation.flow import Answer, FormFlow, Invalid, Slot
from bot.conversation.messages import Attachment, Button, Inbound, Location, Reply
from bot.conversation.registry import Registry
from bot.conversation.turn import Turn

__all__ = [
    "Answer",
    "Attachment",
    "Button",
    "Dialogue",
    "DialogueConfig",
    "FormFlow",
    "Inbound",
    "Invalid",
    "Location",
    "Registry",
    "Reply",
    "Slot",
    "Turn",
]
