"""Generate the inflected (folded) forms of Polish street and district names.

Residents write "na Głogowskiej", "z Rataj", "na Świętym Marcinie": the gazetteer matches those
against forms generated here from the nominative name. Generation works on folded text (no
diacritics), deliberately over-generates (a nonsense form costs a dict entry, a missing one costs a
miss) and leaves genitive names such as "Dąbrowskiego" or "Królowej Jadwigi" as they are.
"""

from __future__ import annotations

import itertools
import re

from nlu.text import fold

_WORD = re.compile(r"[^\W_]+")
_ROMAN = re.compile(r"^[ivxlc]+$")
# Tokens that are abbreviations or function words: never inflected.
_FIXED = frozenset(
    {"sw", "swietego", "swietej", "ks", "gen", "al", "pl", "os", "r", "im", "i", "w", "z", "nad", "pod", "za"}
)
_PREPOSITIONS = frozenset({"za", "nad", "pod", "przy", "na", "u", "przed", "ku", "do", "od", "w", "pomiedzy"})
_GENITIVE_ENDINGS = ("ego", "ej", "ych", "ich")
# Irregular nouns whose alternations the rules below cannot produce.
_IRREGULAR: dict[str, tuple[str, ...]] = {
    "miasto": ("miasta", "miescie", "miastem", "miastu"),
    "ostrow": ("ostrowa", "ostrowie", "ostrowem", "ostrowiu", "ostrowu"),
    "marcin": ("marcina", "marcinie", "marcinem", "marcinowi"),
    "dojazd": ("dojazdu", "dojezdzie", "dojazdem"),
    "lazarz": ("lazarza", "lazarzu", "lazarzem", "lazarzowi"),
    "dwor": ("dworu", "dworze", "dworem"),
}
# Locative (-e) alternation of the final consonant(s): Wilda -> Wildzie, Śródka -> Śródce.
_LOCATIVE = (
    ("st", "scie"),
    ("zd", "zdzie"),
    ("sl", "sle"),
    ("sn", "snie"),
    ("ch", "sze"),
    ("k", "ce"),
    ("g", "dze"),
    ("r", "rze"),
    ("d", "dzie"),
    ("t", "cie"),
    ("l", "le"),
    ("n", "nie"),
    ("m", "mie"),
    ("w", "wie"),
    ("b", "bie"),
    ("p", "pie"),
    ("f", "fie"),
    ("s", "sie"),
    ("z", "zie"),
)
_SOFT = ("cz", "sz", "rz", "dz", "c", "j", "z", "l")
_VOWELS = set("aeiouy")
_ADJ_SUFFIX = re.compile(r"(?:sk|ck|zk|dzk|ow|ew|n|t|r|l|w|k|d|cz|zn|al)[aeyi]$|(?:sk|ck|ow|n|w)ie$")


def _locative(stem: str) -> set[str]:
    """The -e locative of a consonant stem with its alternation (plus the plain -ie form)."""
    out = {stem + "ie"}
    for tail, repl in _LOCATIVE:
        if stem.endswith(tail):
            out.add(stem[: -len(tail)] + repl)
            break
    if stem.endswith(_SOFT):
        out.update({stem + "u", stem + "y", stem + "i"})
    return out


def _adjective(stem: str) -> set[str]:
    """Case forms of an adjective whose stem is `stem` (all genders, singular and plural)."""
    soft = stem.endswith(("k", "g"))
    i = "i" if soft else "y"
    e = "ie" if soft else "e"
    return {
        stem + "a",
        stem + e + "j",
        stem + i,
        stem + e,
        stem + i + "m",
        stem + e + "go",
        stem + e + "mu",
        stem + i + "ch",
        stem + i + "mi",
    }


def token_forms(token: str) -> set[str]:
    """All forms of one folded word, itself included."""
    t = token
    forms = {t}
    if len(t) < 3 or t in _FIXED or not t.isalpha() or _ROMAN.match(t):
        return forms
    if t in _IRREGULAR:
        forms.update(_IRREGULAR[t])
        return forms
    if t.endswith(("ego", "iego")) or t.endswith("ej"):
        return forms  # genitive already: Dąbrowskiego, Królowej
    last = t[-1]
    if last == "a":
        stem = t[:-1]
        forms.update(_adjective(stem))  # Głogowska -> Głogowskiej
        forms.update(stem + ending for ending in ("y", "i", "e", "o", "om", "ami", "ach"))
        forms.update(_locative(stem))  # Wilda -> Wildzie, Śródka -> Śródce
        if stem.endswith("i"):
            forms.add(stem + "i")  # Komandoria -> Komandorii
    elif last == "y":
        stem = t[:-1]
        forms.update(_adjective(stem))  # Święty -> Świętym
        forms.update({stem, stem + "ach", stem + "ow", stem + "om", stem + "ami"})  # Garbary -> Garbarach
    elif last == "i":
        stem = t[:-1]
        forms.update({t + "m", t + "ego", t + "emu", t + "ch", t + "mi", t + "ej"})  # Tumski -> Tumskim
        forms.update({stem, stem + "ach", stem + "ow", stem + "om", stem + "ami"})  # Rybaki -> Rybakach
    elif last == "e":
        stem = t[:-1]
        if _ADJ_SUFFIX.search(t):
            forms.update(_adjective(stem[:-1] if stem.endswith("i") and stem[-2:-1] in {"k", "g"} else stem))
        forms.update({stem, stem + "ach", stem + "om", stem + "ami", stem + "u", stem + "a", stem + "ow"})
    elif last == "o":
        stem = t[:-1]
        forms.update({stem + "a", stem + "u", stem + "em", stem + "iem", stem + "ach"})
        if stem.endswith(("k", "g", "ch")):
            forms.add(stem + "u")  # Morasko -> Morasku
        else:
            forms.update(_locative(stem))  # Piątkowo -> Piątkowie
    elif last not in _VOWELS:
        bases = [t]
        if t.endswith(("ek", "ec")) and len(t) > 4:
            bases.append(t[:-2] + t[-1])  # Rynek -> Rynku, Zieliniec -> Zielińca (fleeting e)
        if t.endswith("iec") and len(t) > 5:
            bases.append(t[:-3] + "c")  # Dębiec -> Dębca, Dębcu
        for base in bases:
            soft = base.endswith(("k", "g"))
            forms.update({base + "a", base + "u", base + "owi", base + "y", base + "i"})
            forms.add(base + ("iem" if soft else "em"))
            forms.update({base + "ach", base + "ow", base + "ami"})
            if not soft:
                forms.update(_locative(base))
    return forms


def _tokens(name: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(name)))


def name_forms(name: str) -> set[tuple[str, ...]]:
    """Folded token tuples under which `name` may appear in a message, the base form included."""
    base = _tokens(name)
    if not base:
        return set()
    forms = {base}
    if base[0] in _PREPOSITIONS:
        return forms  # "Za Groblą": a prepositional phrase does not decline
    if any(t.isdigit() or _ROMAN.match(t) for t in base) and len(base) > 1:
        return forms  # "Jana Pawła II", "28 Czerwca 1956 r."
    if len(base) > 1 and any(t.endswith(_GENITIVE_ENDINGS) for t in base):
        return forms  # "Królowej Jadwigi", "Orła Białego"
    options: list[list[str]] = []
    for tok in base:
        variants = sorted(token_forms(tok))
        if tok in {"swiety", "swieta", "swiete"}:
            variants.append("sw")
        options.append(variants)
    if len(options) <= 2:
        forms.update(itertools.product(*options))
    else:
        # Three or more words: a speaker declines the leading phrase ("na Nowych Winogradach Północ")
        # or, in a compound name, the last word; the full product would be thousands of forms.
        fixed = [[tok] for tok in base]
        forms.update(itertools.product(*options[:2], *fixed[2:]))
        forms.update(itertools.product(*fixed[:-1], options[-1]))
    return forms


def name_tokens(name: str) -> tuple[str, ...]:
    """The folded word tokens of a name (what the index is keyed by)."""
    return _tokens(name)


def stem(token: str) -> str:
    """A crude stem for the fallback match: the word without its case ending."""
    for ending in (
        "iego",
        "ego",
        "iej",
        "ej",
        "ach",
        "ami",
        "ow",
        "om",
        "ie",
        "em",
        "ym",
        "im",
        "a",
        "e",
        "i",
        "y",
        "u",
        "o",
    ):
        if token.endswith(ending) and len(token) - len(ending) >= 4:
            return token[: -len(ending)]
    return token
