"""The table of everything the engine can route to, filled by `handlers/` and injected by app.py.

The engine discovers nothing by magic: each handler module exports a `register(registry)` and
app.py calls them, so `bot/conversation` never imports `handlers`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.conversation.flow import Flow
from bot.conversation.turn import Turn
from bot.i18n import LANGUAGES, _, translate
from nlu.text import fold

Action = Callable[[Turn, str], Awaitable[None]]
# Longer texts cannot be a menu label; they skip the label lookup.
MAX_LABEL_LENGTH = 64


@dataclass(frozen=True, slots=True)
class MenuItem:
    """An entry of the main menu: a stable key, its label (a gettext msgid) and what it does."""

    key: str
    label: str
    action: Action


@dataclass(frozen=True, slots=True)
class IntentRoute:
    """What an NLU intent does; `interrupts` lets it break into an active form (help, a person)."""

    action: Action
    label: str
    interrupts: bool = False


@dataclass
class Registry:
    commands: dict[str, Action] = field(default_factory=dict)
    command_help: dict[str, str] = field(default_factory=dict)
    actions: dict[str, Action] = field(default_factory=dict)
    intents: dict[str, IntentRoute] = field(default_factory=dict)
    flows: dict[str, Flow] = field(default_factory=dict)
    menu: list[MenuItem] = field(default_factory=list)
    menu_columns: int = 2
    on_location: Action | None = None
    on_photo: Action | None = None
    _labels: dict[str, MenuItem] | None = field(default=None, repr=False)

    def add_command(self, name: str, action: Action, description: str | None = None) -> None:
        """`/name`; a description (msgid) publishes it in the channel's command list."""
        self.commands[name] = action
        if description:
            self.command_help[name] = description

    def add_action(self, name: str, action: Action) -> None:
        """A global button action, reachable as payload `g:name[:arg]` from any state."""
        self.actions[name] = action

    def add_intent(self, intent: str, action: Action, label: str, *, interrupts: bool = False) -> None:
        self.intents[intent] = IntentRoute(action, label, interrupts)

    def add_flow(self, flow: Flow) -> None:
        self.flows[flow.name] = flow

    def add_menu_item(self, key: str, label: str, action: Action) -> None:
        """Add or replace a main-menu entry (a later feature replaces a "coming soon" placeholder)."""
        item = MenuItem(key, label, action)
        self._labels = None
        for index, existing in enumerate(self.menu):
            if existing.key == key:
                self.menu[index] = item
                return
        self.menu.append(item)

    def keyboard(self) -> list[list[str]]:
        """The main menu as rows of labels in the current language: big buttons, two per row."""
        labels = [_(item.label) for item in self.menu]
        return [labels[i : i + self.menu_columns] for i in range(0, len(labels), self.menu_columns)]

    def menu_item_for(self, text: str) -> MenuItem | None:
        """The menu entry whose label (in any language, emoji and case aside) is `text`."""
        if self._labels is None:
            self._labels = {
                _label_key(translate(item.label, lang)): item for item in self.menu for lang in LANGUAGES
            }
        wanted = _label_key(text) if len(text) <= MAX_LABEL_LENGTH else ""
        return self._labels.get(wanted) if wanted else None


def _label_key(label: str) -> str:
    return " ".join("".join(ch for ch in fold(label) if ch.isalnum() or ch.isspace()).split())
