"""Button payloads: short strings that fit Telegram's 64-byte callback limit and say where they route.

`g:<action>[:<arg>]` is a global action valid in any state (menu item, language, intent choice).
`f:<run>:<step>:<value>` answers one step of one run of a flow; a payload whose run or step no
longer matches the resident's state is stale (an old message, or a second tap), never re-applied.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bot.conversation.messages import MAX_PAYLOAD_BYTES


class PayloadError(ValueError):
    """A payload that no version of the engine could have produced."""


@dataclass(frozen=True, slots=True)
class GlobalPayload:
    action: str
    arg: str = ""


@dataclass(frozen=True, slots=True)
class FlowPayload:
    run: str
    step: str
    value: str


def global_payload(action: str, arg: str = "") -> str:
    return _checked(f"g:{action}:{arg}" if arg else f"g:{action}")


def flow_payload(run: str, step: str, value: str) -> str:
    return _checked(f"f:{run}:{step}:{value}")


def new_run_id() -> str:
    """Identifies one run of a flow, so buttons of an earlier run are recognised as stale."""
    return secrets.token_hex(3)


def decode(payload: str) -> GlobalPayload | FlowPayload:
    kind, _, rest = payload.partition(":")
    if kind == "g" and rest:
        action, _, arg = rest.partition(":")
        return GlobalPayload(action, arg)
    if kind == "f":
        parts = rest.split(":", 2)
        if len(parts) == 3 and all(parts[:2]):
            return FlowPayload(*parts)
    raise PayloadError(payload)


def _checked(payload: str) -> str:
    if len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
        raise PayloadError(f"payload over {MAX_PAYLOAD_BYTES} bytes: {payload!r}")
    return payload
