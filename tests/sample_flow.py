"""A small form used only by tests to exercise the engine's flow primitives end to end."""

from __future__ import annotations

from bot.conversation import Answer, FormFlow, Invalid, Registry, Slot, Turn
from bot.domain import audit


async def ask_name(turn: Turn, flow: FormFlow) -> None:
    turn.say("What is the name of the event?")


def parse_name(turn: Turn, answer: Answer) -> str:
    if not answer.text.strip():
        raise Invalid("The name cannot be empty.")
    return answer.text.strip()


async def ask_people(turn: Turn, flow: FormFlow) -> None:
    turn.say("How many people?", buttons=[[flow.button(turn, str(n), str(n)) for n in (1, 2, 3)]])


def parse_people(turn: Turn, answer: Answer) -> int:
    raw = answer.choice or answer.text
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 10:
        raise Invalid("Please give a number from 1 to 10.")
    return int(raw)


async def ask_place(turn: Turn, flow: FormFlow) -> None:
    turn.say("Where? Send a pin.", request_location="Send my location")


def parse_place(turn: Turn, answer: Answer) -> list[float]:
    if answer.location is None:
        raise Invalid("I need a pin.")
    return [answer.location.latitude, answer.location.longitude]


def summary(turn: Turn, flow: FormFlow) -> str:
    return f"Event {turn.slots['name']} for {turn.slots['people']}."


async def submit(turn: Turn, flow: FormFlow) -> None:
    await audit.record(turn.session, f"resident:{turn.resident.id}", "sample.submitted", turn.slots["name"])
    turn.say("Saved.", menu=turn.registry.keyboard())


SAMPLE = FormFlow(
    "sample",
    [
        Slot("name", ask_name, parse_name, label="Event name", entity="event"),
        Slot("people", ask_people, parse_people, label="People", entity="people"),
        Slot(
            "place", ask_place, parse_place, label="Spot", required=lambda slots: slots.get("people", 0) > 2
        ),
    ],
    submit=submit,
    summary=summary,
)


async def start_sample(turn: Turn, _arg: str = "") -> None:
    parse = await turn.understand()
    await SAMPLE.start(turn, parse.entity_values() if parse else {})


def register_sample(registry: Registry) -> Registry:
    registry.add_flow(SAMPLE)
    registry.add_command("sample", start_sample)
    registry.add_intent("sample_intent", start_sample, "Sample")
    return registry
