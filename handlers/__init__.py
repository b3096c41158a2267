"""Conversation flows, one module per feature; each exports `register(registry)`.

app.py calls `register_all`, so the engine never imports this package.
"""

from bot.conversation import Registry
from handlers import (
    alerts,
    booking,
    handoff,
    initiative,
    initiative_browse,
    matters,
    menu,
    privacy,
    report,
    waste,
)

# The menu first: it installs "coming soon" placeholders that the features then replace.
FEATURES = (menu, report, matters, initiative, initiative_browse, booking, waste, alerts, handoff, privacy)


def register_all(registry: Registry) -> Registry:
    for feature in FEATURES:
        feature.register(registry)
    return registry
