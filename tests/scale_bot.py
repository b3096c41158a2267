"""A real `citybot run` process with one extra command for the multi-process tests and bench:
`/count N` answers "N after M", M being the number the same resident sent last (kept in their
conversation state in the database). Out-of-order handling or a lost state write shows at once.

    python -m tests.scale_bot        (configured by the same environment variables as citybot)
"""

from __future__ import annotations

import sys

import handlers
from bot import app as app_module
from bot.conversation import Registry
from bot.conversation.turn import Turn


async def count(turn: Turn, arg: str = "") -> None:
    last = turn.state.slots.get("count_last", 0)
    turn.set_slot("count_last", int(arg) if arg.isdigit() else last)
    turn.say(f"{arg} after {last}")


def register_with_counter(registry: Registry) -> Registry:
    handlers.register_all(registry)
    registry.add_command("count", count)
    return registry


if __name__ == "__main__":
    app_module.register_all = register_with_counter
    from bot.__main__ import main

    sys.exit(main(["run"]))
