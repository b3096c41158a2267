"""Standalone Polish/English understanding for the city bot: text -> intent + entities.

Imports nothing from bot/, handlers/ or scheduler/; see `nlu.interface` for the contract and
`nlu.factory.build_interpreter` for getting an interpreter. The heavier modules (numpy, aiohttp)
are imported only when one of their names is first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from nlu.interface import Entity, IntentScore, Interpreter, NullInterpreter, Parse

__all__ = [
    "EmbeddedInterpreter",
    "Entity",
    "IntentScore",
    "Interpreter",
    "NullInterpreter",
    "Parse",
    "RasaInterpreter",
    "build_interpreter",
    "build_interpreter_from_env",
    "load_or_train",
]

_LAZY = {
    "EmbeddedInterpreter": "nlu.embedded",
    "load_or_train": "nlu.embedded",
    "RasaInterpreter": "nlu.rasa_client",
    "build_interpreter": "nlu.factory",
    "build_interpreter_from_env": "nlu.factory",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nlu' has no attribute {name!r}")
