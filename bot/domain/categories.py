"""What residents report, with the Open311 service codes the city's back offices use.

The keyword stems guess a category from a resident's own words ("dziura w jezdni" -> roads) so the
flow can skip asking; they are matched on diacritic-folded text, so "dziure" works too.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_
from nlu.text import fold


@dataclass(frozen=True, slots=True)
class Category:
    code: str  # Open311 service_code, also the value stored on reports
    label: str  # gettext msgid
    description: str  # gettext msgid, shown in Open311 service lists
    stems: str = ""  # "|"-separated folded stems

    @property
    def stem_list(self) -> tuple[str, ...]:
        return tuple(stem for stem in self.stems.split("|") if stem)


CATEGORIES: tuple[Category, ...] = (
    Category(
        "roads",
        N_("🛣 Roads and pavements"),
        N_("Potholes, damaged roads, pavements and kerbs"),
        "dziur|jezdn|asfalt|nawierzchn|chodnik|krawezn|studzienk|pothole|pavement|sidewalk|road surface|kerb",
    ),
    Category(
        "street_lighting",
        N_("💡 Street lighting"),
        N_("Street lamps that are out or damaged"),
        "latarn|oswietl|lampa|lampy|nie swieci|ciemno|streetlight|street light|lamp post|light is out",
    ),
    Category(
        "cleanliness",
        N_("🗑 Cleanliness and illegal dumping"),
        N_("Litter, overflowing bins, illegal dumps"),
        "smiec|smieci|wysypisk|odpad|brud|zasmiec|butelk|gruz|rubbish|litter|trash|garbage|dumping|fly-tip",
    ),
    Category(
        "greenery",
        N_("🌳 Greenery and trees"),
        N_("Trees, branches, lawns, parks"),
        "drzew|galez|galaz|konar|trawnik|krzak|krzew|zielen|tree|branch|lawn|bush",
    ),
    Category(
        "abandoned_vehicles",
        N_("🚗 Abandoned vehicles"),
        N_("Wrecks and vehicles left for a long time"),
        "porzucon|wrak|bez tablic|abandoned car|abandoned vehicle|wreck",
    ),
    Category(
        "animals",
        N_("🐾 Animals"),
        N_("Stray, injured or dead animals, wild boars"),
        "zwierz|pies|psa|kot|dzik|martwy|martwe|ptak|animal|dog|cat|boar|dead bird",
    ),
    Category(
        "transit_stops",
        N_("🚏 Public transport stops"),
        N_("Bus and tram stops, shelters, timetables"),
        "przystan|wiat|rozklad|bus stop|tram stop|shelter",
    ),
    Category(
        "playgrounds",
        N_("🛝 Playgrounds"),
        N_("Broken swings, slides and playground equipment"),
        "plac zabaw|hustawk|zjezdzalni|piaskownic|playground|swing|slide",
    ),
    Category(
        "street_furniture",
        N_("🪑 Benches and street furniture"),
        N_("Benches, bins, bollards, signs"),
        "lawk|kosz|slupek|znak|barier|bench|bin |bollard|sign",
    ),
    Category(
        "graffiti",
        N_("🎨 Graffiti and vandalism"),
        N_("Graffiti, broken glass, vandalised property"),
        "graffiti|pomazan|wandal|zniszczon|powybijan|vandal|smashed",
    ),
    Category(
        "winter_maintenance",
        N_("❄️ Winter maintenance"),
        N_("Snow, ice and gritting"),
        "snieg|lod|oblodz|gololedz|odsniez|posyp|slisko|snow|ice|icy|gritting",
    ),
    Category(
        "other",
        N_("❓ Other"),
        N_("Anything else in public space"),
    ),
)

BY_CODE = {category.code: category for category in CATEGORIES}


def guess_category(text: str) -> Category | None:
    """The category whose stems the text mentions most; on a tie, the one mentioned first
    ("złamana gałąź nad chodnikiem" is about the branch). None when nothing matches."""
    folded = f" {fold(text)} "
    best: tuple[int, int] | None = None
    chosen = None
    for category in CATEGORIES:
        positions = [folded.find(stem) for stem in category.stem_list if stem in folded]
        if not positions:
            continue
        score = (len(positions), -min(positions))
        if best is None or score > best:
            best, chosen = score, category
    return chosen
