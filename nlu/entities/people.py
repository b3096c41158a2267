"""Head counts ("dla 2 osób", "dwie osoby", "we are three", "sam", "jestem z żoną") as an int.

A number is a head count only next to a word that counts people (osoby, people, nas, of us) or in a
Polish personal/collective numeral ("pięciu", "we dwoje"); "o 5" or "Głogowska 5" never are.
"""

from __future__ import annotations

import re
from typing import ClassVar

from nlu.entities.base import Doc
from nlu.entities.vocabulary import NUMBER_RE, PERSONAL_NUMBERS, number_value
from nlu.interface import Entity

# "we trójkę": group nouns that count people only after "we"/"w".
COLLECTIVE_GROUPS = {"dwojke": 2, "trojke": 3, "czworke": 4, "piatke": 5, "szostke": 6}

_N = rf"(?P<n>[0-9]{{1,2}}|{NUMBER_RE})"
_PEOPLE_WORDS = (
    r"(?:osob[a-z]*|os\.|osobowa|osobowy|ludzi|dorosl[a-z]*|gosci|uczestnik[a-z]*|pasazer[a-z]*|people|persons?"
    r"|adults|guests|pax|of[ \t]+us|in[ \t]+total|in[ \t]+our[ \t]+party)"
)
# "jedna osoba więcej" is a change in a head count, not the count.
_COUNT_NOUN = re.compile(
    rf"\b{_N}[ \t]*-?[ \t]*{_PEOPLE_WORDS}(?![a-z])(?![ \t]+(?:wiecej|mniej|more|less)\b)"
)
_PL_NAS = re.compile(
    r"\b(?:jest[ \t]+nas|bedzie[ \t]+nas|przyjdzie[ \t]+nas|przyjdziemy[ \t]+w|nas[ \t]+jest|nas[ \t]+bedzie)"
    rf"[ \t]+{_N}\b"
)
_GROUP_WORDS = "|".join(sorted(PERSONAL_NUMBERS | COLLECTIVE_GROUPS.keys(), key=len, reverse=True))
_PL_WE = re.compile(rf"\b(?:we|w)[ \t]+(?P<n>{_GROUP_WORDS})\b")
_PL_FOR = re.compile(rf"\bdla[ \t]+{_N}\b(?![ \t]*(?:dni|lat|godzin|minut|zl|km|razy|dzieci|osob))")
_PERSONAL = re.compile(rf"\b(?P<n>{'|'.join(sorted(PERSONAL_NUMBERS, key=len, reverse=True))})\b")
_EN_WE_ARE = re.compile(
    r"\b(?:we[ \t]+are|we're|there[ \t]+are|there[ \t]+will[ \t]+be|party[ \t]+of|group[ \t]+of"
    r"|table[ \t]+for|for)"
    rf"[ \t]+{_N}\b"
    r"(?![ \t]*(?:days?|hours?|minutes?|weeks?|years?|times|pm|am|o'?clock|[:.][0-9]))"
)
_ALONE = re.compile(
    r"\b(?:(?:bede|jestem|przyjde|przyjdzie|ide|pojde|bedzie|jade|przyjezdzam|mieszkam)[ \t]+"
    r"(?P<v>sam|sama|samemu|sam[ \t]+jeden|sama[ \t]+jedna)"
    r"|tylko[ \t]+ja|sam[ \t]+jeden|sama[ \t]+jedna|just[ \t]+me|only[ \t]+me|alone|by[ \t]+myself"
    r"|on[ \t]+my[ \t]+own|jedna[ \t]+osoba)\b(?![ \t]+(?:wiecej|mniej)\b)"
)
_COMPANION = (
    r"(?:zona|zony|mezem|meza|partnerem|partnerka|narzeczona|narzeczonym|dzieckiem|synem|corka|mama|mamą|tata|tatą|"
    r"kolega|kolezanka|przyjacielem|przyjaciolka|bratem|siostra|babcia|dziadkiem|wife|husband|partner|son|daughter|"
    r"friend|mother|father|mom|dad|child|kid)"
)
# The span leaves out the verb and the preposition: "jestem z [żoną]", "with [my wife]", "[me and my wife]".
_PARTY = rf"{_COMPANION}(?P<second>[ \t]+(?:i|and)[ \t]+(?:z[ \t]+|my[ \t]+)?{_COMPANION})?"
_WITH = re.compile(
    rf"\b(?:(?:jestem|bede|przyjde|przyjdziemy)[ \t]+z[ \t]+(?P<v>{_PARTY})"
    rf"|with[ \t]+(?P<v2>my[ \t]+{_PARTY.replace('second', 'second2')})"
    rf"|(?P<v3>me[ \t]+and[ \t]+my[ \t]+{_PARTY.replace('second', 'second3')}))"
)
_SOLO = re.compile(
    r"^[ \t]*(?P<w>sam|sama|samemu|sam[ \t]+jeden|sama[ \t]+jedna|solo|just[ \t]+me|me)[ \t.!]*$"
)


def _count(word: str) -> int | None:
    value = number_value(word)
    if value is None:
        value = COLLECTIVE_GROUPS.get(word)
    return value if value is not None and 1 <= value <= 99 else None


class PeopleExtractor:
    """How many people: digits or number words next to a people word, or an idiom ("sam", "we dwoje")."""

    name: ClassVar[str] = "PeopleExtractor"

    def extract(self, doc: Doc) -> list[Entity]:
        text = doc.folded
        out: list[Entity] = []
        patterns = ((_COUNT_NOUN, 0.95), (_PL_NAS, 0.9), (_PL_WE, 0.9), (_EN_WE_ARE, 0.85), (_PL_FOR, 0.7))
        for pattern, conf in patterns:
            for m in pattern.finditer(text):
                value = _count(m["n"])
                if value is not None:
                    start = m.start() if pattern is _COUNT_NOUN else m.start("n")
                    out.append(doc.entity("people", value, start, m.end(), self.name, conf))
        for m in _PERSONAL.finditer(text):
            if self._personal_ok(doc, m.start(), m.end()):
                out.append(doc.entity("people", _count(m["n"]), m.start(), m.end(), self.name, 0.75))
        for m in _SOLO.finditer(text):
            out.append(doc.entity("people", 1, m.start("w"), m.end("w"), self.name, 0.8))
        for m in _ALONE.finditer(text):
            start = m.start("v") if m["v"] else m.start()
            out.append(doc.entity("people", 1, start, m.end(), self.name, 0.85))
        for m in _WITH.finditer(text):
            companions = 2 if (m["second"] or m["second2"] or m["second3"]) else 1
            group = "v" if m["v"] else "v2" if m["v2"] else "v3"
            out.append(doc.entity("people", 1 + companions, m.start(group), m.end(), self.name, 0.75))
        return [e for e in out if e.value is not None]

    @staticmethod
    def _personal_ok(doc: Doc, start: int, end: int) -> bool:
        """ "pięciu" counts people ending a short reply or before "nas"/people nouns, not in "trzech lat"."""
        rest = doc.folded[end:].lstrip(" \t")
        if not rest or rest[0] in ".,!?;)":
            return len(doc.scan.words) <= 4 or doc.folded[:start].rstrip().endswith(("nas", "jest", "bedzie"))
        return bool(re.match(r"(?:nas|ludzi|osob|dorosl|gosci|mezczyzn|chlopakow|znajomych|kolegow)", rest))
