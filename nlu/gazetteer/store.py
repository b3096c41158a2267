"""The Poznań gazetteer: streets and osiedla loaded from CSV, indexed for matching inside messages.

The shipped `streets.csv` is a hand-checked subset; an operator can import the official TERYT
register (`nlu.gazetteer.teryt`) into the user override file, which is preferred when present.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from nlu.gazetteer.cues import (
    COMMON_DISTRICT_WORDS,
    COMMON_STREET_WORDS,
    CUED_DISTRICT_WORDS,
    DISTRICT_STRONG_BEFORE,
    DISTRICT_WEAK_BEFORE,
    ENGLISH_WEAK_BEFORE,
    MONTH_WORDS,
    NOT_DISTRICTS,
    NOT_STREETS,
    STREET_ONLY_BEFORE,
    STREET_STRONG_AFTER,
    STREET_STRONG_BEFORE,
    STREET_WEAK_BEFORE,
)
from nlu.gazetteer.fuzzy import distance
from nlu.gazetteer.index import Hit, NameIndex
from nlu.gazetteer.inflection import name_forms, name_tokens, stem
from nlu.gazetteer.model import DistrictMatch, Osiedle, Street, StreetMatch
from nlu.gazetteer.scan import Scan, Word
from nlu.text import fold

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_STREETS = PACKAGE_DIR / "streets.csv"
SHIPPED_OSIEDLA = PACKAGE_DIR / "osiedla.csv"
STREETS_ENV = "CITYBOT_STREETS_FILE"
DEFAULT_USER_STREETS = Path("var") / "gazetteer" / "streets.csv"
STREET_COLUMNS = ("name", "kind", "osiedle", "full_name", "teryt")

# Colloquial names covering several units: the first unit is the one a bare mention resolves to.
UMBRELLAS: dict[str, tuple[str, ...]] = {
    "Winogrady": (
        "Stare Winogrady",
        "Nowe Winogrady Północ",
        "Nowe Winogrady Południe",
        "Nowe Winogrady Wschód",
    ),
    "Nowe Winogrady": ("Nowe Winogrady Północ", "Nowe Winogrady Południe", "Nowe Winogrady Wschód"),
    "Grunwald": ("Stary Grunwald", "Grunwald Północ", "Grunwald Południe"),
}
# Cue word before a name -> the kind of street it announces ("plac Mickiewicza" vs "ul. Mickiewicza").
_CUE_KIND = {
    **dict.fromkeys(("ul", "ulica", "ulicy", "ulice", "ulic", "street"), "ulica"),
    **dict.fromkeys(("al", "aleja", "alei", "aleje", "alejach", "aleji", "avenue"), "aleja"),
    **dict.fromkeys(("pl", "plac", "placu", "placem", "square"), "plac"),
    **dict.fromkeys(("os", "osiedle", "osiedlu", "osiedla", "osiedlem"), "osiedle"),
    **dict.fromkeys(("rondo", "rondzie", "ronda", "rondem", "roundabout"), "rondo"),
    **dict.fromkeys(("most", "moscie", "mostu", "mostem", "bridge"), "most"),
}
_KIND_WORDS = frozenset({"plac", "aleja", "aleje", "rondo", "most", "osiedle", "skwer", "park", "ulica"})
_STRONG_ONLY = frozenset({"polska", "wielkopolska", "wolnosci", "niepodleglosci", "solidarnosci", "dojazd"})
_ADJECTIVAL = ("ska", "cka", "zka", "owa", "ewa", "na")
_ABBREVIATIONS = frozenset({"r", "sw", "ks", "gen", "im", "al", "pl", "os"})
_HOUSE = re.compile(
    r"[ \t]*,?[ \t]*"
    r"(?:przy[ \t]+|(?:(?:przy|pod|near|at|by)[ \t]+)?(?:numer(?:ze|em)?|nr\.?|no\.?|number)[ \t]*)?"
    r"([0-9]{1,3}[a-z]?)(?:[ \t]*/[ \t]*([0-9]{1,3}[a-z]?))?"
    r"(?![0-9a-z])(?![.:][0-9])"
    r"(?![ \t]*(?:osob|osoby|os\b|ludzi|people|persons?|pax|zl|pln|km|min|minut|godz|h\b|dni|days?|lat|"
    r"years?|roku|rok|r\.|tys|proc|%|stycz|lut|mar|kwie|maj|czerw|lip|sierp|wrze|pazdz|listop|grud|jan|feb|apr|"
    r"jun|jul|aug|sep|oct|nov|dec))"
)
# fmt: off
_KIND_ALIASES = {
    "ul": "ulica", "ul.": "ulica", "al.": "aleja", "al": "aleja", "aleje": "aleja",
    "pl.": "plac", "pl": "plac",
    "os.": "osiedle", "os": "osiedle", "rondo": "rondo", "most": "most", "rynek": "rynek", "skwer": "skwer",
}
# fmt: on


def user_streets_path() -> Path:
    """Where an imported street register lives: $CITYBOT_STREETS_FILE, else var/gazetteer/streets.csv."""
    env = os.environ.get(STREETS_ENV, "").strip()
    return Path(env) if env else DEFAULT_USER_STREETS


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "cp1250"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(f"{path}: not UTF-8 or Windows-1250 text")


def read_streets(path: Path) -> list[Street]:
    """Streets from a gazetteer CSV (name,kind,osiedle,full_name,teryt); ValueError if malformed."""
    try:
        text = _decode(Path(path).read_bytes(), Path(path))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "name" not in header:
        raise ValueError(f"{path}: not a streets file (header must start with name,kind,osiedle)")
    reader.fieldnames = header
    streets: list[Street] = []
    seen: set[tuple[str, str]] = set()
    for row in reader:
        name = (row.get("name") or "").strip()
        if not name:
            continue
        kind = _normalise_kind(row.get("kind") or "")
        key = (name, kind)
        if key in seen:
            continue
        seen.add(key)
        streets.append(
            Street(
                name=name,
                kind=kind,
                osiedle=(row.get("osiedle") or "").strip(),
                full_name=(row.get("full_name") or "").strip(),
                teryt=(row.get("teryt") or "").strip(),
            )
        )
    if not streets:
        raise ValueError(f"{path}: no streets")
    return streets


def write_streets(streets: Iterable[Street], path: Path) -> int:
    """Write streets in the gazetteer CSV format (atomically); returns how many were written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = sorted(streets, key=lambda s: (fold(s.name), s.kind))
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(STREET_COLUMNS)
        for s in rows:
            writer.writerow([s.name, s.kind, s.osiedle, s.full_name, s.teryt])
    tmp.replace(path)
    return len(rows)


def read_osiedla(path: Path) -> list[Osiedle]:
    """Osiedla from CSV (name,aliases with aliases separated by '|')."""
    text = _decode(Path(path).read_bytes(), Path(path))
    reader = csv.DictReader(io.StringIO(text))
    if "name" not in (reader.fieldnames or []):
        raise ValueError(f"{path}: not an osiedla file (header must be name,aliases)")
    out = []
    for row in reader:
        name = (row.get("name") or "").strip()
        if name:
            aliases = tuple(a.strip() for a in (row.get("aliases") or "").split("|") if a.strip())
            out.append(Osiedle(name, aliases))
    return out


def _normalise_kind(kind: str) -> str:
    k = kind.strip().lower()
    return _KIND_ALIASES.get(k, k or "ulica")


def _street_forms(street: Street) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
    """(all forms, base forms) of a street: its name inflected, its full name as written."""
    base = name_tokens(street.name)
    forms = {form for form in name_forms(street.name) if _feminine_stays_feminine(base, form)}
    bases = {base}
    full = tuple(t for t in name_tokens(street.full_name) if t not in _KIND_WORDS)
    if full and full != base:
        forms.add(full)
        bases.add(full)
    for form in list(forms):
        # "28 Czerwca 1956 r." is also written "28 Czerwca" or "28 Czerwca 1956".
        if len(form) > 2 and any(t.isdigit() for t in form):
            trimmed = list(form)
            while len(trimmed) > 2 and (trimmed[-1] == "r" or _is_year(trimmed[-1])):
                trimmed.pop()
                forms.add(tuple(trimmed))
        if form and form[0].startswith("swiet") and len(form) > 1:
            forms.add(("sw", *form[1:]))
    return forms, bases


_NOT_FEMININE = ("ego", "emu", "ym", "im", "ych", "ich", "ymi", "imi")


def _feminine_stays_feminine(base: tuple[str, ...], form: tuple[str, ...]) -> bool:
    """A feminine street keeps its gender: "Poznańska" is never "Poznańskiego" ("do Poznańskiego")."""
    if len(base) != len(form):
        return True
    return not any(
        word.endswith("a") and variant != word and variant.endswith(_NOT_FEMININE)
        for word, variant in zip(base, form, strict=True)
    )


def _is_year(token: str) -> bool:
    return token.isdigit() and len(token) == 4


def _district_forms(name: str) -> set[tuple[str, ...]]:
    """Forms of an osiedle name; "Osiedle X" is also found as "X" (see `_strip_osiedle`)."""
    base = name_tokens(name)
    forms = {form for form in name_forms(name) if _keeps_gender(base, form)}
    for form in list(forms):
        if form and form[0].startswith("swiet") and len(form) > 1:
            forms.add(("sw", *form[1:]))
    return forms


def _keeps_gender(base: tuple[str, ...], form: tuple[str, ...]) -> bool:
    """Drop feminine forms of a neuter or plural name: "Warszawskie" is never "Warszawskiej"/"Warszawska".

    Those forms are the streets' ("wzdłuż Warszawskiej"); an osiedle named with -e/-y keeps -e/-y/-ym/-ego.
    """
    if len(base) != len(form):
        return True
    for word, variant in zip(base, form, strict=True):
        if variant == word or not word.endswith(("e", "y")):
            continue
        if variant.endswith("ej") or (variant.endswith("a") and word.startswith(variant[:-1])):
            return False
    return True


def _strip_osiedle(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """ "osiedle warszawskie" -> "warszawskie"; other names unchanged."""
    if len(tokens) > 1 and tokens[0] in {"osiedle", "os"}:
        return tokens[1:]
    return tokens


class Gazetteer:
    """Streets and osiedla of Poznań with inflection-aware, typo-tolerant lookup."""

    def __init__(
        self,
        streets: Iterable[Street],
        osiedla: Iterable[Osiedle],
        umbrellas: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.streets: tuple[Street, ...] = tuple(streets)
        self._osiedla: tuple[Osiedle, ...] = tuple(osiedla)
        self._umbrellas = dict(UMBRELLAS if umbrellas is None else umbrellas)
        self._streets = NameIndex[Street]()
        self._stems: dict[str, set[Street]] = {}
        self._common: set[Street] = set()
        self._district_like: set[Street] = set()  # "Winogrady", "Dębiec": streets named after an osiedle
        self._declinable: set[Street] = set()
        self._other_gender: set[str] = set()
        district_words: set[tuple[str, ...]] = set()
        self._districts = NameIndex[tuple[str, str]]()  # -> (official name, folded alias)
        for osiedle in self._osiedla:
            for alias in (osiedle.name, *osiedle.aliases):
                tokens = name_tokens(alias)
                forms = _district_forms(alias)
                self._districts.add(forms, (osiedle.name, " ".join(tokens)), {tokens})
                district_words.add(tokens)
                short = _strip_osiedle(tokens)
                if short != tokens:
                    # Without its "osiedle" the name is a bare adjective or surname ("Warszawskie",
                    # "Sobieskiego"): it is filed under the short alias, which cues.py may mark common.
                    bare = {form[1:] for form in forms if len(form) > 1 and form[0] in {"osiedle", "os"}}
                    self._districts.add(bare, (osiedle.name, " ".join(short)), {short})
        for umbrella, units in self._umbrellas.items():
            forms = _district_forms(umbrella)
            self._districts.add(forms, (units[0], " ".join(name_tokens(umbrella))), {name_tokens(umbrella)})
            district_words.add(name_tokens(umbrella))
        self._districts.finish()
        self._umbrella_aliases = frozenset(" ".join(name_tokens(u)) for u in self._umbrellas)
        for street in self.streets:
            forms, bases = _street_forms(street)
            if len(name_tokens(street.name)) == 1:
                # Masculine forms of a feminine name ("polskiego", "poznańskiego") are everyday
                # adjectives: known words, so never taken for a misspelt street either.
                base = name_tokens(street.name)
                self._other_gender.update(
                    form[0] for form in name_forms(street.name) if not _feminine_stays_feminine(base, form)
                )
            self._streets.add(forms, street, bases)
            tokens = name_tokens(street.name)
            if len(forms) > len(bases) and len(tokens) > 1:
                self._declinable.add(street)
            folded = " ".join(tokens)
            if tokens in district_words:
                self._district_like.add(street)
            if (
                folded in COMMON_STREET_WORDS
                or any(t in MONTH_WORDS for t in tokens)
                or tokens in district_words
                or (tokens and tokens[0] in {"za", "pod", "nad", "przy", "na"})
            ):
                self._common.add(street)
            if len(tokens) == 1 and len(tokens[0]) >= 5:
                self._stems.setdefault(stem(tokens[0]), set()).add(street)
        self._streets.finish()
        self._by_osiedle: dict[str, list[Street]] = {}
        for street in self.streets:
            if street.osiedle:
                self._by_osiedle.setdefault(street.osiedle, []).append(street)

    # -- loading ---------------------------------------------------------------------------------

    @classmethod
    def from_files(cls, streets: Path | None = None, osiedla: Path | None = None) -> Gazetteer:
        """Load from CSV files; by default the user override when present, else the shipped list."""
        if streets is None:
            override = user_streets_path()
            streets = SHIPPED_STREETS
            if override.is_file():
                try:
                    rows = read_streets(override)
                except ValueError as exc:
                    log.warning("ignoring the street register %s: %s", override, exc)
                else:
                    return cls(rows, read_osiedla(osiedla or SHIPPED_OSIEDLA))
        return cls(read_streets(streets), read_osiedla(osiedla or SHIPPED_OSIEDLA))

    def warm(self) -> Gazetteer:
        """Build the typo indexes now (about 0.2 s) rather than on the first misspelt message."""
        self._streets.typo_index()
        self._districts.typo_index()
        return self

    # -- districts -------------------------------------------------------------------------------

    @property
    def districts(self) -> tuple[str, ...]:
        """The official names of the 42 osiedla."""
        return tuple(o.name for o in self._osiedla)

    @property
    def osiedla(self) -> tuple[Osiedle, ...]:
        return self._osiedla

    def district(self, name: str) -> str | None:
        """The official osiedle for a name, alias or inflected form ("na Łazarzu" -> "Św. Łazarz")."""
        words = [w.text for w in Scan.of(name).words]
        while words and words[0] in DISTRICT_STRONG_BEFORE | DISTRICT_WEAK_BEFORE:
            words = words[1:]
        found = self._districts.exact(words)
        return found[0][0][0] if found else None

    def district_group(self, name: str) -> tuple[str, ...]:
        """All units a name covers: ("Winogrady") -> the four Winogrady osiedla; a unit -> itself."""
        key = fold(name).strip()
        for umbrella, units in self._umbrellas.items():
            if fold(umbrella) == key:
                return units
        official = self.district(name)
        return (official,) if official else ()

    def find_districts(self, text: str) -> list[DistrictMatch]:
        return self.match_districts(Scan.of(text))

    def match_districts(self, scan: Scan) -> list[DistrictMatch]:
        """Osiedla named in a scanned message, longest form first, cues deciding the ambiguous ones."""
        words = [w.text for w in scan.words]
        out: list[DistrictMatch] = []
        i = 0
        while i < len(words):
            prev = words[i - 1] if i else ""
            strong = prev in DISTRICT_STRONG_BEFORE
            weak = prev in DISTRICT_WEAK_BEFORE
            if prev in STREET_ONLY_BEFORE and any(
                h.item not in self._district_like for h in self._streets.at(words, i)
            ):
                i += 1  # "ul. Kwiatowa", "wzdłuż Warszawskiej": the cue says street
                continue
            if words[i] in DISTRICT_STRONG_BEFORE and i + 1 < len(words):
                i += 1  # "osiedle Warszawskie": the kind word is a cue, the name after it the span
                continue
            hits = self._districts.at(words, i)
            method = "exact"
            if (
                not hits
                and (strong or weak)
                and len(words[i]) >= 6
                and words[i].isalpha()
                and words[i] not in NOT_DISTRICTS  # "w sprawie" is no misspelt "Spławie"
                and not self._streets.at(words, i)  # "na Głogowskiej" is a street, not a misspelt osiedle
            ):
                for _, key in self._districts.near(words[i])[:3]:
                    if key[0] == words[i][0]:
                        hits = self._districts.at(words, i, first=key)
                        if hits:
                            method = "fuzzy"
                            break
            if not hits:
                i += 1
                continue
            hit = max(hits, key=lambda h: (h.length, h.base))
            if method == "exact" and not hit.base:
                method = "inflected"
            official, alias = hit.item
            end = i + hit.length
            whole = i == 0 and end == len(words)
            capital = scan.is_capitalised(scan.words[i])
            if strong:
                conf = 0.95
            elif alias in COMMON_DISTRICT_WORDS:
                conf = 0.8 if weak and capital else 0.7 if whole else 0.0
            elif alias in CUED_DISTRICT_WORDS:
                conf = 0.85 if weak else 0.7 if whole else 0.0
            else:
                conf = 0.9
            if method == "fuzzy":
                conf *= 0.85
            if alias in self._umbrella_aliases:
                conf *= 0.7
            if conf <= 0:
                i += 1
                continue
            start, stop = scan.span(scan.words[i].start, scan.words[end - 1].end)
            out.append(DistrictMatch(official, start, stop, round(conf, 3), alias, method))
            i = end
        return out

    # -- streets ---------------------------------------------------------------------------------

    def streets_in(self, osiedle: str) -> list[Street]:
        """Streets of one osiedle (official name or alias), as far as the register knows them."""
        official = self.district(osiedle) or osiedle
        return list(self._by_osiedle.get(official, ()))

    def osiedle_of(self, street: str | Street) -> str | None:
        """The osiedle of a street (any form of its name), or None when unknown."""
        found = street if isinstance(street, Street) else self.lookup(street)
        return found.osiedle or None if found else None

    def lookup(self, name: str) -> Street | None:
        """The street a name denotes: exact, inflected or diacritic-free ("ul. glogowskiej"), else None."""
        words = [w.text for w in Scan.of(name).words]
        kind = None
        while words and words[0] in STREET_STRONG_BEFORE:
            kind = kind or _CUE_KIND.get(words[0])
            words = words[1:]
        while words and words[-1] in STREET_STRONG_AFTER:
            words = words[:-1]
        if not words:
            return None
        found = self._streets.exact(words)
        if found:
            return self._prefer([Hit(len(words), s, b, tuple(words)) for s, b in found], kind).item
        if len(words) == 1:
            candidates = self._stems.get(stem(words[0]), set())
            if len(candidates) == 1:
                return next(iter(candidates))
        return None

    def suggest(self, name: str, limit: int = 3) -> list[Street]:
        """Near misses for "did you mean ...?", nearest first (edit distance on folded names)."""
        words = [w.text for w in Scan.of(name).words]
        while words and words[0] in STREET_STRONG_BEFORE:
            words = words[1:]
        query = " ".join(words)
        if not query:
            return []
        budget = max(2, len(query) // 3)
        scored: dict[Street, int] = {}
        for street in self.streets:
            best = budget + 1
            for candidate in {fold(street.name), " ".join(name_tokens(street.full_name))}:
                if candidate and abs(len(candidate) - len(query)) <= budget:
                    best = min(best, distance(query, candidate, budget))
            if best > budget and len(words) == 1:
                # An inflected query ("glogowskej") is compared with the street's own stem.
                head = stem(query)
                target = stem(fold(street.name))
                if abs(len(head) - len(target)) <= budget:
                    best = min(best, distance(head, target, budget) + 1)
            if best <= budget:
                scored[street] = best
        ranked = sorted(scored.items(), key=lambda kv: (kv[1], kv[0].kind != "ulica", fold(kv[0].name)))
        return [street for street, _ in ranked[:limit]]

    def find_streets(self, text: str) -> list[StreetMatch]:
        """Streets named in `text`, with the house number that follows them when there is one."""
        return self.match_streets(Scan.of(text))

    def match_streets(self, scan: Scan) -> list[StreetMatch]:
        words = [w.text for w in scan.words]
        out: list[StreetMatch] = []
        i = 0
        n = len(words)
        while i < n:
            hits = self._streets.at(words, i)
            prev = words[i - 1] if i else ""
            cue_word = prev in STREET_STRONG_BEFORE or prev in STREET_WEAK_BEFORE
            if cue_word and not _adjacent(scan, scan.words[i - 1], scan.words[i]):
                prev = ""
            strong = prev in STREET_STRONG_BEFORE
            weak = prev in STREET_WEAK_BEFORE
            cue_kind = _CUE_KIND.get(prev)
            method = "exact"
            if not hits:
                hits, method = self._near_hits(scan, words, i, strong or weak)
            if not hits:
                i += 1
                continue
            hit = self._prefer(hits, cue_kind)
            if method == "exact" and not hit.base:
                method = "inflected"
            end = i + hit.length
            last = scan.words[end - 1]
            stop_at = last.end
            if last.text in _ABBREVIATIONS and scan.folded[stop_at : stop_at + 1] == ".":
                stop_at += 1  # "28 Czerwca 1956 r." keeps its dot
            house = _HOUSE.match(scan.folded, stop_at)
            after = words[end] if end < n else ""
            strong_after = after in STREET_STRONG_AFTER
            if house is None and strong_after:
                house = _HOUSE.match(scan.folded, scan.words[end].end)  # "Garbary street, number 5"
            conf = self._street_confidence(scan, hit, i, end, strong or strong_after, weak, house is not None)
            if strong and cue_kind not in (None, "ulica") and hit.item.kind != cue_kind:
                conf = min(conf, 0.85)  # "osiedle Główna" names the osiedle, not ul. Główna
            if method == "fuzzy":
                conf *= 0.85
            elif method == "stem":
                conf *= 0.75
            if conf <= 0:
                i += 1
                continue
            start, stop = scan.span(scan.words[i].start, stop_at)
            number, h_start, h_end = None, -1, -1
            if house is not None:
                number = house.group(1) + (f"/{house.group(2)}" if house.group(2) else "")
                h_start, h_end = scan.span(house.start(1), house.end(2) if house.group(2) else house.end(1))
            out.append(StreetMatch(hit.item, start, stop, number, h_start, h_end, round(conf, 3), method))
            i = end
        return out

    # -- internals -------------------------------------------------------------------------------

    def _near_hits(
        self, scan: Scan, words: Sequence[str], i: int, cued: bool
    ) -> tuple[list[Hit[Street]], str]:
        """Typo and stem fallbacks, tried only where a cue or a house number says a street is meant."""
        word = words[i]
        if not word.isalpha() or word in NOT_STREETS or len(word) < 5:
            return [], ""
        if self._districts.at(words, i):
            return [], ""  # "na Grunwaldzie" names the osiedle, not a misspelt "Grunwaldzkie"
        if word in self._other_gender:
            return [], ""  # "do polskiego" is an adjective, not a misspelt "Pułaskiego"
        has_house = _HOUSE.match(scan.folded, scan.words[i].end) is not None
        if cued and i and words[i - 1] in ENGLISH_WEAK_BEFORE and not scan.is_capitalised(scan.words[i]):
            cued = False  # "pay for garbage": after an English preposition a lowercase word is English
        if not (cued or has_house):
            return [], ""
        if len(word) >= (6 if has_house or words[i - 1] in STREET_STRONG_BEFORE else 7):
            for _, key in self._streets.near(word):
                if key[0] != word[0]:
                    continue
                hits = self._streets.at(words, i, first=key)
                if hits:
                    return hits, "fuzzy"
        prev = words[i - 1] if i else ""
        if prev in STREET_STRONG_BEFORE or has_house:
            candidates = self._stems.get(stem(word), set())
            if len(candidates) == 1:
                street = next(iter(candidates))
                return [Hit(1, street, False, (word,))], "stem"
        return [], ""

    def _prefer(self, hits: Sequence[Hit[Street]], cue_kind: str | None) -> Hit[Street]:
        """Longest first; among equals the kind the cue names, a base form, a plain street."""
        return max(
            hits,
            key=lambda h: (
                h.length,
                cue_kind is not None and h.item.kind == cue_kind,
                h.base,
                h.item.kind == "ulica",
                -len(h.item.name),
            ),
        )

    def _street_confidence(
        self, scan: Scan, hit: Hit[Street], i: int, end: int, strong: bool, weak: bool, house: bool
    ) -> float:
        """How sure a match is a street, from its cues; 0 rejects it (a common word without a cue)."""
        street = hit.item
        if strong:
            return 0.97  # "ul. 27 Grudnia": the cue outweighs the date reading
        if house:
            return 0.95
        if street in self._district_like:
            return 0.0  # "na Winogradach" is the osiedle unless a cue or a number says street
        folded = " ".join(name_tokens(street.name))
        if folded in _STRONG_ONLY:
            return 0.0
        common = street in self._common or street.kind in {"osiedle", "rondo", "most", "plac"}
        first = scan.words[i]
        capital = scan.is_capitalised(first)
        if weak:
            if not common:
                return 0.85
            return 0.7 if capital else 0.0
        if i == 0 and end == len(scan.words):
            return 0.6 if common else 0.75  # the whole message is a street name: a reply to "which street?"
        if common:
            return 0.0
        if street in self._declinable:
            return 0.8  # "Święty Marcin", "Stary Rynek": distinctive multi-word names
        if (
            hit.length > 1
            and not _sentence_start(scan, first)
            and all(scan.is_capitalised(w) or w.text.isdigit() for w in scan.words[i:end])
        ):
            return 0.7  # "remont Królowej Jadwigi": a capitalised multi-word name in mid-sentence
        if (
            hit.length == 1
            and capital
            and not _sentence_start(scan, first)
            and folded.endswith(_ADJECTIVAL)
            and len(folded) >= 7
        ):
            return 0.7
        return 0.0


def _adjacent(scan: Scan, left: Word, right: Word) -> bool:
    """Whether only spaces or a dot separate two words ("ul. Głogowska"), not a comma or a newline."""
    gap = scan.folded[left.end : right.start]
    return len(gap) <= 3 and all(ch in " .\t" for ch in gap)


def _sentence_start(scan: Scan, word: Word) -> bool:
    before = scan.folded[: word.start].rstrip()
    return not before or before[-1] in ".!?\n:;\"'(«„"


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The process-wide gazetteer (user override file when present), built once."""
    return Gazetteer.from_files()


def reset_default_gazetteer() -> None:
    """Forget the cached gazetteer, e.g. after importing a new street register."""
    default_gazetteer.cache_clear()
