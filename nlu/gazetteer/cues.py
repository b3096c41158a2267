"""Words around a name that make it a street or a district, and names too common to trust alone.

Many Poznań street names are ordinary words ("Polna", "Wodna", "Zielona", "Murawa") or surnames
("Mickiewicza"), so a bare match is only believed next to a cue: "ul.", "na", "przy", "street",
a house number, or a capital letter in mid-sentence. All words here are folded (no diacritics).
"""

from __future__ import annotations

# fmt: off
# Before a name: these make almost anything a street ("ul. Polna", "plac Wolności").
STREET_STRONG_BEFORE = frozenset(
    {
        "ul", "ulica", "ulicy", "ulice", "ulic", "ulicach", "ulicami", "ulicu",
        "al", "aleja", "alei", "aleje", "alejach", "aleji", "alejami", "alejo",
        "pl", "plac", "placu", "placem", "placyk", "placyku",
        "os", "osiedle", "osiedlu", "osiedla", "osiedlem",
        "rondo", "rondzie", "ronda", "rondem",
        "most", "moscie", "mostu", "mostem",
        "skwer", "skwerze", "skweru", "bulwar", "bulwarze",
        "street", "avenue", "square", "roundabout", "bridge",
    }
)
# After a name (English): "Garbary street", "Głogowska St".
STREET_STRONG_AFTER = frozenset({"street", "st", "str", "road", "rd", "avenue", "ave", "square", "sq"})
# Before a name: enough for a distinctive name ("na Głogowskiej"), not for a common word.
STREET_WEAK_BEFORE = frozenset(
    {
        "na", "przy", "z", "ze", "od", "do", "przez", "wzdluz", "kolo", "obok", "pod", "naprzeciwko",
        "skrzyzowanie", "skrzyzowaniu", "rog", "rogu", "zbiegu",
        "on", "at", "near", "along", "from", "to", "off", "corner", "in", "by",
    }
)
# The English ones among them: a lowercase word after these is taken for English, not for a typo.
ENGLISH_WEAK_BEFORE = frozenset(
    {"on", "at", "near", "along", "from", "to", "off", "corner", "in", "by"}
)
# Street names that are everyday words, dates or regions: need a strong cue, a house number or a capital.
COMMON_STREET_WORDS = frozenset(
    {
        "polna", "wodna", "wielka", "zielona", "kwiatowa", "ogrodowa", "szkolna", "solna", "glowna",
        "kolejowa", "dworcowa", "graniczna", "rolna", "fabryczna", "przemyslowa", "towarowa", "wspolna",
        "dluga", "krotka", "mala", "nowa", "stara", "gorna", "dolna", "boczna", "cicha", "jasna", "prosta",
        "krzywa", "lesna", "sloneczna", "wiosenna", "letnia", "jesienna", "zimowa", "spokojna", "wesola",
        "piekna", "ladna", "dobra", "biala", "czarna", "czerwona", "zolta", "srodkowa", "poprzeczna",
        "podgorna", "skosna", "mokra", "sucha", "wysoka", "niska", "szeroka", "waska", "rownolegla",
        "murawa", "grobla", "dojazd", "polanka", "zawady", "wolnosci", "niepodleglosci", "solidarnosci",
        "rybaki", "piekary", "ogrody", "winogrady", "gwarna", "mostowa", "woda", "polska", "wielkopolska",
        "dworcowy", "rynek", "pogodna", "gajowa", "lakowa", "zytnia", "pszenna", "lipowa", "debowa",
        "brzozowa", "sosnowa", "klonowa", "wierzbowa", "jesionowa", "akacjowa", "kasztanowa",
        "wisniowa", "czeresniowa", "jablkowa", "orzechowa", "rozana", "makowa", "chabrowa",
        "warszawska", "krakowska", "poznanska", "czeska", "serbska", "slowianska", "szwedzka",
        "bulgarska", "rumunska", "wegierska", "litewska", "mazowiecka", "chwaliszewo", "srodka",
        "swieta", "robocza", "spoldzielcza", "handlowa",
        "kanalowa", "plazowa", "portowa", "rzeczna", "wiejska", "miejska", "ratuszowa",
        "zamkowa", "koscielna", "klasztorna", "szpitalna", "garncarska", "kramarska", "dominikanska",
        "franciszkanska", "jezuicka", "zydowska", "szewska", "slusarska", "kozia", "golebia",
        "wozna", "ogrodnicza", "pocztowa", "skladowa", "mlynska", "stawna", "spichrzowa", "piwna",
        "browarna", "sportowa", "stadionowa", "lotnicza", "wojskowa", "zolnierska", "ulanska",
        "rycerska", "krolewska", "ksiazeca", "biskupia",
    }
)
# Month names: "27 Grudnia" or "28 Czerwca 1956 r." is a street only with a strong cue or a number.
MONTH_WORDS = frozenset(
    {
        "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "wrzesnia",
        "pazdziernika", "listopada", "grudnia",
    }
)
# Before a district name: "osiedle Piątkowo", "na Jeżycach", "z Rataj", "in Jeżyce".
DISTRICT_STRONG_BEFORE = frozenset(
    {
        "osiedle", "osiedlu", "osiedla", "osiedlem", "os", "dzielnica", "dzielnicy", "dzielnice",
        "rejon", "rejonie", "okolice", "okolicach", "district", "neighbourhood",
        "neighborhood", "area",
    }
)
DISTRICT_WEAK_BEFORE = frozenset(
    {
        "na", "w", "we", "z", "ze", "do", "od", "po", "przez", "dla", "kolo", "obok", "przy",
        "in", "into", "from", "to", "around", "near", "at", "on", "for",
    }
)
# Cues that announce a street and never an osiedle: "ul. Kwiatowa", "wzdłuż Warszawskiej", "przy Wildzie"
# is rare enough that a street of that name wins.
STREET_ONLY_BEFORE = frozenset(
    {
        "ul", "ulica", "ulicy", "ulice", "ulicach", "al", "aleja", "alei", "aleje", "alejach", "pl",
        "plac", "placu", "rondo", "rondzie", "most", "moscie", "wzdluz", "przy", "street", "avenue", "along",
    }
)
# District names that are also ordinary words (after folding): "Wola", "Ogrody", "ławica ryb", "do środka".
COMMON_DISTRICT_WORDS = frozenset(
    {
        "glowna", "wola", "ogrody", "kwiatowe", "lawica", "srodka", "zawady", "warszawskie", "pomet",
        "maltanskie",
    }
)
# Everyday words one typo away from an osiedle name: never corrected into one ("w sprawie" ≠ "Spławie").
NOT_DISTRICTS = frozenset(
    {
        "sprawie", "sprawa", "sprawy", "sprawe", "sprawach", "sprawami", "prawie", "splacie", "zabawie",
        "zabawy", "ogrodzie", "ogrodu", "ogrodach", "ogrodem", "wolnie", "wolnej", "wolnym", "wolne", "wolny",
        "polowie", "polowa", "polowy", "glownie", "glownej", "glowny", "glowne", "godzinie", "godziny",
        "kwiatach", "kwiatami", "kwiatow", "lawice", "lawicy", "lawce", "lawki", "lawka", "lawkach",
        "dzielnicy", "miescie", "miasta", "miastem", "gorzej", "wiarach", "winiarni", "rataty", "ratach",
        "ratami", "naramiennik", "podolaniu", "starosci", "stalego", "staremu", "starego",
    }
)
# District names with a second everyday sense ("bitwa pod Grunwaldem"): need at least a weak cue.
CUED_DISTRICT_WORDS = frozenset({"grunwald", "winogrady", "morasko", "krzesiny", "debiec"})
# Words that often follow "na"/"przy" and must never be taken for a misspelt street.
NOT_STREETS = frozenset(
    {
        "pewno", "razie", "przyklad", "miejscu", "szczescie", "spotkanie", "spotkaniu", "okazji", "koniec",
        "koncu", "poczatku", "zewnatrz", "wszelki", "wszelkie", "czas", "czasie", "dzis", "jutro",
        "dworzec", "dworcu", "przystanku", "przystanek", "rynku", "rynek", "ulicy", "ulice", "wizyte",
        "wizycie", "termin", "terminie", "godzine", "godzinie", "pewnej", "pewnym", "przyszly", "tydzien",
        "tygodniu", "weekend", "weekendzie", "the", "time", "least", "most", "home", "work", "monday",
        "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "stronie", "strone", "dole",
        "gorze", "srodku", "zakupy", "zakupach", "spacer", "spacerze", "rower", "rowerze", "policje",
        "policji", "poczte", "poczcie", "uczelni", "uczelnie", "studia", "studiach", "lekcje", "obiad",
        "kolacje", "sniadanie", "teraz", "zawsze", "wtedy", "mnie", "ciebie", "niego", "nich", "nas",
        "skrzyzowaniu", "skrzyzowanie", "szkole", "szkoly", "chodniku", "chodnik", "jezdni", "jezdnie",
        "parkingu", "parking", "podworku", "podworko", "budowie", "drodze", "trasie", "stacji", "lotnisku",
        "boisku", "przejsciu", "pasach", "torach", "torowisku", "klatce", "schodach", "wejsciu", "terenie",
        "dzialce", "polu", "urzedzie", "komisariacie", "kasie", "basenie", "plazy", "cmentarzu", "targu",
        "targowisku", "bazarze", "pewnego", "przyszlosc", "wakacje", "wakacjach", "urlop", "urlopie",
        "srodek", "miescie", "miasto", "wsi", "dzialke", "sklepie", "sklep",
    }
)
# fmt: on
