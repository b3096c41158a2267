"""Standalone Polish/English understanding for the city bot: text -> intent + entities.

Imports nothing from bot/, handlers/ or scheduler/; see `nlu.interface` for the contract.
"""

from nlu.interface import Entity, IntentScore, Interpreter, NullInterpreter, Parse

__all__ = ["Entity", "IntentScore", "Interpreter", "NullInterpreter", "Parse"]
